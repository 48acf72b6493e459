"""The web stack is imported by `story serve` alone: other commands start as fast as before."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
from cli.main import story
try:
    story(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
WEB = ("starlette", "jinja2", "uvicorn", "anyio", "cli.web")


def test_story_help_and_serve_help_import_no_web_framework() -> None:
    for args in (["--help"], ["serve", "--help"]):
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, check=True
        )
        loaded = json.loads(done.stderr.strip().splitlines()[-1])

        assert "Usage:" in done.stdout
        assert [m for m in loaded if m.startswith(WEB)] == [], args
