"""Several archivists at once: real processes, real databases, nothing lost or doubled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from domain.when import time_zone
from storage.archive import open_archive

WRITER = """
import sys
from domain.updates import Update
from storage.archive import open_archive

db, who, count, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "shared"
archive = open_archive(db)
slug = "shared" if shared else f"story-{who}"
for n in range(count):
    text = f"Update {n} from writer {who}."
    archive.append(Update.draft(slug, "report", "2024-02-16", who, text=text))
archive.close()
"""
ROOT = Path(__file__).resolve().parents[2]
EACH = 250  # appends per writer, each its own transaction


@pytest.mark.slow
@pytest.mark.parametrize("shared", [True, False], ids=["same-story", "own-stories"])
def test_four_writers_at_once_record_every_update_exactly_once(db: str, shared: bool) -> None:
    open_archive(db).close()  # create the tables before the race
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db, who, str(EACH), "shared" if shared else "own"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in "abcd"
    ]
    errors = [w.communicate(timeout=600)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], errors

    archive = open_archive(db)
    try:
        slugs = ["shared"] if shared else [f"story-{who}" for who in "abcd"]
        texts = [u.text or "" for slug in slugs for u in archive.timeline(slug, time_zone("UTC"))]
        assert archive.counts() == (len(slugs), 4 * EACH)
        expected = {who: [f"Update {n} from writer {who}." for n in range(EACH)] for who in "abcd"}
        assert sorted(texts) == sorted(t for mine in expected.values() for t in mine)
        assert archive.verify().ok  # chains intact: a valid order, nothing lost or doubled
        for who, mine in expected.items():  # same reported day: recorded order, as written
            assert [t for t in texts if t.endswith(f"writer {who}.")] == mine
    finally:
        archive.close()


def test_a_writer_kept_waiting_too_long_says_so_in_one_line_and_writes_nothing(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from domain.errors import ArchiveUnavailable
    from domain.updates import Update
    from storage import recorder as store
    from storage.locate import archive_url

    monkeypatch.setattr(store, "WAIT_FOR_WRITER", 1)
    archive = open_archive(db)
    first = Update.draft("waiting", "report", "2024-02-16", "a", text="First.")
    archive.append(first)
    url = archive_url(db)
    if url.startswith("sqlite"):  # another process in the middle of a long import
        import sqlite3

        holder: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        holder.execute("LOCK TABLE archive_events IN EXCLUSIVE MODE")
    try:
        with pytest.raises(ArchiveUnavailable, match="nothing was written") as refused:
            archive.append(Update.draft("waiting", "report", "2024-02-17", "a", text="Second."))
        assert "\n" not in str(refused.value)
        assert "lock" in str(refused.value)  # "database is locked" / "lock timeout"
    finally:
        holder.rollback()
        holder.close()
    third = archive.append(Update.draft("waiting", "report", "2024-02-18", "a", text="Third."))
    assert (third.version, third.versions) == (2, 2)
    assert archive.verify().ok
    archive.close()


def test_verify_sees_one_moment_while_another_writer_records(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain.updates import Update

    archive, other = open_archive(db), open_archive(db)
    for n in range(3):
        archive.append(Update.draft("watched", "report", f"2024-02-1{n}", "a", text=f"Day {n}."))
    read_chain = archive.index.chain_rows
    written = []

    def chain_then_another_write() -> Any:
        rows = read_chain()
        # Another archivist records an update after verify has read the chain, before it
        # reads the index, the story list and the events.
        text = f"Meanwhile {len(written)}."
        written.append(
            other.append(Update.draft("watched", "report", "2024-02-15", "b", text=text))
        )
        return rows

    monkeypatch.setattr(archive.index, "chain_rows", chain_then_another_write)
    try:
        during = archive.verify()
        assert during.ok, during.findings
        assert (during.stories, during.updates) == (1, 3)  # the archive as verify began
        single = archive.verify("watched")
        assert single.ok, single.findings
        assert len(written) == 2
        monkeypatch.undo()
        after = archive.verify()
        assert after.ok
        assert after.updates == 5
    finally:
        archive.close()
        other.close()
