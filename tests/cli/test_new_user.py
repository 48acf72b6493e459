"""What a new user reaches for first: `story` alone, colour, `today`, --as-of on log and trace."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cli_helpers import EXAMPLE, EXAMPLE_IDS, Cli
from click.testing import CliRunner, Result

from cli.main import story

ISOLATED = {"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester", "NO_COLOR": None}
BOLD = "\x1b[1m"


def run(*args: str, color: bool = False, **env: str) -> Result:
    """`story ARGS`; ``color``: as on a terminal that shows colour."""
    return CliRunner(env={**ISOLATED, **env}).invoke(story, list(args), color=color)


def test_story_alone_prints_a_short_usage_and_exits_0() -> None:
    result = run()

    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == "story: an append-only archive of news stories."
    assert "  story import examples/shotspotter            load the example" in lines
    assert lines[-1] == "`story --help` lists every command; `story COMMAND --help` explains one."
    assert len(lines) <= 10
    assert "Commands:" not in result.stdout


# Colour: the headline of a replay is bold.


@pytest.fixture
def example_db(tmp_path: Path) -> str:
    db = str(tmp_path / "archive.db")
    assert run("import", str(EXAMPLE), "--db", db).exit_code == 0
    return db


def headline(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[2]


def test_a_terminal_gets_colour_unless_no_color_is_set(example_db: str) -> None:
    coloured = run("replay", "shotspotter", "--db", example_db, color=True)
    plain = run("replay", "shotspotter", "--db", example_db, color=True, NO_COLOR="1")

    assert headline(coloured).startswith(BOLD)
    assert headline(plain).startswith("Chicago ShotSpotter")


def test_color_never_before_or_after_the_command_makes_a_terminal_plain(example_db: str) -> None:
    before = run("--color", "never", "replay", "shotspotter", "--db", example_db, color=True)
    after = run("replay", "shotspotter", "--db", example_db, "--color", "never", color=True)

    assert headline(before).startswith("Chicago ShotSpotter")
    assert headline(after).startswith("Chicago ShotSpotter")


def test_color_always_colours_a_pipe_even_with_no_color_set(example_db: str) -> None:
    before = run("--color", "always", "replay", "shotspotter", "--db", example_db, NO_COLOR="1")
    after = run("replay", "shotspotter", "--db", example_db, "--color", "always")
    auto = run("replay", "shotspotter", "--db", example_db)

    assert headline(before).startswith(BOLD)
    assert headline(after).startswith(BOLD)
    assert headline(auto).startswith("Chicago ShotSpotter")


def test_color_after_the_command_wins_over_color_before_it(example_db: str) -> None:
    result = run(
        "--color", "never", "replay", "shotspotter", "--db", example_db, "--color", "always"
    )

    assert headline(result).startswith(BOLD)


def test_color_refuses_a_value_it_does_not_know(example_db: str) -> None:
    result = run("--color", "sometimes", "list", "--db", example_db)

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--color': 'sometimes' is not one of")


# today and yesterday, in the --tz zone


def days_ago(zone: str, n: int) -> set[str]:
    """The date n days before today in a zone, read now (and a moment later, at midnight)."""
    return {str(datetime.now(ZoneInfo(zone)).date() - timedelta(days=n)) for _ in range(2)}


def test_today_and_yesterday_are_dates_in_the_tz_zone(cli: Cli) -> None:
    # 25 hours apart: today in one is never today in the other.
    east, west = "Pacific/Kiritimati", "Pacific/Pago_Pago"
    now = cli.add("demo", "report", "today", text="Now.", tz=east)
    before = cli.add("demo", "report", "Yesterday", text="Before.", tz=west)

    assert now["reported_at"] in days_ago(east, 0)
    assert before["reported_at"] in days_ago(west, 1)
    assert now["reported_at"] != before["reported_at"]


def test_as_of_yesterday_replays_what_was_reported_through_yesterday(cli: Cli) -> None:
    yesterday = str(datetime.now(UTC).date() - timedelta(days=1))
    cli.add("demo", "report", yesterday, text="Before.")
    cli.add("demo", "report", "today", text="Now.")

    assert cli.json("replay", "demo", "--as-of", "yesterday")["text"] == "Before."
    assert cli.json("replay", "demo", "--as-of", "today")["text"] == "Before.\n\nNow."
    assert cli.json("diff", "demo", "--from", "yesterday", "--to", "today")["text"][-1] == "+Now."


def test_today_before_the_command_takes_the_zone_given_before_it(tmp_path: Path) -> None:
    db = str(tmp_path / "archive.db")
    result = run(
        "--tz", "Pacific/Kiritimati", "append", "demo", "--db", db, "--kind", "report",
        "--reported-at", "today", "--text", "Now.", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reported_at"] in days_ago("Pacific/Kiritimati", 0)


def test_a_word_that_is_no_day_is_still_refused(cli: Cli) -> None:
    message = cli.rejects("replay", "demo", "--as-of", "tomorrow")

    assert message.startswith("Invalid value for '--as-of': 'tomorrow' is not a date")


def test_today_is_a_real_date_not_a_word_kept(cli: Cli) -> None:
    update = cli.add("demo", "report", "today", text="Now.")

    assert date.fromisoformat(update["reported_at"])
    assert update["id"] == cli.add("demo", "report", update["reported_at"], text="Now.")["id"]


# --as-of on log and trace, consistent with replay


DAYS = ["2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16"]


@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "Asia/Tokyo"])
def test_log_as_of_lists_the_updates_of_the_version_replay_shows(example: Cli, zone: str) -> None:
    for day in DAYS:
        replayed = example.json("replay", "shotspotter", "--as-of", day, "--tz", zone)
        logged = example.json("log", "shotspotter", "--as-of", day, "--tz", zone)

        assert len(logged) == replayed["version"]
        assert [e["id"] for e in logged] == EXAMPLE_IDS[: replayed["version"]]


def test_log_as_of_before_the_first_report_says_so_as_replay_does(example: Cli) -> None:
    logged = example.fails("log", "shotspotter", "--as-of", "2024-02-11")
    replayed = example.fails("replay", "shotspotter", "--as-of", "2024-02-11")

    assert logged == replayed
    assert logged.startswith("story 'shotspotter' had no update reported as of 2024-02-11")


def test_trace_as_of_follows_the_phrase_only_through_that_version(example: Cli) -> None:
    whole = example.json("trace", "shotspotter", "decommission plan")
    early = example.json("trace", "shotspotter", "decommission plan", "--as-of", "2024-02-14")
    shown = example.lines("trace", "shotspotter", "decommission plan", "--as-of", "2024-02-14")

    assert [s["version"] for s in whole["stories"][0]["sightings"]] == [2, 4, 5]
    assert [s["version"] for s in early["stories"][0]["sightings"]] == [2]
    assert early["as_of"] == "2024-02-14"
    assert shown[-1] == "  as of 2024-02-14: 1 occurrence"


def test_trace_all_as_of_leaves_out_stories_not_yet_reported(example: Cli) -> None:
    example.add("later", "report", "2024-03-01", text="A decommission plan, again.")

    found = example.json("trace", "--all", "decommission plan", "--as-of", "2024-02-20")

    assert [s["slug"] for s in found["stories"]] == ["shotspotter"]


def test_trace_known_at_leaves_out_what_was_recorded_later(cli: Cli) -> None:
    first = cli.add("demo", "report", "2024-03-01", text="The council met.")
    cli.add("demo", "report", "2024-03-02", text="The council voted on a decommission plan.")

    then = cli.json("trace", "demo", "decommission plan", "--known-at", first["recorded_at"])
    now = cli.json("trace", "demo", "decommission plan")

    assert then["stories"][0]["sightings"] == []
    assert then["known_at"] == first["recorded_at"]
    assert [s["version"] for s in now["stories"][0]["sightings"]] == [2]


# A corrected statement's note


def test_replay_of_a_corrected_statement_shows_the_correction_note(cli: Cli) -> None:
    cli.add("demo", "report", "2024-03-01", text="The council met.")
    said = cli.add("demo", "statement", "2024-03-01", party="The mayor", text="Monday.")
    fix = cli.add(
        "demo", "correction", "2024-03-02", target=said["id"], text="Tuesday.",
        note="The mayor said Tuesday, not Monday.",
    )  # fmt: skip

    shown = cli.lines("replay", "demo")
    before = cli.ok("replay", "demo", "--as-of", "2024-03-01")
    statement = cli.json("replay", "demo")["statements"][0]

    at = shown.index("Statements")
    assert shown[at + 1 : at + 5] == [
        f"  The mayor [{said['id']}]:",
        "    Tuesday.",
        "",
        f"    [Corrected 2024-03-02 by {fix['id']}: The mayor said Tuesday, not Monday.]",
    ]
    assert "Corrected" not in before
    assert statement["correction"]["update"] == fix["id"]
    assert statement["correction"]["note"] == "The mayor said Tuesday, not Monday."


# PostgreSQL without its driver (`pip install -e .` leaves the postgres extra out)

WITHOUT_PSYCOPG = """
import sys
sys.modules["psycopg"] = None  # as if it were not installed: importing it fails
from cli.main import story
story(sys.argv[1:])
"""


@pytest.mark.parametrize("command", [["list"], ["import", str(EXAMPLE)]])
def test_postgresql_without_psycopg_is_one_line_naming_the_postgres_extra(
    command: list[str],
) -> None:
    import subprocess
    import sys

    url = "postgresql://archivist@127.0.0.1:1/story"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, *command, "--db", url],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: PostgreSQL needs the psycopg driver, which is not installed: "
        "pip install -e '.[postgres]' (or pip install 'psycopg[binary]')\n"
    )
