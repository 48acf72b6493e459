"""The docs are part of the product: every command has help and a place in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import story

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(story.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    help_text = story.commands[name].help or ""
    assert "Example:" in help_text
    assert f"story {name}" in help_text


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"story {name}" in README


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert command in README


def test_the_json_schemas_are_documented_for_every_json_command() -> None:
    schemas = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    with_json = [
        name for name in COMMANDS if any(p.name == "as_json" for p in story.commands[name].params)
    ]
    assert "list" in with_json  # the check finds the commands that take --json
    for name in with_json:
        assert f"## story {name}" in schemas
