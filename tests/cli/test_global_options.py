"""--db and --tz before the command, after it, and from STORY_DB / STORY_TZ.

The option after the command wins over the one before it, which wins over the
environment variable.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import story

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
ISOLATED = {"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"}
REPORT = ["--kind", "report", "--reported-at", "2024-03-01", "--text", "The council met."]


def run(*args: str, **env: str) -> Result:
    return CliRunner(env={**ISOLATED, **env}).invoke(story, list(args))


def zone_of(db: Path) -> str:
    """The time zone an archive was created with, as `story info` shows it."""
    info = run("info", "--db", str(db), "--json")
    assert info.exit_code == 0, info.output
    zone: str = json.loads(info.stdout)["zone"]
    return zone


def test_db_and_tz_may_come_before_the_command(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")

    imported = run("--db", db, "import", str(EXAMPLE))
    listed = run("--db", db, "--tz", "America/Chicago", "list")

    assert imported.exit_code == 0, imported.output
    assert listed.stdout.splitlines()[1].startswith("shotspotter        9  2024-02-12")


def test_db_after_the_command_wins_over_db_before_it_and_story_db(tmp_path: Path) -> None:
    used, before, env = (tmp_path / name for name in ("used.db", "before.db", "env.db"))

    run("append", "budget", *REPORT, "--db", str(used))
    first = run("--db", str(before), "list", "--db", str(used), "--json", STORY_DB=str(env))
    second = run("--db", str(used), "list", "--json", STORY_DB=str(env))

    assert json.loads(first.stdout)[0]["slug"] == "budget"
    assert json.loads(second.stdout)[0]["slug"] == "budget"
    assert not before.exists()
    assert not env.exists()


def test_story_db_names_the_archive_when_no_db_is_given(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    run("append", "budget", *REPORT, STORY_DB=str(db))

    assert json.loads(run("list", "--json", STORY_DB=str(db)).stdout)[0]["slug"] == "budget"


def test_tz_after_the_command_wins_over_tz_before_it_and_story_tz(tmp_path: Path) -> None:
    after, before, env = (tmp_path / name for name in ("after.db", "before.db", "env.db"))

    run("--tz", "Europe/Paris", "append", "budget", *REPORT, "--db", str(after), "--tz",
        "Asia/Tokyo", STORY_TZ="America/Chicago")  # fmt: skip
    run("--tz", "Europe/Paris", "append", "budget", *REPORT, "--db", str(before),
        STORY_TZ="America/Chicago")  # fmt: skip
    run("append", "budget", *REPORT, "--db", str(env), STORY_TZ="America/Chicago")

    assert [zone_of(db) for db in (after, before, env)] == [
        "Asia/Tokyo", "Europe/Paris", "America/Chicago",
    ]  # fmt: skip


def test_tz_before_import_is_the_zone_of_the_archive_it_creates(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    imported = run("--tz", "America/Chicago", "import", str(EXAMPLE), "--db", str(db))

    assert imported.exit_code == 0, imported.output
    assert zone_of(db) == "America/Chicago"


def test_a_bad_story_tz_is_a_usage_error_that_names_the_variable(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    result = run("append", "budget", *REPORT, "--db", str(db), STORY_TZ="Mars/Olympus")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: Invalid value for STORY_TZ: time zone 'Mars/Olympus' is unknown: "
        "use an IANA name such as UTC or America/Chicago (see `story --help`)\n"
    )
    assert not db.exists()


def test_a_bad_tz_before_import_is_a_usage_error_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    result = run("--tz", "Mars/Olympus", "import", str(EXAMPLE), "--db", str(db))

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--tz': time zone 'Mars/Olympus'")
    assert not db.exists()


def test_a_tz_after_the_command_replaces_a_bad_one_before_it(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    result = run("--tz", "Mars/Olympus", "append", "budget", *REPORT, "--db", str(db), "--tz",
                 "UTC", STORY_TZ="Mars/Olympus")  # fmt: skip

    assert result.exit_code == 0, result.output
    assert zone_of(db) == "UTC"


def test_a_file_that_is_not_an_archive_is_one_line_and_left_alone(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an archive\n")

    result = run("--db", str(notes), "list")

    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot open archive sqlite:///{notes}: file is not a database\n"
    )
    assert notes.read_text() == "not an archive\n"
