"""Figure 10: ``story export`` of a 100,000-update archive to each format, against a SELECT.

The archive (SQLite): 1,000 stories x 100 updates (``benchlib.story_mix``, as in
bench_verify.py), imported with one ``Archive.record_stream`` in chunks of 1,000. It is
built once and kept in ``$TMPDIR/story-bench-cache/`` under a name that holds its size,
``CACHE_VERSION`` (raise it when the mix changes) and the schema version
(``storage.tables.SCHEMA_VERSION``); each run measures a copy of it. ``--rebuild``
builds it again.

story:    ``story export --format F -o FILE --db ARCHIVE`` (every story, to a file),
          in-process through click's ``CliRunner``, for F = jsonl, csv, atom, warc
          (``FILE`` ending in ``.warc.gz``: gzipped, as the command's example) and git.
          A TimeMap is of one story (the command refuses more), so ``timemap`` is
          1,000 commands, one per story, each to a file of its own.
baseline: ``sqlite3`` selecting the same rows from the events table: every update's
          event (``archive_events``, the ``Story`` events after each story's first,
          ``ORDER BY id``, every row fetched), and, for fairness, the same SELECT with
          ``json.loads`` of each row's ``state`` (what an event is stored as).

Per format, story's run and the two baselines run one after another, 3 rounds; medians
of wall-clock seconds (after an untimed export of one story: the modules it imports),
and of the CPU seconds of the process, which other processes on the machine move less.
The ratio is story's seconds / the baseline's (story's updates/s beside the rows/s
read). Each format's output size is shown: an update is a line of jsonl or csv, an
entry of atom; a version (the whole story after that update) is a record of warc and a
commit of git, so those grow with the stories' length, not the number of updates alone.

Usage: python benchmarks/bench_export.py [--quick] [--rebuild] [--profile]
       (--quick: 50 stories x 100 updates, 5,000, for a smoke test)
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchlib import (
    chunked,
    median,
    profile,
    rate,
    row,
    story_mix,
    timed,
    wants_profile,
    workdir,
)

from storage.archive import open_archive
from storage.tables import SCHEMA_VERSION

QUICK = "--quick" in sys.argv[1:]
STORIES = 50 if QUICK else 1_000
PER_STORY = 100
N = STORIES * PER_STORY
CHUNK = 1_000
RUNS = 3
CACHE_VERSION = 1  # raise when benchlib.story_mix (or this archive's recipe) changes
FORMATS = ("jsonl", "csv", "timemap", "atom", "warc", "git")
OUTPUT = {"jsonl": "jsonl", "csv": "csv", "atom": "atom.xml", "warc": "warc.gz", "git": "git"}

# Every update's event: a story's events after its first (Started); the archive's own
# settings (its zone) are no story's.
EVENTS = (
    "SELECT id, originator_id, originator_version, topic, state FROM archive_events "
    "WHERE topic LIKE '%:Story.%' AND originator_version > 1 ORDER BY id"
)


def cached_archive() -> Path:
    """The archive of the mix, built the first time (or with --rebuild)."""
    folder = Path(tempfile.gettempdir()) / "story-bench-cache"
    folder.mkdir(exist_ok=True)
    path = folder / f"export-v{CACHE_VERSION}-schema{SCHEMA_VERSION}-{STORIES}x{PER_STORY}.db"
    if path.exists() and "--rebuild" not in sys.argv[1:]:
        print(f"  (archive: {path}, built before)")
        return path
    building = path.with_name(f"{path.name}.{os.getpid()}.building")
    updates = list(story_mix(STORIES, PER_STORY))
    archive = open_archive(str(building))
    try:
        seconds = timed(lambda: archive.record_stream(lambda: chunked(updates, CHUNK)))
    finally:
        archive.close()
    db = sqlite3.connect(building)  # one file: nothing left in a WAL
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    for extra in building.parent.glob(f"{building.name}-*"):
        extra.unlink()
    os.replace(building, path)
    print(f"  (archive: {path}, built now: imported in {seconds:.1f} s, {rate(N, seconds)})")
    return path


def select(db: Path) -> int:
    """The plain SELECT: every update's event row, fetched; how many."""
    connection = sqlite3.connect(db)
    try:
        count = 0
        for _ in connection.execute(EVENTS):
            count += 1
        return count
    finally:
        connection.close()


def select_json(db: Path) -> int:
    """The same SELECT and ``json.loads`` of each row's state; how many."""
    connection = sqlite3.connect(db)
    try:
        count = 0
        for row in connection.execute(EVENTS):
            json.loads(row[4])
            count += 1
        return count
    finally:
        connection.close()


