"""Memento (RFC 7089): the story page is an original resource with a TimeGate and a TimeMap."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from web_helpers import BY, IDS, text_of

from domain.updates import Update
from storage.archive import open_archive

BASE = "http://testserver/stories/shotspotter"


def memento_url(update_id: str) -> str:
    return f"{BASE}/versions/{update_id}"


def links(header: str) -> dict[str, tuple[str, str | None]]:
    """A Link header as {relation: (url, datetime)}, one entry per relation named."""
    found = {}
    for url, params in re.findall(r"<([^>]+)>((?:;\s*[a-z]+=\"[^\"]*\")*)", header):
        attributes = dict(re.findall(r'([a-z]+)="([^"]*)"', params))
        for rel in attributes["rel"].split():
            if rel != "memento":
                found[rel] = (url, attributes.get("datetime"))
        if "memento" in attributes["rel"].split() and len(attributes["rel"].split()) == 1:
            found["memento"] = (url, attributes.get("datetime"))
    return found


def test_the_story_page_is_an_original_resource_that_names_its_timegate_and_timemap(
    client: TestClient,
) -> None:
    page = client.head("/stories/shotspotter")

    assert page.status_code == 200
    found = links(page.headers["link"])
    assert found["original"][0] == BASE
    assert found["timegate"][0] == f"{BASE}/timegate"
    assert found["timemap"][0] == f"{BASE}/timemap/link"
    # Not a TimeGate itself, and not a memento: Memento clients look for both.
    assert "accept-datetime" not in page.headers.get("vary", "").lower()
    assert "memento-datetime" not in page.headers


@pytest.mark.parametrize(
    ("accept", "expected", "prev", "next_"),
    [
        ("Mon, 12 Feb 2024 00:00:00 GMT", IDS[2], IDS[1], IDS[3]),  # on the 12th: its last
        ("Wed, 14 Feb 2024 23:59:59 GMT", IDS[2], IDS[1], IDS[3]),  # between: the earlier
        ("Thu, 15 Feb 2024 00:00:00 GMT", IDS[5], IDS[4], IDS[6]),
        ("Sat, 01 Jan 2050 00:00:00 GMT", IDS[8], IDS[7], None),  # after: the latest
    ],
)
def test_the_timegate_redirects_to_the_latest_version_at_or_before_the_date(
    client: TestClient, accept: str, expected: str, prev: str, next_: str | None
) -> None:
    answer = client.get("/stories/shotspotter/timegate", headers={"Accept-Datetime": accept})

    assert answer.status_code == 302
    assert answer.headers["location"] == memento_url(expected)
    assert answer.headers["vary"] == "accept-datetime"
    found = links(answer.headers["link"])
    assert found["original"][0] == BASE
    assert found["timemap"][0] == f"{BASE}/timemap/link"
    assert found["first"] == (memento_url(IDS[0]), "Mon, 12 Feb 2024 00:00:00 GMT")
    assert found["last"] == (memento_url(IDS[8]), "Fri, 16 Feb 2024 00:00:00 GMT")
    assert found["prev"][0] == memento_url(prev)
    assert found.get("next", (None,))[0] == (memento_url(next_) if next_ else None)


def test_without_accept_datetime_the_timegate_redirects_to_the_latest(client: TestClient) -> None:
    answer = client.get("/stories/shotspotter/timegate")

    assert answer.status_code == 302
    assert answer.headers["location"] == memento_url(IDS[8])


def test_before_the_first_version_the_timegate_says_so_and_links_the_timemap(
    client: TestClient,
) -> None:
    answer = client.get(
        "/stories/shotspotter/timegate",
        headers={"Accept-Datetime": "Sun, 11 Feb 2024 23:59:59 GMT"},
    )

    assert answer.status_code == 404
    assert "had no version at or before Sun, 11 Feb 2024 23:59:59 GMT" in answer.text
    assert f"{BASE}/timemap/link" in answer.text
    assert links(answer.headers["link"])["timemap"][0] == f"{BASE}/timemap/link"
    assert "location" not in answer.headers


def test_an_unparsable_accept_datetime_is_400(client: TestClient) -> None:
    answer = client.get("/stories/shotspotter/timegate", headers={"Accept-Datetime": "last week"})

    assert answer.status_code == 400
    assert answer.text == (
        "Accept-Datetime 'last week' is not an HTTP date: "
        "give one like 'Thu, 15 Feb 2024 12:00:00 GMT'\n"
    )
    assert answer.headers["vary"] == "accept-datetime"


def test_a_memento_carries_its_datetime_and_links_and_shows_that_version(
    client: TestClient,
) -> None:
    page = client.get(f"/stories/shotspotter/versions/{IDS[3]}")

    assert page.status_code == 200
    assert page.headers["memento-datetime"] == "Thu, 15 Feb 2024 00:00:00 GMT"
    found = links(page.headers["link"])
    assert found["original"][0] == BASE
    assert found["timegate"][0] == f"{BASE}/timegate"
    assert found["prev"][0] == memento_url(IDS[2])
    assert found["next"][0] == memento_url(IDS[4])
    assert "Memento of version 4 of 9" in text_of(page.text)
    assert "ShotSpotter has been deployed in the City of Chicago" in page.text  # the statement
    assert "While the mayor is committed" not in page.text  # reported after it


def test_the_timemap_lists_every_version_as_a_plain_memento_in_link_format(
    client: TestClient,
) -> None:
    answer = client.get("/stories/shotspotter/timemap/link")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/link-format"
    mementos = re.findall(r'<([^>]+)>; rel="memento"; datetime="([^"]+)"', answer.text)
    assert [url for url, _ in mementos] == [memento_url(i) for i in IDS]
    assert mementos[3][1] == "Thu, 15 Feb 2024 00:00:00 GMT"
    assert f'<{BASE}>; rel="original"' in answer.text
    assert f'<{BASE}/timegate>; rel="timegate"' in answer.text


def test_the_timemap_as_json_gives_each_version_its_datetime_number_and_update(
    client: TestClient,
) -> None:
    answer = client.get("/stories/shotspotter/timemap/json").json()

    assert answer["original_uri"] == BASE
    assert answer["timegate_uri"] == f"{BASE}/timegate"
    assert [m["update"] for m in answer["mementos"]["list"]] == IDS
    assert answer["mementos"]["first"] == {
        "datetime": "2024-02-12T00:00:00Z",
        "uri": memento_url(IDS[0]),
        "version": 1,
        "update": IDS[0],
    }
    assert answer["mementos"]["last"]["version"] == 9


def test_known_at_makes_its_own_original_resource_without_updates_recorded_later(
    client: TestClient, web_db: str
) -> None:
    before = datetime.now(UTC)
    time.sleep(0.01)
    late = Update.draft("shotspotter", "report", "2024-02-13", BY, text="A late back-fill.")
    archive = open_archive(web_db, "UTC", create=False)
    archive.append(late)
    archive.close()
    known = before.isoformat()

    now = client.get("/stories/shotspotter/timemap/json").json()["mementos"]["list"]
    then = client.get("/stories/shotspotter/timemap/json", params={"known_at": known}).json()
    gate = client.get(
        "/stories/shotspotter/timegate",
        params={"known_at": known},
        headers={"Accept-Datetime": "Tue, 13 Feb 2024 12:00:00 GMT"},
    )

    assert late.id in [m["update"] for m in now]
    assert [m["update"] for m in then["mementos"]["list"]] == IDS
    assert then["original_uri"].startswith(f"{BASE}?known_at=")
    assert gate.headers["location"].startswith(memento_url(IDS[2]) + "?known_at=")


def test_the_timegate_picks_the_version_a_replay_as_of_the_same_moment_shows(
    tmp_path: Path,
) -> None:
    """One as-of rule: around every update's moment (date-only ones at the start of their
    day in the archive's zone, one a fraction of a second into its minute), the TimeGate
    redirects to the version `story replay --as-of` shows, or to none before the first."""
    from cli.web.app import Service, create_app
    from domain.errors import StoryError
    from domain.when import When

    db, zone = str(tmp_path / "archive.db"), "America/Chicago"
    reported = ["2024-03-01", "2024-03-01T09:30:00.500000+00:00", "2024-03-01T09:30:01-06:00",
                "2024-03-02", "2024-03-02T05:59:59+00:00", "2024-03-02T06:00:00+00:00"]  # fmt: skip
    archive = open_archive(db, zone, create=True)
    archive.record(
        [Update.draft("s", "report", r, BY, text=f"Text {n}.") for n, r in enumerate(reported)]
    )
    moments = sorted(
        {
            u.reported_at.start(archive.zone).astimezone(UTC).replace(microsecond=0)
            + timedelta(seconds=delta)
            for u in archive.timeline("s", UTC, None)
            for delta in (-1, 0, 1)
        }
    )
    app = create_app(Service(lambda: open_archive(db, zone, create=False), zone))
    with TestClient(app, follow_redirects=False) as client:
        for moment in moments:
            answer = client.get(
                "/stories/s/timegate", headers={"Accept-Datetime": format_datetime(moment, True)}
            )
            try:
                shown = archive.replay("s", UTC, When(moment.date(), moment)).last.id
            except StoryError:
                assert answer.status_code == 404, moment
                continue
            assert answer.status_code == 302, moment
            assert answer.headers["location"].endswith(f"/stories/s/versions/{shown}"), moment
    archive.close()
