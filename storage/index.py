"""The read-side index: one row per update, written in the event's own transaction.

Queries read these rows instead of replaying events. Each update's place on the timeline
(`sort_utc`, then `seq`) is fixed when it is written, in the archive's zone, so a version
is a range of rows. Replaying a version reads only the rows whose content can still
show: the amendments in force, the last revision and the reports after it, statements,
the latest value of each fact and the latest headline. ``domain.timeline.state`` folds
those into the same story as all the rows would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from domain.application import StorySummary
from domain.audit import ChainRow, fingerprint
from domain.digests import GENESIS, chain_digest
from domain.errors import ArchiveUnavailable, first_line
from domain.timeline import Cut
from domain.updates import Update
from domain.when import time_zone, utc_text
from storage import guard, queries
from storage.tables import (
    COLUMNS,
    SCHEMA_VERSION,
    chain_table,
    meta_table,
    metadata,
    row_of,
    streamed_update_of,
    update_of,
    updates_table,
)

_TIMELINE = itemgetter(16, 17)  # a row's place: sort_utc, seq


class SqlIndex:
    """The Index port on SQLAlchemy: SQLite and PostgreSQL alike."""

    def __init__(self, engine: Engine, transaction: Any, zone: str) -> None:
        self.engine = engine
        self._transaction = transaction  # the event store's: rows commit with events
        metadata.create_all(engine, checkfirst=True)
        guard.install(engine)
        self.zone: tzinfo = time_zone(self._settle_meta(zone))

    def _settle_meta(self, zone: str) -> str:
        """Check the schema version; the archive's zone (set once, at creation)."""
        wanted = {"schema_version": str(SCHEMA_VERSION), "time_zone": zone}
        with self.engine.begin() as connection:
            rows = connection.execute(select(meta_table.c.name, meta_table.c.value)).all()
            found: dict[str, str] = {str(row[0]): str(row[1]) for row in rows}
            if int(found.get("schema_version", SCHEMA_VERSION)) > SCHEMA_VERSION:
                raise ArchiveUnavailable(
                    f"this archive has schema version {found['schema_version']}, newer than "
                    f"this story (reads {SCHEMA_VERSION}): upgrade story"
                )
            missing = [{"name": k, "value": v} for k, v in wanted.items() if k not in found]
            if missing:
                connection.execute(insert(meta_table), missing)
        return found.get("time_zone", zone)

    @property
    def _dialect(self) -> str:
        return str(self.engine.dialect.name)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for queries; a database failure becomes one clear error."""
        try:
            with self.engine.connect() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise ArchiveUnavailable(f"cannot read the archive: {first_line(error)}") from None

    @contextmanager
    def recording(self) -> Iterator[_Writer]:
        with self._transaction(commit=True) as session:
            writer = _Writer(session, self.zone)
            yield writer
            writer.flush()

    def rebuild(self, updates: Iterable[Update], progress: Callable[[int], None]) -> int:
        """Drop the index and derive it again from the given updates, in one transaction."""
        count = 0
        with self._transaction(commit=True) as session:
            connection = session.connection()
            updates_table.drop(connection)
            updates_table.create(connection)
            writer = _Writer(session, self.zone)
            for update in updates:
                writer.add(update)
                count += 1
                if len(writer.rows) >= 1000:
                    writer.flush()
                    progress(1000)
            progress(len(writer.rows))
            writer.flush()
        return count

    # Whole stories

    def updates(self, slug: str, cut: Cut | None = None) -> list[Update]:
        t = updates_table
        query = select(*COLUMNS).where(t.c.story == slug, _admits(cut)).order_by(t.c.seq)
        return self._updates(query)

    def stories_updates(self, cut: Cut) -> Iterator[tuple[str, list[Update]]]:
        flags, params = queries.shape(cut, None)
        with self._reading() as connection:
            rows = queries.stream(connection, queries.admitted(*flags[:2]), params)
            for story, group in groupby(rows, itemgetter(1)):
                yield story, [streamed_update_of(row) for row in group]

    # One version

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        """(version number, the updates whose content can show) for a cut of a story."""
        t = updates_table
        with self._reading() as connection:
            if connection.dialect.name == "postgresql":
                # One statement, one snapshot: no BEGIN and ROLLBACK round trips.
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            bound = None
            if through is not None:
                bound = connection.execute(
                    select(t.c.sort_utc, t.c.seq).where(t.c.update_id == through)
                ).one()
            flags, params = queries.shape(cut, bound)
            params["slug"] = slug
            found = queries.fetch(connection, queries.relevant(self._dialect, *flags), params)
        version, unique = 0, {}
        for row in found:
            if row[0] is None:
                version = int(row[17])
            else:
                unique[row[17]] = row  # a row can answer to two parts
        if not version:
            return 0, []
        rows = sorted(unique.values(), key=_TIMELINE)
        return version, [update_of(row) for row in rows]

    # One update

    def find(self, update_id: str) -> Update | None:
        rows = self._updates(select(*COLUMNS).where(updates_table.c.update_id == update_id))
        return rows[0] if rows else None

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has), all recorded."""
        t = updates_table
        with self._reading() as connection:
            row = connection.execute(
                select(t.c.story, t.c.sort_utc, t.c.seq).where(t.c.update_id == update_id)
            ).one()
            before = _after(row.sort_utc, row.seq)
            version, total = connection.execute(
                select(func.count().filter(~before), func.count()).where(t.c.story == row.story)
            ).one()
        return int(version), int(total)

    def amending(self, update_id: str) -> list[Update]:
        t = updates_table
        return self._updates(
            select(*COLUMNS).where(t.c.target == update_id).order_by(t.c.sort_utc, t.c.seq)
        )

    # The archive

    def has_story(self, slug: str) -> bool:
        t = updates_table
        with self._reading() as connection:
            found = connection.execute(select(t.c.seq).where(t.c.story == slug).limit(1)).first()
        return found is not None

    def fingerprints(self, slug: str | None) -> dict[str, tuple[str, str]]:
        t = updates_table
        query = select(*COLUMNS).order_by(t.c.seq)
        if slug is not None:
            query = query.where(t.c.story == slug)
        found = {}
        with self._reading() as connection:
            rows = connection.execution_options(stream_results=True, yield_per=2000)
            for row in rows.execute(query):
                update = update_of(row)
                recorded_at = utc_text(update.recorded_at) if update.recorded_at else ""
                print_ = fingerprint(update.to_record(), recorded_at, update.digest or "")
                found[update.id] = (update.story, print_)
        return found

    def chain_rows(self) -> list[ChainRow]:
        c = chain_table.c
        query = select(c.position, c.update_id, c.story, c.digest, c.chain).order_by(c.position)
        with self._reading() as connection:
            return [ChainRow(*row) for row in connection.execute(query)]

    def stories(self) -> list[StorySummary]:
        t = updates_table
        query = (
            select(t.c.story, func.count(), func.min(t.c.reported_day), func.max(t.c.reported_day))
            .group_by(t.c.story)
            .order_by(t.c.story)
        )
        with self._reading() as connection:
            return [StorySummary(*row) for row in connection.execute(query)]

    def counts(self) -> tuple[int, int]:
        t = updates_table
        with self._reading() as connection:
            stories, updates = connection.execute(
                select(func.count(func.distinct(t.c.story)), func.count())
            ).one()
        return int(stories), int(updates)

    def _updates(self, query: Select[Any]) -> list[Update]:
        with self._reading() as connection:
            return [update_of(row) for row in connection.execute(query)]