def export(db: Path, fmt: str, out: Path, slugs: list[str], only: str | None = None) -> int:
    """`story export` to ``out`` (a folder of files, one per story, for timemap), of
    every story (or ``only`` that one); the bytes written."""
    from click.testing import CliRunner

    from cli.main import story

    runner = CliRunner()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()

    def run(args: list[str]) -> None:
        result = runner.invoke(story, ["export", *args, "--db", str(db)], catch_exceptions=False)
        if result.exit_code != 0:
            raise RuntimeError(f"story export {' '.join(args)}: {result.output}")

    if fmt == "timemap":
        for slug in [only] if only else slugs:
            run([slug, "--format", fmt, "-o", str(out / f"{slug}.timemap")])
    else:
        chosen = [only] if only else []
        run([*chosen, "--format", fmt, "-o", str(out / f"export.{OUTPUT[fmt]}")])
    return sum(f.stat().st_size for f in out.iterdir())


def check(out: Path, fmt: str) -> None:
    """The jsonl export holds every update, one line each."""
    if fmt == "jsonl":
        with (out / "export.jsonl").open("rb") as lines:
            count = sum(1 for _ in lines)
        assert count == N, (count, N)


def slugs_of(db: Path) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return [s for (s,) in connection.execute("SELECT story FROM story_stats ORDER BY story")]
    finally:
        connection.close()


def lines(fmt: str, ours: float, plain: float, loads: float, size: int) -> list[str]:
    """Two rows (the format beside each baseline), as ab.py reads them."""
    what = f"export --format {fmt}"
    return [
        row(f"{what}, vs SELECT", rate(N, ours), "sqlite3", rate(N, plain), ours / plain)
        + f"   {size / 2**20:,.1f} MB out",
        row(f"{what}, vs SELECT + loads", rate(N, ours), "sqlite3", rate(N, loads), ours / loads),
    ]


def clocked(fn: Callable[[], int], wall: list[float], cpu: list[float]) -> int:
    """Call fn; add its wall-clock and CPU seconds to the lists; what it returned."""
    start, began = time.perf_counter(), time.process_time()
    result = fn()
    wall.append(time.perf_counter() - start)
    cpu.append(time.process_time() - began)
    return result


def main() -> None:
    print(
        f"Figure 10: export (ratio = story s / baseline s; {STORIES:,} stories x {PER_STORY} "
        f"updates, {N:,} updates; median of {RUNS})"
    )
    cached = cached_archive()
    with workdir("export") as tmp:
        db = tmp / "archive.db"
        shutil.copyfile(cached, db)
        slugs = slugs_of(db)
        assert len(slugs) == STORIES, len(slugs)
        rows = select(db)  # warm: the page cache
        assert rows == N, (rows, N)
        out = tmp / "out"
        if wants_profile():
            for fmt in FORMATS:
                print(f"--- profile: story export --format {fmt}, {N:,} updates")
                profile(lambda fmt=fmt: export(db, fmt, out, slugs), limit=20)  # type: ignore[misc]
            return
        results: dict[str, tuple[float, float, float, int]] = {}
        for fmt in FORMATS:
            export(db, fmt, out, slugs, only=slugs[0])  # warm: the modules it imports
            size = 0
            ours: list[float] = []
            plain: list[float] = []
            loads: list[float] = []
            cpu: tuple[list[float], list[float], list[float]] = ([], [], [])
            for n in range(RUNS):
                size = clocked(lambda fmt=fmt: export(db, fmt, out, slugs), ours, cpu[0])  # type: ignore[misc]
                if n == 0:
                    check(out, fmt)
                clocked(lambda: select(db), plain, cpu[1])
                clocked(lambda: select_json(db), loads, cpu[2])
            results[fmt] = (median(ours), median(plain), median(loads), size)
            shutil.rmtree(out, ignore_errors=True)
            mine, base, base_loads = (median(c) for c in cpu)
            print(f"  ({fmt}: story {', '.join(f'{t:.2f}' for t in ours)} s; SELECT "
                  f"{', '.join(f'{t:.3f}' for t in plain)} s; + json.loads "
                  f"{', '.join(f'{t:.3f}' for t in loads)} s; CPU seconds, median: story "
                  f"{mine:.2f}, SELECT {base:.3f} ({mine / base:.1f}x), + json.loads "
                  f"{base_loads:.3f} ({mine / base_loads:.1f}x))", flush=True)  # fmt: skip

    for fmt, (mine, base, base_loads, written) in results.items():
        print("\n".join(lines(fmt, mine, base, base_loads, written)))
    timemap = results["timemap"][0]
    each = timemap / STORIES * 1000
    print(f"  (timemap: one command per story, {STORIES:,}; {each:.1f} ms each)")


if __name__ == "__main__":
    main()
