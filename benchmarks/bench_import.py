"""Figure 1: importing updates through the archive, against raw sqlite3 inserts.

story:    ``Archive.record`` (as ``story import`` does, one batch per file): one batch of
          10,000 updates, then 100 batches of 100, each into a fresh archive file (median
          of 3 runs); and
          ``Archive.append`` (one transaction per update) for 500 updates of a new story,
          and for 50 updates onto a story that already holds 10,000.
baseline: ``sqlite3`` inserting the same rows (the same JSON records) into a plain table
          of a fresh file in WAL mode (as the archive runs), committed:
          ``executemany`` + one commit for the batches, insert + commit per row for the
          appends; and, for the one-batch import, ``sqlite3`` ``executemany`` of exactly
          the rows the archive wrote (events, index rows, chain links) into a fresh file
          with the archive's own schema (tables, indexes, triggers), one commit; for the
          appends to a new story, the same rows written one transaction per update (its
          event, index row, chain link and story_stats change).

Usage: python benchmarks/bench_import.py [--profile]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from benchlib import (
    index_row,
    make_story,
    median,
    profile,
    rate,
    row,
    timed,
    wants_profile,
    workdir,
)

from domain.updates import Update
from storage.archive import open_archive

N = 10_000
BATCH = 100
APPENDS = 500
LATE_APPENDS = 50
RUNS = 3  # imports: median of 3, each into a fresh file

Row = tuple[str, str, str, str, str, str]


def _raw_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE updates (seq INTEGER PRIMARY KEY, story TEXT NOT NULL, "
        "update_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, reported_day TEXT NOT NULL, "
        "recorded_at TEXT NOT NULL, record TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX updates_by_story ON updates (story, reported_day)")
    db.commit()
    return db


_INSERT = (
    "INSERT INTO updates (story, update_id, kind, reported_day, recorded_at, record) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)


def raw_bulk(path: Path, rows: Sequence[Row], batch: int) -> float:
    """Seconds to executemany the rows, one commit per batch, into a fresh file."""
    db = _raw_db(path)
    try:

        def run() -> None:
            for i in range(0, len(rows), batch):
                db.executemany(_INSERT, rows[i : i + batch])
                db.commit()

        return timed(run)
    finally:
        db.close()


def raw_single(path: Path, rows: Sequence[Row]) -> float:
    """Seconds to insert the rows one transaction each."""
    db = _raw_db(path)
    try:

        def run() -> None:
            for r in rows:
                db.execute(_INSERT, r)
                db.commit()

        return timed(run)
    finally:
        db.close()


def raw_same_rows(archive: Path, path: Path) -> float:
    """Seconds to executemany an archive's own rows into a fresh copy of its schema."""
    source = sqlite3.connect(archive)
    schema = [
        sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    ]
    tables = [
        name for (name,) in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    ]
    rows = {name: source.execute(f"SELECT * FROM {name}").fetchall() for name in tables}
    source.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    for sql in schema:
        db.execute(sql)
    db.commit()
    try:

        def run() -> None:
            for name, found in rows.items():
                if found:
                    marks = ", ".join("?" * len(found[0]))
                    db.executemany(f"INSERT INTO {name} VALUES ({marks})", found)
            db.commit()

        return timed(run)
    finally:
        db.close()


_STATS = (  # an append's one-row change to story_stats (storage.recorder.upsert_stats)
    "INSERT INTO story_stats (story, updates, first_day, last_day) VALUES (?, 1, ?, ?) "
    "ON CONFLICT (story) DO UPDATE SET updates = story_stats.updates + 1, "
    "first_day = min(story_stats.first_day, excluded.first_day), "
    "last_day = max(story_stats.last_day, excluded.last_day)"
)


def raw_same_appends(archive: Path, path: Path) -> float:
    """Seconds to write an archive's own rows again, one transaction per update (its event,
    index row and chain link), into a fresh copy of its schema: what an append must write."""
    source = sqlite3.connect(archive)
    schema = [
        sql for (sql,) in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    ]
    events = source.execute("SELECT * FROM archive_events ORDER BY id").fetchall()
    updates = source.execute("SELECT * FROM story_updates ORDER BY seq").fetchall()
    links = source.execute("SELECT * FROM story_chain ORDER BY position").fetchall()
    meta = source.execute("SELECT * FROM story_meta").fetchall()
    source.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    for sql in schema:
        db.execute(sql)
    db.executemany("INSERT INTO story_meta VALUES (?, ?)", meta)
    # What is not an update's (the archive's settings: its zone, recorded with its first
    # write) is written once, before the timing; then the story's, an update at a time.
    settings = [e for e in events if ":Story." not in e[3]]
    events = [e for e in events if ":Story." in e[3]]
    ids = {row[2] for row in updates}  # story_updates.update_id
    db.executemany(f"INSERT INTO archive_events VALUES ({', '.join('?' * len(events[0]))})",
                   settings)  # fmt: skip
    db.executemany("INSERT INTO story_chain VALUES (?, ?, ?, ?, ?)",
                   [link for link in links if link[1] not in ids])  # fmt: skip
    links = [link for link in links if link[1] in ids]
    started, events = events[:1], events[1:]  # one story: its Started event goes first
    event_sql = f"INSERT INTO archive_events VALUES ({', '.join('?' * len(events[0]))})"
    update_sql = f"INSERT INTO story_updates VALUES ({', '.join('?' * len(updates[0]))})"
    try:

        def run() -> None:
            for n, (event, update, link) in enumerate(zip(events, updates, links, strict=True)):
                db.execute("BEGIN IMMEDIATE")
                db.executemany(event_sql, (started if n == 0 else []) + [event])
                db.execute(update_sql, update)
                db.execute("INSERT INTO story_chain VALUES (?, ?, ?, ?, ?)", link)
                db.execute(_STATS, (update[1], update[5], update[5]))
                db.execute("COMMIT")

        return timed(run)
    finally:
        db.close()


