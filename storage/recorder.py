"""The event store on SQLAlchemy, and the read models written in the events' transaction.

eventsourcing's ``Application.save(*stories, updates=[...])`` reaches
:meth:`SqlRecorder.insert_events` with the stories' new events and, as keyword
arguments, the recorded updates. In one transaction it inserts the events, each
update's row in the index, the story list's counts and the links of the archive's
chain. That is the idea of eventsourcing's ``searchabletimestamps`` example, on our own
tables. The application may open that transaction first (:meth:`SqlRecorder.transaction`)
to read and save several times in it: a file is imported whole or not at all.

One writer at a time: a write transaction takes the archive's write lock when it
begins (``BEGIN IMMEDIATE`` on SQLite; ``LOCK TABLE archive_events IN EXCLUSIVE MODE``
on PostgreSQL), so writers queue instead of racing, and what a writer reads inside its
transaction stays true until it commits. Readers are never blocked (SQLite runs in WAL
mode; PostgreSQL's EXCLUSIVE lock admits ``SELECT``). Connections come from
SQLAlchemy's pool.

What a write transaction knows of the archive chain's head (the last link, and when it
was recorded: the archive's clock never goes back) is read as the write lock is taken
(on PostgreSQL in the lock's own round trip) and kept for the transaction, in one place:
:class:`Head`, on the :class:`Transaction`. The lock keeps it true; the transaction's
own links move it on. An append's statements go to the driver's own cursor
(:meth:`Database.cursor`), a save's inserts on PostgreSQL in one pipeline
(:meth:`Database.batched`).

The events table is the one eventsourcing-sqlalchemy made (``archive_events``: a
notification id, the story's UUID, its version, the event's topic and state), so older
archives keep working. ``PERSISTENCE_MODULE=storage.recorder`` selects this module;
``STORY_DATABASE_URL`` names the database, ``STORY_ZONE`` the zone of a new archive and
``STORY_CREATE`` whether one may be created.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    DataError,
    InfrastructureFactory,
    InfrastructureFactoryError,
    IntegrityError,
    Notification,
    OperationalError,
    PersistenceError,
    ProcessRecorder,
    ProgrammingError,
    StoredEvent,
    Subscription,
    TrackingRecorder,
)
from eventsourcing.utils import strtobool
from sqlalchemy import Connection, Engine, create_engine, event, exc, func, select

from domain.digests import GENESIS, chain_digest
from domain.timeline import order_key
from domain.updates import MISSING, Update
from domain.urls import Tie
from domain.when import time_zone, utc_text
from storage.tables import TIE_FIELDS, events_table, quoted, settle, updates_table

URL, ZONE, CREATE = "STORY_DATABASE_URL", "STORY_ZONE", "STORY_CREATE"


WAIT_FOR_WRITER = 60  # seconds a writer waits for the one before it to finish


# The write path's statements, as plain SQL run with the driver's own paramstyle (``?``;
# ``%s`` on PostgreSQL: Database.sql). An append runs about ten; SQLAlchemy's
# construction and cache lookup of each cost more than running them
# (benchmarks/results/ab_driver_sql.txt).
INSERT_EVENT = (
    "INSERT INTO archive_events (originator_id, originator_version, topic, state) "
    "VALUES (?, ?, ?, ?)"
)
SELECT_EVENTS = (
    "SELECT originator_version, topic, state FROM archive_events WHERE originator_id = ?"
)
# A story's first and last events (the same one, for a story of one event).
SELECT_ENDS = (
    SELECT_EVENTS + " AND (originator_version = 1 OR originator_version = "
    "(SELECT max(originator_version) FROM archive_events WHERE originator_id = ?)) "
    "ORDER BY originator_version"
)
# row_of's keys, in order: every column but ``seq``, which the database numbers.
ROW_FIELDS = tuple(column.name for column in updates_table.columns if column.name != "seq")
INSERT_ROW = (
    f"INSERT INTO story_updates ({quoted(ROW_FIELDS)}) "
    f"VALUES ({', '.join('?' for _ in ROW_FIELDS)})"
)
# The archive chain's head: its last link (position, chain digest) and when that link
# (an update, or a URL's tie) was recorded, for the archive's clock never to go back;
# with the clock (PostgreSQL's: SQL's clock_timestamp(); NULL: this machine's). One row,
# a link or not.
HEAD_AND_CLOCK = (
    "SELECT h.*, {clock} FROM (SELECT 1) AS one LEFT JOIN ("
    "SELECT c.position, c.chain, coalesce("
    "(SELECT recorded_at FROM story_updates WHERE update_id = c.update_id), "
    "(SELECT recorded_at FROM story_urls WHERE link = c.update_id)) "
    "FROM story_chain c ORDER BY c.position DESC LIMIT 1) AS h ON true"
)
INSERT_TIE = (
    f"INSERT INTO story_urls ({quoted(TIE_FIELDS)}) VALUES ({', '.join('?' for _ in TIE_FIELDS)})"
)
INSERT_LINK = (
    "INSERT INTO story_chain (position, update_id, story, digest, chain) VALUES (?, ?, ?, ?, ?)"
)


def upsert_stats(dialect: str) -> str:
    """Add (story, updates, first day, last day) rows to story_stats."""
    least, greatest = ("min", "max") if dialect == "sqlite" else ("least", "greatest")
    return (
        "INSERT INTO story_stats (story, updates, first_day, last_day) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (story) DO UPDATE SET updates = story_stats.updates + excluded.updates, "
        f"first_day = {least}(story_stats.first_day, excluded.first_day), "
        f"last_day = {greatest}(story_stats.last_day, excluded.last_day)"
    )


def row_of(update: Update, zone: tzinfo) -> dict[str, Any]:
    """A recorded update as an index row (its keys in the table's order: ROW_FIELDS); its
    place on the timeline fixed in ``zone``."""
    assert update.recorded_at is not None
    reported, value = update.reported_at, update.value
    return {
        "story": update.story,
        "update_id": update.id,
        "kind": update.kind,
        "reported_at": reported.text,
        "reported_day": reported.day.isoformat(),
        "sort_utc": utc_text(order_key(update, zone)),
        "recorded_at": utc_text(update.recorded_at),
        "by": update.by,
        "source": update.source,
        "outlet": update.outlet,
        "headline": update.headline,
        "text": update.text,
        "party": update.party,
        "issued_at": update.issued_at.text if update.issued_at else None,
        "fact_key": update.key,
        "fact_value": None if value is MISSING else json.dumps(value, ensure_ascii=False),
        "target": update.target,
        "note": update.note,
        "digest": update.digest,
        "captured_at": utc_text(update.captured_at) if update.captured_at else None,
        "dated_by": update.dated_by,
    }


def tie_row(tie: Tie) -> tuple[Any, ...]:
    """A tie as its row of story_urls (TIE_FIELDS)."""
    assert tie.recorded_at is not None
    return (tie.url, tie.story, tie.how, tie.by, utc_text(tie.recorded_at), tie.link)


@dataclass
class Head:
    """The archive chain's head as a write transaction sees it: read once, as the
    transaction takes the write lock (:meth:`SqlRecorder.transaction`), then moved on by
    the transaction's own links and clock. The transaction holds the write lock, so no one
    else links or records meanwhile: what it holds stays true until the commit."""

    position: int  # the last link's position (0: no link yet)
    chain: str  # its chain digest
    recorded: datetime | None  # the latest recorded_at: the archive's clock never goes back
    clock: datetime | None  # PostgreSQL's clock as the head was read, for the first now()


@dataclass
class Transaction:
    """The write transaction in progress: its connection, the rows of the read it began
    with, and the chain's head once read."""

    connection: Connection
    first: list[Any]
    head: Head | None = None


class Database:
    """An engine on SQLite or PostgreSQL, and the write transaction in progress."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"pool_use_lifo": True, "pool_reset_on_return": "rollback"}
        # The drivers' own transaction handling is off: story sends each BEGIN itself, a
        # writer's with the write lock (_lock), any other's from the "begin" hook (_begin).
        if self.sqlite:
            options["connect_args"] = {"timeout": WAIT_FOR_WRITER, "isolation_level": None}
            self.lock = "BEGIN IMMEDIATE"
        else:
            options.update(pool_pre_ping=True, isolation_level="AUTOCOMMIT")
            self.lock = (
                f"BEGIN; SET LOCAL lock_timeout = '{WAIT_FOR_WRITER}s'; "
                "LOCK TABLE archive_events IN EXCLUSIVE MODE"
            )  # one round trip
        self.engine: Engine = create_engine(url, **options)
        event.listen(self.engine, "begin", self._begin)
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_connected)
        self.held: list[int] = []  # files held open (locked) while the archive is open
        self._writing: ContextVar[Transaction | None] = ContextVar("writing", default=None)
        self._snapshot: ContextVar[Connection | None] = ContextVar("snapshot", default=None)

    @contextmanager
    def writing(self, first: str = "") -> Iterator[Connection]:
        """The write transaction, holding the write lock; joined if one is in progress.
        Commits when the outermost block ends, rolls back if it raises. ``first``: a read
        made as the lock is taken (on PostgreSQL, in the same round trip), its rows kept
        as the transaction's ``first``."""
        current = self._writing.get()
        if current is not None:
            yield current.connection
            return
        with self.translated(), self.engine.connect() as connection:
            connection = connection.execution_options(story_begin="")  # begun by _lock
            with connection.begin():
                token = self._writing.set(Transaction(connection, self._lock(connection, first)))
                try:
                    yield connection
                finally:
                    self._writing.reset(token)

    def _lock(self, connection: Connection, first: str) -> list[Any]:
        """Begin a writer's transaction, taking the write lock up front (writers queue
        instead of failing); then the rows of ``first``."""
        with self.cursor(connection) as cursor:
            if self.sqlite:
                cursor.execute(self.lock)
                return cursor.execute(first).fetchall() if first else []
            cursor.execute(f"{self.lock}; {first}" if first else self.lock)
            while cursor.nextset():  # to the last statement's rows
                pass
            return cursor.fetchall() if first else []

    def _begin(self, connection: Connection) -> None:
        """A transaction begins as its connection's ``story_begin`` option says (a
        snapshot's in REPEATABLE READ, settle's with its own lock); a plain ``BEGIN`` by
        default; nothing (autocommit) when it is empty."""
        begin = connection.get_execution_options().get("story_begin", "BEGIN")
        if begin:
            with self.cursor(connection) as cursor:
                cursor.execute(begin)

    def transaction(self) -> Transaction | None:
        """The write transaction in progress (in this context), if any."""
        return self._writing.get()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads: the write transaction's own inside one (it sees what
        the transaction wrote), the snapshot's inside one, else one from the pool."""
        writing = self._writing.get()
        current = writing.connection if writing is not None else self._snapshot.get()
        if current is not None:
            yield current
            return
        with self.translated(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see the archive as it stood at the first of them: one read
        transaction on one connection (a deferred ``BEGIN`` on SQLite in WAL mode,
        ``REPEATABLE READ`` on PostgreSQL). Inside a transaction, reads stay in it."""
        if self._writing.get() is not None or self._snapshot.get() is not None:
            yield
            return
        with self.translated(), self.engine.connect() as connection:
            if not self.sqlite:
                connection = connection.execution_options(
                    story_begin="BEGIN ISOLATION LEVEL REPEATABLE READ"
                )
            with connection.begin():
                token = self._snapshot.set(connection)
                try:
                    yield
                finally:
                    self._snapshot.reset(token)

    def raw_rows(self, sql: str, *params: Any) -> Iterator[tuple[Any, ...]]:
        """The rows of one query as the driver gives them, in batches: for reads of the
        whole archive (verify), where SQLAlchemy's result processing would cost more than
        the reading. ``?`` placeholders on both databases."""
        with self.reading() as connection:
            driver = connection.connection.dbapi_connection
            assert driver is not None
            # On PostgreSQL a server-side cursor: rows come as they are read.
            cursor = driver.cursor() if self.sqlite else driver.cursor(name=f"story_{id(params)}")
            try:
                cursor.execute(self.sql(sql), params)
                while batch := cursor.fetchmany(5000):
                    yield from batch
            finally:
                cursor.close()

    def rows(self, connection: Connection, statement: str, *params: Any) -> list[Any]:
        """The rows of one small query, on the driver's own cursor: an append's reads,
        where SQLAlchemy's result handling would cost more than the query (see
        :meth:`cursor`)."""
        with self.cursor(connection) as cursor:
            cursor.execute(self.sql(statement), params)
            found: list[Any] = cursor.fetchall()
        return found

    @contextmanager
    def batched(self, connection: Connection) -> Iterator[Write]:
        """``write(statement, rows)`` for a run of writes whose results nobody reads, each
        an ``executemany`` on the driver's own cursor (SQLAlchemy would only build results
        for them). On PostgreSQL they all go in one psycopg pipeline: one round trip where
        each would take its own; a failure is raised as the block ends. No rows, no
        statement."""
        with self.cursor(connection) as cursor:
            driver = cursor.connection
            with nullcontext() if self.sqlite else driver.pipeline():

                def write(statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
                    if rows:
                        cursor.executemany(self.sql(statement), rows)

                yield write

    @contextmanager
    def cursor(self, connection: Connection) -> Iterator[Any]:
        """The driver's own cursor on a connection, for statements written with ``?``
        placeholders (:meth:`sql`); a failure is SQLAlchemy's error, as from any other
        statement."""
        driver: Any = connection.connection.dbapi_connection
        try:
            with closing(driver.cursor()) as cursor:
                yield cursor
        except driver.Error as error:
            raise exc.DBAPIError.instance(
                None, None, error, driver.Error, dialect=connection.dialect
            ) from error

    def tidy(self, table: str) -> None:
        """After a bulk write on PostgreSQL, what autovacuum would do some time later:
        fresh planner statistics and a visibility map, so that an index alone answers a
        count. A failure cannot undo the committed write, so it is not reported."""
        if self.sqlite:
            return
        try:
            with self.engine.connect() as connection:
                connection.execution_options(story_begin="").exec_driver_sql(
                    f"VACUUM (ANALYZE, SKIP_LOCKED) {table}"
                )
        except exc.SQLAlchemyError:
            pass

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in the driver's own paramstyle."""
        return statement if self.sqlite else statement.replace("?", "%s")

    def close(self) -> None:
        self.engine.dispose()
        for fd in self.held:  # (storage.locate.hold)
            os.close(fd)
        self.held.clear()

    @contextmanager
    def translated(self) -> Iterator[None]:
        """SQLAlchemy's errors as eventsourcing's persistence errors."""
        try:
            yield
        except exc.IntegrityError as error:
            raise IntegrityError(error) from error
        except exc.OperationalError as error:
            raise OperationalError(error) from error
        except exc.DataError as error:
            raise DataError(error) from error
        except exc.ProgrammingError as error:
            raise ProgrammingError(error) from error
        except exc.SQLAlchemyError as error:
            raise PersistenceError(error) from error


