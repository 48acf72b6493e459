"""The JSON API: each reading command's --json output at a URL, in the same shapes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient
from web_helpers import IDS

from cli.main import story


def cli_json(db: str, *args: str) -> object:
    """What `story ARGS --json` prints, parsed."""
    runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None})
    result = runner.invoke(story, [*args, "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("url", "command"),
    [
        ("/api/stories", ["list"]),
        ("/api/stories/shotspotter/log", ["log", "shotspotter"]),
        (
            "/api/stories/shotspotter/log?ignore_trivial=1",
            ["log", "shotspotter", "--ignore-trivial"],
        ),
        ("/api/stories/shotspotter", ["replay", "shotspotter"]),
        (
            "/api/stories/shotspotter?as_of=2024-02-13",
            ["replay", "shotspotter", "--as-of", "2024-02-13"],
        ),
        ("/api/replay?as_of=2024-02-15", ["replay", "--as-of", "2024-02-15"]),
        (
            "/api/stories/shotspotter/diff?from=2024-02-13&to=2024-02-16",
            ["diff", "shotspotter", "--from", "2024-02-13", "--to", "2024-02-16"],
        ),
        (
            "/api/stories/shotspotter/diff?from=2024-02-13&by=sentence&ignore_trivial=1",
            ["diff", "shotspotter", "--from", "2024-02-13", "--by", "sentence", "--ignore-trivial"],
        ),
        (f"/api/stories/shotspotter/updates/{IDS[1]}", ["show", "shotspotter", IDS[1]]),
        (
            "/api/stories/shotspotter/blame?as_of=2024-02-15",
            ["blame", "shotspotter", "--as-of", "2024-02-15"],
        ),
        (
            "/api/stories/shotspotter/trace?phrase=decommission+plan",
            ["trace", "shotspotter", "decommission plan"],
        ),
        ("/api/trace?phrase=EXTENSION&ignore_case=1", ["trace", "--all", "-i", "EXTENSION"]),
        ("/api/verify", ["verify"]),
    ],
)
def test_each_endpoint_answers_exactly_what_the_command_prints_with_json(
    client: TestClient, web_db: str, url: str, command: list[str]
) -> None:
    answer = client.get(url)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == cli_json(web_db, *command)


def test_errors_are_one_line_of_json_with_a_status_that_says_whose_fault(
    client: TestClient,
) -> None:
    unknown = client.get("/api/stories/nope")
    early = client.get("/api/stories/shotspotter", params={"as_of": "2024-01-01"})
    bad = client.get("/api/stories/shotspotter", params={"as_of": "yesterday"})
    no_from = client.get("/api/stories/shotspotter/diff")

    assert (unknown.status_code, early.status_code, bad.status_code) == (404, 404, 400)
    assert unknown.json() == {"error": "no story 'nope' in this archive: see `story list`"}
    assert early.json()["error"].startswith(
        "story 'shotspotter' had no update reported as of 2024-01-01"
    )
    assert bad.json()["error"].startswith("as_of 'yesterday' is not a date")
    assert no_from.status_code == 400
    assert "\n" not in no_from.json()["error"]
    for zone in ("Mars/Olympus", "America"):  # America: a folder of zones, not one
        wrong = client.get("/api/stories/shotspotter", params={"tz": zone})
        assert wrong.status_code == 400
        assert wrong.json()["error"].startswith(f"time zone {zone!r} is unknown")


def test_replay_of_every_story_before_any_was_reported_is_an_empty_list(
    client: TestClient,
) -> None:
    answer = client.get("/api/replay", params={"as_of": "2000-01-01"})

    assert answer.status_code == 200
    assert answer.json() == []
