"""The database itself refuses to rewrite history: plain UPDATE and DELETE statements,
run with the database's own shell, fail with a message that says why, and change nothing.
"""

from __future__ import annotations

import pytest
from tamper import EXAMPLE_IDS, Attacker, Cli

REFUSED = "story: {table} is append-only: recorded history cannot be {done}"


@pytest.fixture
def archive_db(db: str) -> str:
    """The triggers are each database's own, so every run tries them on both backends."""
    return db


@pytest.mark.parametrize(
    ("table", "done", "statement"),
    [
        (
            "archive_events",
            "updated",
            "UPDATE archive_events SET topic = 'domain.model:Story.Retracted' "
            "WHERE originator_version = 3",
        ),
        (
            "archive_events",
            "updated",
            "UPDATE archive_events SET state = state || state WHERE originator_version = 10",
        ),
        ("archive_events", "deleted", "DELETE FROM archive_events WHERE originator_version = 4"),
        ("archive_events", "deleted", "DELETE FROM archive_events"),
        (
            "story_chain",
            "updated",
            f"UPDATE story_chain SET digest = '{'0' * 64}' WHERE position = 2",
        ),
        ("story_chain", "updated", "UPDATE story_chain SET position = position + 100"),
        ("story_chain", "deleted", "DELETE FROM story_chain WHERE position = 9"),
        ("story_chain", "deleted", "DELETE FROM story_chain"),
    ],
    ids=[
        "retopic-an-event",
        "rewrite-an-events-state",
        "delete-an-event",
        "delete-every-event",
        "rewrite-a-chain-digest",
        "renumber-the-chain",
        "delete-a-chain-link",
        "delete-the-whole-chain",
    ],
)
def test_a_plain_update_or_delete_of_recorded_history_is_refused_and_changes_nothing(
    archive: Cli, attacker: Attacker, table: str, done: str, statement: str
) -> None:
    before = attacker.snapshot()

    shell = attacker.shell(statement)

    assert shell.returncode != 0, shell.stdout
    assert REFUSED.format(table=table, done=done) in shell.stderr
    assert attacker.snapshot() == before
    assert archive.verifies().startswith("Verified 9 updates in 1 story")


def test_emptying_the_event_table_at_once_is_refused(archive: Cli, attacker: Attacker) -> None:
    # PostgreSQL's TRUNCATE skips row triggers, so it has a trigger of its own; SQLite has
    # no TRUNCATE, and its "truncate optimisation" of an unqualified DELETE must not apply.
    before = attacker.snapshot()
    if attacker.postgres:
        statement, done = "TRUNCATE archive_events, story_chain", "truncated"
    else:
        statement, done = "DELETE FROM archive_events", "deleted"

    shell = attacker.shell(statement)

    assert shell.returncode != 0, shell.stdout
    assert REFUSED.format(table="archive_events", done=done) in shell.stderr
    assert attacker.snapshot() == before
    assert len(attacker.events()) == 11  # the zone, Started and 9 updates
    archive.verifies()


def test_a_refused_statement_in_a_transaction_takes_the_rest_of_it_down(
    archive: Cli, attacker: Attacker
) -> None:
    # An INSERT (allowed) together with a DELETE (refused): neither is kept.
    insert = (
        "INSERT INTO story_chain (position, update_id, story, digest, chain) "
        f"VALUES (11, 'ffffffffffff', 'shotspotter', '{'f' * 64}', '{'f' * 64}')"
    )
    delete = f"DELETE FROM story_chain WHERE update_id = '{EXAMPLE_IDS[0]}'"
    before = attacker.snapshot()

    shell = attacker.shell(f"BEGIN; {insert}; {delete}; COMMIT;")

    assert shell.returncode != 0, shell.stdout
    assert REFUSED.format(table="story_chain", done="deleted") in shell.stderr
    assert attacker.snapshot() == before
    archive.verifies()


def test_the_triggers_are_what_stood_in_the_way(archive: Cli, attacker: Attacker) -> None:
    # The same statement goes through once the attacker has the triggers out of the way:
    # the refusals above come from the triggers, not from some other constraint.
    with attacker.tampering() as execute:
        execute("DELETE FROM story_chain WHERE position = 10")

    assert [row[0] for row in attacker.chain()] == list(range(1, 10))
