"""Shared by the export tests: `story` run in-process on a test's own archive, and a
second story whose every update has a moment of its own (so `story replay --as-of` at an
update's reported time is exactly the version it made)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli.main import story

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
BY = "tester"

COUNCIL = [
    {"story": "council", "kind": "report", "reported_at": "2024-03-01T09:00:00-06:00",
     "headline": "Council meets on Monday", "outlet": "Demo Gazette",
     "source": "https://example.org/council",
     "text": "The council will meet on Monday.\n\nThe agenda is not yet public."},
    {"story": "council", "kind": "fact", "reported_at": "2024-03-01T10:00:00-06:00",
     "key": "meeting.status", "value": "scheduled"},
    {"story": "council", "kind": "statement", "reported_at": "2024-03-01T11:30:00-06:00",
     "party": "Mayor's office", "issued_at": "2024-03-01", "text": "We welcome the meeting."},
    {"story": "council", "kind": "report", "reported_at": "2024-03-02T08:00:00-06:00",
     "text": "Residents may speak for three minutes each."},
    {"story": "council", "kind": "fact", "reported_at": "2024-03-02T09:15:00-06:00",
     "key": "meeting.seats", "value": 120},
    {"story": "council", "kind": "revision", "reported_at": "2024-03-03T07:00:00-06:00",
     "headline": "Council meets on Tuesday, not Monday",
     "text": "The council will meet on Tuesday.\n\nThe agenda was published on Sunday."},
    {"story": "council", "kind": "fact", "reported_at": "2024-03-03T12:00:00-06:00",
     "key": "meeting.seats", "value": None},
]  # fmt: skip


@dataclass
class Story:
    """The `story` command bound to one archive."""

    db: str
    tz: str = "UTC"

    def __call__(self, *args: str) -> Result:
        runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": BY})
        command, *rest = args
        return runner.invoke(story, ["--tz", self.tz, command, "--db", self.db, *rest])

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        return result.stdout

    def raw(self, *args: str) -> bytes:
        result = self(*args)
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        return result.stdout_bytes

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def error(self, *args: str) -> tuple[int, str]:
        result = self(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert result.stdout == ""
        return result.exit_code, lines[0]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def filled(tmp_path: Path, tz: str = "UTC") -> Story:
    """An archive holding the ShotSpotter example, the council story, and a correction
    and a retraction of the example (reported on the day of a tie, and after it)."""
    cli = Story(str(tmp_path / "archive.db"), tz)
    cli.ok("import", str(EXAMPLE), str(write_jsonl(tmp_path / "council.jsonl", COUNCIL)))
    cli.ok(
        "append", "shotspotter", "--kind", "correction", "--reported-at", "2024-02-16",
        "--target", "7c205d306ad4", "--note", "The company had not yet refused.",
        "--text", "While the mayor wants to extend the contract, SoundThinking does not.",
    )  # fmt: skip
    cli.ok(
        "append", "shotspotter", "--kind", "retraction", "--reported-at",
        "2024-02-17T10:00:00+00:00", "--target", "d3ba59caa150", "--note", "Not confirmed.",
    )  # fmt: skip
    return cli
