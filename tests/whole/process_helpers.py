"""Helpers for tests that run the real `story` command as separate processes."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest


def story_command() -> str:
    beside_python = Path(sys.executable).parent / "story"
    found = str(beside_python) if beside_python.exists() else shutil.which("story")
    if found is None:
        pytest.fail("the `story` command is not installed: pip install -e '.[test]'")
    return found


def write_jsonl(path: Path, story: str, count: int, words: int = 40, start: int = 0) -> Path:
    """A JSON Lines file of ``count`` reports to one story, each ~``words`` words long."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(start, start + count):
            text = f"Report {n} of {story}. " + " ".join(f"word{n % 97}x{k}" for k in range(words))
            record = {"story": story, "kind": "report", "reported_at": "2024-02-16", "text": text}
            out.write(json.dumps(record) + "\n")
    return path
