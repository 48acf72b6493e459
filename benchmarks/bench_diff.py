"""Figure 3: diff of two ~200 KB versions of a story, against ``git diff --no-index``.

The story: a revision whose body is ~200 KB (about 900 paragraphs), a few statements and
facts, then a second revision with scattered edits (a word changed in ~3% of paragraphs,
~1% deleted, ~1% inserted), a new headline, and changed facts and statements.

story:    ``Archive.diff(slug, UTC, old_id, new_id)`` (loads both versions from the index,
          then diffs), and the pure ``domain.diffing.diff`` of two ``StoryVersion``
          objects, and ``cli.render.diff`` (the text `story diff` prints, with word diffs).
baseline: ``git diff --no-index -U1`` (story diffs with one line of context) of the two
          bodies written to files one paragraph per line, as ``diffing`` splits them; and
          ``git diff --no-index --word-diff`` for the rendered diff.

Usage: python benchmarks/bench_diff.py [--profile]
"""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from benchlib import BY, START, median, ms, paragraph, profile, row, wants_profile, workdir

from cli import render
from domain.diffing import diff
from domain.timeline import state
from domain.updates import Update
from storage.archive import open_archive

SLUG = "diff-bench"
PARAGRAPHS = 900
RUNS = 15


def _edit(rng: random.Random, old: list[str]) -> list[str]:
    new: list[str] = []
    for p in old:
        roll = rng.random()
        if roll < 0.01:
            continue  # deleted
        if roll < 0.04:
            words = p.split()
            words[rng.randrange(len(words))] = "EDITED"
            p = " ".join(words)
        new.append(p)
        if rng.random() < 0.01:
            new.append(paragraph(rng))  # inserted
    return new


def make_versions() -> tuple[list[Update], int]:
    """The story's updates, and how many make the old version."""
    rng = random.Random(7)
    moment = START

    def at() -> str:
        nonlocal moment
        moment += timedelta(minutes=17)
        return moment.isoformat()

    body = [paragraph(rng) for _ in range(PARAGRAPHS)]
    updates = [
        Update.draft(SLUG, "revision", at(), BY, headline="Old headline", text="\n\n".join(body))
    ]
    for i in range(20):
        updates.append(Update.draft(SLUG, "fact", at(), BY, key=f"fact.k{i}", value=i))
    for i in range(10):
        updates.append(
            Update.draft(SLUG, "statement", at(), BY, party=f"Party {i}", text=paragraph(rng))
        )
    old = len(updates)
    edited = "\n\n".join(_edit(rng, body))
    updates.append(Update.draft(SLUG, "revision", at(), BY, headline="New headline", text=edited))
    for i in range(0, 20, 4):
        updates.append(Update.draft(SLUG, "fact", at(), BY, key=f"fact.k{i}", value=i * 100))
    updates.append(Update.draft(SLUG, "fact", at(), BY, key="fact.k1", value=None))
    for i in range(3):
        updates.append(
            Update.draft(SLUG, "statement", at(), BY, party=f"Party {i}", text=paragraph(rng))
        )
    return updates, old


def body_file(path: Path, paragraphs: tuple[str, ...]) -> Path:
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def median_of(fn: Callable[[], Any], runs: int = RUNS) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def git_diff(old: Path, new: Path, *options: str) -> bytes:
    done = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", *options, str(old), str(new)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # 1: the files differ
    return done.stdout


def main() -> None:
    updates, old_count = make_versions()
    old_v, new_v = state(SLUG, updates[:old_count]), state(SLUG, updates)
    old_id, new_id = updates[old_count - 1].id, updates[-1].id

    with workdir("diff") as tmp:
        archive = open_archive(str(tmp / "archive.db"))
        archive.record(updates)
        old_file = body_file(tmp / "old.txt", old_v.paragraphs)
        new_file = body_file(tmp / "new.txt", new_v.paragraphs)
        result = archive.diff(SLUG, UTC, old_id, new_id)

        if wants_profile():
            print("--- profile: Archive.diff x 3")
            profile(lambda: [archive.diff(SLUG, UTC, old_id, new_id) for _ in range(3)])
            print("--- profile: cli.render.diff x 3")
            profile(lambda: [render.diff(result, old_id, new_id) for _ in range(3)])
            archive.close()
            return

        sizes = f"{len(old_v.text) // 1000} KB -> {len(new_v.text) // 1000} KB"
        changed = sum(line.startswith(("+", "-")) for line in result.text[2:])
        git_u1 = median_of(lambda: git_diff(old_file, new_file, "-U1"))
        app = median_of(lambda: archive.diff(SLUG, UTC, old_id, new_id))
        pure = median_of(lambda: diff(old_v, new_v))
        git_word = median_of(lambda: git_diff(old_file, new_file, "--word-diff"))
        rendered = median_of(lambda: render.diff(result, old_id, new_id))
        archive.close()

    print(
        f"Figure 3: diff of two versions, {sizes}, {changed} changed body lines, "
        f"{len(result.changes)} structured changes (ratio = story ms / git ms, median of {RUNS})"
    )
    print(row("Archive.diff (load both versions + diff)", ms(app), "git", ms(git_u1), app / git_u1))
    print(
        row("domain.diffing.diff (two StoryVersions)", ms(pure), "git", ms(git_u1), pure / git_u1)
    )
    print(
        row(
            "cli.render.diff (vs git --word-diff)",
            ms(rendered),
            "git",
            ms(git_word),
            rendered / git_word,
        )
    )


if __name__ == "__main__":
    main()
