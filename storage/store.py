"""One database, one writer at a time: the transaction that events and read models share.

Every write to the archive (events, index rows, chain links) happens inside
:meth:`Store.writing`, which first takes the archive's write lock: ``BEGIN IMMEDIATE`` on
SQLite, ``LOCK TABLE archive_events IN EXCLUSIVE MODE`` on PostgreSQL, sent ahead of the
transaction's first statement (in the same round trip). Writers queue up
instead of racing, so a writer's reads inside its transaction (a story's last event,
an update's target) are the truth, and the read models can never disagree with the
events. Readers are never blocked: SQLite runs in WAL mode, and PostgreSQL's EXCLUSIVE
lock still admits ``SELECT``.

Hot paths use the driver's cursor directly (``executemany``); SQLAlchemy keeps the
engine, the pool, the dialect differences and the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import (
    DataError,
    IntegrityError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError as SqlDataError
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import OperationalError as SqlOperationalError
from sqlalchemy.exc import ProgrammingError as SqlProgrammingError
from sqlalchemy.exc import SQLAlchemyError

WAIT_FOR_WRITER = 60  # seconds a writer waits for the one before it to finish

Rows = list[Any]


@dataclass
class _Transaction:
    """The write transaction in progress, and what it has not sent yet.

    ``opening`` (BEGIN and the lock) goes out with the transaction's first statements;
    ``queued`` writes with its next ones; ``closing`` reads with its COMMIT. On
    PostgreSQL each of those goes in the same round trip as what it travels with.
    """

    connection: Any  # the pool's connection (or, for schema changes, a Core Connection)
    opening: list[str] = field(default_factory=list)
    queued: list[tuple[str, Sequence[Any]]] = field(default_factory=list)
    closing: list[tuple[str, Sequence[Any], list[Rows]]] = field(default_factory=list)

    def take(self) -> tuple[list[str], list[tuple[str, Sequence[Any]]]]:
        """The statements not yet sent, taken."""
        opening, queued = self.opening, self.queued
        self.opening, self.queued = [], []
        return opening, queued


class Store:
    """An engine on SQLite or PostgreSQL, and the write transaction in progress."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        # The pool lends the connection used last: one process's reads and writes then
        # stay on one connection whose page cache (SQLite) and prepared statements
        # (PostgreSQL) are warm, where taking turns made each connection start cold.
        if self.sqlite:
            self.engine: Engine = create_engine(
                url,
                connect_args={"timeout": WAIT_FOR_WRITER, "isolation_level": None},
                pool_use_lifo=True,
            )
            event.listen(self.engine, "connect", _sqlite_connected)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(url, pool_use_lifo=True)
        event.listen(self.engine, "invalidate", self._on_invalidate)
        self._current: ContextVar[_Transaction | None] = ContextVar("writing", default=None)
        # The last write transaction's connection, kept out of the pool until the next
        # one: lending it again cost a checkout and a checkin (with its reset) each time.
        # A list, whose pop and append are each atomic: threads writing at once never
        # share one (at worst both keep theirs; close() closes every one).
        self._spare: list[Any] = []
        self._closed = False
        self._snapshot: ContextVar[Connection | None] = ContextVar("snapshot", default=None)

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in the driver's own style."""
        return statement if self.sqlite else statement.replace("?", "%s")

    @contextmanager
    def writing(self, setup: bool = False) -> Iterator[Any]:
        """The write transaction (joined if one is in progress): commits on success.

        Yields the driver's own connection: only this class's methods run in it.
        ``setup``: the transaction that creates the tables (yields an SQLAlchemy
        ``Connection``, for DDL), before there is a table to lock.
        """
        current = self._current.get()
        if current is not None:
            yield current.connection
            return
        with self.translated():
            if setup:
                with self._core(setup) as connection:
                    yield connection
            else:
                with self._raw() as connection:
                    yield connection

    @contextmanager
    def ddl(self) -> Iterator[Connection]:
        """A write transaction with an SQLAlchemy ``Connection``, for schema changes."""
        with self.translated(), self._core(setup=False) as connection:
            yield connection

    @contextmanager
    def _raw(self) -> Iterator[Any]:
        """A transaction on the driver's connection. It begins with its first statement
        (BEGIN and the lock travel with it) and commits with its last (the COMMIT travels
        with the writes still queued and the closing reads): on PostgreSQL an append is
        then two round trips, or one when the writer trusts its memory
        (``domain.writing``). It runs on the connection the last one kept (``_keep``),
        or on one from the pool."""
        try:
            raw = self._spare.pop()
        except IndexError:
            raw = self.engine.raw_connection()
        driver: Any = raw.driver_connection
        opening = ["BEGIN IMMEDIATE"] if self.sqlite else ["BEGIN", *self._lock(setup=False)]
        transaction = _Transaction(raw, opening)
        token = self._current.set(transaction)
        try:
            try:
                if not self.sqlite:
                    driver.autocommit = True  # BEGIN and COMMIT are ours to send
                yield raw
                self._commit(transaction)
            except BaseException:
                if self._in_transaction(driver):
                    driver.execute("ROLLBACK")
                raise
        finally:
            self._current.reset(token)
            if not self.sqlite:
                self._settle(raw, driver)
            self._keep(raw, driver)

    def _keep(self, raw: Any, driver: Any) -> None:
        """Keep a write connection for the next write transaction (one at most), or give
        it back to the pool: one that is broken or still in a transaction goes back (the
        pool resets or discards it), as does any once the store is closed."""
        try:
            keep = (
                not self._spare
                and not self._closed
                and raw.is_valid
                and not self._in_transaction(driver)
            )
        except Exception:
            keep = False
        if keep:
            self._spare.append(raw)
        else:
            raw.close()

    def _on_invalidate(self, *_: Any) -> None:
        """The pool discarded a connection it found broken (the server restarted, or ended
        our sessions, say): the kept one is likely broken too, and goes as well."""
        for raw in self._taken_spares():
            raw.invalidate()
            raw.close()

    def _taken_spares(self) -> Iterator[Any]:
        """The kept connections, each taken out of the list as it comes."""
        while True:
            try:
                yield self._spare.pop()
            except IndexError:
                return

    def _commit(self, transaction: _Transaction) -> None:
        """Send what is left, the closing reads and COMMIT, and hand out the reads' rows.
        A transaction that never sent a statement has nothing to commit."""
        opening, queued = transaction.take()
        closing = transaction.closing
        if opening and not queued and not closing:
            return
        queries = [(statement, params) for statement, params, _ in closing]
        found = self._send(transaction.connection, opening, queued, queries, "COMMIT")
        for (_, _, rows), result in zip(closing, found, strict=True):
            rows.append(result)

    def _settle(self, raw: Any, driver: Any) -> None:
        """Leave a PostgreSQL connection as the pool lent it: no transaction (one whose
        BEGIN or lock failed is rolled back), autocommit off; or discard it."""
        try:
            if self._in_transaction(driver):
                driver.execute("ROLLBACK")
            driver.autocommit = False
        except Exception:
            raw.invalidate()  # broken: the pool must not lend it again

    def _in_transaction(self, driver: Any) -> bool:
        if self.sqlite:
            return bool(driver.in_transaction)
        return bool(driver.info.transaction_status != 0)  # psycopg.pq.TransactionStatus.IDLE

    @contextmanager
    def _core(self, setup: bool) -> Iterator[Connection]:
        connection = self.engine.connect().execution_options(story_write=True)
        token = self._current.set(_Transaction(connection))
        try:
            with connection.begin():
                if not self.sqlite:
                    connection.exec_driver_sql("; ".join(self._lock(setup)))
                yield connection
                self.execute_all(connection, [])  # anything still queued
        finally:
            self._current.reset(token)
            connection.close()

    def _lock(self, setup: bool) -> list[str]:
        """The statements that take the archive's write lock, in a PostgreSQL transaction
        (SQLite takes it with ``BEGIN IMMEDIATE``)."""
        lock = (
            "SELECT pg_advisory_xact_lock(727371)"
            if setup
            else "LOCK TABLE archive_events IN EXCLUSIVE MODE"
        )
        return [f"SET LOCAL lock_timeout = '{WAIT_FOR_WRITER}s'", lock]

    def locked(self, connection: Any) -> None:
        """Take the write lock now (it is otherwise taken with the first statement):
        before reading, on another connection, what another writer may have written."""
        self.execute_all(connection, [])

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection for reads: the write transaction's own, when inside one."""
        current = self._current.get()
        if current is not None:
            yield current.connection
            return
        with self.querying() as connection:
            yield connection

    @contextmanager
    def querying(self) -> Iterator[Connection]:
        """A Core connection for reads: the snapshot's, inside one; else a pooled one."""
        snapshot = self._snapshot.get()
        if snapshot is not None:
            yield snapshot
            return
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see the archive as it stood at the first of them, whatever is
        written meanwhile: one read transaction on one connection (on SQLite a deferred
        ``BEGIN``, in WAL mode; on PostgreSQL ``REPEATABLE READ``). Writers are not held
        up. Inside a write transaction, or another snapshot, reads stay where they are."""
        if self._current.get() is not None or self._snapshot.get() is not None:
            yield
            return
        with self.translated(), self.engine.connect() as connection:
            if not self.sqlite:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            token = self._snapshot.set(connection)
            try:
                with connection.begin():
                    yield
            finally:
                self._snapshot.reset(token)

    def queue(self, connection: Any, statement: str, rows: Sequence[Any]) -> None:
        """``executemany`` with the transaction's next statements (now, outside one)."""
        transaction = self._transaction(connection)
        if transaction is None:
            self.execute_all(connection, [(statement, rows)])
        else:
            transaction.queued.append((statement, rows))

    def execute_all(self, connection: Any, batches: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """What is queued, then several ``executemany``: on PostgreSQL in one pipeline,
        so in one round trip."""
        self.fetch_all(connection, batches, [])

    def fetch(self, connection: Any, statement: str, *params: Any) -> Rows:
        """Rows of a query, through the driver's cursor (after what is queued)."""
        return self.fetch_all(connection, [], [(statement, params)])[0]

    def fetch_all(
        self,
        connection: Any,
        batches: Sequence[tuple[str, Sequence[Any]]],
        queries: Sequence[tuple[str, Sequence[Any]]],
    ) -> list[Rows]:
        """What is not yet sent, then ``batches`` of ``executemany``, then ``queries``:
        the rows of each query. On PostgreSQL all of it goes in one round trip."""
        transaction = self._transaction(connection)
        opening, queued = ([], []) if transaction is None else transaction.take()
        return self._send(connection, opening, queued + list(batches), queries)

    def fetch_at_commit(self, connection: Any, statement: str, *params: Any) -> Callable[[], Rows]:
        """A query sent with the transaction's COMMIT (its last round trip), still inside
        it: its rows, for after the commit. Outside a transaction, read now."""
        transaction = self._transaction(connection)
        if transaction is None or isinstance(connection, Connection):
            now = self.fetch(connection, statement, *params)
            return lambda: now
        found: list[Rows] = []
        transaction.closing.append((statement, params, found))

        def rows() -> Rows:
            if not found:
                raise RuntimeError("read at commit, before the transaction committed")
            return found[0]

        return rows

    def _transaction(self, connection: Any) -> _Transaction | None:
        current = self._current.get()
        return current if current is not None and current.connection is connection else None

    def _send(
        self,
        connection: Any,
        opening: Sequence[str],
        writes: Sequence[tuple[str, Sequence[Any]]],
        queries: Sequence[tuple[str, Sequence[Any]]],
        closing: str | None = None,
    ) -> list[Rows]:
        """Statements, ``executemany`` writes, queries and a last statement, in order: the
        rows of each query. On PostgreSQL, in one pipeline (one round trip)."""
        count = len(opening) + len(writes) + len(queries) + (closing is not None)
        core = isinstance(connection, Connection)
        if self.sqlite or core or count < 2:  # (a Core connection has no opening or closing)
            for statement in opening:
                connection.driver_connection.execute(statement)
            for statement, rows in writes:
                self._executemany(connection, statement, rows)
            found = [self._rows(connection, statement, params) for statement, params in queries]
            if closing is not None:
                connection.driver_connection.execute(closing)
            return found
        driver = connection.driver_connection
        cursors = [_cursor(connection) for _ in queries]
        try:
            with driver.pipeline():
                for statement in opening:
                    driver.execute(statement)
                for statement, rows in writes:
                    self._executemany(connection, statement, rows)
                for cursor, (statement, params) in zip(cursors, queries, strict=True):
                    cursor.execute(self.sql(statement), params)
                if closing is not None:
                    driver.execute(closing)
                # The first fetch sends everything above and waits for all of it.
                return [list(cursor.fetchall()) for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()

    def _executemany(self, connection: Any, statement: str, rows: Sequence[Any]) -> None:
        """``executemany`` on the driver's cursor: the cheapest way to insert rows."""
        cursor = _cursor(connection)
        try:
            cursor.executemany(self.sql(statement), rows)
        finally:
            cursor.close()

    def _rows(self, connection: Any, statement: str, params: Sequence[Any]) -> Rows:
        cursor = _cursor(connection)
        try:
            cursor.execute(self.sql(statement), params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def close(self) -> None:
        self._closed = True
        for raw in self._taken_spares():
            raw.close()
        self.engine.dispose()

    def tidy(self, table: str) -> None:
        """After a bulk write on PostgreSQL, what autovacuum would do some time later:
        fresh statistics for the planner, and a visibility map that lets the index
        alone answer a count. Skipped when another vacuum holds the table; a failure
        here cannot undo the committed write, so it is not reported (the next command
        meets any real trouble). Nothing to do on SQLite, whose planner needs neither."""
        if self.sqlite or self._current.get() is not None:
            return
        try:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"VACUUM (ANALYZE, SKIP_LOCKED) {table}"
                )
        except SQLAlchemyError:
            pass

    @contextmanager
    def translated(self) -> Iterator[None]:
        """SQLAlchemy's and the driver's errors as eventsourcing's persistence errors."""
        dbapi: Any = self.engine.dialect.dbapi
        try:
            yield
        except (SqlIntegrityError, dbapi.IntegrityError) as error:
            raise IntegrityError(error) from error
        except (SqlOperationalError, dbapi.OperationalError) as error:
            raise OperationalError(error) from error
        except (SqlDataError, dbapi.DataError) as error:
            raise DataError(error) from error
        except (SqlProgrammingError, dbapi.ProgrammingError) as error:
            raise ProgrammingError(error) from error
        except (SQLAlchemyError, dbapi.Error) as error:
            raise PersistenceError(error) from error


def _cursor(connection: Any) -> Any:
    """A driver cursor on an SQLAlchemy ``Connection`` or on the driver's connection."""
    if isinstance(connection, Connection):
        return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    return connection.cursor()


def _sqlite_connected(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Writers take SQLite's write lock up front, so they queue instead of failing."""
    immediate = connection.get_execution_options().get("story_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
