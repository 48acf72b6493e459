"""`story export --format git`: a `git fast-import` stream, a commit per version."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from export_helpers import Story, filled

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(repo: Path, *args: str, input: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], input=input, capture_output=True, check=True
    )
    return done.stdout.decode()


def _imported(cli: Story, tmp_path: Path, *slugs: str) -> Path:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _git(repo, "fast-import", "--quiet", input=cli.raw("export", *slugs, "--format", "git"))
    return repo


def _markdown(shown: dict[str, Any]) -> str:
    """What `story replay --json` says, as the export's Markdown should say it."""
    parts = [f"# {shown['headline']}"] if shown["headline"] else []
    parts += list(shown["paragraphs"])
    if shown["statements"]:
        parts.append("## Statements")
        for s in shown["statements"]:
            issued = f", issued {s['issued_at']}" if s["issued_at"] else ""
            parts += [f"**{s['party']}**{issued} [{s['update']}]:", s["text"]]
    if shown["facts"]:
        facts = shown["facts"].items()
        lines = [f"- `{k}`: `{json.dumps(v, ensure_ascii=False)}`" for k, v in facts]
        parts += ["## Facts", "\n".join(lines)]
    return "\n\n".join(parts) + "\n"


def test_each_commit_shows_the_story_as_replay_shows_it_at_that_version(tmp_path: Path) -> None:
    cli = filled(tmp_path)  # every council update has a moment of its own
    repo = _imported(cli, tmp_path, "council")
    log = cli.json("log", "council")

    commits = _git(repo, "rev-list", "--reverse", "council").split()

    assert len(commits) == len(log) == 7
    for commit, entry in zip(commits, log, strict=True):
        message = _git(repo, "show", "-s", "--format=%B", commit)
        assert f"Update: {entry['id']}\n" in message
        shown = cli.json("replay", "council", "--as-of", entry["reported_at"])
        assert shown["version"] == entry["version"]
        assert _git(repo, "show", f"{commit}:council.md") == _markdown(shown)


def test_author_date_is_reported_and_committer_date_is_recorded(tmp_path: Path) -> None:
    cli = filled(tmp_path, "America/Chicago")
    repo = _imported(cli, tmp_path, "council", "shotspotter")

    for slug in ("council", "shotspotter"):
        dates = _git(repo, "log", "--reverse", "--format=%aI %cI", slug).splitlines()
        log = cli.json("log", slug)
        assert len(dates) == len(log) > 0
        for line, entry in zip(dates, log, strict=True):
            author, committer = (datetime.fromisoformat(d) for d in line.split())
            recorded = datetime.fromisoformat(entry["recorded_at"]).replace(microsecond=0)
            assert committer == recorded
            if "T" in entry["reported_at"]:
                assert author == datetime.fromisoformat(entry["reported_at"])
            else:  # a date: the start of that day in the archive's zone
                assert author.isoformat().startswith(entry["reported_at"] + "T00:00:00-06:00")


def test_a_branch_per_story_and_a_corrected_version_carries_its_note(tmp_path: Path) -> None:
    cli = filled(tmp_path)
    revision = next(u["id"] for u in cli.json("log", "council") if u["kind"] == "revision")
    cli.ok(
        "append", "council", "--kind", "correction", "--reported-at", "2024-03-04",
        "--target", revision, "--note", "Published on Saturday.",
        "--text", "The council will meet on Tuesday.\n\nThe agenda was published on Saturday.",
    )  # fmt: skip
    repo = _imported(cli, tmp_path)

    assert _git(repo, "branch", "--format=%(refname:short)").split() == ["council", "shotspotter"]
    latest = _git(repo, "show", "council:council.md")
    assert re.search(
        r"\n> \[Corrected 2024-03-04 by [0-9a-f]{12}: Published on Saturday.\]", latest
    )
    assert "The agenda was published on Saturday." in latest
    retracted = _git(repo, "show", "shotspotter:shotspotter.md")
    assert "soundthinking.minimum_extension_months" not in retracted


def test_a_stream_cut_short_is_refused_by_git(tmp_path: Path) -> None:
    cli = filled(tmp_path)
    stream = cli.raw("export", "council", "--format", "git")
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)

    cut = subprocess.run(
        ["git", "-C", str(repo), "fast-import", "--quiet"],
        input=stream[: len(stream) // 2],
        capture_output=True,
    )

    assert cut.returncode != 0
    assert _git(repo, "branch") == ""
