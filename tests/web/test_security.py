"""Imported text is shown, never run: everything is escaped, and a CSP refuses inline script."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from web_helpers import BY

from domain.updates import Update
from storage.archive import open_archive

SCRIPT = "<script>document.title='pwned'</script>"
LINK = "<a href=\"javascript:document.title='pwned'\">click</a>"


def hostile(db: str) -> list[Update]:
    """A story whose every text field tries to inject script."""
    updates = [
        Update.draft(
            "hostile", "revision", "2024-03-01", BY, headline=f"Headline {SCRIPT}",
            text=f"Body {SCRIPT}\n\nA link {LINK}", outlet=f"Outlet {SCRIPT}",
        ),
        Update.draft("hostile", "statement", "2024-03-02", BY, party=f"Party {LINK}", text=SCRIPT),
        Update.draft("hostile", "fact", "2024-03-02", BY, key="k", value={"html": SCRIPT}),
        Update.draft("hostile", "revision", "2024-03-03", BY, headline=f"Later {SCRIPT}",
                     text=f"Body {SCRIPT} changed\n\nA link {LINK}"),
    ]  # fmt: skip
    archive = open_archive(db, "UTC", create=False)
    archive.record(updates)
    archive.close()
    return updates


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=script",
        "/stories/hostile",
        "/stories/hostile?as_of=2024-03-02",
        "/stories/hostile/diff?from=2024-03-01&to=2024-03-03&view=inline",
        "/stories/hostile/diff?from=2024-03-01&to=2024-03-03",
        "/stories/hostile/blame",
        "/stories/hostile/trace?phrase=%3Cscript%3E",
        "/stories/hostile/feed",
    ],
)
def test_imported_markup_is_escaped_on_every_page(
    client: TestClient, web_db: str, path: str
) -> None:
    updates = hostile(web_db)

    page = client.get(path)

    assert page.status_code == 200
    assert "<script" not in page.text.lower()
    assert '<a href="javascript:' not in page.text.lower()
    assert "&lt;script&gt;" in page.text
    for u in updates[:1]:
        assert client.get(f"/stories/hostile/updates/{u.id}").text.count("<script") == 0


def test_every_response_forbids_inline_script_and_sniffing(client: TestClient) -> None:
    for path in ("/", "/stories/shotspotter", "/api/stories", "/no/such/page"):
        headers = client.get(path).headers

        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "'unsafe-inline'" not in policy
        assert "default-src 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"


def test_a_source_that_is_not_an_http_url_is_never_a_link(client: TestClient) -> None:
    from cli.web.views import safe_url

    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JAVASCRIPT:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("https://abc7chicago.com/x") == "https://abc7chicago.com/x"
