"""The installed `story` command, end to end, on the ShotSpotter example."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def story_command() -> str:
    beside_python = Path(sys.executable).parent / "story"
    found = str(beside_python) if beside_python.exists() else shutil.which("story")
    if found is None:
        pytest.fail("the `story` command is not installed: pip install -e '.[test]'")
    return found


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [story_command(), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A user with an empty data directory: the default archive is a new SQLite file."""
    values = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"), STORY_BY="e2e")
    values.pop("STORY_DB", None)
    return values


def test_the_example_imports_and_replays_as_the_seed_story_of_that_day(
    env: dict[str, str], example: Path, tmp_path: Path
) -> None:
    imported = run("import", str(example), env=env)
    assert imported.returncode == 0, imported.stderr
    assert (
        imported.stdout.splitlines()[-1] == "Imported 9 new updates (0 already present) from 1 file"
    )
    assert (tmp_path / "data" / "story" / "archive.db").exists()

    replay = run("replay", "shotspotter", "--as-of", "2024-02-16", env=env)
    assert replay.returncode == 0, replay.stderr
    lines = replay.stdout.splitlines()
    assert lines[0] == "shotspotter — as of 2024-02-16 (version 9)"
    assert lines[2] == (
        "Chicago ShotSpotter technology will not be turned off Friday night as negotiations "
        "continue: sources"
    )
    assert "SoundThinking, issued 2024-02-15 [3505fe888773]:" in replay.stdout

    earlier = json.loads(
        run("replay", "shotspotter", "--as-of", "2024-02-13", "--json", env=env).stdout
    )
    assert earlier["headline"] == "Mayor Johnson announces a ShotSpotter decommission plan"
    assert earlier["statements"] == []
    assert "contract.status" not in earlier["facts"]

    changed = run("diff", "shotspotter", "--from", "2024-02-13", "--to", "2024-02-16", env=env)
    assert changed.returncode == 0, changed.stderr
    assert '  + contract.status = "running"' in changed.stdout.splitlines()
    assert "\x1b[" not in changed.stdout  # no colour codes when piped


def test_bad_input_from_the_real_command_is_one_line_and_a_failure(env: dict[str, str]) -> None:
    result = run("replay", "shotspotter", "--as-of", "2024-02-30", env=env)
    assert result.returncode == 2  # a bad parameter, as click reports one
    assert result.stderr == (
        "Error: Invalid value for '--as-of': '2024-02-30' is not a real day: check the month "
        "and day (see `story replay --help`)\n"
    )
