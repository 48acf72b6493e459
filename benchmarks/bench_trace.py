"""Figure 8: when a phrase appeared and vanished in one story of 10,000 updates, against git.

story:    ``Archive.trace([slug], phrase, UTC)`` on an archive holding the story: every
          version at which the number of times the phrase stands in the story changed
          (median of 3 per phrase, after one untimed run).
baseline: ``git log -S <phrase> --format=%H main -- story.txt`` in a git repository with
          one commit per version (``story.txt`` = the story's text at that version, as in
          bench_replay): git's "pickaxe", the commits that changed how often the string
          occurs (median of 3 per phrase).

The two count slightly different things (git reads the whole text file, facts and the
"Statements" heading included; trace reads the headline, paragraphs and statements, each
on its own), so the script prints both numbers of changes beside the times.

Usage: python benchmarks/bench_trace.py
"""

from __future__ import annotations

from datetime import UTC

from benchlib import build_git_repo, git, interleaved, make_story, median, row, workdir

from domain.provenance import Sighting
from storage.archive import open_archive

N = 10_000
RUNS = 3
SLUG = "trace-bench"
PHRASES = ("city council", "the")  # a phrase that comes and goes; the commonest word


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def main() -> None:
    updates, texts = make_story(SLUG, N, seed=3, with_text=True)
    lines = []
    with workdir("trace") as tmp:
        archive = open_archive(str(tmp / "archive.db"))
        archive.record(updates)
        repo = tmp / "repo"
        build_git_repo(repo, updates, texts)
        for phrase in PHRASES:

            def trace(_: int, phrase: str = phrase) -> list[Sighting]:
                return archive.trace([SLUG], phrase, UTC)[SLUG]

            def pickaxe(_: int, phrase: str = phrase) -> list[str]:
                log = git(repo, "log", "-S", phrase, "--format=%H", "main", "--", "story.txt")
                return log.decode().split()

            found, changes = len(trace(0)), len(pickaxe(0))  # and warm both sides
            ours, base = interleaved(range(RUNS), trace, pickaxe)
            lines.append(
                row(
                    f"trace {phrase!r} ({found:,} / {changes:,} changes)",
                    seconds(median(ours)),
                    "git -S",
                    seconds(median(base)),
                    median(ours) / median(base),
                )
            )
        archive.close()
    print(
        f"Figure 8: trace of a phrase through {N:,} versions (ratio = story s / git s; "
        f"median of {RUNS}; changes found by story / by git)"
    )
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
