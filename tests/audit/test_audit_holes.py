"""Attacks on what verify vouches for, each one that would change what a replay answers,
jam the archive or crash verify: each must be a finding that names what was changed (or
a refusal by the database itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tamper import (
    EXAMPLE_IDS,
    SLUG,
    Attacker,
    Cli,
    encode,
    finding,
)

DERIVED = "story: {table} is written by story alone: it cannot be {done} (story rebuild)"
FIRST, SECOND, THIRD = EXAMPLE_IDS[2], EXAMPLE_IDS[3], EXAMPLE_IDS[4]


def index_finding(update_id: str, detail: str) -> str:
    return finding(update_id, "index mismatch", f"{detail} (run `story rebuild`)")


# 1. The read model's timeline columns


def test_swapping_two_rows_order_in_the_index_is_an_index_mismatch_naming_the_update(
    archive: Cli, attacker: Attacker
) -> None:
    ((a,), (b,)) = attacker.rows(
        "SELECT seq FROM story_updates WHERE update_id IN (?, ?) ORDER BY seq", FIRST, SECOND
    )
    with attacker.tampering() as execute:
        execute("UPDATE story_updates SET seq = -1 WHERE seq = ?", a)
        execute("UPDATE story_updates SET seq = ? WHERE seq = ?", a, b)
        execute("UPDATE story_updates SET seq = ? WHERE seq = -1", b)

    lines, _ = archive.verify_fails()
    assert lines == [
        index_finding(SECOND, f"the read-side index puts it before {FIRST}, which was "
                              "recorded before it")
    ]  # fmt: skip
    archive.ok("rebuild")
    archive.verifies()


@pytest.mark.parametrize(
    ("column", "value"),
    [("sort_utc", "2024-01-01T00:00:00.000000+00:00"), ("reported_day", "2023-12-31")],
)
def test_moving_a_row_on_the_timeline_is_an_index_mismatch(
    archive: Cli, attacker: Attacker, column: str, value: str
) -> None:
    with attacker.tampering() as execute:
        execute(f"UPDATE story_updates SET {column} = ? WHERE update_id = ?", value, THIRD)

    lines, _ = archive.verify_fails()
    assert lines == [index_finding(THIRD, "the read-side index differs from the event")]


@pytest.mark.parametrize(
    ("table", "done", "statement"),
    [
        ("story_updates", "updated", "UPDATE story_updates SET seq = seq + 100"),
        ("story_updates", "updated", "UPDATE story_updates SET sort_utc = '2000-01-01'"),
        ("story_updates", "deleted", "DELETE FROM story_updates WHERE kind = 'fact'"),
        ("story_stats", "updated", "UPDATE story_stats SET updates = updates - 1"),
        ("story_stats", "updated", "UPDATE story_stats SET last_day = '2030-01-01'"),
        ("story_stats", "deleted", "DELETE FROM story_stats"),
        ("story_meta", "updated", "UPDATE story_meta SET value = 'Asia/Tokyo'"),
        ("story_meta", "deleted", "DELETE FROM story_meta WHERE name = 'time_zone'"),
    ],
)
def test_the_read_models_refuse_update_and_delete_even_after_a_rebuild(
    db: str, table: str, done: str, statement: str
) -> None:
    archive, attacker = Cli(db), Attacker(db)
    archive.import_example()
    archive.ok("rebuild")  # it drops and recreates the index: its triggers come back with it
    before = attacker.snapshot()

    shell = attacker.shell(statement)

    assert shell.returncode != 0, shell.stdout
    assert DERIVED.format(table=table, done=done) in shell.stderr
    assert attacker.snapshot() == before
    archive.verifies()


def test_an_index_mismatch_suggests_rebuild_only_when_the_events_verify(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute("UPDATE story_updates SET text = 'Edited.' WHERE update_id = ?", THIRD)
    assert archive.verify_fails()[0] == [
        index_finding(THIRD, "the read-side index differs from the event")
    ]

    attacker.change_update(FIRST, lambda record: record.update(by="someone else"))

    lines, _ = archive.verify_fails()
    assert finding(THIRD, "index mismatch", "the read-side index differs from the event") in lines
    assert not [line for line in lines if "rebuild" in line]


# 2. The archive's time zone


def test_changing_the_archives_zone_and_rebuilding_is_found(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute("UPDATE story_meta SET value = 'Asia/Tokyo' WHERE name = 'time_zone'")
    archive.ok("rebuild")  # dates now sit in Tokyo's days: replays change

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(None, "time zone changed", "the archive's settings place dates "
                               "in Asia/Tokyo, but the zone recorded in its chain is UTC",
                               None)  # fmt: skip
    # Every date-only update sits elsewhere on the timeline than its event says.
    assert {line.split(": ")[1] for line in lines[1:]} == {"index mismatch"}
    assert len(lines) > 1


def test_the_recorded_zone_is_in_the_archive_chain_and_covered_by_checkpoints(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    assert attacker.chain()[0][1:3] == ("time-zone", "")
    head = tmp_path / "head.json"
    head.write_text(archive.ok("checkpoint"))
    zone = attacker.events()[0]

    attacker.set_state(zone, {**zone.state, "time_zone": "Asia/Tokyo"})

    lines, _ = archive.verify_fails("--against", str(head))
    assert finding(None, "time zone changed", "the archive's settings place dates in UTC, "
                   "but the zone recorded in its chain is Asia/Tokyo", None) in lines  # fmt: skip
    digest = zone.state["digest"][:12]
    assert finding("time-zone", "changed content", "the recorded time zone 'Asia/Tokyo' no "
                   f"longer matches its digest {digest}", None) in lines  # fmt: skip


# 3. A story's event sequence


def test_a_copy_of_the_first_event_at_the_next_version_is_a_malformed_story(
    archive: Cli, attacker: Attacker
) -> None:
    first = next(e for e in attacker.events() if e.topic.endswith(":Story.Started"))
    with attacker.tampering() as execute:
        execute(
            "INSERT INTO archive_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            first.originator_id,
            11,
            first.topic,
            encode(first.state),
        )

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(None, "malformed story", "event 12 starts the story again, as its event #11: "
                "a story has one start event, its first, then only updates")
    ]  # fmt: skip
    error = archive.fails("append", SLUG, "--kind", "report", "--reported-at", "2024-02-17",
                          "--text", "More.")  # fmt: skip
    assert error == (
        f"story {SLUG!r} cannot take updates: its recorded events are malformed (changed "
        "outside story); run `story verify`"
    )


def test_a_deleted_first_event_is_found_and_the_next_append_is_one_line(
    archive: Cli, attacker: Attacker
) -> None:
    with attacker.tampering() as execute:
        execute("DELETE FROM archive_events WHERE topic = 'domain.model:Story.Started'")

    lines, _ = archive.verify_fails()
    assert lines == [finding(None, "missing update", "the story's start event is gone")]
    error = archive.fails("append", SLUG, "--kind", "report", "--reported-at", "2024-02-17",
                          "--text", "More.")  # fmt: skip
    assert error.startswith(f"story {SLUG!r} cannot take updates: its recorded events")


def test_an_update_moved_under_another_id_is_found_and_the_next_append_is_not_blamed(
    archive: Cli, attacker: Attacker
) -> None:
    from uuid import uuid4

    last = attacker.events()[-1]
    elsewhere = uuid4().bytes if isinstance(last.originator_id, bytes) else uuid4()
    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET originator_id = ? WHERE id = ?", elsewhere, last.id)
    moved = finding(last.update_id, "malformed story", f"event {last.id} is filed under an id "
                    "that is no story's id, not its own story's")  # fmt: skip

    lines, _ = archive.verify_fails()
    assert lines == [moved]
    archive.append(SLUG, "report", "2024-02-17", "--text", "Later.")
    lines, _ = archive.verify_fails()
    assert lines == [moved]


def test_the_zone_moved_into_a_story_is_found(archive: Cli, attacker: Attacker) -> None:
    from domain.model import ZONE_LINK, ZONE_TOPIC

    story = next(e for e in attacker.events() if e.topic.endswith(":Story.Started"))
    with attacker.tampering() as execute:
        execute(
            "UPDATE archive_events SET originator_id = ?, originator_version = 99 WHERE topic = ?",
            story.originator_id,
            ZONE_TOPIC,
        )

    lines, _ = archive.verify_fails()
    detail = "event 1 records the archive's time zone under another id or version than the "
    assert finding(ZONE_LINK, "malformed story", detail + "archive's settings'", None) in lines


# 4. recorded_at


def test_an_update_recorded_in_the_past_after_a_checkpoint_is_found(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    head = tmp_path / "head.json"
    head.write_text(archive.ok("checkpoint"))
    forged = attacker.append_thoroughly(
        "shotspotter", "2024-02-16", "A report slipped in.", "2024-02-16T12:00:00+00:00"
    )

    lines, _ = archive.verify_fails("--against", str(head))
    assert lines[0].startswith(
        finding(forged, "recorded out of order", "recorded 2024-02-16T12:00:00.000000+00:00, "
                "before the update recorded ahead of it")
    )  # fmt: skip
    assert lines[1].startswith(
        finding(forged, "recorded out of order", "it comes after the checkpoint made ")
    )
    assert len(lines) == 2


def test_the_archive_supplies_recorded_at_not_the_writers_clock(
    archive: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from domain.model import Story

    last = Attacker(archive.db).events()[-1].recorded_at
    monkeypatch.setattr(
        Story.Updated, "create_timestamp", staticmethod(lambda: datetime(2001, 1, 1, tzinfo=UTC))
    )
    archive.append(SLUG, "report", "2024-02-17", "--text", "Later.")

    recorded = Attacker(archive.db).events()[-1].recorded_at
    assert recorded >= last
    archive.verifies()


# 5. Malformed rows


@pytest.mark.parametrize(
    ("what", "state", "why"),
    [
        ("empty", {}, "cannot be read: 'update'"),
        (
            "bad-timestamp",
            {"timestamp": {"_type_": "datetime_iso", "_data_": "yesterday"}},
            "cannot be read: Invalid isoformat string: 'yesterday'",
        ),
        ("update-not-a-record", {"update": [1, 2]}, "cannot be read: its update or timestamp"),
    ],
)
def test_a_malformed_event_is_a_finding_with_its_id(
    archive: Cli, attacker: Attacker, what: str, state: dict[str, object], why: str
) -> None:
    event = attacker.event(THIRD)
    attacker.set_state(event, state if what == "empty" else {**event.state, **state})

    lines, _ = archive.verify_fails()
    assert any(
        line.startswith(f"story {SLUG!r}: changed content: event {event.id} {why}")
        for line in lines
    ), lines


def test_a_version_that_is_no_number_is_a_finding(archive: Cli, attacker: Attacker) -> None:
    if attacker.postgres:
        pytest.skip("PostgreSQL's integer column holds numbers only")
    event = attacker.event(THIRD)
    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET originator_version = 'x' WHERE id = ?", event.id)

    lines, _ = archive.verify_fails()
    assert (
        f"story {SLUG!r}: changed content: event {event.id} cannot be read: its version "
        "'x' is not a number" in lines
    )


def test_a_state_stored_as_text_is_a_finding(archive: Cli, attacker: Attacker) -> None:
    if attacker.postgres:
        pytest.skip("PostgreSQL's bytea column holds bytes only")
    event = attacker.event(THIRD)
    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET state = CAST(state AS TEXT) WHERE id = ?", event.id)

    lines, _ = archive.verify_fails()
    assert f"story {SLUG!r}: changed content: event {event.id} cannot be read: its state is " \
           "stored as str, not bytes" in lines  # fmt: skip


@pytest.mark.parametrize(
    ("statement", "update_id"),
    [
        ("UPDATE story_updates SET reported_at = 'garbage' WHERE update_id = ?", THIRD),
        ("UPDATE story_updates SET recorded_at = 'garbage' WHERE update_id = ?", THIRD),
        ("UPDATE story_updates SET fact_value = '{not json' WHERE kind = 'fact' "
         "AND update_id <> ?", None),
    ],
)  # fmt: skip
def test_a_garbage_index_row_is_a_finding(
    archive: Cli, attacker: Attacker, statement: str, update_id: str | None
) -> None:
    with attacker.tampering() as execute:
        execute(statement, update_id or "")

    lines, _ = archive.verify_fails()
    assert lines
    assert all("index mismatch: the read-side index differs" in line for line in lines)
    assert archive.fails("log", SLUG).endswith(  # log reads every row: one line, the cure
        "it was changed outside story; run `story verify`, then `story rebuild`"
    )


def test_a_garbage_story_list_row_is_a_finding(archive: Cli, attacker: Attacker) -> None:
    if attacker.postgres:
        pytest.skip("PostgreSQL's integer column holds integers only")
    with attacker.tampering() as execute:
        execute("UPDATE story_stats SET updates = 'many'")

    lines, _ = archive.verify_fails()
    assert lines == [
        finding(None, "index mismatch", "the story list says many updates reported 2024-02-12 "
                "to 2024-02-16, its events 9 updates reported 2024-02-12 to 2024-02-16 "
                "(run `story rebuild`)")
    ]  # fmt: skip
    for command in (["list"], ["replay", SLUG]):
        assert archive.fails(*command).startswith("the index's story list cannot be read")


def test_an_event_that_cannot_be_rebuilt_from_is_one_line(archive: Cli, attacker: Attacker) -> None:
    attacker.change_update(THIRD, lambda update: update.update(reported_at=5))

    assert archive.fails("rebuild").startswith("cannot rebuild: ")


# 6. Topics


def test_an_event_topic_naming_a_module_is_a_finding_and_imports_nothing(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.events()[-1]  # the last: an append reads it too
    with attacker.tampering() as execute:
        execute("UPDATE archive_events SET topic = 'this:s' WHERE id = ?", event.id)
    # In a fresh interpreter, so that nothing else has imported `this` already.
    code = (
        "import sys; from click.testing import CliRunner; from cli.main import story; "
        f"r = CliRunner().invoke(story, ['verify', '--db', {archive.db!r}]); "
        "print(r.stdout); print('this' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert run.stdout.splitlines()[-1] == "False", run.stdout  # `this` would print its poem
    assert (f"story {SLUG!r}: changed content: event {event.id} has topic 'this:s', which is "
            "none of story's events") in run.stdout  # fmt: skip
    error = archive.fails("append", SLUG, "--kind", "report", "--reported-at", "2024-02-17",
                          "--text", "More.")  # fmt: skip
    assert "run `story verify`" in error


# 7. The guard itself


def test_a_decoy_trigger_is_found_reported_and_replaced(db: str) -> None:
    archive, attacker = Cli(db), Attacker(db)
    archive.import_example()
    if attacker.postgres:
        statement = (
            "CREATE OR REPLACE FUNCTION story_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        wrong = "function story_append_only did not do what story made it do"
    else:
        statement = (
            "DROP TRIGGER archive_events_no_update; CREATE TRIGGER archive_events_no_update "
            "BEFORE UPDATE ON archive_events BEGIN SELECT 1; END"
        )
        wrong = (
            "trigger archive_events_no_update on archive_events did not do what story made it do"
        )
    assert attacker.shell(statement).returncode == 0

    lines, _ = archive.verify_fails()
    assert lines == [finding(None, "guard tampered", f"{wrong} (put right on opening)", None)]
    shell = attacker.shell("UPDATE archive_events SET topic = 'x' WHERE originator_version = 3")
    assert "recorded history cannot be updated" in shell.stderr
    archive.verifies()


def test_a_trigger_enabled_for_replicas_only_is_found_and_enabled_again(
    postgres_db: str,
) -> None:
    archive, attacker = Cli(postgres_db), Attacker(postgres_db)
    archive.import_example()
    assert (
        attacker.shell(
            "ALTER TABLE story_chain ENABLE REPLICA TRIGGER story_chain_append_only"
        ).returncode
        == 0
    )

    lines, _ = archive.verify_fails()
    assert lines == [finding(None, "guard tampered", "trigger story_chain_append_only on "
                             "story_chain was enabled for replicas only (put right on "
                             "opening)", None)]  # fmt: skip
    shell = attacker.shell("DELETE FROM story_chain")
    assert "recorded history cannot be deleted" in shell.stderr


def test_any_command_that_finds_the_guard_tampered_with_says_so_on_stderr(db: str) -> None:
    """Opening the archive puts the guard right: a reading command says it did, so that
    the tampering is not known to verify alone (which reports it among its findings)."""
    archive, attacker = Cli(db), Attacker(db)
    archive.import_example()
    untouched = archive.ok("list")
    if attacker.postgres:
        statement = "DROP TRIGGER story_chain_append_only ON story_chain"
        missing = "trigger story_chain_append_only on story_chain was missing"
    else:
        statement = "DROP TRIGGER story_chain_no_delete"
        missing = "trigger story_chain_no_delete on story_chain was missing"
    assert attacker.shell(statement).returncode == 0

    listed = archive("list")
    assert (listed.exit_code, listed.stdout) == (0, untouched)
    assert listed.stderr == (
        f"Warning: the archive's append-only guard was tampered with: {missing} (put right "
        "on opening); run `story verify` to check nothing recorded was changed meanwhile\n"
    )
    assert archive.ok("list") == untouched  # put right: no warning again
    archive.verifies()

    assert attacker.shell(statement).returncode == 0
    refused = archive("checkpoint")  # it verifies first, and stops at the finding
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0] == listed.stderr.rstrip("\n")


def test_a_decoy_trigger_in_another_schema_is_found_and_the_guard_put_back(
    postgres_db: str,
) -> None:
    archive, attacker = Cli(postgres_db), Attacker(postgres_db)
    archive.import_example()
    decoy = (
        "DROP SCHEMA IF EXISTS decoy CASCADE; CREATE SCHEMA decoy; "
        "CREATE TABLE decoy.archive_events (LIKE public.archive_events); "
        "DROP TRIGGER archive_events_append_only ON public.archive_events; "
        "CREATE TRIGGER archive_events_append_only BEFORE UPDATE OR DELETE ON "
        "decoy.archive_events FOR EACH ROW EXECUTE FUNCTION story_append_only()"
    )
    try:
        assert attacker.shell(decoy).returncode == 0

        lines, _ = archive.verify_fails()
        missing = "trigger archive_events_append_only on archive_events was missing"
        assert lines == [finding(None, "guard tampered", f"{missing} (put right on opening)", None)]
        shell = attacker.shell("DELETE FROM public.archive_events WHERE id = 1")
        assert "recorded history cannot be deleted" in shell.stderr
    finally:
        attacker.shell("DROP SCHEMA IF EXISTS decoy CASCADE")
