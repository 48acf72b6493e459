"""One database, one writer at a time: the transaction that events and read models share.

Every write to the archive (events, index rows, chain links) happens inside
:meth:`Store.writing`, which first takes the archive's write lock: ``BEGIN IMMEDIATE`` on
SQLite, ``LOCK TABLE archive_events IN EXCLUSIVE MODE`` on PostgreSQL. Writers queue up
instead of racing, so a writer's reads inside its transaction (a story's last event,
an update's target) are the truth, and the read models can never disagree with the
events. Readers are never blocked: SQLite runs in WAL mode, and PostgreSQL's EXCLUSIVE
lock still admits ``SELECT``.

Hot paths use the driver's cursor directly (``executemany``); SQLAlchemy keeps the
engine, the pool, the dialect differences and the schema.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
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


class Store:
    """An engine on SQLite or PostgreSQL, and the write transaction in progress."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.engine: Engine = create_engine(
                url, connect_args={"timeout": WAIT_FOR_WRITER, "isolation_level": None}
            )
            event.listen(self.engine, "connect", _sqlite_connected)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = create_engine(url)
        self._current: ContextVar[Any] = ContextVar("writing", default=None)
        # Writes nobody waits on, sent with the transaction's next batch (or before its
        # next read, or its COMMIT): on PostgreSQL, in one round trip with that batch.
        self._queued: ContextVar[list[tuple[str, Sequence[Any]]] | None] = ContextVar(
            "queued", default=None
        )

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in the driver's own style."""
        return statement if self.sqlite else statement.replace("?", "%s")

    @contextmanager
    def writing(self, setup: bool = False) -> Iterator[Any]:
        """The write transaction (joined if one is in progress): commits on success.

        Yields the driver's own connection: only ``fetch`` and ``execute`` run in it.
        ``setup``: the transaction that creates the tables (yields an SQLAlchemy
        ``Connection``, for DDL), before there is a table to lock.
        """
        current = self._current.get()
        if current is not None:
            yield current
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
        raw = self.engine.raw_connection()
        driver: Any = raw.driver_connection
        token, queued = self._current.set(raw), self._queued.set([])
        try:
            if self.sqlite:
                driver.execute(self._lock(setup=False))
            else:
                # BEGIN goes with the lock, in one round trip; we end the transaction.
                driver.autocommit = True
                driver.execute(f"BEGIN; {self._lock(setup=False)}")
            try:
                yield raw
                self.execute_all(raw, [])  # anything still queued
            except BaseException:
                self._end(driver, "ROLLBACK")
                raise
            self._end(driver, "COMMIT")
        finally:
            self._current.reset(token)
            self._queued.reset(queued)
            if not self.sqlite:
                self._settle(raw, driver)
            raw.close()

    def _settle(self, raw: Any, driver: Any) -> None:
        """Leave a PostgreSQL connection as the pool lent it: no transaction (one whose
        BEGIN or lock failed is rolled back), autocommit off; or discard it."""
        try:
            if self._in_transaction(driver):
                driver.execute("ROLLBACK")
            driver.autocommit = False
        except Exception:
            raw.invalidate()  # broken: the pool must not lend it again

    def _end(self, driver: Any, how: str) -> None:
        """COMMIT or ROLLBACK; a COMMIT that fails leaves nothing behind."""
        if self.sqlite and not driver.in_transaction:
            return
        try:
            driver.execute(how)
        except BaseException:
            if self._in_transaction(driver):
                driver.execute("ROLLBACK")
            raise

    def _in_transaction(self, driver: Any) -> bool:
        if self.sqlite:
            return bool(driver.in_transaction)
        return bool(driver.info.transaction_status != 0)  # psycopg.pq.TransactionStatus.IDLE

    @contextmanager
    def _core(self, setup: bool) -> Iterator[Connection]:
        connection = self.engine.connect().execution_options(story_write=True)
        token = self._current.set(connection)
        try:
            with connection.begin():
                if not self.sqlite:
                    connection.exec_driver_sql(self._lock(setup))
                yield connection
        finally:
            self._current.reset(token)
            connection.close()

    def _lock(self, setup: bool) -> str:
        """The statement that takes the archive's write lock (one round trip)."""
        if self.sqlite:
            return "BEGIN IMMEDIATE"
        lock = (
            "SELECT pg_advisory_xact_lock(727371)"
            if setup
            else "LOCK TABLE archive_events IN EXCLUSIVE MODE"
        )
        return f"SET LOCAL lock_timeout = '{WAIT_FOR_WRITER}s'; {lock}"

    @contextmanager
    def reading(self) -> Iterator[Any]:
        """A connection for reads: the write transaction's own, when inside one."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        with self.engine.connect() as connection:
            yield connection

    def execute(self, connection: Any, statement: str, rows: Sequence[Any]) -> None:
        """``executemany`` on the driver's cursor: the cheapest way to insert rows."""
        cursor = _cursor(connection)
        try:
            cursor.executemany(self.sql(statement), rows)
        finally:
            cursor.close()

    def queue(self, connection: Any, statement: str, rows: Sequence[Any]) -> None:
        """``execute`` now, or (in the write transaction) with its next batch of writes."""
        queued = self._queued.get()
        if queued is None or connection is not self._current.get():
            self.execute(connection, statement, rows)
        else:
            queued.append((statement, rows))

    def execute_all(self, connection: Any, batches: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """What is queued, then several ``executemany``: on PostgreSQL in one pipeline,
        so in one round trip."""
        self.fetch_all(connection, batches, [])

    def fetch(self, connection: Any, statement: str, *params: Any) -> list[Any]:
        """Rows of a query, through the driver's cursor (after what is queued)."""
        return self.fetch_all(connection, [], [(statement, params)])[0]

    def fetch_all(
        self,
        connection: Any,
        batches: Sequence[tuple[str, Sequence[Any]]],
        queries: Sequence[tuple[str, Sequence[Any]]],
    ) -> list[list[Any]]:
        """What is queued, then ``batches`` of ``executemany``, then ``queries``: the rows
        of each query. On PostgreSQL all of it goes in one pipeline, one round trip."""
        writes = self._taken(connection) + list(batches)
        if self.sqlite or len(writes) + len(queries) < 2 or isinstance(connection, Connection):
            for statement, rows in writes:
                self.execute(connection, statement, rows)
            return [self._rows(connection, statement, params) for statement, params in queries]
        cursors = [_cursor(connection) for _ in queries]
        try:
            with connection.driver_connection.pipeline():
                for statement, rows in writes:
                    self.execute(connection, statement, rows)
                for cursor, (statement, params) in zip(cursors, queries, strict=True):
                    cursor.execute(self.sql(statement), params)
                # The first fetch sends everything above and waits for all of it.
                return [list(cursor.fetchall()) for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()

    def _rows(self, connection: Any, statement: str, params: Sequence[Any]) -> list[Any]:
        cursor = _cursor(connection)
        try:
            cursor.execute(self.sql(statement), params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _taken(self, connection: Any) -> list[tuple[str, Sequence[Any]]]:
        queued = self._queued.get() if connection is self._current.get() else None
        if not queued:
            return []
        taken = list(queued)
        queued.clear()
        return taken

    def close(self) -> None:
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
