"""A capture's time and what dated it on the update page and in the JSON API."""

from __future__ import annotations

import json

from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import BY, IDS, text_of

from cli.main import story
from domain.updates import Update
from storage.archive import open_archive


def add_capture(db: str, dated_by: str) -> str:
    """A capture of the story's article, dated by its page or by its capture: its id."""
    reported = "2024-02-17T09:00:00-06:00" if dated_by == "page" else "2024-02-17T18:30:00Z"
    update = Update.draft(
        "shotspotter", "revision", reported, BY, headline="ShotSpotter stays",
        text="The contract runs to September.", captured_at="2024-02-17T18:30:00Z",
        dated_by=dated_by,
    )  # fmt: skip
    archive = open_archive(db, "UTC", create=False)
    try:
        archive.append(update)
    finally:
        archive.close()
    return update.id


def test_the_update_page_shows_when_the_page_was_captured_and_what_dated_it(
    client: TestClient, web_db: str
) -> None:
    dated_by_page = add_capture(web_db, "page")

    text = text_of(client.get(f"/stories/shotspotter/updates/{dated_by_page}").text)

    assert "Captured 2024-02-17T18:30:00.000000+00:00 (when the page was captured)" in text
    assert "Dated by the page (reported is the page's own date)" in text


def test_an_update_dated_by_its_capture_says_so(client: TestClient, web_db: str) -> None:
    dated_by_capture = add_capture(web_db, "capture")

    text = text_of(client.get(f"/stories/shotspotter/updates/{dated_by_capture}").text)

    assert "Dated by its capture (the page gives no date: reported is when it was captured)" in (
        text
    )


def test_an_update_that_is_no_capture_shows_neither(client: TestClient) -> None:
    text = text_of(client.get(f"/stories/shotspotter/updates/{IDS[1]}").text)

    assert "Captured" not in text
    assert "Dated by" not in text


def test_the_api_shows_them_as_story_show_json_does(client: TestClient, web_db: str) -> None:
    update_id = add_capture(web_db, "page")

    answer = client.get(f"/api/stories/shotspotter/updates/{update_id}").json()

    shown = CliRunner().invoke(story, ["show", "shotspotter", update_id, "--db", web_db, "--json"])
    assert answer == json.loads(shown.stdout)
    assert (answer["captured_at"], answer["dated_by"]) == (
        "2024-02-17T18:30:00.000000+00:00", "page"
    )  # fmt: skip