Write = Callable[[str, Sequence[tuple[Any, ...]]], None]  # (statement, rows): Database.batched


def _sqlite_connected(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    # The default page cache (2 MB) is smaller than one long story's rows; this one
    # (32 MB per connection) is taken only as pages are read.
    dbapi_connection.execute("PRAGMA cache_size = -32768")


class SqlRecorder(ApplicationRecorder):
    """Stored events in ``archive_events``; with them, the index rows of their updates."""

    def __init__(self, database: Database, zone: str, repaired: Sequence[str] = ()) -> None:
        self.database = database
        self._head = HEAD_AND_CLOCK.format(clock="NULL" if database.sqlite else "clock_timestamp()")
        self.zone = time_zone(zone)  # where a date-only update sits on the timeline
        self.zone_name = zone
        self.repaired = list(repaired)  # what was wrong with the guard on opening

    def now(self) -> datetime:
        """The archive's clock for ``recorded_at``: PostgreSQL's (one clock however many
        clients write), else this machine's; never before the latest update recorded
        (inside a write transaction, its own included)."""
        transaction = self.database.transaction()
        if transaction is None:
            with self.database.reading() as connection:
                head = self._read_head(connection)
            return _later(head.clock or datetime.now(UTC), head.recorded)
        head = self.head()
        clock = head.clock or self._clock(transaction.connection)
        head.clock = None  # the clock read with the head serves once
        head.recorded = _later(clock, head.recorded)
        return head.recorded

    def head(self) -> Head:
        """The write transaction's view of the archive chain's head (see :class:`Head`)."""
        transaction = self.database.transaction()
        assert transaction is not None, "only a write transaction keeps the chain's head"
        if transaction.head is None:
            found = transaction.first or self.database.rows(transaction.connection, self._head)
            transaction.head = _head(found)
        return transaction.head

    def _read_head(self, connection: Connection) -> Head:
        return _head(self.database.rows(connection, self._head))

    def _clock(self, connection: Connection) -> datetime:
        if self.database.sqlite:
            return datetime.now(UTC)
        clock: datetime = connection.exec_driver_sql("SELECT clock_timestamp()").scalar_one()
        return clock

    def transaction(self) -> AbstractContextManager[Connection]:
        """The archive's write transaction, holding its write lock: everything saved
        inside commits together at its end, or nothing does. The chain's head is read as
        the lock is taken."""
        return self.database.writing(first=self._head)

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        updates: Sequence[Update] = (),
        links: Sequence[tuple[str, str, str]] = (),
        ties: Sequence[tuple[Tie, str]] = (),
        **_: Any,
    ) -> None:
        """The events, and the recorded ``updates`` they carry, in one transaction; with
        ``links`` (id, story, digest), other links of the archive chain (the zone's), and
        ``ties`` (a URL's tie, its digest), links too, each with its row in story_urls."""
        key = self._key
        chained = [
            *links,
            *((tie.link, tie.story or "", digest) for tie, digest in ties),
            *((u.id, u.story, u.digest or "") for u in updates),
        ]
        with self.database.writing() as connection:
            links_rows = self._links(chained)
            dialect = connection.dialect.name
            with self.database.batched(connection) as write:
                write(INSERT_EVENT, [
                    (key(e.originator_id), e.originator_version, e.topic, e.state)
                    for e in stored_events
                ])  # fmt: skip
                rows = [row_of(update, self.zone) for update in updates]
                write(INSERT_ROW, [tuple(row.values()) for row in rows])
                write(upsert_stats(dialect), _stats(rows))
                write(INSERT_TIE, [tie_row(tie) for tie, _ in ties])
                write(INSERT_LINK, links_rows)

    def _links(self, chained: Sequence[tuple[str, str, str]]) -> list[tuple[Any, ...]]:
        """The rows of the archive chain's next links, (id, story, digest) each; the
        transaction's head moves on past them."""
        if not chained:
            return []
        head = self.head()
        rows = []
        for update_id, story, digest in chained:
            head.position, head.chain = head.position + 1, chain_digest(head.chain, digest)
            rows.append((head.position, update_id, story, digest, head.chain))
        return rows

    def _key(self, originator_id: UUID | str) -> Any:
        """A story's id as its column holds it: 16 bytes on SQLite."""
        uuid = _uuid(originator_id)
        return uuid.bytes if self.database.sqlite else uuid

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        query, params = SELECT_EVENTS, [self._key(originator_id)]
        if gt is not None:
            query, params = query + " AND originator_version > ?", [*params, gt]
        if lte is not None:
            query, params = query + " AND originator_version <= ?", [*params, lte]
        query += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        with self.database.reading() as connection:
            rows = connection.exec_driver_sql(self.database.sql(query), tuple(params)).all()
        return [StoredEvent(originator_id, v, topic, _bytes(state)) for v, topic, state in rows]

    def ends(self, originator_id: UUID) -> list[StoredEvent]:
        """An aggregate's first and last events (one, if it has one; none, if none)."""
        key = self._key(originator_id)
        with self.database.reading() as connection:
            rows = self.database.rows(connection, SELECT_ENDS, key, key)
        return [StoredEvent(originator_id, v, topic, _bytes(state)) for v, topic, state in rows]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        where = ["id >= ?" if inclusive_of_start else "id > ?"]
        params: list[Any] = [start or 0]
        if stop is not None:
            where.append("id <= ?")
            params.append(stop)
        if topics:
            where.append(f"topic IN ({', '.join('?' for _ in topics)})")
            params.extend(topics)
        return [
            Notification(id=n, originator_id=o, originator_version=v, topic=topic, state=state)
            for n, o, v, topic, state in self._events(" AND ".join(where), params, limit)
        ]

    def event_rows(self, start: int, limit: int) -> list[tuple[int, Any, int, str, Any]]:
        """Up to ``limit`` events from notification id ``start`` on, as stored."""
        return self._events("id >= ?", [start], limit)

    def _events(
        self, where: str, params: list[Any], limit: int
    ) -> list[tuple[int, Any, int, str, Any]]:
        # Plain SQL, without SQLAlchemy's result processing: verify reads every event.
        query = (
            "SELECT id, originator_id, originator_version, topic, state FROM archive_events "
            f"WHERE {where} ORDER BY id LIMIT {int(limit)}"
        )
        uuid = _uuid_of_bytes if self.database.sqlite else _uuid
        return [
            (row[0], uuid(row[1]), row[2], row[3], _bytes(row[4]))
            for row in self.database.raw_rows(query, *params)
        ]

    def max_notification_id(self) -> int | None:
        with self.database.reading() as connection:
            found = connection.execute(select(func.max(events_table.c.id))).scalar()
        return int(found) if found is not None else None

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        raise NotImplementedError(
            "story's read models are written in the events' own transaction: "
            "nothing subscribes to the event store"
        )


