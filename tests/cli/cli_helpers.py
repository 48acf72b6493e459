"""Shared by the CLI tests: run `story` in-process against a test's own archive.

`cli` (one per test, on each backend of the `db` fixture) runs commands with `--db` set
and gives the output; `cli.fails(...)` checks the error contract: one `Error: ` line on
stderr, a non-zero exit, and nothing written; `cli.rejects(...)` the same for a bad
option value, which click rejects with exit 2.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli.main import story

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
EXAMPLE_FILE = EXAMPLE / "timeline.jsonl"
BY = "tester"

# The example's update ids, in version order.
EXAMPLE_IDS = [
    "dac7ab932221",
    "5af00ae05320",
    "3f3429aff8e4",
    "3505fe888773",
    "7c205d306ad4",
    "d3ba59caa150",
    "c0fe46a40a38",
    "2ff7f8292fca",
    "c1ac78d23477",
]


@dataclass
class Cli:
    """The `story` command, bound to one archive."""

    db: str

    def __call__(self, *args: str, input: str | bytes | None = None) -> Result:
        """Run `story COMMAND --db DB ARGS...`; the raw click result."""
        command, *rest = args
        runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": BY})
        return runner.invoke(story, [command, "--db", self.db, *rest], input=input)

    def ok(self, *args: str, input: str | bytes | None = None) -> str:
        """The stdout of a command that must succeed (exit 0, nothing on stderr)."""
        result = self(*args, input=input)
        assert _clean(result), f"crashed: {result.exception!r}"
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        return result.stdout

    def lines(self, *args: str, input: str | bytes | None = None) -> list[str]:
        """The stdout lines of a command that must succeed."""
        return self.ok(*args, input=input).splitlines()

    def json(self, *args: str, input: str | bytes | None = None) -> Any:
        """The parsed `--json` output of a command that must succeed."""
        return json.loads(self.ok(*args, "--json", input=input))

    def updates(self) -> int:
        """How many updates the archive holds (none when there is no archive yet)."""
        result = self("info", "--json")
        if result.exit_code != 0 and result.stderr.startswith("Error: no archive "):
            return 0
        return int(json.loads(result.stdout)["updates"])

    def fails(self, *args: str, input: str | bytes | None = None) -> str:
        """The one-line error of a command that must fail and write nothing."""
        return self._error(None, args, input)

    def rejects(self, *args: str, input: str | bytes | None = None) -> str:
        """The one-line usage error (exit 2, as click gives) of a command that writes nothing."""
        return self._error(2, args, input)

    def _error(self, code: int | None, args: tuple[str, ...], input: str | bytes | None) -> str:
        """The message of a command that exits `code` (any but 0 when None)."""
        before = self.updates()
        result = self(*args, input=input)
        assert _clean(result), f"crashed: {result.exception!r}"
        assert result.exit_code != 0 if code is None else result.exit_code == code, result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
        assert lines[0].startswith("Error: "), lines[0]
        assert result.stdout == ""
        assert self.updates() == before, "a failed command wrote to the archive"
        return lines[0].removeprefix("Error: ")

    def add(self, slug: str, kind: str, reported_at: str, **options: str) -> dict[str, Any]:
        """Append an update (`--name value` for each option); its `append --json` record."""
        args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
        data: dict[str, Any] = self.json(
            "append", slug, "--kind", kind, "--reported-at", reported_at, *args
        )
        return data

    def start_empty(self) -> None:
        """Create the archive with nothing in it (only writing commands create one)."""
        from storage.archive import open_archive

        open_archive(self.db).close()

    def import_example(self) -> None:
        self.ok("import", str(EXAMPLE))


def _clean(result: Result) -> bool:
    """Whether the command ended by exiting, not by an uncaught exception (a traceback)."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def section(lines: Sequence[str], heading: str) -> list[str]:
    """The lines under a heading of `replay`, `show` or `diff` output, up to a blank line."""
    start = list(lines).index(heading) + 1
    out = []
    for line in lines[start:]:
        if not line:
            break
        out.append(line)
    return out


def stamp(recorded_at: str) -> str:
    """A recorded time as `log` prints it (UTC, to the second)."""
    return datetime.fromisoformat(recorded_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
