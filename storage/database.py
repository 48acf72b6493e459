"""The database: an SQLAlchemy engine, and the one write transaction at a time.

Writers take the archive's write lock when their transaction begins (``BEGIN IMMEDIATE``
on SQLite; ``LOCK TABLE archive_events IN EXCLUSIVE MODE`` on PostgreSQL), so they queue
instead of racing: what a writer reads inside its transaction is the truth until it
commits. Readers are never blocked (SQLite runs in WAL mode; PostgreSQL's EXCLUSIVE lock
admits ``SELECT``). Connections come from SQLAlchemy's pool.
"""

from __future__ import annotations

from collections.abc import Iterator
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
from sqlalchemy import Connection, Engine, create_engine, event, exc

WAIT_FOR_WRITER = 60  # seconds a writer waits for the one before it to finish


class Database:
    """An engine on SQLite or PostgreSQL, and the write transaction in progress."""

    def __init__(self, url: str) -> None:
        self.sqlite = url.startswith("sqlite")
        options: dict[str, Any] = {"pool_use_lifo": True, "pool_reset_on_return": "rollback"}
        if self.sqlite:
            # The driver's own transaction handling is off: the "begin" hook below
            # sends BEGIN (IMMEDIATE, for writers) itself.
            options["connect_args"] = {"timeout": WAIT_FOR_WRITER, "isolation_level": None}
        else:
            options["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **options)
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_connected)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._writing: ContextVar[Connection | None] = ContextVar("writing", default=None)
        self._snapshot: ContextVar[Connection | None] = ContextVar("snapshot", default=None)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """The write transaction, holding the write lock; joined if one is in progress.
        Commits when the outermost block ends, rolls back if it raises."""
        current = self._writing.get()
        if current is not None:
            yield current
            return
        with self.translated(), self.engine.connect() as connection:
            connection = connection.execution_options(story_write=True)
            with connection.begin():
                if not self.sqlite:
                    connection.exec_driver_sql(
                        f"SET LOCAL lock_timeout = '{WAIT_FOR_WRITER}s'; "
                        "LOCK TABLE archive_events IN EXCLUSIVE MODE"
                    )
                token = self._writing.set(connection)
                try:
                    yield connection
                finally:
                    self._writing.reset(token)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads: the write transaction's own inside one (it sees what
        the transaction wrote), the snapshot's inside one, else one from the pool."""
        current = self._writing.get() or self._snapshot.get()
        if current is not None:
            yield current
            return
        with self.translated(), self.engine.connect() as connection:
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
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                token = self._snapshot.set(connection)
                try:
                    yield
                finally:
                    self._snapshot.reset(token)

    def tidy(self, table: str) -> None:
        """After a bulk write on PostgreSQL, what autovacuum would do some time later:
        fresh planner statistics and a visibility map, so that an index alone answers a
        count. A failure cannot undo the committed write, so it is not reported."""
        if self.sqlite:
            return
        try:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"VACUUM (ANALYZE, SKIP_LOCKED) {table}"
                )
        except exc.SQLAlchemyError:
            pass

    def close(self) -> None:
        self.engine.dispose()

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


def _sqlite_connected(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    # The default page cache (2 MB) is smaller than one long story's rows; this one
    # (32 MB per connection) is taken only as pages are read.
    dbapi_connection.execute("PRAGMA cache_size = -32768")


def _sqlite_begin(connection: Connection) -> None:
    """Writers take SQLite's write lock up front, so they queue instead of failing."""
    writer = connection.get_execution_options().get("story_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
