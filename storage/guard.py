"""Append-only in the database itself: triggers that refuse to rewrite history.

Even a careless script with the database's password cannot UPDATE or DELETE a recorded
event, snapshot or link of the archive's chain: the database refuses with a message
that says why. (Someone who drops the triggers first can; `story verify` finds that.)
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

GUARDED = ("archive_events", "story_chain")

_PG_FUNCTION = """
CREATE FUNCTION story_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'story: % is append-only: recorded history cannot be %',
        TG_TABLE_NAME, lower(TG_OP) || 'd';
END $$
"""


def installed(engine: Engine) -> bool:
    """Whether every trigger is in place (and, on PostgreSQL, enabled): a read."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT tgname FROM pg_trigger WHERE tgname = ANY(:names) AND tgenabled <> 'D'"
                ),
                {"names": [f"{table}_{suffix}" for table in GUARDED for suffix in _PG_TRIGGERS]},
            ).all()
            return len(rows) == len(GUARDED) * len(_PG_TRIGGERS)
        names = [f"{table}_no_{action}" for table in GUARDED for action in ("update", "delete")]
        rows = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        return set(names) <= {str(row[0]) for row in rows}


def install(connection: Connection) -> None:
    """Create the triggers that are missing, inside the caller's transaction."""
    if connection.dialect.name == "postgresql":
        _install_postgresql(connection)
    elif connection.dialect.name == "sqlite":
        _install_sqlite(connection)


def _install_sqlite(connection: Connection) -> None:
    for table in GUARDED:
        for action, past in (("UPDATE", "updated"), ("DELETE", "deleted")):
            connection.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} "
                    f"BEFORE {action} ON {table} BEGIN SELECT RAISE(ABORT, "
                    f"'story: {table} is append-only: recorded history cannot be {past}'); END"
                )
            )


def _install_postgresql(connection: Connection) -> None:
    wanted = {f"{table}_{suffix}": (table, suffix) for table in GUARDED for suffix in _PG_TRIGGERS}
    rows = connection.execute(
        text("SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY(:names)"),
        {"names": list(wanted)},
    ).all()
    have: dict[str, str] = {str(row[0]): str(row[1]) for row in rows}
    if len(have) == len(wanted) and all(state != "D" for state in have.values()):
        return
    # Serialise first-time set-up between processes opening a new archive at once.
    connection.execute(text("SELECT pg_advisory_xact_lock(727371)"))
    exists = connection.execute(
        text("SELECT 1 FROM pg_proc WHERE proname = 'story_append_only'")
    ).first()
    if exists is None:
        connection.execute(text(_PG_FUNCTION))
    for name, (table, suffix) in wanted.items():
        if name not in have:
            connection.execute(text(_PG_TRIGGERS[suffix].format(name=name, table=table)))
        elif have[name] == "D":  # someone disabled it: history is guarded again
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {name}"))


_PG_TRIGGERS = {
    "append_only": "CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION story_append_only()",
    "no_truncate": "CREATE TRIGGER {name} BEFORE TRUNCATE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION story_append_only()",
}
