"""Scale: an archive of 1,000,000 updates on PostgreSQL (not run by run_all.py).

The archive: 10,000 stories x 100 updates (``benchlib.story_mix``: each story a
``make_story`` of its own, a 12-paragraph revision then the usual mix of reports, facts,
statements, corrections and retractions; each story started 5 minutes after the one
before, so the archive spans ~36 days and a story ~1.5 days). Imported through the
application as ``story import`` would import 10 files of 100,000 updates (1,000 whole
stories each): one ``Archive.record_stream`` per file, in chunks of 1,000. Each file's
updates are generated before its import is timed.

Measured, in a fresh database ``story_bench_scale_<pid>`` on the server (dropped at the
end):
  - import: seconds and updates/s per file and in total;
  - as-of replay: ``Archive.replay`` at 200 random (story, datetime within the story's
    life) queries, p50 / p99 (after 20 unmeasured queries), beside psycopg selecting
    the story's rows reported by that date (the same as-of query done raw);
  - ``Archive.replay_all(UTC, When)`` at the middle of the archive's life and at its end
    (all 1,000,000 updates), seconds, and the process's peak memory;
  - ``Archive.verify()``: seconds;
  - the database's size: ``pg_database_size``, and ``pg_total_relation_size`` per table.

The output is also written to benchmarks/results/scale_postgres.txt, with the date, the
machine (nproc, memory) and the PostgreSQL version.

Usage: STORY_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
           python benchmarks/scale_postgres.py
       (about 7 minutes on 2 cores)
"""

from __future__ import annotations

import os
import platform
import random
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchlib import (
    INDEX_COLUMNS,
    POSTGRES_ENV,
    REPORTED_BY,
    START,
    chunked,
    libpq,
    mix_story,
    ms,
    percentile,
    postgres_database,
    postgres_server,
    rate,
    reported_by,
    revision,
    timed,
)

from domain.updates import Update
from domain.when import When
from storage.archive import open_archive

STORIES = 10_000
PER_STORY = 100
FILES = 10
CHUNK = 1_000
N = STORIES * PER_STORY
QUERIES = 200
WARM = 20
OUT = Path(__file__).resolve().parent / "results" / "scale_postgres.txt"

_AS_OF = (
    f"SELECT {INDEX_COLUMNS} FROM story_updates WHERE story = %s "
    f"AND {REPORTED_BY.format(p='%s')} ORDER BY sort_utc, seq"
)
_TABLES = ("archive_events", "story_updates", "story_chain", "story_meta", "story_stats")


class Log:
    """Print a line and append it to the results file at once (partial runs keep theirs)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file = path.open("w", encoding="utf-8")
        self.began = time.perf_counter()

    def __call__(self, line: str = "") -> None:
        print(line, flush=True)
        self.file.write(line + "\n")
        self.file.flush()

    def progress(self, line: str) -> None:
        self(f"[{time.perf_counter() - self.began:6.0f} s] {line}")


def machine(connection: Any) -> list[str]:
    kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    memory = f"{kib / 2**20:.1f} GiB"
    from importlib.metadata import version

    packages = ", ".join(
        f"{name} {version(name)}" for name in ("eventsourcing", "sqlalchemy", "psycopg")
    )
    return [
        f"date:       {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"machine:    nproc {os.cpu_count()}, memory {memory}, {platform.platform()}",
        f"postgresql: {connection.execute('SELECT version()').fetchone()[0]}",
        f"python:     {platform.python_version()}; {packages}",
    ]


def peak_rss() -> str:
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024:.1f} GB"


def file_updates(k: int) -> tuple[list[Update], dict[int, tuple[datetime, datetime]]]:
    """File ``k``: stories 1,000k .. 1,000k + 999, and each story's first and last moment."""
    updates: list[Update] = []
    spans = {}
    per_file = STORIES // FILES
    for n in range(k * per_file, (k + 1) * per_file):
        story = mix_story(n, PER_STORY)
        spans[n] = (story[0].reported_at.start(UTC), story[-1].reported_at.start(UTC))
        updates.extend(story)
    return updates, spans


def raw_as_of(connection: Any, slug: str, when: When) -> int:
    found = connection.execute(_AS_OF, (slug, *reported_by(when))).fetchall()
    connection.commit()
    return len(found)


