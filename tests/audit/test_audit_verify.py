"""`story verify` on untouched archives, and `story verify SLUG` for one story."""

from __future__ import annotations

import itertools
import json

import pytest
from tamper import EXAMPLE_IDS, REPORT_ID, SLUG, Attacker, Cli, finding

from storage.archive import open_archive

OTHER = "city-budget"
ALL_CHECK_OUT = "every digest, every story chain and the archive chain check out."
ITS_CHAIN = "every digest, its story chain check out."


@pytest.fixture
def two_stories(archive: Cli) -> tuple[Cli, list[str]]:
    """The example plus a second story, appended between updates of the first; the
    second story's ids."""
    ids = [archive.append(OTHER, "report", "2024-03-01", "--text", "The council met.")]
    archive.append(SLUG, "fact", "2024-02-17", "--key", "contract.status", "--value", '"ended"')
    ids.append(archive.append(OTHER, "report", "2024-03-02", "--text", "The vote is due."))
    return archive, ids


def test_an_untouched_archive_verifies(archive: Cli, attacker: Attacker) -> None:
    head = attacker.chain()[-1][4]

    out = archive.verifies()

    assert out.splitlines() == [
        f"Verified 9 updates in 1 story: {ALL_CHECK_OUT}",
        f"Head: 9 updates, {head}",
    ]


def test_an_empty_archive_verifies(cli: Cli) -> None:
    open_archive(cli.db).close()
    out = cli.verifies()

    assert out.splitlines()[0] == f"Verified 0 updates in 0 stories: {ALL_CHECK_OUT}"


def test_verify_json_on_an_untouched_archive(archive: Cli, attacker: Attacker) -> None:
    data = json.loads(archive.ok("verify", "--json"))

    assert data == {
        "ok": True,
        "stories": 1,
        "updates": 9,
        "head": attacker.chain()[-1][4],
        "findings": [],
        "checkpoint": None,
    }


def test_every_stored_event_carries_its_update_digest_and_previous_digest(
    archive: Cli, attacker: Attacker
) -> None:
    # The layout the attacks in these tests rely on.
    zone, *events = attacker.events()  # the archive's time zone is recorded first
    assert (zone.topic, zone.state["time_zone"]) == ("domain.model:Settings.ZoneChosen", "UTC")
    assert [e.version for e in events] == list(range(1, 11))
    assert events[0].topic == "domain.model:Story.Started"
    assert [e.update_id for e in events[1:]] == EXAMPLE_IDS
    assert events[1].state["previous"] == "0" * 64
    for before, event in itertools.pairwise(events[1:]):
        assert event.state["previous"] == before.state["digest"]
    assert [row[1] for row in attacker.chain()] == ["time-zone", *EXAMPLE_IDS]


def test_verify_a_story_of_a_multi_story_archive(two_stories: tuple[Cli, list[str]]) -> None:
    cli, _ = two_stories

    assert cli.verifies(SLUG).splitlines() == [f"Verified 10 updates in 1 story: {ITS_CHAIN}"]
    assert cli.verifies(OTHER).splitlines() == [f"Verified 2 updates in 1 story: {ITS_CHAIN}"]
    assert cli.verifies().splitlines()[0] == f"Verified 12 updates in 2 stories: {ALL_CHECK_OUT}"


def test_verify_json_of_one_story(two_stories: tuple[Cli, list[str]]) -> None:
    cli, _ = two_stories

    data = json.loads(cli.ok("verify", OTHER, "--json"))

    assert (data["ok"], data["stories"], data["updates"], data["findings"]) == (True, 1, 2, [])


def test_verify_an_unknown_story_is_one_error(two_stories: tuple[Cli, list[str]]) -> None:
    cli, _ = two_stories

    assert cli.fails("verify", "no-such-story") == (
        "no story 'no-such-story' in this archive: see `story list`"
    )


def test_verify_a_malformed_slug_is_one_error(archive: Cli) -> None:
    error = archive.fails("verify", "Not A Slug")

    assert error == (
        "story slug 'Not A Slug' is not valid: use lower-case letters, digits and hyphens, "
        "e.g. chicago-shotspotter"
    )


def test_verify_a_story_finds_tampering_in_that_story_only(
    two_stories: tuple[Cli, list[str]], attacker: Attacker
) -> None:
    cli, other_ids = two_stories

    attacker.change_update(other_ids[1], lambda record: record.update(text="The vote failed."))

    lines, _ = cli.verify_fails(OTHER)
    assert lines[0].startswith(
        finding(other_ids[1], "changed content", "it no longer matches its digest", OTHER)
    )
    assert all(f"story {OTHER!r}" in line for line in lines)
    assert cli.verifies(SLUG).startswith("Verified 10 updates in 1 story")
    whole, _ = cli.verify_fails()
    assert whole[0] == lines[0]


def test_verify_a_story_finds_a_deleted_update_of_that_story(
    two_stories: tuple[Cli, list[str]], attacker: Attacker
) -> None:
    cli, _ = two_stories

    attacker.delete_event(REPORT_ID)

    lines, _ = cli.verify_fails(SLUG)
    assert lines[0] == finding(
        EXAMPLE_IDS[2],
        "missing update",
        "1 update recorded before it in its story (#2; it is #3) is gone",
    )
    assert (
        finding(
            REPORT_ID,
            "missing update",
            "the archive chain records it at position 3, but the event store no longer has it",
        )
        in lines
    )
    assert cli.verifies(OTHER).startswith("Verified 2 updates in 1 story")
