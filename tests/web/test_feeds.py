"""Atom feeds, read by feedparser: a story's versions and the whole archive's."""

from __future__ import annotations

import feedparser
from starlette.testclient import TestClient
from web_helpers import BY, IDS

from domain.updates import Update
from storage.archive import open_archive


def test_a_story_feed_is_valid_atom_with_an_entry_per_version_newest_recorded_first(
    client: TestClient,
) -> None:
    answer = client.get("/stories/shotspotter/feed")
    feed = feedparser.parse(answer.content)

    assert answer.headers["content-type"] == "application/atom+xml"
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "shotspotter: every version"
    assert len(feed.entries) == 9
    assert {e.link.rsplit("/", 1)[1] for e in feed.entries} == set(IDS)
    first = next(e for e in feed.entries if e.link.endswith(IDS[1]))
    assert first.title.startswith("shotspotter version 2 (report): Mayor Johnson announces")
    assert first.author == BY
    assert first.published == "2024-02-12T00:00:00Z"
    assert "characters changed" in first.summary


def test_corrections_and_retractions_are_flagged_in_the_feed(
    client: TestClient, web_db: str
) -> None:
    correction = Update.draft(
        "shotspotter", "correction", "2024-02-17", BY, target=IDS[4],
        text="While the mayor wants to extend the contract, SoundThinking does not.",
        note="The company had not yet refused.",
    )  # fmt: skip
    archive = open_archive(web_db, "UTC", create=False)
    archive.append(correction)
    archive.close()

    story = feedparser.parse(client.get("/stories/shotspotter/feed").content)
    everything = feedparser.parse(client.get("/feed").content)

    newest = story.entries[0]
    assert newest.title.startswith("Correction: shotspotter version 10 (correction)")
    assert newest.tags[0].term == "correction"
    assert f"it corrects {IDS[4]}: The company had not yet refused." in newest.summary
    corrected = next(e for e in story.entries if e.link.endswith(IDS[4]))
    assert f"since correction {correction.id}" in corrected.summary
    assert not everything.bozo
    assert everything.entries[0].title == newest.title
    assert len(everything.entries) == 10


def test_the_archive_feed_is_the_50_updates_recorded_last_a_back_fill_first(
    client: TestClient, web_db: str
) -> None:
    others = [
        Update.draft(f"story-{n:02d}", "report", "2024-03-01", BY, text=f"Story {n}.")
        for n in range(45)
    ]
    back_fill = Update.draft(
        "shotspotter", "report", "2023-12-01", BY, text="A council memo, found later."
    )
    archive = open_archive(web_db, "UTC", create=False)
    archive.record(others)
    archive.append(back_fill)
    archive.close()

    feed = feedparser.parse(client.get("/feed").content)

    assert len(feed.entries) == 50
    assert feed.entries[0].title == "shotspotter version 1 (report): A council memo, found later."
    assert feed.entries[0].published == "2023-12-01T00:00:00Z"
    shown = [e.link.rsplit("/", 1)[1] for e in feed.entries]
    # the back-fill, the 45 other stories, and the example's last 4 recorded
    assert shown[1:46] == [u.id for u in reversed(others)]
    assert set(shown[46:]) <= set(IDS)
