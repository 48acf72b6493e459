"""--db, --tz and --color before the command, after it (every command), and from STORY_DB /
STORY_TZ.

The option after the command wins over the one before it, which wins over the
environment variable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cli.main import story

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
ISOLATED = {"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"}
REPORT = ["--kind", "report", "--reported-at", "2024-03-01", "--text", "The council met."]
TIED = "https://example.com/shotspotter"


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


# Each command, with arguments that make it run to the end on the example archive (what
# to run first, for the commands that need it).
RUNS: dict[str, tuple[list[str], list[list[str]]]] = {
    "append": (["budget", *REPORT], []),
    "import": ([str(EXAMPLE)], []),
    "list": ([], []),
    "log": (["shotspotter"], []),
    "replay": (["shotspotter"], []),
    "diff": (["shotspotter"], []),
    "show": (["shotspotter", "dac7ab932221"], []),
    "info": ([], []),
    "rebuild": ([], []),
    "verify": ([], []),
    "checkpoint": ([], []),
    "keygen": (["{tmp}/key.pem"], []),
    "blame": (["shotspotter"], []),
    "trace": (["shotspotter", "ShotSpotter"], []),
    "serve": ([], []),
    "export": ([], []),
    "token create": (["bot"], []),
    "token list": ([], []),
    "token revoke": (["bot"], [["token", "create", "bot"]]),
    "url tie": (["shotspotter", TIED], []),
    "url untie": ([TIED], [["url", "tie", "shotspotter", TIED]]),
    "url list": ([], []),
}


def command_paths(group: click.Group = story, path: str = "") -> Iterator[str]:
    """Every command of `story`, and each command of its groups ("token create")."""
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from command_paths(command, f"{path}{name} ")
        else:
            yield path + name


def test_every_command_is_run_by_the_tests_of_the_global_options() -> None:
    assert sorted(command_paths()) == sorted(RUNS)


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """`story serve` returns where it would start serving."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)


def command_line(path: str, tmp_path: Path) -> list[str]:
    args, _ = RUNS[path]
    return [*path.split(), *(arg.replace("{tmp}", str(tmp_path)) for arg in args)]


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize("path", sorted(RUNS))
def test_every_command_takes_tz_and_color_after_it(path: str, tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")
    assert run("import", str(EXAMPLE), "--db", db).exit_code == 0
    for setup in RUNS[path][1]:
        assert run(*setup, "--db", db).exit_code == 0

    result = run(*command_line(path, tmp_path), "--db", db, "--tz", "UTC", "--color", "never")

    assert result.exit_code == 0, result.output
    assert "Error" not in result.stderr  # token create says on stderr that it made the token


@pytest.mark.usefixtures("no_server")
@pytest.mark.parametrize("path", sorted(RUNS))
def test_a_bad_tz_after_any_command_is_the_usage_error_it_is_before_it(
    path: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "archive.db")
    line = command_line(path, tmp_path)

    before = run("--tz", "Mars/Olympus", *line, "--db", db)
    after = run(*line, "--db", db, "--tz", "Mars/Olympus")

    error = "Error: Invalid value for '--tz': time zone 'Mars/Olympus' is unknown: "
    for result, hint in ((before, "story"), (after, f"story {path}")):
        assert (result.exit_code, result.stdout) == (2, ""), result.output
        assert result.stderr.startswith(error), result.stderr
        assert result.stderr.endswith(f" (see `{hint} --help`)\n"), result.stderr
    assert before.stderr.removesuffix(" (see `story --help`)\n") == after.stderr.removesuffix(
        f" (see `story {path} --help`)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no archive, no key


def test_tz_after_import_is_the_zone_of_the_archive_it_creates(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"

    imported = run("--tz", "Europe/Paris", "import", str(EXAMPLE), "--db", str(db), "--tz",
                   "America/Chicago")  # fmt: skip

    assert imported.exit_code == 0, imported.output
    assert zone_of(db) == "America/Chicago"


def test_db_after_keygen_is_ignored_as_it_is_before_it(tmp_path: Path) -> None:
    before = run("--db", str(tmp_path / "before.db"), "keygen", str(tmp_path / "before.pem"))
    after = run("keygen", str(tmp_path / "after.pem"), "--db", str(tmp_path / "after.db"))

    assert (before.exit_code, after.exit_code) == (0, 0), before.output + after.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "after.pem", "after.pem.pub", "before.pem", "before.pem.pub",
    ]  # fmt: skip
