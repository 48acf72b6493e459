"""Append-only in the database itself: triggers that refuse to rewrite history.

Even a careless script with the database's password cannot UPDATE or DELETE a recorded
event or link of the archive's chain, nor change the read models a replay reads (the
index, the story list, the archive's settings) except as story writes them: the
database refuses with a message that says why. story_stats may only grow (an append
adds to a story's count); ``story rebuild`` drops and recreates the read models and
their triggers in its own transaction.

What is checked is each trigger's definition and state, and on PostgreSQL the trigger
function's body, not only their names: a decoy trigger, a trigger enabled for replicas
only or a function that does nothing is found, reported and put right when the archive
is opened. (Someone who can change the triggers can still change the tables; that is
what `story verify` is for.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

HISTORY = ("archive_events", "story_chain")
READ_MODELS = ("story_updates", "story_stats", "story_meta", "story_urls")
GUARDED = HISTORY + READ_MODELS
_LOCK = 727371  # the advisory lock processes setting up one archive take turns on

_HISTORY_MESSAGE = "story: {table} is append-only: recorded history cannot be {past}"
_DERIVED_MESSAGE = "story: {table} is written by story alone: it cannot be {past} (story rebuild)"
# An append adds to a story's row of story_stats: it may grow, nothing else.
_STATS_SHRINKS = (
    "NEW.story IS NOT OLD.story OR NEW.updates <= OLD.updates "
    "OR NEW.first_day > OLD.first_day OR NEW.last_day < OLD.last_day"
)


def sqlite_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, its CREATE statement exactly as SQLite keeps it)."""
    found = {}
    for table in GUARDED:
        message = _HISTORY_MESSAGE if table in HISTORY else _DERIVED_MESSAGE
        for action, past in (("UPDATE", "updated"), ("DELETE", "deleted")):
            name = f"{table}_no_{action.lower()}"
            when = f" WHEN {_STATS_SHRINKS}" if (table, action) == ("story_stats", "UPDATE") else ""
            found[name] = (table, f"CREATE TRIGGER {name} BEFORE {action} ON {table}{when} "
                                  f"BEGIN SELECT RAISE(ABORT, "
                                  f"'{message.format(table=table, past=past)}'); END")  # fmt: skip
    return found


_PG_BODY = """
BEGIN
    IF TG_TABLE_NAME = 'story_stats' AND TG_OP = 'UPDATE' THEN
        IF NEW.story = OLD.story AND NEW.updates > OLD.updates
                AND NEW.first_day <= OLD.first_day AND NEW.last_day >= OLD.last_day THEN
            RETURN NEW;
        END IF;
    END IF;
    IF TG_TABLE_NAME IN ('archive_events', 'story_chain') THEN
        RAISE EXCEPTION 'story: % is append-only: recorded history cannot be %',
            TG_TABLE_NAME, lower(TG_OP) || 'd';
    END IF;
    RAISE EXCEPTION 'story: % is written by story alone: it cannot be % (story rebuild)',
        TG_TABLE_NAME, lower(TG_OP) || 'd';
END """
_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION story_append_only() RETURNS trigger LANGUAGE plpgsql "
    f"AS $${_PG_BODY}$$"
)
_PG_TRIGGERS = {
    "append_only": "CREATE TRIGGER {name} BEFORE DELETE OR UPDATE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION story_append_only()",
    "no_truncate": "CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_append_only()",
}
_STATES = {"D": "disabled", "R": "enabled for replicas only", "A": "enabled to fire always"}


def _pg_triggers() -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, its definition as pg_get_triggerdef gives it, unqualified)."""
    return {
        f"{table}_{suffix}": (table, sql.format(name=f"{table}_{suffix}", table=table))
        for table in GUARDED
        for suffix, sql in _PG_TRIGGERS.items()
    }


def installed(engine: Engine) -> bool:
    """Whether every trigger is in place, as made, and enabled: a read."""
    with engine.connect() as connection:
        return not problems(connection)


def problems(connection: Connection) -> list[str]:
    """What is wrong with the guard, one line per trigger (or function)."""
    if connection.dialect.name == "postgresql":
        return list(_pg_problems(connection))
    have = _sqlite_triggers_now(connection)
    found = []
    for name, (table, sql) in sqlite_triggers().items():
        if name not in have:
            found.append(f"trigger {name} on {table} was missing")
        elif have[name] != sql:
            found.append(f"trigger {name} on {table} did not do what story made it do")
    return found


def _sqlite_triggers_now(connection: Connection) -> dict[str, str]:
    """Trigger name -> its CREATE statement, of the triggers SQLite has now."""
    rows = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    ).all()
    return {str(name): str(sql) for name, sql in rows}


def _pg_problems(connection: Connection) -> Iterator[str]:
    body = connection.execute(
        text(
            "SELECT prosrc FROM pg_proc"
            f" WHERE proname = 'story_append_only' AND pronamespace = {_SCHEMA}"
        )
    ).all()
    if not body:
        yield "function story_append_only was missing"
    elif [str(row[0]) for row in body] != [_PG_BODY]:
        yield "function story_append_only did not do what story made it do"
    wanted = _pg_triggers()
    # Only triggers on the archive's own tables count, calling the archive's own function:
    # a decoy of the same name in another schema guards nothing.
    rows = connection.execute(
        text(
            "SELECT t.tgname, t.tgenabled, pg_get_triggerdef(t.oid),"
            f" (SELECT p.pronamespace = {_SCHEMA} FROM pg_proc p WHERE p.oid = t.tgfoid)"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            f" WHERE t.tgname = ANY(:names) AND c.relnamespace = {_SCHEMA}"
        ),
        {"names": list(wanted)},
    ).all()
    have = {
        str(name): (str(state), _unqualified(str(sql)) if own else "")
        for name, state, sql, own in rows
    }
    for name, (table, sql) in wanted.items():
        if name not in have:
            yield f"trigger {name} on {table} was missing"
        elif have[name][1] != sql:
            yield f"trigger {name} on {table} did not do what story made it do"
        elif have[name][0] != "O":
            yield f"trigger {name} on {table} was {_STATES.get(have[name][0], 'altered')}"


_SCHEMA = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"  # the archive's


def _unqualified(definition: str) -> str:
    """A trigger definition without the schema names PostgreSQL puts in."""
    return re.sub(r"(ON|FUNCTION) (?:\w+\.)(\w+)", r"\1 \2", definition)


def install(connection: Connection, tables: tuple[str, ...] = GUARDED) -> list[str]:
    """Put the guard right inside the caller's transaction; what was wrong with it.
    Triggers are made again on ``tables`` only (on PostgreSQL, making a trigger locks
    its table against readers)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
    found = problems(connection)
    if not found:
        return []
    _install(connection, tables)
    return found


def _install(connection: Connection, tables: tuple[str, ...]) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(_PG_FUNCTION))
        for name, (table, sql) in _pg_triggers().items():
            if table in tables:
                connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}" ON {table}'))
                connection.execute(text(sql))
        return
    have = _sqlite_triggers_now(connection)
    for name, (table, sql) in sqlite_triggers().items():
        if table in tables and have.get(name) != sql:
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))
            connection.execute(text(sql))


@contextmanager
def lifted(connection: Connection, table: str) -> Iterator[None]:
    """Inside the caller's transaction, the guard of one read model lifted while story
    itself changes it (upgrading the schema), and put back before it commits."""
    if connection.dialect.name == "postgresql":
        for suffix in _PG_TRIGGERS:
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{table}_{suffix}" ON {table}'))
    else:
        for action in ("update", "delete"):
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{table}_no_{action}"'))
    yield
    _install(connection, (table,))
