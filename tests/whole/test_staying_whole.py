"""Staying whole: crashes, big files and hostile places never lose or half-write history.

These run the installed `story` command as real processes, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from process_helpers import story_command, write_jsonl

from storage.archive import open_archive


def story(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STORY_DB=db, STORY_BY="tester")
    return subprocess.run(
        [story_command(), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def counts_by_story(db: str) -> dict[str, int]:
    archive = open_archive(db)
    try:
        return {s.slug: s.updates for s in archive.stories()}
    finally:
        archive.close()


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


# Crash mid-import


@pytest.mark.slow
def test_an_import_killed_mid_way_leaves_each_file_wholly_in_or_out(
    db: str, tmp_path: Path
) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    files, per_file = 8, 1500
    for n in range(files):
        write_jsonl(folder / f"{n:02d}.jsonl", f"story-{n:02d}", per_file)
    open_archive(db).close()  # tables exist before the race
    env = dict(os.environ, STORY_DB=db, STORY_BY="tester")
    process = subprocess.Popen(
        [story_command(), "import", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        recorded = sum(counts_by_story(db).values())
        if recorded >= per_file:  # at least one file is in
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    after_crash = counts_by_story(db)
    assert 0 < sum(after_crash.values()) < files * per_file, "the kill came too late"
    assert set(after_crash.values()) == {per_file}  # every file wholly in, or absent
    assert story("verify", db=db).returncode == 0

    again = story("import", str(folder), db=db)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == (
        f"Imported {files * per_file - sum(after_crash.values())} new updates "
        f"({sum(after_crash.values())} already present) from {files} files"
    )
    assert counts_by_story(db) == {f"story-{n:02d}": per_file for n in range(files)}
    assert story("verify", db=db).returncode == 0


# Big input


_MEASURE = """
import resource, subprocess, sys
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(result.stdout)
sys.stderr.write(result.stderr)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(f"\\npeak-kb {peak}\\n")
sys.exit(result.returncode)
"""


def peak_rss_mb(args: list[str], db: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run the command as the only child of a fresh process: its peak resident memory."""
    env = dict(os.environ, STORY_DB=db, STORY_BY="tester")
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, story_command(), *args],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    stderr, _, peak = measured.stderr.rpartition("\npeak-kb ")
    result = subprocess.CompletedProcess(args, measured.returncode, measured.stdout, stderr)
    return int(peak) / 1024, result


@pytest.mark.slow
def test_a_50_mb_import_streams_in_bounded_memory(db: str, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    stories = 50
    with big.open("w", encoding="utf-8") as out:
        n = 0
        while out.tell() < 50 * 1024 * 1024:
            for s in range(stories):
                text = f"Report {n} of story {s}. " + " ".join(f"w{n % 91}x{k}" for k in range(60))
                record = {"story": f"feed-{s:02d}", "kind": "report",
                          "reported_at": "2024-02-16", "text": text}  # fmt: skip
                out.write(json.dumps(record) + "\n")
            n += 1
    lines = sum(1 for _ in big.open("rb"))

    peak, result = peak_rss_mb(["import", str(big)], db)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        f"Imported {lines} new updates (0 already present) from 1 file"
    )
    assert result.stderr == ""  # no progress bar when piped
    assert sum(counts_by_story(db).values()) == lines
    # The file alone is 50 MB; reading it whole, as objects, would take several times that.
    assert peak < 200, f"peak RSS {peak:.0f} MB"
    print(f"peak RSS of a {big.stat().st_size // 2**20} MB import: {peak:.0f} MB")


def test_import_shows_a_progress_bar_on_a_terminal(db: str, tmp_path: Path) -> None:
    feed = write_jsonl(tmp_path / "feed.jsonl", "feed", 3000)
    env = dict(os.environ, STORY_DB=db, STORY_BY="tester")
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [story_command(), "import", str(feed)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=300)
    os.close(leader)
    assert process.returncode == 0
    assert b"Importing" in shown
    assert b"100%" in shown
    assert stdout.splitlines()[-1] == "Imported 3000 new updates (0 already present) from 1 file"


# Hostile places


def test_a_full_disk_is_one_line_and_nothing_half_written(
    tiny_disk: Path, tmp_path: Path, example: Path
) -> None:
    db = str(tiny_disk / "archive.db")
    assert story("import", str(example), db=db).returncode == 0
    filler = tiny_disk / "filler"
    with filler.open("wb", buffering=0) as out:  # unbuffered: the last write fails here
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    os.truncate(filler, filler.stat().st_size - 200 * 1024)  # leave a little room
    feed = write_jsonl(tmp_path / "feed.jsonl", "feed", 3000)

    message = one_error_line(story("import", str(feed), db=db))

    assert "disk is full" in message or "No space left" in message, message
    assert "nothing was written" in message
    filler.unlink()
    assert counts_by_story(db) == {"shotspotter": 9}
    assert story("verify", db=db).returncode == 0


def test_a_read_only_archive_is_one_line(tiny_disk: Path, example: Path) -> None:
    db = str(tiny_disk / "archive.db")
    assert story("import", str(example), db=db).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        for args in (["list"], ["append", "shotspotter", "--kind", "fact", "--reported-at",
                                "2024-02-17", "--key", "a", "--value", "1"]):  # fmt: skip
            message = one_error_line(story(*args, db=db))
            assert "the archive is read-only" in message
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)], check=True)
    assert counts_by_story(db) == {"shotspotter": 9}


def test_an_unreachable_postgresql_is_one_line() -> None:
    result = story("list", db="postgresql://nobody@127.0.0.1:9/nowhere")
    message = one_error_line(result)
    assert message.startswith(
        "Error: cannot open archive postgresql+psycopg://nobody@127.0.0.1:9/nowhere"
    )


def test_an_archive_from_a_newer_story_is_one_line_and_untouched(db: str, example: Path) -> None:
    assert story("import", str(example), db=db).returncode == 0
    from sqlalchemy import create_engine, text

    from storage import guard
    from storage.locate import archive_url

    engine = create_engine(archive_url(db))
    with engine.begin() as connection, guard.lifted(connection, "story_meta"):
        connection.execute(text("UPDATE story_meta SET value = '99' WHERE name = 'schema_version'"))
    engine.dispose()

    message = one_error_line(story("append", "shotspotter", "--kind", "fact", "--reported-at",
                                   "2024-02-17", "--key", "a", "--value", "1", db=db))  # fmt: skip

    assert "schema version 99, newer than this story" in message
    engine = create_engine(archive_url(db))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM story_updates")).scalar() == 9
    engine.dispose()
