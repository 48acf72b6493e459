"""Figure 6: ``Archive.replay_all`` of 10,000 stories x 20 updates, against a raw SELECT.

The archive (SQLite): 10,000 stories x 20 updates (``benchlib.story_mix``: each story a
``make_story`` of its own, started 5 minutes after the one before, so the stories span
~35 days), imported with one ``Archive.record_stream`` in chunks of 1,000.

story:    ``Archive.replay_all(UTC, When)`` (every story that existed at the date, each
          as it stood then; every version consumed, none kept), at a datetime in the
          middle of the archive's life (about half the stories exist, most complete)
          and at its last update (all of them), median of 3 warm runs.
baseline: ``sqlite3`` selecting the same ``story_updates`` rows, those reported by that
          date (the same columns the index reads, ``fetchall``), interleaved with story's
          runs, median of 3. The script checks both read the same number of updates.

Target (from the issue): replay_all <= 1 s.

Usage: python benchmarks/bench_replay_all.py [--profile]
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from benchlib import (
    INDEX_COLUMNS,
    REPORTED_BY,
    chunked,
    interleaved,
    median,
    ms,
    profile,
    rate,
    reported_by,
    row,
    story_mix,
    timed,
    verdict,
    wants_profile,
    workdir,
)

from domain.application import Archive
from domain.when import When
from storage.archive import open_archive

STORIES = 10_000
PER_STORY = 20
N = STORIES * PER_STORY
RUNS = 3
TARGET_S = 1.0

# The rows a cut admits, with the columns the index reads, in recorded order.
_ROWS = f"SELECT {INDEX_COLUMNS} FROM story_updates WHERE {REPORTED_BY.format(p='?')} ORDER BY seq"


def raw_rows(db: sqlite3.Connection, when: When) -> int:
    return len(db.execute(_ROWS, reported_by(when)).fetchall())


def span(path: Path) -> tuple[datetime, datetime]:
    """The first and last moment of the archive's timeline."""
    db = sqlite3.connect(path)
    try:
        query = "SELECT min(sort_utc), max(sort_utc) FROM story_updates"
        first, last = db.execute(query).fetchone()
    finally:
        db.close()
    return datetime.fromisoformat(first), datetime.fromisoformat(last)


def build(archive: Archive) -> float:
    """Seconds to import the mix (generated before the clock starts, dropped after)."""
    updates = list(story_mix(STORIES, PER_STORY))
    return timed(lambda: archive.record_stream(lambda: chunked(updates)))


def replay_all(archive: Archive, when: When) -> tuple[int, int]:
    """(stories, updates they count): every version made, whether a list or a stream."""
    stories = updates = 0
    for version in archive.replay_all(UTC, when):
        stories += 1
        updates += version.version
    return stories, updates


def measure(archive: Archive, db: sqlite3.Connection, when: When) -> tuple[float, float, int, int]:
    """(story s, baseline s, stories, updates seen): medians of interleaved warm runs."""
    stories, seen = replay_all(archive, when)  # warm, and check
    rows = raw_rows(db, when)
    assert seen == rows, (seen, rows)
    ours, base = interleaved(
        range(RUNS), lambda _: replay_all(archive, when), lambda _: raw_rows(db, when)
    )
    return median(ours), median(base), stories, rows


def main() -> None:
    with workdir("replay-all") as tmp:
        path = tmp / "archive.db"
        archive = open_archive(str(path))
        built = build(archive)
        first, last = span(path)
        dates = {
            "middle": When.parse((first + (last - first) / 2).replace(microsecond=0).isoformat()),
            "end": When.parse(last.isoformat()),
        }
        if wants_profile():
            print(f"--- profile: Archive.replay_all at the end, {N:,} updates")
            profile(lambda: replay_all(archive, dates["end"]), limit=25)
            archive.close()
            return
        db = sqlite3.connect(path)
        results = {name: measure(archive, db, when) for name, when in dates.items()}
        db.close()
        archive.close()

    print(
        f"Figure 6: replay_all (ratio = story ms / sqlite3 ms; {STORIES:,} stories x "
        f"{PER_STORY} updates, median of {RUNS}, warm)"
    )
    print(f"  (SQLite archive imported in {built:.1f} s, {rate(N, built)})")
    for name, (ours, base, stories, rows) in results.items():
        what = f"replay_all, {name} ({stories:,} st., {rows:,} upd.)"
        line = row(what, ms(ours), "sqlite3", ms(base), ours / base)
        print(f"{line}   {verdict(ours, TARGET_S, 's', higher_is_better=False)}")
    for name, when in dates.items():
        print(f"  ({name}: as of {when})")


if __name__ == "__main__":
    main()
