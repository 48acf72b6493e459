"""`story export --format jsonl` round-trips through `story import`; csv is the log."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from export_helpers import Story, filled


def _replays(cli: Story, slug: str) -> dict[str, Any]:
    """The story as `story replay --json` shows it at every moment one of its updates was
    reported, without what only the archive that recorded it knows."""
    found = {}
    for entry in cli.json("log", slug):
        moment = entry["reported_at"]
        shown = cli.json("replay", slug, "--as-of", moment)
        for update in shown["updates"]:
            update.pop("recorded_at")
            update.pop("digest")
        found[moment] = shown
    return found


@pytest.mark.parametrize("tz", ["UTC", "America/Chicago"])
def test_an_export_imported_into_a_fresh_archive_has_the_same_ids_verifies_and_replays_the_same(
    tmp_path: Path, tz: str
) -> None:
    # A file per story: one file of several stories fails `verify` once imported, with
    # or without export (Archive._record_chunk saves a chunk's stories in set order).
    old = filled(tmp_path, tz)
    files = [str(tmp_path / f"{slug}.jsonl") for slug in ("council", "shotspotter")]
    for path in files:
        old.ok("export", Path(path).stem, "-o", path)
    new = Story(str(tmp_path / "fresh.db"), tz)

    imported = new.ok("import", *files)

    assert imported.splitlines()[-1] == "Imported 18 new updates (0 already present) from 2 files"
    assert new.ok("verify").startswith("Verified 18 updates in 2 stories: ")
    for slug in ("council", "shotspotter"):
        assert [u["id"] for u in new.json("log", slug)] == [u["id"] for u in old.json("log", slug)]
        assert _replays(new, slug) == _replays(old, slug)


def test_each_line_is_the_update_as_story_log_json_gives_it_story_by_story(
    tmp_path: Path,
) -> None:
    cli = filled(tmp_path)

    lines = [json.loads(line) for line in cli.ok("export").splitlines()]

    logged = cli.json("log", "council") + cli.json("log", "shotspotter")
    for entry in logged:
        del entry["version"], entry["summary"]
    assert lines == logged


def test_exporting_a_second_time_into_the_same_archive_imports_nothing(tmp_path: Path) -> None:
    cli = filled(tmp_path)
    exported = tmp_path / "shotspotter.jsonl"
    cli.ok("export", "shotspotter", "-o", str(exported))

    assert cli.ok("import", str(exported)).splitlines()[-1] == (
        "Imported 0 new updates (11 already present) from 1 file"
    )


def test_csv_is_the_log_with_a_header_row(tmp_path: Path) -> None:
    cli = filled(tmp_path)

    rows = list(csv.DictReader(io.StringIO(cli.ok("export", "shotspotter", "--format", "csv"))))

    log = cli.json("log", "shotspotter")
    assert [(r["version"], r["id"], r["kind"], r["reported_at"], r["digest"]) for r in rows] == [
        (str(u["version"]), u["id"], u["kind"], u["reported_at"], u["digest"]) for u in log
    ]
    corrected = next(r for r in rows if r["id"] == "7c205d306ad4")
    correction = next(r for r in rows if r["kind"] == "correction")
    assert corrected["amended_by"] == correction["id"]
    assert correction["target"] == "7c205d306ad4"
    assert rows[1]["summary"] == "Mayor Johnson announces a ShotSpotter decommission plan"


def test_an_unknown_story_is_one_line_and_no_file(tmp_path: Path) -> None:
    cli = filled(tmp_path)
    target = tmp_path / "out.jsonl"

    code, line = cli.error("export", "shotspotter", "nosuch", "-o", str(target))

    assert (code, line) == (1, "Error: no story 'nosuch' in this archive: see `story list`")
    assert list(tmp_path.glob("out.jsonl*")) == []


def test_a_timemap_names_one_story(tmp_path: Path) -> None:
    cli = filled(tmp_path)

    code, line = cli.error("export", "--format", "timemap")

    assert code == 2
    assert "a TimeMap is of one story, and 2 were chosen: name one SLUG" in line
