"""`story token`: bearer tokens for `story serve`, kept in the archive as hashes only."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from cli.main import story
from storage.locate import archive_url


def run(db: str, *args: str) -> Result:
    runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "admin"})
    return runner.invoke(story, ["--db", db, *args])


@pytest.fixture
def archive(archive_db: str) -> str:
    """An archive holding one update: its --db value."""
    appended = run(
        archive_db, "append", "s", "--kind", "report", "--reported-at", "2024-02-12",
        "--text", "One.",
    )  # fmt: skip
    assert appended.exit_code == 0, appended.output
    return archive_db


def rows(db: str, sql: str) -> list[Any]:
    engine = create_engine(archive_url(db))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).all())
    finally:
        engine.dispose()


def test_a_token_is_shown_once_and_the_archive_keeps_only_its_hash(archive: str) -> None:
    made = run(archive, "token", "create", "bot", "--by", "Newsroom bot")
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("story_")
    assert len(secret) > 40
    assert rows(archive, 'SELECT name, "by", digest FROM story_tokens') == [
        ("bot", "Newsroom bot", hashlib.sha256(secret.encode()).hexdigest())
    ]
    listed = run(archive, "token", "list")
    assert listed.exit_code == 0
    assert "bot" in listed.stdout
    assert "Newsroom bot" in listed.stdout
    assert secret not in listed.stdout
    (entry,) = json.loads(run(archive, "token", "list", "--json").stdout)
    assert sorted(entry) == ["by", "created_at", "name", "revoked_at"]
    assert entry["revoked_at"] is None


def test_a_revoked_token_is_listed_revoked_and_cannot_be_revoked_again(archive: str) -> None:
    made = run(archive, "token", "create", "bot")
    assert made.exit_code == 0, made.output
    revoked = run(archive, "token", "revoke", "bot")
    assert (revoked.exit_code, revoked.stdout) == (0, "Revoked token 'bot'.\n")
    (entry,) = json.loads(run(archive, "token", "list", "--json").stdout)
    assert entry["revoked_at"] is not None
    again = run(archive, "token", "revoke", "bot")
    assert again.exit_code == 1
    assert again.stderr == "Error: no live token named 'bot': see `story token list`\n"


def test_a_second_token_of_one_name_is_refused_and_nothing_written(archive: str) -> None:
    made = run(archive, "token", "create", "bot")
    assert made.exit_code == 0, made.output
    again = run(archive, "token", "create", "bot")
    assert again.exit_code == 1
    assert again.stderr == "Error: a token named 'bot' exists: choose another name\n"
    assert len(rows(archive, "SELECT name FROM story_tokens")) == 1


def test_the_token_tables_refuse_update_and_delete(archive: str) -> None:
    made = run(archive, "token", "create", "bot")
    assert made.exit_code == 0, made.output
    assert run(archive, "token", "revoke", "bot").exit_code == 0
    engine = create_engine(archive_url(archive))
    try:
        for sql in (
            "UPDATE story_tokens SET digest = 'x'",
            "DELETE FROM story_tokens",
            "DELETE FROM story_token_revocations",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
                connection.execute(text(sql))
    finally:
        engine.dispose()
    assert len(rows(archive, "SELECT name FROM story_token_revocations")) == 1


def test_tokens_of_a_missing_archive_are_one_line_and_make_no_archive(tmp_path: Path) -> None:
    db = str(tmp_path / "none.db")
    for args in (("token", "list"), ("token", "create", "bot"), ("token", "revoke", "bot")):
        result = run(db, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"Error: no archive at {db}"), result.stderr
    assert not Path(db).exists()


def test_story_serve_takes_a_write_with_a_token_made_by_the_command(
    archive: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from cli.web.app import from_environment

    secret = run(archive, "token", "create", "desk", "--by", "night-editor").stdout.strip()
    monkeypatch.setenv("STORY_DB", archive)
    update = {"kind": "report", "reported_at": "2024-02-13", "text": "Two."}
    with TestClient(from_environment()) as client:
        made = client.post(
            "/api/stories/s/updates", json=update, headers={"Authorization": f"Bearer {secret}"}
        )
        assert made.status_code == 201, made.text
        assert made.json()["by"] == "night-editor"
        assert run(archive, "token", "revoke", "desk").exit_code == 0
        refused = client.post(
            "/api/stories/s/updates",
            json={**update, "text": "Three."},
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert refused.status_code == 403
    log = json.loads(run(archive, "log", "s", "--json").stdout)
    assert [entry["text"] for entry in log] == ["One.", "Two."]
