"""Figure 7: the archive on PostgreSQL, against raw psycopg, with the issue's targets.

Runs only when ``STORY_BENCH_POSTGRES_URL`` is set to a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; every archive goes in a fresh
database ``story_bench_pg..._<pid>`` on that server, dropped afterwards.

story:    import: one ``Archive.record_stream`` of a 10,000-update story
          (``benchlib.make_story``) in chunks of 1,000, each run into a fresh database
          (median of 3);
          as-of replay: ``Archive.replay(slug, UTC, When)`` of that story at 50 datetimes
          spread over its life (warm; median, p95);
          appends: ``Archive.append`` x300, a new story, into that archive.
baseline: import: psycopg ``executemany`` of the same rows (the same JSON records, as in
          bench_import) into a plain table, in chunks of 1,000, one transaction (median
          of 3, each into a fresh table);
          as-of: the same as-of query done raw: psycopg selecting the story's
          ``story_updates`` rows reported by the date (the columns the index reads,
          ``fetchall``), interleaved with story's queries;
          appends: psycopg single-row ``INSERT`` + ``COMMIT`` per row (median of 3);
          and the same rows the archive wrote for those appends (each update's event,
          index row, chain link and ``story_stats`` change) written again into a fresh
          archive's schema, one transaction per update, each transaction one pipeline
          (``BEGIN``, the four writes, ``COMMIT``: one round trip), median of 3.

Targets (from the issue): import >= 8,000 updates/s, as-of <= 5 ms, appends >= 900/s.

Usage: STORY_BENCH_POSTGRES_URL=... python benchmarks/bench_postgres.py [--profile]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC
from functools import partial
from typing import Any

from benchlib import (
    INDEX_COLUMNS,
    POSTGRES_ENV,
    REPORTED_BY,
    chunked,
    index_row,
    interleaved,
    libpq,
    make_story,
    median,
    ms,
    p95,
    postgres_database,
    postgres_server,
    profile,
    rate,
    reported_by,
    row,
    timed,
    verdict,
    wants_profile,
)

from domain.application import Archive
from domain.model import story_id
from domain.updates import Update
from domain.when import When
from storage.archive import open_archive

N = 10_000
CHUNK = 1_000
APPENDS = 300
QUERIES = 50
RUNS = 3
SLUG = "pg-bench"
TARGET_IMPORT = 8_000  # updates/s
TARGET_AS_OF = 5.0  # ms
TARGET_APPENDS = 900  # updates/s

_TABLE = (
    "CREATE TABLE raw_updates (seq BIGSERIAL PRIMARY KEY, story TEXT NOT NULL, "
    "update_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, reported_day TEXT NOT NULL, "
    "recorded_at TEXT NOT NULL, record TEXT NOT NULL)"
)
_INSERT = (
    "INSERT INTO raw_updates (story, update_id, kind, reported_day, recorded_at, record) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
# The rows of one story a cut admits (storage.index._seen), the columns the index reads.
_AS_OF = (
    f"SELECT {INDEX_COLUMNS} FROM story_updates WHERE story = %s "
    f"AND {REPORTED_BY.format(p='%s')} ORDER BY sort_utc, seq"
)


def fresh_table(connection: Any) -> None:
    connection.execute("DROP TABLE IF EXISTS raw_updates")
    connection.execute(_TABLE)
    connection.execute("CREATE INDEX raw_updates_by_story ON raw_updates (story, reported_day)")
    connection.commit()


def raw_import(connection: Any, rows: Sequence[tuple[str, ...]]) -> float:
    """Seconds to executemany the rows in chunks, one transaction, into a fresh table."""
    fresh_table(connection)

    def run() -> None:
        with connection.cursor() as cursor:
            for i in range(0, len(rows), CHUNK):
                cursor.executemany(_INSERT, rows[i : i + CHUNK])
        connection.commit()

    return timed(run)


def raw_appends(connection: Any, rows: Sequence[tuple[str, ...]]) -> float:
    """Seconds to insert the rows one transaction each, into a fresh table."""
    fresh_table(connection)

    def run() -> None:
        for r in rows:
            connection.execute(_INSERT, r)
            connection.commit()

    return timed(run)


# The rows one append writes, and the columns it writes them to; written out here, not
# taken from storage, so that the baseline stays the same whichever code is measured.
_SAME_TABLES = {
    "archive_events": ("originator_id", "originator_version", "topic", "state"),
    "story_updates": (
        "story", "update_id", "kind", "reported_at", "reported_day", "sort_utc",
        "recorded_at", "by", "source", "outlet", "headline", "text", "party", "issued_at",
        "fact_key", "fact_value", "target", "note", "digest",
    ),
    "story_chain": ("position", "update_id", "story", "digest", "chain"),
}  # fmt: skip
_COLUMNS = {  # quoted: "by" is an SQL keyword
    table: ", ".join(f'"{name}"' for name in names) for table, names in _SAME_TABLES.items()
}
_SAME_INSERTS = {
    table: f"INSERT INTO {table} ({_COLUMNS[table]}) VALUES ({', '.join(['%s'] * len(names))})"
    for table, names in _SAME_TABLES.items()
}
_STATS = (  # an append's one-row change to story_stats
    "INSERT INTO story_stats (story, updates, first_day, last_day) VALUES (%s, 1, %s, %s) "
    "ON CONFLICT (story) DO UPDATE SET updates = story_stats.updates + 1, "
    "first_day = least(story_stats.first_day, excluded.first_day), "
    "last_day = greatest(story_stats.last_day, excluded.last_day)"
)


def appended_rows(connection: Any, slug: str) -> dict[str, list[tuple[Any, ...]]]:
    """What the archive wrote for a story's appends: its events (first the Started one),
    index rows and chain links, in the order written."""
    where = {
        "archive_events": ("originator_id = %s ORDER BY originator_version", story_id(slug)),
        "story_updates": ("story = %s ORDER BY seq", slug),
        "story_chain": ("story = %s ORDER BY position", slug),
    }
    return {
        table: connection.execute(
            f"SELECT {columns} FROM {table} WHERE {where[table][0]}", (where[table][1],)
        ).fetchall()
        for table, columns in _COLUMNS.items()
    }


def raw_same_appends(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    """Seconds to write the rows again into a fresh archive's schema, one transaction per
    update, each in one pipeline (one round trip)."""
    import psycopg

    open_archive(url).close()  # the archive's schema: tables, indexes, triggers
    event, row, link = _SAME_INSERTS.values()
    started, events = rows["archive_events"][:1], rows["archive_events"][1:]
    updates, links = rows["story_updates"], rows["story_chain"]
    with psycopg.connect(libpq(url), autocommit=True) as connection:

        def run() -> None:
            for n, written in enumerate(zip(events, updates, links, strict=True)):
                stored, update, chained = written
                with connection.pipeline(), connection.cursor() as cursor:
                    cursor.execute("BEGIN")
                    cursor.executemany(event, (started if n == 0 else []) + [stored])
                    cursor.execute(row, update)
                    cursor.execute(link, chained)
                    cursor.execute(_STATS, (update[0], update[4], update[4]))  # reported_day
                    cursor.execute("COMMIT")

        return timed(run)


def raw_as_of(connection: Any, when: When) -> int:
    found = connection.execute(_AS_OF, (SLUG, *reported_by(when))).fetchall()
    connection.commit()  # end the read's transaction, as the archive's connection does
    return len(found)


def story_import(archive: Archive, updates: Sequence[Update]) -> float:
    return timed(lambda: archive.record_stream(lambda: chunked(updates, CHUNK)))


def moments(updates: Sequence[Update]) -> list[When]:
    first, last = updates[0].reported_at.start(UTC), updates[-1].reported_at.start(UTC)
    step = (last - first) / QUERIES
    return [
        When.parse((first + step * (i + 0.5)).replace(microsecond=0).isoformat())
        for i in range(QUERIES)
    ]


def profile_all(server: str, updates: Sequence[Update], fresh: Sequence[Update]) -> None:
    with postgres_database(server, "pgprofile") as url:
        archive = open_archive(url)
        print(f"--- profile: Archive.record_stream, {N:,} updates in chunks of {CHUNK:,}")
        profile(lambda: story_import(archive, updates), limit=25)
        dates = moments(updates)
        for when in dates:
            archive.replay(SLUG, UTC, when)
        print(f"--- profile: Archive.replay x {QUERIES}, {N:,} updates")
        profile(lambda: [archive.replay(SLUG, UTC, w) for w in dates], limit=25)
        print(f"--- profile: Archive.append x {APPENDS}, a new story")
        profile(lambda: [archive.append(u) for u in fresh], limit=25)
        archive.close()


def main() -> int:
    server = postgres_server()
    if server is None:
        print(f"bench_postgres.py: skipped ({POSTGRES_ENV} is not set)")
        return 0
    import psycopg

    updates, _ = make_story(SLUG, N, seed=3)
    fresh, _ = make_story("pg-append", APPENDS, seed=2)
    rows = [index_row(u) for u in updates]
    if wants_profile():
        profile_all(server, updates, fresh)
        return 0

    imports = []
    for i in range(RUNS - 1):
        with postgres_database(server, f"pgimport{i}") as url:
            archive = open_archive(url)
            imports.append(story_import(archive, updates))
            archive.close()
    with postgres_database(server, "pg") as url:
        archive = open_archive(url)
        imports.append(story_import(archive, updates))
        with psycopg.connect(libpq(url)) as connection:
            base_imports = [raw_import(connection, rows) for _ in range(RUNS)]

            dates = moments(updates)
            for when in dates:  # warm both sides, and check they see the same updates
                assert archive.replay(SLUG, UTC, when).version == raw_as_of(connection, when)
            ours, base = interleaved(
                dates, lambda when: archive.replay(SLUG, UTC, when), partial(raw_as_of, connection)
            )

            appended = timed(lambda: [archive.append(u) for u in fresh])
            fresh_rows = [index_row(u) for u in fresh]
            base_appends = median([raw_appends(connection, fresh_rows) for _ in range(RUNS)])
            connection.execute("DROP TABLE raw_updates")
            connection.commit()
            written = appended_rows(connection, "pg-append")
            connection.commit()
        archive.close()
    same_appends = []
    for i in range(RUNS):
        with postgres_database(server, f"pgsame{i}") as url:
            same_appends.append(raw_same_appends(url, written))
    base_same = median(same_appends)

    imported, base_imported = median(imports), median(base_imports)
    print(
        "Figure 7: PostgreSQL (ratio = story's cost / psycopg's; import median of "
        f"{RUNS}, as-of {QUERIES} dates warm)"
    )
    figures = [
        (
            row(f"import {N:,}, chunks of {CHUNK:,}", rate(N, imported), "psycopg",
                rate(N, base_imported), imported / base_imported),
            verdict(N / imported, TARGET_IMPORT, "upd/s", higher_is_better=True),
        ),
        (
            row(f"as-of replay ({N:,} updates), median", ms(median(ours)), "psycopg",
                ms(median(base)), median(ours) / median(base)),
            verdict(median(ours) * 1000, TARGET_AS_OF, "ms", higher_is_better=False),
        ),
        (
            row(f"as-of replay ({N:,} updates), p95", ms(p95(ours)), "psycopg",
                ms(p95(base)), p95(ours) / p95(base)),
            verdict(p95(ours) * 1000, TARGET_AS_OF, "ms", higher_is_better=False),
        ),
        (
            row(f"append x{APPENDS}, new story", rate(APPENDS, appended), "psycopg",
                rate(APPENDS, base_appends), appended / base_appends),
            verdict(APPENDS / appended, TARGET_APPENDS, "upd/s", higher_is_better=True),
        ),
        (
            row(f"append x{APPENDS}, vs the same rows & schema", rate(APPENDS, appended),
                "psycopg", rate(APPENDS, base_same), appended / base_same),
            verdict(APPENDS / appended, TARGET_APPENDS, "upd/s", higher_is_better=True),
        ),
    ]  # fmt: skip
    for line, target in figures:
        print(f"{line}   {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
