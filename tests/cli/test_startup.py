"""`story --help` stays cheap: it loads click and the command modules, not the archive
(the speed figure is in benchmarks/bench_cold.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# The packages behind the archive, and the domain beyond what the options need (its
# errors and the kinds of update): they load when a command runs, not for its help.
HEAVY = ("sqlalchemy", "eventsourcing", "deepdiff", "psycopg", "storage")
LIGHT_DOMAIN = ("domain", "domain.errors", "domain.kinds")

_PROBE = """
import json, sys
from cli.main import story
try:
    story(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
ROOT = Path(__file__).resolve().parents[2]


def test_story_help_loads_neither_the_storage_nor_the_domain() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, cwd=ROOT
    )

    assert "Usage:" in done.stdout
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    heavy = [
        name
        for name in loaded
        if name.split(".")[0] in HEAVY
        or (name.split(".")[0] == "domain" and name not in LIGHT_DOMAIN)
    ]
    assert heavy == [], f"story --help imported {heavy}"
