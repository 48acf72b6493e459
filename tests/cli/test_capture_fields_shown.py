"""A capture's time and what dated it, as a user sees them: `story show` (text and
--json), `story log --json`, JSON Lines in and out (the export re-imports with them),
CSV and git exports; a bad value in a JSON Lines file is one line naming it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Cli

SLUG = "shotspotter"
STORED = "2024-02-16T18:30:00.000000+00:00"  # as the archive keeps and prints it
PAGE = {
    "story": SLUG, "kind": "revision", "reported_at": "2024-02-15T09:00:00-06:00",
    "headline": "ShotSpotter stays", "text": "The contract runs to September.",
    "source": "https://example.com/shotspotter", "captured_at": "2024-02-16T18:30:00Z",
    "dated_by": "page",
}  # fmt: skip
UNDATED = {
    "story": SLUG, "kind": "revision", "reported_at": "2024-02-16T18:30:00Z",
    "headline": "ShotSpotter stays", "text": "The contract runs to September, the city says.",
    "captured_at": "2024-02-16T18:30:00+00:00", "dated_by": "capture",
}  # fmt: skip
REPORT = {"story": SLUG, "kind": "report", "reported_at": "2024-02-17", "text": "Nothing new."}


def jsonl(path: Path, *records: dict[str, Any]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


@pytest.fixture
def captured(cli: Cli, tmp_path: Path) -> list[str]:
    """The archive holding two captures and a report: their ids, in version order."""
    cli.ok("import", jsonl(tmp_path / "captures.jsonl", PAGE, UNDATED, REPORT))
    return [entry["id"] for entry in cli.json("log", SLUG)]


def test_show_prints_the_capture_time_and_what_dated_it(cli: Cli, captured: list[str]) -> None:
    lines = cli.lines("show", SLUG, captured[1])
    report = cli.lines("show", SLUG, captured[2])

    assert f"captured_at  {STORED}" in lines
    assert "dated_by     capture" in lines
    assert lines.index(f"captured_at  {STORED}") == lines.index("outlet       -") + 1
    assert not any(line.startswith(("captured_at", "dated_by")) for line in report)


def test_show_and_log_json_carry_them_only_where_set(cli: Cli, captured: list[str]) -> None:
    shown = cli.json("show", SLUG, captured[0])
    logged = cli.json("log", SLUG)

    assert (shown["captured_at"], shown["dated_by"]) == (STORED, "page")
    assert [(e.get("captured_at"), e.get("dated_by")) for e in logged] == [
        (STORED, "page"), (STORED, "capture"), (None, None)
    ]  # fmt: skip
    assert "captured_at" not in logged[2]
    assert "dated_by" not in logged[2]


def test_a_later_capture_of_the_same_article_is_already_present(
    cli: Cli, captured: list[str], tmp_path: Path
) -> None:
    later = {**PAGE, "captured_at": "2024-03-01T08:00:00Z"}

    out = cli.ok("import", jsonl(tmp_path / "later.jsonl", later))

    assert out.splitlines()[-1] == "Imported 0 new updates (1 already present) from 1 file"
    assert cli.json("show", SLUG, captured[0])["captured_at"] == STORED


def test_the_jsonl_export_reimports_into_a_fresh_archive_with_them(
    cli: Cli, captured: list[str], tmp_path: Path
) -> None:
    exported = tmp_path / "export.jsonl"
    cli.ok("export", SLUG, "-o", str(exported))
    fresh = Cli(str(tmp_path / "fresh.db"))

    fresh.ok("import", str(exported))

    def kept(c: Cli) -> list[tuple[str, str | None, str | None]]:
        return [(e["id"], e.get("captured_at"), e.get("dated_by")) for e in c.json("log", SLUG)]

    assert kept(fresh) == kept(cli)
    assert [i for i, _, _ in kept(fresh)] == captured
    assert fresh.ok("verify").startswith("Verified 3 updates in 1 story")


def test_the_csv_export_has_them_as_columns(cli: Cli, captured: list[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(cli.ok("export", SLUG, "--format", "csv"))))

    assert [(r["id"], r["captured_at"], r["dated_by"]) for r in rows] == [
        (captured[0], STORED, "page"), (captured[1], STORED, "capture"), (captured[2], "", "")
    ]  # fmt: skip


def test_the_git_export_names_them_in_the_commit_message(cli: Cli, captured: list[str]) -> None:
    stream = cli.ok("export", SLUG, "--format", "git")

    assert f"Captured: {STORED}\nDated-by: page\n" in stream
    assert stream.count("Captured: ") == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"captured_at": "2024-02-16"},
         "captured_at '2024-02-16' is a day, not a moment: give the time with its offset, "
         "e.g. 2024-02-16T18:30:00Z"),
        ({"captured_at": "2024-02-16T18:30:00"},
         "captured_at '2024-02-16T18:30:00' has no UTC offset: add one, e.g. "
         "2024-02-16T18:30:00Z"),
        ({"captured_at": "2999-01-01T00:00:00Z"},
         "captured_at 2999-01-01T00:00:00.000000+00:00 is in the future: check the "
         "capture's date (captured_at is when the page was captured)"),
        ({"captured_at": 1708108200}, "field 'captured_at' must be a string, found int"),
        ({"dated_by": "crawler"},
         "dated_by 'crawler' is unknown: use page (reported_at is the page's own date) or "
         "capture (reported_at is captured_at)"),
        ({"dated_by": "capture"},
         "dated_by capture says reported_at is the capture's time, but reported_at "
         "2024-02-15T09:00:00-06:00 is not captured_at 2024-02-16T18:30:00.000000+00:00: "
         "give dated_by page, or reported_at the same moment"),
        ({"captured_at": None, "dated_by": "capture"},
         "dated_by capture needs captured_at: give the capture's time"),
    ],
)  # fmt: skip
def test_a_bad_capture_time_or_dating_in_a_jsonl_file_is_one_line_naming_it(
    cli: Cli, tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = jsonl(tmp_path / "bad.jsonl", REPORT, {**PAGE, **change})

    assert cli.fails("import", path) == f"{path}:2: {message}"
