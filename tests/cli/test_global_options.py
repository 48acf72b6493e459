from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import story

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
# The group's --db and --tz set STORY_DB and STORY_TZ; the runner restores them after.
ISOLATED = {"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"}


def test_db_and_tz_may_come_before_the_command(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")
    runner = CliRunner(env=ISOLATED)

    imported = runner.invoke(story, ["--db", db, "import", str(EXAMPLE)])
    listed = runner.invoke(story, ["--db", db, "--tz", "America/Chicago", "list"])

    assert imported.exit_code == 0, imported.output
    assert listed.stdout.splitlines()[1].startswith("shotspotter        9  2024-02-12")


def test_a_file_that_is_not_an_archive_is_one_line_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive\n")

    result = CliRunner(env=ISOLATED).invoke(story, ["--db", str(notes), "list"])

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot open archive sqlite:///{notes}: file is not a database\n"
    )
    assert notes.read_text() == "not an archive\n"
