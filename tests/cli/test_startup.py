"""`story --help` stays cheap: it imports click and the command modules, nothing heavy
(the speed figure is in benchmarks/bench_cold.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

# Modules `--help` must not import; pathlib is not big, but it alone costs a noticeable
# part of a command's start. The probe runs without `site` (an editable install's finder
# would load pathlib before us), with the project and click's folder on its path.
HEAVY = (
    "sqlalchemy", "eventsourcing", "deepdiff", "psycopg", "sqlite3", "storage", "zoneinfo",
    "pathlib",
)  # fmt: skip

_PROBE = """
import json, sys
sys.path[:0] = json.loads(sys.argv[1])
from cli.main import story
try:
    story(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
ROOT = Path(__file__).resolve().parents[2]


def test_story_help_imports_nothing_heavy() -> None:
    paths = [str(ROOT), str(Path(click.__file__).parent.parent)]
    done = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE, json.dumps(paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Usage:" in done.stdout
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    heavy = [name for name in loaded if name.split(".")[0] in HEAVY]
    assert heavy == [], f"story --help imported {heavy}"
