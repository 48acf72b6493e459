"""`story verify` finds what an attacker did to the database behind the archive's back:
which story, which update, and what — changed content, a missing update, a reordering,
a forged insertion, a broken chain, an index that disagrees.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tamper import (
    EXAMPLE_IDS,
    REPORT_ID,
    SLUG,
    VERIFY_FAILED,
    Attacker,
    Cli,
    encode,
    finding,
)

from cli.main import story
from domain.digests import update_digest
from domain.updates import Update

FORGED = Update.draft(
    SLUG,
    "report",
    "2024-02-17",
    "tester",
    headline="ShotSpotter contract quietly renewed for five years",
    text="The city renewed the contract without a council vote.",
    outlet="ABC7 Chicago",
)


def one_character_changed(record: dict[str, Any]) -> None:
    """'six months' becomes 'six mouths' in the text: one character."""
    text = record["text"]
    record["text"] = text.replace("six months", "six mouths", 1)
    assert sum(a != b for a, b in zip(text, record["text"], strict=True)) == 1


def whats(lines: list[str]) -> list[str]:
    return [line.split(": ")[1] for line in lines]


# Changed content


def test_changing_one_character_of_an_update_is_changed_content_of_that_update(
    archive: Cli, attacker: Attacker
) -> None:
    digest = attacker.event(REPORT_ID).state["digest"]

    attacker.change_update(REPORT_ID, one_character_changed)

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        REPORT_ID, "changed content", f"it no longer matches its digest {digest[:12]}"
    )
    # The index still holds the text as recorded, so it disagrees with the event too;
    # `story rebuild` is no cure while the events do not verify, so none is suggested.
    assert lines[1:] == [
        finding(
            REPORT_ID,
            "index mismatch",
            "the read-side index differs from the event",
        )
    ]


def test_verify_on_a_changed_update_prints_findings_on_stdout_and_one_error_line(
    archive: Cli, attacker: Attacker
) -> None:
    attacker.change_update(REPORT_ID, one_character_changed)

    result = archive("verify")

    assert result.exit_code == 1
    assert "shotspotter" in result.stdout
    assert REPORT_ID in result.stdout
    assert "changed content" in result.stdout
    assert result.stderr.splitlines() == [VERIFY_FAILED.format(n="2 problems")]


def test_changing_who_recorded_an_update_is_changed_content(
    archive: Cli, attacker: Attacker
) -> None:
    # `by` is not part of the content id, but it is part of the digest.
    digest = attacker.event(EXAMPLE_IDS[5]).state["digest"]

    attacker.change_update(EXAMPLE_IDS[5], lambda record: record.update(by="someone-else"))

    lines, _ = archive.verify_fails()
    assert (
        finding(
            EXAMPLE_IDS[5],
            "changed content",
            f"it no longer matches its digest {digest[:12]}",
        )
        in lines
    )
    assert set(whats(lines)) == {"changed content", "index mismatch"}


def test_changing_when_an_update_was_recorded_is_changed_content(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.event(EXAMPLE_IDS[7])
    timestamp = {**event.state["timestamp"], "_data_": "2024-02-16T12:00:00.000000+00:00"}

    attacker.set_state(event, {**event.state, "timestamp": timestamp})

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        EXAMPLE_IDS[7],
        "changed content",
        f"it no longer matches its digest {event.state['digest'][:12]}",
    )
    # It now claims to be recorded before the update recorded ahead of it, too.
    assert set(whats(lines)) == {"changed content", "index mismatch", "recorded out of order"}


def test_a_change_with_its_own_digest_recomputed_is_caught_by_its_id_and_the_next_link(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.event(REPORT_ID)
    record = dict(event.state["update"])
    one_character_changed(record)
    digest = update_digest(record, event.recorded_at, event.state["previous"])
    following = attacker.event(EXAMPLE_IDS[2]).state["previous"]

    attacker.set_state(event, {**event.state, "update": record, "digest": digest})

    lines, _ = archive.verify_fails()
    assert (
        finding(
            REPORT_ID, "changed content", "its id no longer matches its content (digest recomputed)"
        )
        in lines
    )
    assert (
        finding(
            EXAMPLE_IDS[2],
            "broken chain",
            f"it links to {following[:12]}, "
            f"but the update recorded before it has digest {digest[:12]}",
        )
        in lines
    )
    assert (
        finding(
            REPORT_ID,
            "broken chain",
            f"the archive chain holds digest {following[:12]} for it, the event {digest[:12]}",
        )
        in lines
    )


def test_an_event_that_is_no_longer_readable_is_changed_content_of_its_story(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.event(REPORT_ID)
    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET state = ? WHERE id = ?", b"{not json", event.id)

    lines, _ = archive.verify_fails()
    unreadable = [line for line in lines if f"event {event.id} cannot be read" in line]
    assert len(unreadable) == 1, lines
    # The finding names the story by its slug, as every other finding does.
    assert unreadable[0].startswith(f"story {SLUG!r}: changed content: "), unreadable[0]


# Missing updates


def test_deleting_an_update_event_is_a_missing_update_naming_its_version(
    archive: Cli, attacker: Attacker
) -> None:
    gone = EXAMPLE_IDS[2]  # version 4, archive chain position 4 (the zone is 1)

    attacker.delete_event(gone)

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        EXAMPLE_IDS[3],
        "missing update",
        "1 update recorded before it in its story (#3; it is #4) is gone",
    )
    assert (
        finding(
            gone,
            "missing update",
            "the archive chain records it at position 4, but the event store no longer has it",
        )
        in lines
    )
    assert "changed content" not in whats(lines)


def test_deleting_two_updates_names_both_versions(archive: Cli, attacker: Attacker) -> None:
    attacker.delete_event(EXAMPLE_IDS[4])
    attacker.delete_event(EXAMPLE_IDS[5])

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        EXAMPLE_IDS[6],
        "missing update",
        "2 updates recorded before it in its story (#5, #6; it is #7) are gone",
    )


def test_deleting_a_storys_last_update_is_a_missing_update_in_the_archive_chain(
    archive: Cli, attacker: Attacker
) -> None:
    # No gap in the story's versions shows it: the archive chain does.
    attacker.delete_event(EXAMPLE_IDS[-1])

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        EXAMPLE_IDS[-1],
        "missing update",
        "the archive chain records it at position 10, but the event store no longer has it",
    )


# Reordering


def test_swapping_two_updates_of_a_story_is_reordered(archive: Cli, attacker: Attacker) -> None:
    first, second = EXAMPLE_IDS[1], EXAMPLE_IDS[2]  # versions 3 and 4

    attacker.swap(first, second)

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        second,
        "reordered",
        "it links to its story's update #3 in recorded order, which should come after it",
    )
    flagged = {line.split(": ")[0] for line in lines}
    assert f"story {SLUG!r}, update {first}" in flagged
    assert "changed content" not in whats(lines)


def test_a_swap_reports_each_finding_once_and_the_archive_chain_break(
    archive: Cli, attacker: Attacker
) -> None:
    first, second = EXAMPLE_IDS[1], EXAMPLE_IDS[2]

    attacker.swap(first, second)

    lines, _ = archive.verify_fails()
    assert len(lines) == len(set(lines)), "a finding is reported twice:\n" + "\n".join(lines)
    assert (
        finding(
            second,
            "broken chain",
            "the archive chain stops following from the events at link 4 (8 links from there on)",
        )
        in lines
    )


def test_swapping_two_distant_updates_is_reordered(archive: Cli, attacker: Attacker) -> None:
    attacker.swap(EXAMPLE_IDS[0], EXAMPLE_IDS[8])  # versions 2 and 10

    lines, _ = archive.verify_fails()
    assert (
        finding(
            EXAMPLE_IDS[8],
            "reordered",
            "it links to its story's update #8 in recorded order, which should come after it",
        )
        in lines
    )


# Forged insertions


def test_a_forged_update_event_is_a_forged_insertion(archive: Cli, attacker: Attacker) -> None:
    attacker.forge(FORGED)

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            FORGED.id,
            "forged insertion",
            "it is in the event store but not in the archive's chain",
        ),
        finding(FORGED.id, "index mismatch", "the read-side index lacks it"),
        finding(
            None,
            "index mismatch",
            "the story list says 9 updates reported 2024-02-12 to 2024-02-16, its events "
            "10 updates reported 2024-02-12 to 2024-02-17",
        ),
    ]


def test_changing_the_story_list_alone_is_an_index_mismatch_of_that_story(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:  # version numbers would be off by one
        execute("UPDATE story_stats SET updates = updates + 1")

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            None,
            "index mismatch",
            "the story list says 10 updates reported 2024-02-12 to 2024-02-16, its events "
            "9 updates reported 2024-02-12 to 2024-02-16 (run `story rebuild`)",
        )
    ]
    archive.ok("rebuild")
    assert archive.verifies().startswith("Verified 9 updates in 1 story")


def test_a_story_missing_from_the_story_list_is_an_index_mismatch(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute("DELETE FROM story_stats")

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            None,
            "index mismatch",
            "the event store has it, the story list does not (run `story rebuild`)",
        )
    ]


def test_a_story_list_entry_without_events_is_an_index_mismatch(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute(
            "INSERT INTO story_stats (story, updates, first_day, last_day) "
            "VALUES ('ghost', 1, '2024-02-16', '2024-02-16')"
        )

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            None,
            "index mismatch",
            "the story list has it, the event store does not (run `story rebuild`)",
            slug="ghost",
        )
    ]


def test_a_forged_update_given_an_index_row_too_is_still_a_forged_insertion(
    archive: Cli, attacker: Attacker
) -> None:
    attacker.forge(FORGED, index=True)
    # The forgery is complete enough that the archive shows it as version 11.
    assert FORGED.id in archive.ok("log", SLUG)

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            FORGED.id,
            "forged insertion",
            "it is in the event store but not in the archive's chain",
        )
    ]


def test_an_update_only_in_the_index_is_an_index_mismatch(archive: Cli, attacker: Attacker) -> None:
    with attacker.tampering() as execute:
        execute(
            "INSERT INTO story_updates (seq, story, update_id, kind, reported_at, reported_day, "
            'sort_utc, recorded_at, "by", text, digest) '
            "SELECT seq + 100, story, ?, kind, reported_at, reported_day, "
            '  sort_utc, recorded_at, "by", ?, digest FROM story_updates WHERE update_id = ?',
            FORGED.id,
            FORGED.text,
            EXAMPLE_IDS[4],
        )

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            FORGED.id,
            "index mismatch",
            "the read-side index lists it, the event store does not (run `story rebuild`)",
        )
    ]


# The read-side index


def test_editing_the_index_alone_is_an_index_mismatch(archive: Cli, attacker: Attacker) -> None:
    with attacker.tampering() as execute:
        execute(
            "UPDATE story_updates SET text = 'ShotSpotter will be switched off.' "
            "WHERE update_id = ?",
            EXAMPLE_IDS[4],
        )

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(
            EXAMPLE_IDS[4],
            "index mismatch",
            "the read-side index differs from the event (run `story rebuild`)",
        )
    ]


def test_the_index_mismatch_remedy_names_a_command_story_has(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute("UPDATE story_updates SET text = 'Altered.' WHERE update_id = ?", EXAMPLE_IDS[4])

    lines, _ = archive.verify_fails()
    named = re.findall(r"`story (\w+)", "\n".join(lines))
    assert named, lines
    for command in named:
        assert command in story.commands, f"verify tells the user to run `story {command}`"


# What an attack leaves standing


def test_a_tampered_archive_verifies_again_once_the_tampering_is_undone(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.event(REPORT_ID)
    attacker.change_update(REPORT_ID, one_character_changed)
    archive.verify_fails()

    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET state = ? WHERE id = ?", encode(event.state), event.id)

    assert archive.verifies().startswith("Verified 9 updates in 1 story")


def test_verify_json_on_a_tampered_archive_lists_the_findings(
    archive: Cli, attacker: Attacker
) -> None:
    digest = attacker.event(REPORT_ID).state["digest"]
    attacker.change_update(REPORT_ID, one_character_changed)

    result = archive("verify", "--json")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [VERIFY_FAILED.format(n="2 problems")]
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["stories"] == 1
    assert data["updates"] == 9
    assert data["checkpoint"] is None
    assert data["findings"] == [
        {
            "story": SLUG,
            "update": REPORT_ID,
            "what": "changed content",
            "detail": f"it no longer matches its digest {digest[:12]}",
        },
        {
            "story": SLUG,
            "update": REPORT_ID,
            "what": "index mismatch",
            "detail": "the read-side index differs from the event",
        },
    ]


def test_verify_json_names_a_missing_update_and_its_version(
    archive: Cli, attacker: Attacker
) -> None:
    attacker.delete_event(EXAMPLE_IDS[2])

    result = archive("verify", "--json")

    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["findings"][0] == {
        "story": SLUG,
        "update": EXAMPLE_IDS[3],
        "what": "missing update",
        "detail": "1 update recorded before it in its story (#3; it is #4) is gone",
    }
    assert len(result.stderr.splitlines()) == 1
