"""The real `story` command where its surroundings are odd: standard input closed,
standard output on a full disk. One line, a non-zero exit, nothing written."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from process_helpers import story_command

# Each runs the command as a process, a second or more.
pytestmark = pytest.mark.slow


def story(*args: str, db: Path, **options: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STORY_DB=str(db), STORY_BY="tester")
    return subprocess.run(
        [story_command(), *args], env=env, capture_output=False, text=True, timeout=60,
        check=False, stderr=subprocess.PIPE, **options,  # type: ignore[call-overload]
    )  # fmt: skip


def test_reading_text_from_a_closed_standard_input_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    result = subprocess.run(
        ["sh", "-c", f'"{story_command()}" append s --kind report --reported-at 2024-03-01 - <&-'],
        env=dict(os.environ, STORY_DB=str(db), STORY_BY="tester"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: standard input is closed: give the text with --text or --file"
    ]
    assert not db.exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("many", [False, True], ids=["short", "long"])
def test_output_to_a_full_disk_is_one_line(tmp_path: Path, many: bool) -> None:
    db = tmp_path / "archive.db"
    text = "A paragraph of some length. " * (400 if many else 1)
    made = story("append", "s", "--kind", "report", "--reported-at", "2024-03-01",
                 "--text", text, db=db, stdout=subprocess.DEVNULL)  # fmt: skip
    assert made.returncode == 0, made.stderr
    with open("/dev/full", "w") as full:
        result = story("replay", "s", db=db, stdout=full)
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["Error: cannot write the output: No space left on device"]


def test_writers_racing_to_create_an_archive_lose_no_acknowledged_update(tmp_path: Path) -> None:
    """Writers that find no archive each try to create it; one whose update the archive
    refuses removes only a file it created and only while it holds no update, so every
    append that said it was appended is in the archive."""
    for round_ in range(6):
        db = tmp_path / f"race-{round_}.db"
        env = dict(os.environ, STORY_DB=str(db), STORY_BY="tester")
        commands = [
            [story_command(), "append", "race", "--kind", "report", "--reported-at",
             "2024-03-01", "--text", f"Report {n} of round {round_}.", "--json"]
            for n in range(2)
        ] + [
            [story_command(), "append", "race", "--kind", "correction", "--reported-at",
             "2024-03-02", "--target", "0123456789ab", "--text", "x", "--note", "y"]
            for _ in range(2)
        ]  # fmt: skip
        processes = [
            subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands
        ]
        results = [(p.communicate(timeout=120), p.returncode) for p in processes]
        appended = [json.loads(out)["id"] for (out, _), code in results if code == 0]
        assert all(code != 0 for _, code in results[2:])  # the refused corrections
        log = subprocess.run(
            [story_command(), "log", "race", "--json"], env=env, capture_output=True,
            text=True, timeout=60, check=False,
        )  # fmt: skip
        if appended:
            assert log.returncode == 0, log.stderr
            assert {entry["id"] for entry in json.loads(log.stdout)} >= set(appended)