def _bytes(state: Any) -> Any:
    """A stored state as bytes; anything else someone stored is passed on as it is, for
    verify to report (and a reader to refuse)."""
    return bytes(state) if isinstance(state, bytes | memoryview | bytearray) else state


def _uuid_of_bytes(value: Any) -> Any:
    """A story's UUID from SQLite's 16 bytes (anything else as it is, for verify)."""
    return UUID(bytes=value) if isinstance(value, bytes) and len(value) == 16 else value


def _head(rows: list[Any]) -> Head:
    """The chain's head, when it was recorded and the clock, from HEAD_AND_CLOCK's row."""
    [(position, chain, recorded, clock)] = rows
    if position is None:  # no link yet
        return Head(0, GENESIS, None, clock)
    return Head(position, chain, _recorded(recorded), clock)


def _recorded(found: Any) -> datetime | None:
    """A stored recorded_at; None if there is none (or it is garbled: verify reports it)."""
    try:
        return datetime.fromisoformat(found) if found else None
    except (TypeError, ValueError):
        return None


def _later(clock: datetime, recorded: datetime | None) -> datetime:
    return max(clock, recorded) if recorded is not None else clock


def _uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def _stats(rows: list[dict[str, Any]]) -> list[tuple[str, int, str, str]]:
    """(story, updates, first day, last day) of some index rows, one per story."""
    found: dict[str, tuple[str, int, str, str]] = {}
    for row in rows:
        story, day = row["story"], row["reported_day"]
        seen = found.get(story)
        found[story] = (
            (story, 1, day, day)
            if seen is None
            else (story, seen[1] + 1, min(seen[2], day), max(seen[3], day))
        )
    return list(found.values())


class Factory(InfrastructureFactory[TrackingRecorder]):
    """eventsourcing's entry point: the recorder for ``STORY_DATABASE_URL``."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        url = self.env.get(URL)
        if not url:
            raise InfrastructureFactoryError(f"{URL} must name the archive's database")
        self.database = Database(url)
        try:
            self.zone, self.repaired = settle(self.database, self.env.get(ZONE, "UTC"),
                                              strtobool(self.env.get(CREATE, "y")))  # fmt: skip
        except BaseException:
            self.database.close()
            raise

    def application_recorder(self) -> SqlRecorder:
        return SqlRecorder(self.database, self.zone, self.repaired)

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose != "events":
            raise InfrastructureFactoryError(
                f"story keeps no {purpose}: a story's state is in its first and last events"
            )
        return self.application_recorder()

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        raise InfrastructureFactoryError(
            "story tracks no upstream applications: its read models share the events' transaction"
        )

    def process_recorder(self) -> ProcessRecorder:
        raise InfrastructureFactoryError("story runs no process applications")

    def close(self) -> None:
        self.database.close()
