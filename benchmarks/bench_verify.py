"""Figure 5: ``Archive.verify()`` over 100,000 updates, against hashing the raw events.

The archive: 1,000 stories x 100 updates (``benchlib.story_mix``: each story a
``make_story`` of its own, started 5 minutes after the one before), imported with one
``Archive.record_stream`` in chunks of 1,000, as ``story import`` does with a file.

story:    ``Archive.verify()`` (every digest, both chains, each story's event sequence,
          recorded_at order, the recorded zone, and every index row and story-list entry
          re-derived from the events), median of 3 runs on the open archive (the first
          also checks it verifies whole).
baseline: ``sqlite3`` reading the same ``archive_events`` rows (every event, in id order)
          and ``hashlib.sha256`` over each row's ``state`` bytes: the least any verifier
          must do. Interleaved with story's runs, median of 3.
decode:   the same rows, each state's JSON decoded (``json.loads``) and each update's
          record re-encoded as canonical JSON with its recorded time and hashed: the
          least a verifier that recomputes each digest must do in Python (story's verify
          does this and more). Its ratio to the baseline says how much of story's ratio
          no Python verifier can avoid.

With ``STORY_BENCH_POSTGRES_URL`` set (a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) the same archive is built in a
fresh database on that server (dropped afterwards) and verified there too, against raw
``psycopg`` reading and hashing the same rows.

Usage: python benchmarks/bench_verify.py [--profile]
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from benchlib import (
    chunked,
    libpq,
    median,
    postgres_database,
    postgres_server,
    profile,
    rate,
    row,
    story_mix,
    timed,
    wants_profile,
    workdir,
)

from domain.application import Archive
from domain.digests import canonical_json
from storage.archive import open_archive

STORIES = 1_000
PER_STORY = 100
N = STORIES * PER_STORY
CHUNK = 1_000
RUNS = 3
EVENTS = "SELECT state FROM archive_events ORDER BY id"


def build(url: str) -> tuple[Archive, float]:
    """The archive at ``url`` holding the mix, and the seconds its import took."""
    updates = list(story_mix(STORIES, PER_STORY))  # generated before the clock starts
    archive = open_archive(url)
    seconds = timed(lambda: archive.record_stream(lambda: chunked(updates, CHUNK)))
    return archive, seconds


def check(archive: Archive) -> None:
    """Verify once, and check the archive verifies whole."""
    result = archive.verify()
    assert result.ok, result.findings[:3]
    assert (result.stories, result.updates) == (STORIES, N), (result.stories, result.updates)


def sqlite_states(path: Path) -> Iterator[bytes]:
    """Every event row's state, read with sqlite3."""
    db = sqlite3.connect(path)
    try:
        for (state,) in db.execute(EVENTS):
            yield state
    finally:
        db.close()


def postgres_states(url: str) -> Iterator[bytes]:
    """Every event row's state, read with psycopg."""
    import psycopg

    with psycopg.connect(libpq(url)) as connection:
        for (state,) in connection.execute(EVENTS):
            yield state


def hash_each(states: Iterable[bytes]) -> int:
    """The floor: hash each state as stored; how many rows."""
    count = 0
    for state in states:
        hashlib.sha256(state).digest()
        count += 1
    return count


def rehash_each(states: Iterable[bytes]) -> int:
    """The least a verifier that recomputes each update's digest must do in Python:
    decode each state's JSON, and hash each update's record re-encoded canonically with
    its recorded time; how many rows."""
    count = 0
    for state in states:
        event = json.loads(state)
        record = event.get("update")
        if record is not None:
            text = canonical_json({**record, "recorded_at": event["timestamp"]["_data_"]})
            hashlib.sha256(text.encode()).digest()
        count += 1
    return count


def compare(
    archive: Archive, states: Callable[[], Iterable[bytes]]
) -> tuple[float, float, float, int]:
    """(story s, floor s, decode floor s, rows read): medians of interleaved runs."""
    rows = hash_each(states())  # warm: page cache
    ours, base, decoded = [timed(lambda: check(archive))], [], []  # the first run checks
    for n in range(RUNS):
        if n:
            ours.append(timed(archive.verify))
        base.append(timed(lambda: hash_each(states())))
        decoded.append(timed(lambda: rehash_each(states())))
    return median(ours), median(base), median(decoded), rows


def report(where: str, ours: float, base: float, decoded: float, base_name: str) -> None:
    print(row(f"verify {N:,} updates ({where}), seconds", f"{ours:.2f} s", base_name,
              f"{base:.2f} s", ours / base))  # fmt: skip
    print(row(f"verify {N:,} updates ({where}), rate", rate(N, ours), base_name,
              rate(N, base), ours / base))  # fmt: skip
    print(row(f"verify ({where}) vs decode + re-encode", f"{ours:.2f} s", "decode",
              f"{decoded:.2f} s", ours / decoded))  # fmt: skip
    print(row(f"decode + re-encode ({where}) vs the floor", f"{decoded:.2f} s", base_name,
              f"{base:.2f} s", decoded / base))  # fmt: skip


def main() -> None:
    server = postgres_server()
    with workdir("verify") as tmp:
        path = tmp / "archive.db"
        archive, built = build(str(path))
        if wants_profile():
            print(f"--- profile: Archive.verify(), {N:,} updates (SQLite)")
            profile(archive.verify, limit=25)
            archive.close()
            return
        ours, base, decoded, rows = compare(archive, lambda: sqlite_states(path))
        archive.close()

    print(
        f"Figure 5: verify (ratio = story s / baseline s; {STORIES:,} stories x {PER_STORY} "
        f"updates, {rows:,} event rows; median of {RUNS})"
    )
    print(f"  (SQLite archive imported in {built:.1f} s, {rate(N, built)})")
    report("SQLite", ours, base, decoded, "sqlite3")

    if server is None:
        print("  (PostgreSQL: skipped, STORY_BENCH_POSTGRES_URL is not set)")
        return
    with postgres_database(server, "verify") as url:
        archive, built = build(url)
        try:
            ours, base, decoded, _ = compare(archive, lambda: postgres_states(url))
        finally:
            archive.close()
    print(f"  (PostgreSQL archive imported in {built:.1f} s, {rate(N, built)})")
    report("PostgreSQL", ours, base, decoded, "psycopg")


if __name__ == "__main__":
    main()