def main() -> int:
    server = postgres_server()
    if server is None:
        print(f"scale_postgres.py: {POSTGRES_ENV} is not set", file=sys.stderr)
        return 2
    import psycopg

    log = Log(OUT)
    log(f"Scale: {N:,} updates on PostgreSQL ({STORIES:,} stories x {PER_STORY} updates, "
        f"{FILES} files of {N // FILES:,}, record_stream in chunks of {CHUNK:,})")  # fmt: skip
    with postgres_database(server, "scale") as url, psycopg.connect(libpq(url)) as raw:
        log(f"commit:     {revision()}")
        for line in machine(raw):
            log(line)
        raw.commit()
        log()
        archive = open_archive(url)

        # ---- import
        spans: dict[int, tuple[datetime, datetime]] = {}
        imported = 0.0
        for k in range(FILES):
            updates, file_spans = file_updates(k)
            spans.update(file_spans)
            seconds = timed(lambda u=updates: archive.record_stream(lambda: chunked(u, CHUNK)))
            imported += seconds
            log.progress(f"file {k + 1:2}/{FILES}: {len(updates):,} updates in {seconds:6.1f} s "
                         f"({rate(len(updates), seconds)}); archive holds "
                         f"{(k + 1) * len(updates):,}")  # fmt: skip
            del updates
        stories, total = archive.counts()
        assert (stories, total) == (STORIES, N), (stories, total)
        log(f"import:     {N:,} updates in {imported:.1f} s, {rate(N, imported)} "
            "(the application's time only; generating the updates not counted)")  # fmt: skip

        # ---- as-of replay
        rng = random.Random(42)
        queries = []
        for _ in range(WARM + QUERIES):
            n = rng.randrange(STORIES)
            first, last = spans[n]
            moment = first + (last - first) * rng.random()
            queries.append((f"mix-{n:06d}", When.parse(moment.replace(microsecond=0).isoformat())))
        ours, base = [], []
        for i, (slug, when) in enumerate(queries):
            start = time.perf_counter()
            version = archive.replay(slug, UTC, when)
            took = time.perf_counter() - start
            start = time.perf_counter()
            rows = raw_as_of(raw, slug, when)
            raw_took = time.perf_counter() - start
            assert version.version == rows, (slug, when, version.version, rows)
            if i >= WARM:
                ours.append(took)
                base.append(raw_took)
        log.progress(f"as-of replay: {QUERIES} random (story, date) queries done")
        for name, q in (("p50", 0.50), ("p99", 0.99)):
            mine, theirs = percentile(ours, q), percentile(base, q)
            log(f"as-of {name}:  story {ms(mine)}   psycopg {ms(theirs)} (the story's rows "
                f"reported by the date)   ratio {mine / theirs:.1f}x")  # fmt: skip

        # ---- replay_all
        span_end = max(last for _, last in spans.values())
        dates = {
            "middle": START + (span_end - START) / 2,
            "end": span_end,
        }
        for name, moment in dates.items():
            when = When.parse(moment.replace(microsecond=0).isoformat())
            stories = seen = 0
            start = time.perf_counter()
            for version in archive.replay_all(UTC, when):  # consumed, not kept
                stories += 1
                seen += version.version
            took = time.perf_counter() - start
            log(f"replay_all: as of {when} ({name}): {stories:,} stories, {seen:,} "
                f"updates in {took:.1f} s (peak memory of the process so far "
                f"{peak_rss()})")  # fmt: skip

        # ---- verify
        log.progress("verifying ...")
        start = time.perf_counter()
        result = archive.verify()
        took = time.perf_counter() - start
        log(f"verify:     {result.updates:,} updates, {result.stories:,} stories in "
            f"{took:.1f} s ({rate(result.updates, took)}), ok={result.ok} "
            f"(peak memory {peak_rss()})")  # fmt: skip
        assert result.ok, result.findings[:3]
        archive.close()

        # ---- size
        name = url.rsplit("/", 1)[1]
        size = raw.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]
        log(f"size:       pg_database_size {size / 2**20:,.0f} MB "
            f"({size / N:,.0f} bytes per update)")  # fmt: skip
        for table in _TABLES:
            rel = raw.execute("SELECT pg_total_relation_size(%s)", (table,)).fetchone()[0]
            heap = raw.execute("SELECT pg_relation_size(%s)", (table,)).fetchone()[0]
            log(f"            {table:<18} {rel / 2**20:8,.0f} MB total "
                f"({heap / 2**20:,.0f} MB heap, {(rel - heap) / 2**20:,.0f} MB indexes "
                "and TOAST)")  # fmt: skip
        raw.commit()
    log()
    log(f"total run time {time.perf_counter() - log.began:.0f} s")
    print(f"(written to {OUT})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
