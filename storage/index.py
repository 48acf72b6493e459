"""The read-side index: one row per update, written in the event's own transaction.

Queries read these rows instead of replaying events: a story's updates come back in one
indexed query, already filtered (a little generously) by reported day and recorded time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from domain.application import StorySummary
from domain.errors import ArchiveUnavailable
from domain.updates import Update
from domain.when import When, utc_text

SCHEMA_VERSION = 1

metadata = MetaData()

updates_table = Table(
    "story_updates",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("story", String(100), nullable=False),
    Column("update_id", String(12), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("reported_at", String(40), nullable=False),
    Column("reported_day", String(10), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("record", Text, nullable=False),
    Index("story_updates_by_story", "story", "reported_day"),
)

meta_table = Table(
    "story_meta",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)


class SqlIndex:
    """The Index port on SQLAlchemy: SQLite and PostgreSQL alike."""

    def __init__(self, engine: Engine, transaction: Any) -> None:
        self.engine = engine
        self._transaction = transaction  # the event store's: rows commit with events
        metadata.create_all(engine, checkfirst=True)
        self._check_schema()

    def _check_schema(self) -> None:
        with self.engine.begin() as connection:
            found = connection.execute(
                select(meta_table.c.value).where(meta_table.c.name == "schema_version")
            ).scalar()
            if found is None:
                connection.execute(
                    insert(meta_table).values(name="schema_version", value=str(SCHEMA_VERSION))
                )
            elif int(found) > SCHEMA_VERSION:
                raise ArchiveUnavailable(
                    f"this archive has schema version {found}, newer than this story "
                    f"(reads {SCHEMA_VERSION}): upgrade story"
                )

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def recording(self) -> Iterator[_Writer]:
        with self._transaction(commit=True) as session:
            writer = _Writer(session)
            yield writer
            writer.flush()

    def updates(
        self,
        slug: str | None,
        as_of: When | None = None,
        known_at: When | None = None,
        tz: tzinfo | None = None,
    ) -> list[Update]:
        t = updates_table
        query = select(t.c.record, t.c.recorded_at).order_by(t.c.seq)
        if slug is not None:
            query = query.where(t.c.story == slug)
        if as_of is not None and tz is not None:
            # A day's start in any zone falls before the end of the next UTC day.
            last_day = (as_of.end(tz).astimezone(UTC).date() + timedelta(days=1)).isoformat()
            query = query.where(t.c.reported_day <= last_day)
        if known_at is not None and tz is not None:
            query = query.where(t.c.recorded_at <= utc_text(known_at.end(tz)))
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [_update(record, recorded_at) for record, recorded_at in rows]

    def find(self, update_id: str) -> Update | None:
        t = updates_table
        with self.engine.connect() as connection:
            row = connection.execute(
                select(t.c.record, t.c.recorded_at).where(t.c.update_id == update_id)
            ).first()
        return _update(row[0], row[1]) if row else None

    def reported(self, slug: str) -> list[tuple[str, When]]:
        t = updates_table
        query = select(t.c.update_id, t.c.reported_at).where(t.c.story == slug).order_by(t.c.seq)
        with self.engine.connect() as connection:
            return [(uid, When.parse(at)) for uid, at in connection.execute(query)]

    def has_story(self, slug: str) -> bool:
        t = updates_table
        with self.engine.connect() as connection:
            return (
                connection.execute(select(t.c.seq).where(t.c.story == slug).limit(1)).first()
                is not None
            )

    def stories(self) -> list[StorySummary]:
        t = updates_table
        query = (
            select(t.c.story, func.count(), func.min(t.c.reported_day), func.max(t.c.reported_day))
            .group_by(t.c.story)
            .order_by(t.c.story)
        )
        with self.engine.connect() as connection:
            return [StorySummary(*row) for row in connection.execute(query)]

    def counts(self) -> tuple[int, int]:
        t = updates_table
        with self.engine.connect() as connection:
            stories, updates = connection.execute(
                select(func.count(func.distinct(t.c.story)), func.count())
            ).one()
        return int(stories), int(updates)


class _Writer:
    """Collects index rows during a recording and inserts them in one statement."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: list[dict[str, Any]] = []

    def add(self, update: Update) -> None:
        assert update.recorded_at is not None
        self.rows.append(
            {
                "story": update.story,
                "update_id": update.id,
                "kind": update.kind,
                "reported_at": str(update.reported_at),
                "reported_day": update.reported_at.day.isoformat(),
                "recorded_at": utc_text(update.recorded_at),
                "record": json.dumps(update.to_record(), ensure_ascii=False, sort_keys=True),
            }
        )

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(updates_table), self.rows)
            self.rows = []


def _update(record: str, recorded_at: str) -> Update:
    return Update.from_record(json.loads(record), datetime.fromisoformat(recorded_at))
