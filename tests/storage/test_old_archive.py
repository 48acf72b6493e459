"""An archive written by an earlier layout still opens, verifies and replays identically.

tests/fixtures/archive_v3 holds an SQLite archive of schema version 3 as SQL text
(three stories, every kind of update, a signed checkpoint and an update after it) and
the --json output of every reading command over it, taken when it was made.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "archive_v3"


def _expected_module() -> Any:
    spec = importlib.util.spec_from_file_location("archive_v3_expected", FIXTURE / "expected.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def old_archive(tmp_path: Path) -> str:
    path = tmp_path / "archive.db"
    connection = sqlite3.connect(path)
    connection.executescript((FIXTURE / "archive.sql").read_text(encoding="utf-8"))
    connection.commit()
    connection.close()
    return str(path)


def test_every_reading_command_answers_as_when_the_archive_was_made(
    old_archive: str, tmp_path: Path
) -> None:
    expected = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    checkpoint, public_key = FIXTURE / "checkpoint.json", FIXTURE / "auditor.pem.pub"
    found = _expected_module().outputs(old_archive, str(checkpoint), str(public_key))
    found = {
        key.replace(str(checkpoint), "CHECKPOINT").replace(str(public_key), "PUBKEY"): value
        for key, value in found.items()
    }
    assert sorted(found) == sorted(expected)
    for command, output in expected.items():
        assert found[command] == output, command


def test_the_old_archive_takes_new_updates_and_still_verifies(old_archive: str) -> None:
    from click.testing import CliRunner

    from cli.main import story

    runner = CliRunner()
    appended = runner.invoke(
        story,
        ["append", "council", "--kind", "report", "--reported-at", "2024-03-06",
         "--text", "The minutes were published.", "--db", old_archive, "--json"],
    )  # fmt: skip
    assert appended.exit_code == 0, appended.output
    assert json.loads(appended.output)["version"] == 9
    verified = runner.invoke(
        story,
        ["verify", "--json", "--db", old_archive,
         "--against", str(FIXTURE / "checkpoint.json")],
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["updates"] == 20
    # Its zone (until then only in its settings) went into the archive chain with the
    # first update recorded by this story, after the checkpointed links.
    connection = sqlite3.connect(old_archive)
    links = connection.execute("SELECT update_id FROM story_chain ORDER BY position").fetchall()
    connection.close()
    assert [row[0] for row in links[19:]] == ["time-zone", json.loads(appended.output)["id"]]


def test_the_old_archive_gains_the_capture_columns_and_keeps_a_capture_time(
    old_archive: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from cli.main import story

    capture = {
        "story": "council", "kind": "revision", "reported_at": "2024-03-06T18:30:00Z",
        "headline": "Minutes published", "text": "The minutes were published.",
        "captured_at": "2024-03-06T18:30:00Z", "dated_by": "capture",
    }  # fmt: skip
    path = tmp_path / "capture.jsonl"
    path.write_text(json.dumps(capture) + "\n", encoding="utf-8")
    runner = CliRunner()

    imported = runner.invoke(story, ["import", str(path), "--db", old_archive, "--json"])

    assert imported.exit_code == 0, imported.output
    (update_id,) = json.loads(imported.output)["files"][0]["new"]
    shown = runner.invoke(story, ["show", "council", update_id, "--db", old_archive, "--json"])
    data = json.loads(shown.output)
    assert (data["captured_at"], data["dated_by"]) == ("2024-03-06T18:30:00.000000+00:00",
                                                       "capture")  # fmt: skip
    verified = runner.invoke(
        story,
        ["verify", "--json", "--db", old_archive,
         "--against", str(FIXTURE / "checkpoint.json")],
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    connection = sqlite3.connect(old_archive)
    version = connection.execute(
        "SELECT value FROM story_meta WHERE name = 'schema_version'"
    ).fetchone()
    connection.close()
    assert version == ("5",)


def test_the_old_archive_verifies_on_first_opening_and_gains_guarded_url_ties(
    old_archive: str,
) -> None:
    """It was made before the read models had triggers: opening it makes them, and that
    is an upgrade, not tampering to report."""
    from click.testing import CliRunner

    from cli.main import story

    runner = CliRunner()
    verified = runner.invoke(story, ["verify", "--db", old_archive])
    assert (verified.exit_code, verified.stderr) == (0, ""), verified.output
    tied = runner.invoke(
        story, ["url", "tie", "council", "https://example.org/council", "--db", old_archive]
    )
    assert tied.exit_code == 0, tied.output
    assert runner.invoke(story, ["verify", "--db", old_archive]).exit_code == 0
    connection = sqlite3.connect(old_archive)
    triggers = {n for (n,) in connection.execute("SELECT name FROM sqlite_master "
                                                 "WHERE type = 'trigger'")}  # fmt: skip
    connection.close()
    assert {"story_urls_no_update", "story_urls_no_delete"} <= triggers
