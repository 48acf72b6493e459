"""The write transaction's contract: lock first, reads at commit, all or nothing.

A transaction sends BEGIN and the lock with its first statements and COMMIT with its
last (on PostgreSQL, in the same round trips); these tests hold it to what that must not
change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import PersistenceError
from sqlalchemy import create_engine, text

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
    engine = create_engine(url)
    with engine.connect() as other:
        held = other.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE relation = 'archive_events'::regclass"
                " AND mode = 'ExclusiveLock' AND granted"
            )
        ).scalar()
    engine.dispose()
    return held == 1


def test_a_writers_first_read_already_holds_the_archive_lock(store: Store, db: str) -> None:
    with store.writing() as connection:
        assert store.fetch(connection, COUNT) == [(0,)]
        assert lock_held(store, db)


@pytest.mark.parametrize("fails", [False, True], ids=["committed", "failed"])
def test_between_transactions_a_writer_holds_no_lock(store: Store, db: str, fails: bool) -> None:
    """The connection kept for the next write transaction is idle, whatever the last did."""
    if fails:
        with pytest.raises(PersistenceError):
            write_and_fail_at_commit(store)
    else:
        with store.writing() as connection:
            store.queue(connection, INSERT, [("probe-1", "a")])
    assert not lock_held(store, db)
    with store.writing() as connection:
        store.queue(connection, INSERT, [("probe-2", "b")])
    assert probes(store) == (1 if fails else 2)
    assert not lock_held(store, db)


def test_a_writer_that_sends_nothing_commits_nothing_and_holds_no_lock(
    store: Store, db: str
) -> None:
    with store.writing():
        other = Store(archive_url(db))
        with other.writing() as connection:  # would wait for the lock if it were held
            other.queue(connection, INSERT, [("probe-1", "a")])
        other.close()
    assert probes(store) == 1
