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


# Fields a value holds, not names of the shape: facts by key, a fact's JSON value, and a
# change's old and new values.
_DATA_FIELDS = {"facts", "value", "old", "new"}


def _field_names(data: object, into: set[str]) -> set[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            into.add(key)
            if key not in _DATA_FIELDS or isinstance(value, list):
                _field_names(value, into)
    elif isinstance(data, list):
        for item in data:
            _field_names(item, into)
    return into


def test_docs_json_names_every_field_that_json_output_prints(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    runner = CliRunner(env={"STORY_DB": str(tmp_path / "a.db"), "STORY_BY": "t"})

    def run(*args: str) -> object:
        result = runner.invoke(story, list(args))
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    example, s = str(ROOT / "examples" / "shotspotter"), "shotspotter"
    report = run(
        "append", "x", "--kind", "report", "--reported-at", "2024-03-01", "--text", "One.", "--json"
    )
    assert isinstance(report, dict)
    printed = [
        run("import", example, "--json"),
        report,
        run(
            "append", "x", "--kind", "correction", "--reported-at", "2024-03-02",
            "--target", report["id"], "--text", "Two.", "--note", "n", "--json",
        ),
        run("list", "--json"),
        run("log", s, "--ignore-trivial", "--json"),
        run("replay", "x", "--json"),
        run("replay", "--json"),
        run("diff", s, "--from", "2024-02-13", "--by", "sentence", "--ignore-trivial", "--json"),
        run("show", "x", report["id"], "--json"),
        run("info", "--json"),
        run("verify", "--json"),
        run("blame", s, "--json"),
        run("trace", s, "decommission", "--json"),
    ]  # fmt: skip
    checkpoint = runner.invoke(story, ["checkpoint"])
    printed.append(json.loads(checkpoint.stdout))
    documented = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")

    names = _field_names(printed, set())
    missing = sorted(n for n in names if f'"{n}"' not in documented and f"`{n}`" not in documented)

    assert {"recorded_at", "sentences"} <= names  # the outputs were read
    assert missing == []
