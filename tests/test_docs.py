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


# The README's tour, run as written: every `$ ` line of the tour (but pip, and the two
# sections that need files or a server that a clone does not have), in order, in a
# folder holding the repository's examples, each output compared with the README's.

TOUR = README.split("## A tour of every command")[1].split("## How it is built")[0]
NOT_RUN = ("### story import of web pages and WARC files", "### story serve")
TOUR_DIR = "/tmp/tour"  # where the README's archive is; a test's own folder here


def tour_steps() -> list[tuple[str, list[str]]]:
    """Each command of the tour (continuation lines joined) and the output shown under it."""
    steps: list[tuple[str, list[str]]] = []
    skipping, in_block = False, False
    for line in TOUR.splitlines():
        if line.startswith("### "):
            skipping = line.startswith(NOT_RUN)
        if skipping:
            continue
        if line.startswith("    ") or (in_block and not line.strip()):
            text = line[4:]
        else:
            in_block = False
            continue
        in_block = True
        command = steps[-1][0] if steps else ""
        if command.endswith("\\") and not steps[-1][1]:
            steps[-1] = (f"{command}\n{text}", [])
        elif text.startswith("$ "):
            steps.append((text[2:], []))
        elif steps:
            steps[-1][1].append(text)
    return [(c, _trimmed(out)) for c, out in steps if not c.startswith("pip ")]


def _trimmed(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


_MASKS = [
    # the recorded clock: the archive sets it
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", "<recorded>"),
    # digests cover recorded_at, and keys are random
    (r"\b[0-9a-f]{64}\b", "<digest>"),
    (r"(archivist\s+)[0-9a-f]{12}\b", r"\1<digest>"),
    (r"\bhead [0-9a-f]{12}\b", "head <digest>"),
    (r"\bkey [0-9a-f]{16}\b", "key <key>"),
]


def _masked(lines: list[str]) -> list[str]:
    import re

    out = []
    for line in lines:
        for pattern, mask in _MASKS:
            line = re.sub(pattern, mask, line)
        out.append(line.rstrip())
    return out


@pytest.mark.slow
def test_the_readme_tour_runs_as_written_and_prints_what_it_shows(tmp_path: Path) -> None:
    import os
    import shlex
    import shutil
    import subprocess
    import sys

    clone, home = tmp_path / "clone", tmp_path / "you"
    shutil.copytree(ROOT / "examples", clone / "examples")
    home.mkdir()
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    steps = tour_steps()
    assert len(steps) > 30, "the tour was not found in the README"
    for command, shown in steps:
        command = command.replace(TOUR_DIR, str(tmp_path))
        if command.startswith("export "):
            env.update(part.partition("=")[::2] for part in shlex.split(command)[1:])
            continue
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, text=True, timeout=120,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        printed = done.stdout.replace(str(home), "/home/you").replace(str(tmp_path), TOUR_DIR)
        got, want = _masked(_trimmed(printed.splitlines())), _masked(shown)
        if want and want[-1] == "…":  # the README shows the start of a long output
            want, got = want[:-1], got[: len(want) - 1]
        assert got == want, f"$ {command}"


def test_the_ids_in_help_examples_are_the_examples_ids() -> None:
    import re

    example = (ROOT / "examples" / "shotspotter" / "timeline.jsonl").read_text(encoding="utf-8")
    named = 0
    for name in COMMANDS:
        for update_id in re.findall(r"\b[0-9a-f]{12}\b", story.commands[name].help or ""):
            assert f'"id": "{update_id}"' in example, f"story {name} --help: {update_id}"
            named += 1
    assert named > 0  # `story show --help` names one


def test_no_help_points_outside_the_repository() -> None:
    for name in COMMANDS:
        assert "../" not in (story.commands[name].help or ""), f"story {name} --help"
