"""The read-side index: one row per update, written in the event's own transaction.

Queries read these rows instead of replaying events. Each update's place on the timeline
(`sort_utc`, then `seq`) is fixed when it is written, in the archive's zone, so a version
is a range of rows. Replaying a version reads only the rows whose content can still
show: the amendments in force, the last revision and the reports after it, statements,
the latest value of each fact and the latest headline. ``domain.timeline.state`` folds
those into the same story as all the rows would give.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import tzinfo
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    inspect,
    select,
    true,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from domain.application import StorySummary
from domain.audit import ChainRow, fingerprint
from domain.digests import GENESIS, chain_digest
from domain.errors import ArchiveUnavailable, first_line
from domain.model import Target
from domain.timeline import Cut
from domain.updates import Update
from domain.when import When, time_zone, utc_text
from storage import guard, queries
from storage.recorder import events_table
from storage.store import Store
from storage.tables import (
    COLUMNS,
    COUNT_PLACE,
    DERIVE_STATS,
    INSERT_ROW,
    SCHEMA_VERSION,
    SELECT_ROW,
    SELECT_ROWS,
    chain_table,
    facts_index,
    meta_table,
    metadata,
    stats_table,
    streamed_update_of,
    update_of,
    updates_table,
    upsert_stats,
    values_of,
)

_TIMELINE = itemgetter(16, 17)  # a row's place: sort_utc, seq
KEPT = 20_000  # rows a reader keeps in memory (a few tens of MB); then it starts over
BULK = 1_000  # rows written at once after which PostgreSQL is asked to tidy the index


class SqlIndex:
    """The Index port on SQLAlchemy: SQLite and PostgreSQL alike."""

    def __init__(self, store: Store, zone: str, create: bool = True) -> None:
        self.store = store
        # Rows a replay read, by update id: they never change (a rebuild writes the same
        # content again), so a long-running reader need not decode them twice.
        self._kept: dict[str, Update] = {}
        self._kept_stories: set[str] = set()  # stories whose replays have kept rows
        self._head: tuple[int, str] | None = None  # the chain's head at this index's last commit
        self.engine = store.engine
        self.zone: tzinfo = time_zone(self._settle_meta(zone, create))

    def _settle_meta(self, zone: str, create: bool) -> str:
        """Check the schema version; the archive's zone (set once, at creation).

        A new archive gets its tables, triggers and settings here, in one transaction.
        """
        found = self._meta()
        if found is None and not create:
            url = self.engine.url.render_as_string(hide_password=True)
            raise ArchiveUnavailable(
                f"no archive in {url}: `story import` or `story append` starts one"
            )
        if found is None or not guard.installed(self.engine):
            with self.store.writing(setup=True) as connection:
                events_table.create(connection, checkfirst=True)
                metadata.create_all(connection, checkfirst=True)
                guard.install(connection)
            found = self._meta()
            assert found is not None
        version = int(found.get("schema_version", SCHEMA_VERSION))
        if version > SCHEMA_VERSION:
            raise ArchiveUnavailable(
                f"this archive has schema version {found['schema_version']}, newer than "
                f"this story (reads {SCHEMA_VERSION}): upgrade story"
            )
        if version < SCHEMA_VERSION:
            found = self._upgrade()
        wanted = {"schema_version": str(SCHEMA_VERSION), "time_zone": zone}
        missing = [(k, v) for k, v in wanted.items() if k not in found]
        if missing:
            with self.store.writing() as connection:
                self.store.locked(connection)
                again = self._meta() or {}  # another process may have settled it meanwhile
                rows = [(k, v) for k, v in missing if k not in again]
                self.store.execute_all(
                    connection, [("INSERT INTO story_meta (name, value) VALUES (?, ?)", rows)]
                )
                found = {**again, **dict(rows)}
        return found.get("time_zone", zone)

    def _upgrade(self) -> dict[str, str]:
        """Bring an archive of an older schema up to this one: only read models change,
        derived from the index in one transaction."""
        with self.store.ddl() as connection:
            again = self._meta() or {}
            found = int(again.get("schema_version", SCHEMA_VERSION))
            if found < 2:
                stats_table.create(connection, checkfirst=True)
                connection.exec_driver_sql(DERIVE_STATS)
            if found < 3:
                facts_index.create(connection, checkfirst=True)
            if found < SCHEMA_VERSION:  # not done meanwhile
                connection.execute(
                    meta_table.update()
                    .where(meta_table.c.name == "schema_version")
                    .values(value=str(SCHEMA_VERSION))
                )
        return {**again, "schema_version": str(SCHEMA_VERSION)}

    def _meta(self) -> dict[str, str] | None:
        """The archive's settings; None when it has no tables yet."""
        inspector = inspect(self.engine)
        if not inspector.has_table("story_meta"):
            return None
        with self._reading() as connection:
            rows = connection.execute(select(meta_table.c.name, meta_table.c.value)).all()
        return {str(row[0]): str(row[1]) for row in rows}

    @property
    def _dialect(self) -> str:
        return str(self.engine.dialect.name)

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for queries; a database failure becomes one clear error."""
        try:
            with self.store.querying() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise ArchiveUnavailable(f"cannot read the archive: {first_line(error)}") from None

    def snapshot(self) -> AbstractContextManager[None]:
        return self.store.snapshot()

    @contextmanager
    def recording(self, trusting: bool = False) -> Iterator[_Writer]:
        head, self._head = (self._head if trusting else None), None  # in doubt until committed
        with self.store.writing() as connection:
            writer = _Writer(self.store, connection, self.zone, head)
            yield writer
            writer.finish()
        self._head = writer.head
        if writer.count >= BULK:
            self.store.tidy(updates_table.name)

    def rebuild(self, updates: Iterable[Update], progress: Callable[[int], None]) -> int:
        """Drop the index and derive it again from the given updates, in one transaction."""
        count = 0
        with self.store.ddl() as connection:
            for table in (updates_table, stats_table):
                table.drop(connection)
                table.create(connection)
            writer = _Writer(self.store, connection, self.zone)
            for update in updates:
                writer.add(update)
                count += 1
                if len(writer.rows) >= 1000:
                    writer.flush()
                    progress(1000)
            progress(len(writer.rows))
            writer.flush()
        if count >= BULK:
            self.store.tidy(updates_table.name)
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
            if connection.dialect.name == "postgresql" and not connection.in_transaction():
                # One statement, one snapshot: no BEGIN and ROLLBACK round trips.
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            bound = None
            if through is not None:
                bound = connection.execute(
                    select(t.c.sort_utc, t.c.seq).where(t.c.update_id == through)
                ).one()
            flags, params = queries.shape(cut, bound)
            params["slug"] = slug
            if slug not in self._kept_stories:  # a first look: whole rows, one round trip
                rows = queries.fetch(connection, queries.relevant(self._dialect, *flags), params)
                return self._first_read(slug, rows)
            statement = queries.relevant(self._dialect, *flags, keys=True)
            found = queries.fetch(connection, statement, params)
            version, places = 0, {}
            for update_id, sort_utc, seq in found:
                if update_id is None:
                    version = int(seq)
                else:
                    places[seq] = (sort_utc, seq, update_id)  # a row can answer to two parts
            if not version:
                return 0, []
            ids = [update_id for _, _, update_id in sorted(places.values())]
            kept = self._kept
            read = self._read(connection, [i for i in ids if i not in kept])
        return version, [kept.get(i) or read[i] for i in ids]

    def _first_read(self, slug: str, found: Sequence[Any]) -> tuple[int, list[Update]]:
        """A replay's whole rows, kept for the next replay of the story."""
        version, unique = 0, {}
        for row in found:
            if row[0] is None:
                version = int(row[17])
            else:
                unique[row[17]] = row  # a row can answer to two parts
        if not version:
            return 0, []
        updates = [update_of(row) for row in sorted(unique.values(), key=_TIMELINE)]
        self._remember({u.id: u for u in updates})
        self._kept_stories.add(slug)
        return version, updates

    def _read(self, connection: Connection, update_ids: list[str]) -> dict[str, Update]:
        """These updates, read from their rows, and kept."""
        read: dict[str, Update] = {}
        for start in range(0, len(update_ids), 500):
            part = update_ids[start : start + 500]
            found = self.store.fetch(
                connection, f"{SELECT_ROWS} ({', '.join('?' for _ in part)})", *part
            )
            read.update((row[0], update_of(row)) for row in found)
        self._remember(read)
        return read

    def forget(self) -> None:
        """Drop the rows this reader keeps: its next replays read as a new reader would."""
        self._kept.clear()
        self._kept_stories.clear()

    def _remember(self, updates: dict[str, Update]) -> None:
        """Keep updates in the reader's memory (rows never change); an update whose fact
        value is mutable is not kept, so never shared between replays."""
        if len(self._kept) + len(updates) > KEPT:
            self.forget()
        for update_id, update in updates.items():
            if not isinstance(update.value, dict | list):
                self._kept[update_id] = update

    # One update

    def find(self, update_id: str) -> Update | None:
        rows = self._updates(select(*COLUMNS).where(updates_table.c.update_id == update_id))
        return rows[0] if rows else None

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has), all recorded."""
        with self._reading() as connection:
            ((total, later),) = self.store.fetch(connection, COUNT_PLACE, update_id)
        return int(total) - int(later), int(total)

    def amending(self, update_id: str) -> list[Update]:
        t = updates_table
        return self._updates(
            select(*COLUMNS).where(t.c.target == update_id).order_by(t.c.sort_utc, t.c.seq)
        )

    # The archive

    def has_story(self, slug: str) -> bool:
        s = stats_table.c
        with self._reading() as connection:
            found = connection.execute(select(s.updates).where(s.story == slug)).first()
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

    def summaries(self, slug: str | None) -> dict[str, tuple[int, str, str]]:
        s = stats_table.c
        query = select(s.story, s.updates, s.first_day, s.last_day)
        if slug is not None:
            query = query.where(s.story == slug)
        with self._reading() as connection:
            return {row[0]: (int(row[1]), row[2], row[3]) for row in connection.execute(query)}

    def stories(self) -> list[StorySummary]:
        s = stats_table.c
        query = select(s.story, s.updates, s.first_day, s.last_day).order_by(s.story)
        with self._reading() as connection:
            return [StorySummary(*row) for row in connection.execute(query)]

    def counts(self) -> tuple[int, int]:
        s = stats_table.c
        with self._reading() as connection:
            stories, updates = connection.execute(
                select(func.count(), func.coalesce(func.sum(s.updates), 0))
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


def _stats(rows: list[tuple[Any, ...]]) -> list[tuple[str, int, str, str]]:
    """(story, updates, first day, last day) of some index rows (in ROW_FIELDS order)."""
    found: dict[str, tuple[str, int, str, str]] = {}
    for row in rows:
        story, day = row[0], row[4]
        seen = found.get(story)
        found[story] = (
            (story, 1, day, day)
            if seen is None
            else (story, seen[1] + 1, min(seen[2], day), max(seen[3], day))
        )
    return list(found.values())


INSERT_LINK = (
    "INSERT INTO story_chain (position, update_id, story, digest, chain) VALUES (?, ?, ?, ?, ?)"
)


class _Writer:
    """The index inside the write transaction: rows are inserted a chunk at a time."""

    def __init__(
        self, store: Store, connection: Any, zone: tzinfo, head: tuple[int, str] | None = None
    ) -> None:
        self.store = store
        self.connection = connection
        self.zone = zone
        self.rows: list[tuple[Any, ...]] = []
        self.added: list[Update] = []
        self.written: dict[str, Update] = {}
        # The chain's last link (position, chain): read under the lock, or trusted from
        # the index's last commit (a wrong one makes the first new link's position clash).
        self.head = head
        self.links: list[tuple[str, str, str]] = []
        self.count = 0  # rows written

    def known(self, update_ids: Collection[str]) -> dict[str, Target]:
        """What the index holds of these updates; the chain's head is read with them
        (once), and the previous chunk's writes go first: one round trip on PostgreSQL."""
        queries: list[tuple[str, Sequence[Any]]] = [] if self.head else [(_HEAD, ())]
        wanted = sorted(update_ids)
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            queries.append(
                (
                    "SELECT update_id, story, kind, reported_at FROM story_updates "
                    f"WHERE update_id IN ({', '.join('?' for _ in part)})",
                    part,
                )
            )
        results = self.store.fetch_all(self.connection, self._pending(), queries)
        if not self.head:
            self.head = _head_of(results.pop(0))
        found: dict[str, Target] = {}
        for rows in results:
            for update_id, story, kind, reported_at in rows:
                found[update_id] = Target(story, kind, When.parse(reported_at))
        return found

    def add(self, update: Update) -> None:
        assert update.recorded_at is not None
        self.rows.append(values_of(update, self.zone))
        self.added.append(update)

    def placement(self, update_id: str) -> Callable[[], tuple[Update, int, int]]:
        """An update of this transaction or before it, its version number and how many
        its story has: read with the COMMIT, in the transaction's last round trip."""
        self.finish()
        update = self.written.get(update_id)
        count = self.store.fetch_at_commit(self.connection, COUNT_PLACE, update_id)
        row = (
            None
            if update is not None
            else self.store.fetch_at_commit(self.connection, SELECT_ROW, update_id)
        )  # recorded before this transaction

        def placed() -> tuple[Update, int, int]:
            ((total, later),) = count()
            found = update_of(row()[0]) if row is not None else update
            assert found is not None
            return found, int(total) - int(later), int(total)

        return placed

    def chain(self, links: list[tuple[str, str, str]]) -> None:
        self.links.extend(links)

    def flush(self) -> None:
        """Send what was added now (a long write keeps memory bounded this way)."""
        self.store.execute_all(self.connection, self._pending())

    def finish(self) -> None:
        """Hand what was added to the transaction: it goes with the COMMIT."""
        for statement, rows in self._pending():
            self.store.queue(self.connection, statement, rows)

    def _pending(self) -> list[tuple[str, Sequence[Any]]]:
        """The writes not yet sent (the rows, story_stats, chain links), taken."""
        batches: list[tuple[str, Sequence[Any]]] = []
        if self.rows:
            batches.append((INSERT_ROW, self.rows))
            batches.append((upsert_stats(self.store.sqlite), _stats(self.rows)))
            self.count += len(self.rows)
            self.written = {update.id: update for update in self.added}  # the last chunk's
            self.rows, self.added = [], []
        if self.links:
            position, previous = self._head()
            links = []
            for update_id, story, digest in self.links:
                position, previous = position + 1, chain_digest(previous, digest)
                links.append((position, update_id, story, digest, previous))
            self.head = (position, previous)
            batches.append((INSERT_LINK, links))
            self.links = []
        return batches

    def recorded(self) -> int:
        return self._head()[0] + len(self.links)

    def _head(self) -> tuple[int, str]:
        """The chain's last link: read once, under the archive's write lock, then kept."""
        if self.head is None:
            self.head = _head_of(self.store.fetch(self.connection, _HEAD))
        return self.head


_HEAD = "SELECT position, chain FROM story_chain ORDER BY position DESC LIMIT 1"


def _head_of(rows: Sequence[Any]) -> tuple[int, str]:
    return (int(rows[0][0]), str(rows[0][1])) if rows else (0, GENESIS)
