"""The write transaction's contract: lock first, reads at commit, all or nothing.

A transaction sends BEGIN and the lock with its first statements and COMMIT with its
last (on PostgreSQL, in the same round trips); these tests hold it to what that must not
change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError as SqlOperationalError

from storage.archive import open_archive
from storage.locate import archive_url
from storage.store import Store

INSERT = "INSERT INTO story_meta (name, value) VALUES (?, ?)"
COUNT = "SELECT count(*) FROM story_meta WHERE substr(name, 1, 5) = 'probe'"


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    open_archive(db).close()  # the archive's tables
    store = Store(archive_url(db))
    yield store
    store.close()


def probes(store: Store) -> int:
    with store.reading() as connection:
        return int(store.fetch(connection, COUNT)[0][0])


def test_a_read_at_commit_sees_the_transactions_writes_and_is_there_after_it(
    store: Store,
) -> None:
    with store.writing() as connection:
        store.queue(connection, INSERT, [("probe-1", "a"), ("probe-2", "b")])
        counted = store.fetch_at_commit(connection, COUNT)
        with pytest.raises(RuntimeError, match="before the transaction committed"):
            counted()
    assert counted() == [(2,)]
    assert probes(store) == 2


def write_and_fail_at_commit(store: Store) -> None:
    with store.writing() as connection:
        store.queue(connection, INSERT, [("probe-1", "a")])
        store.fetch_at_commit(connection, "SELECT no_such_column FROM story_meta")


def test_a_failure_in_the_last_round_trip_leaves_nothing_written(store: Store) -> None:
    with pytest.raises(PersistenceError):
        write_and_fail_at_commit(store)
    assert probes(store) == 0
    with store.writing() as connection:  # and the connection is fit for the next writer
        store.queue(connection, INSERT, [("probe-2", "b")])
    assert probes(store) == 1


def lock_held(store: Store, db: str) -> bool:
    """Whether the archive's write lock is held (by anyone), seen from elsewhere."""
    url = archive_url(db)
    if store.sqlite:
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            if "locked" not in str(error):
                raise
            return True
        finally:
            other.close()
    held = one_value(
        url,
        "SELECT count(*) FROM pg_locks WHERE relation = 'archive_events'::regclass"
        " AND mode = 'ExclusiveLock' AND granted",
    )
    return held == 1


def one_value(url: str, query: str) -> Any:
    """A query's one value, asked of the server on a connection of its own."""
    engine = create_engine(url)
    try:
        with engine.connect() as other:
            return other.execute(text(query)).scalar()
    finally:
        engine.dispose()


def test_a_writers_first_read_already_holds_the_archive_lock(store: Store, db: str) -> None:
    with store.writing() as connection:
        assert store.fetch(connection, COUNT) == [(0,)]
        assert lock_held(store, db)


def write_and_fail_holding_the_lock(store: Store) -> None:
    with store.writing() as connection:
        store.queue(connection, INSERT, [("probe-1", "a")])
        store.fetch(connection, COUNT)  # the lock is taken, the write sent; no COMMIT yet
        raise RuntimeError("the caller failed mid-transaction")


LAST_TRANSACTION = {
    "committed": lambda store: write_probe(store, "probe-1"),
    "failed-at-commit": write_and_fail_at_commit,
    "failed-holding-the-lock": write_and_fail_holding_the_lock,
}


def write_probe(store: Store, name: str) -> Any:
    with store.writing() as connection:
        store.queue(connection, INSERT, [(name, "a")])
    return connection


@pytest.mark.parametrize("last", list(LAST_TRANSACTION))
def test_between_transactions_a_writer_holds_no_lock(store: Store, db: str, last: str) -> None:
    """The connection kept for the next write transaction is idle, whatever the last did,
    and the next transaction gets it."""
    with store.writing() as kept:
        pass  # sends nothing
    if last == "committed":
        LAST_TRANSACTION[last](store)
    else:
        with pytest.raises((PersistenceError, RuntimeError)):
            LAST_TRANSACTION[last](store)
    assert not lock_held(store, db)
    assert write_probe(store, "probe-2") is kept
    assert probes(store) == (2 if last == "committed" else 1)
    assert not lock_held(store, db)


def test_a_write_after_the_server_dropped_our_connections_succeeds(postgres_db: str) -> None:
    """The server ended every session (a restart, a failover): once a read has met the
    broken connection, the next write does not get the kept one, which is broken too."""
    open_archive(postgres_db).close()
    store = Store(archive_url(postgres_db))
    try:
        write_probe(store, "probe-1")
        assert probes(store) == 1
        ended = one_value(
            postgres_db,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        assert ended == 2  # the kept write connection and the pool's read connection
        with pytest.raises((SqlOperationalError, psycopg.OperationalError)):
            probes(store)
        write_probe(store, "probe-2")
        assert probes(store) == 2
    finally:
        store.close()


def test_a_writer_that_sends_nothing_commits_nothing_and_holds_no_lock(
    store: Store, db: str
) -> None:
    with store.writing():
        other = Store(archive_url(db))
        with other.writing() as connection:  # would wait for the lock if it were held
            other.queue(connection, INSERT, [("probe-1", "a")])
        other.close()
    assert probes(store) == 1