def _admits(cut: Cut | None, t: Any = updates_table) -> ColumnElement[bool]:
    """The rows a cut admits: the SQL twin of ``Cut.admits``."""
    if cut is None:
        return true()
    condition: ColumnElement[bool] = true()
    limit, known = cut.reported_by, cut.recorded_by
    if limit is not None:
        condition = t.c.sort_utc <= utc_text(limit)
    if known is not None:
        condition = and_(condition, t.c.recorded_at <= utc_text(known))
    return condition


def _after(sort_utc: str, seq: int) -> ColumnElement[bool]:
    t = updates_table
    return or_(t.c.sort_utc > sort_utc, and_(t.c.sort_utc == sort_utc, t.c.seq > seq))


class _Writer:
    """Collects index rows during a recording and inserts them in one statement."""

    def __init__(self, session: Session, zone: tzinfo) -> None:
        self.session = session
        self.zone = zone
        self.rows: list[dict[str, Any]] = []
        self.links: list[tuple[str, str, str]] = []

    def add(self, update: Update) -> None:
        assert update.recorded_at is not None
        self.rows.append(row_of(update, self.zone))

    def chain(self, links: list[tuple[str, str, str]]) -> None:
        self.links.extend(links)

    def flush(self) -> None:
        if self.rows:
            self.session.execute(insert(updates_table), self.rows)
            self.rows = []
        if self.links:
            # Read the head inside the transaction that holds the write lock: writers
            # that raced to the same position conflict on its key and are retried.
            c = chain_table.c
            head = self.session.execute(
                select(c.position, c.chain).order_by(c.position.desc()).limit(1)
            ).first()
            position, previous = (head.position, head.chain) if head else (0, GENESIS)
            rows = []
            for update_id, story, digest in self.links:
                position, previous = position + 1, chain_digest(previous, digest)
                rows.append(
                    {"position": position, "update_id": update_id, "story": story,
                     "digest": digest, "chain": previous}
                )  # fmt: skip
            self.session.execute(insert(chain_table), rows)
            self.links = []
