"""`story --help` stays cheap: it imports click and the command modules, nothing heavy
(the speed figure is in benchmarks/bench_cold.py)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "eventsourcing", "deepdiff", "psycopg", "sqlite3", "storage", "zoneinfo")

_PROBE = """
import json, sys
from cli.main import story
try:
    story(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def test_story_help_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    )
    assert "Usage:" in done.stdout
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    heavy = [name for name in loaded if name.split(".")[0] in HEAVY]
    assert heavy == [], f"story --help imported {heavy}"