def story_record(path: Path, updates: Sequence[Update], batch: int) -> float:
    archive = open_archive(str(path))
    try:
        return timed(
            lambda: [archive.record(updates[i : i + batch]) for i in range(0, len(updates), batch)]
        )
    finally:
        archive.close()


def story_append(path: Path, updates: Sequence[Update]) -> float:
    archive = open_archive(str(path))
    try:
        return timed(lambda: [archive.append(u) for u in updates])
    finally:
        archive.close()


def main() -> None:
    story, _ = make_story("import-bench", N + LATE_APPENDS, seed=1)
    story, late = story[:N], story[N:]
    fresh, _ = make_story("append-bench", APPENDS, seed=2)
    rows = [index_row(u) for u in story]
    fresh_rows = [index_row(u) for u in fresh]

    if wants_profile():
        with workdir("import-profile") as tmp:
            archive = open_archive(str(tmp / "p.db"))
            print(f"--- profile: Archive.record, one batch of {N:,}")
            profile(lambda: archive.record(story))
            print(f"--- profile: Archive.append x {LATE_APPENDS} onto {N:,} updates")
            profile(lambda: [archive.append(u) for u in late])
            archive.close()
        return

    print(f"Figure 1: import (ratio = baseline updates/s / story updates/s; {N:,} updates)")
    with workdir("import") as tmp:
        one = median([story_record(tmp / f"one-{i}.db", story, N) for i in range(RUNS)])
        base_one = median([raw_bulk(tmp / f"raw-one-{i}.db", rows, N) for i in range(RUNS)])
        print(
            row(
                f"import {N:,}, one batch",
                rate(N, one),
                "sqlite3",
                rate(N, base_one),
                one / base_one,
            )
        )

        same = median([raw_same_rows(tmp / "one-0.db", tmp / f"same-{i}.db") for i in range(RUNS)])
        print(
            row(
                f"import {N:,}, vs the same rows & schema",
                rate(N, one),
                "sqlite3",
                rate(N, same),
                one / same,
            )
        )

        batched = median([story_record(tmp / f"b-{i}.db", story, BATCH) for i in range(RUNS)])
        base_b = median([raw_bulk(tmp / f"raw-b-{i}.db", rows, BATCH) for i in range(RUNS)])
        print(
            row(
                f"import {N:,}, batches of {BATCH}",
                rate(N, batched),
                "sqlite3",
                rate(N, base_b),
                batched / base_b,
            )
        )

        appended = story_append(tmp / "append.db", fresh)
        base_a = median([raw_single(tmp / f"raw-a-{i}.db", fresh_rows) for i in range(RUNS)])
        print(
            row(
                f"append x{APPENDS}, new story",
                rate(APPENDS, appended),
                "sqlite3",
                rate(APPENDS, base_a),
                appended / base_a,
            )
        )

        same_a = median(
            [raw_same_appends(tmp / "append.db", tmp / f"same-a-{i}.db") for i in range(RUNS)]
        )
        print(
            row(
                f"append x{APPENDS}, vs the same rows & schema",
                rate(APPENDS, appended),
                "sqlite3",
                rate(APPENDS, same_a),
                appended / same_a,
            )
        )

        # onto the 10,000-update story recorded above
        late_t = story_append(tmp / "one-0.db", late)
        late_rows = [index_row(u) for u in late]
        base_l = median([raw_single(tmp / f"raw-l-{i}.db", late_rows) for i in range(RUNS)])
        print(
            row(
                f"append x{LATE_APPENDS}, onto {N:,} updates",
                rate(LATE_APPENDS, late_t),
                "sqlite3",
                rate(LATE_APPENDS, base_l),
                late_t / base_l,
            )
        )


if __name__ == "__main__":
    main()
