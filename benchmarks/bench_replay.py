"""Figure 2: as-of replay of one story with 10,000 updates, against git.

story:    ``Archive.replay(slug, UTC, When, None)`` on an archive holding the story (warm:
          the archive is open and each query has run once, so the reader keeps the rows it
          read), at 50 datetimes spread over the story's life; the same dates with the
          reader's kept rows dropped before each query (as a new reader would read them);
          also the latest version (``when=None``), against ``git show HEAD:story.txt``.
baseline: a git repository with one commit per version (committer date = reported date,
          ``story.txt`` = the story's text at that version, built with ``git fast-import``,
          commit-graph written): ``git rev-list -1 --before=<date> HEAD`` then
          ``git show <rev>:story.txt``, the same 50 datetimes.

The script checks that both sides give the same story text at every queried date.

Usage: python benchmarks/bench_replay.py [--profile]
"""

from __future__ import annotations

from datetime import UTC
from functools import partial
from pathlib import Path

from benchlib import (
    build_git_repo,
    git,
    interleaved,
    make_story,
    median,
    ms,
    p95,
    profile,
    row,
    version_text,
    wants_profile,
    workdir,
)

from domain.application import Archive
from domain.when import When
from storage.archive import open_archive

N = 10_000
QUERIES = 50
SLUG = "replay-bench"


def git_as_of(repo: Path, moment: str) -> str:
    rev = git(repo, "rev-list", "-1", f"--before={moment}", "HEAD").decode().strip()
    return git(repo, "show", f"{rev}:story.txt").decode()


def story_as_of(archive: Archive, moment: str | None) -> str:
    when = When.parse(moment) if moment else None
    return version_text(archive.replay(SLUG, UTC, when))


def main() -> None:
    updates, texts = make_story(SLUG, N, seed=3, with_text=True)
    first, last = updates[0].reported_at.start(UTC), updates[-1].reported_at.start(UTC)
    step = (last - first) / QUERIES
    # Midway inside each slice of the story's life, to the second (git's resolution).
    moments = [
        (first + step * (i + 0.5)).replace(microsecond=0).isoformat() for i in range(QUERIES)
    ]

    with workdir("replay") as tmp:
        archive = open_archive(str(tmp / "archive.db"))
        archive.record(updates)
        repo = tmp / "repo"
        build_git_repo(repo, updates, texts)

        if wants_profile():
            print(f"--- profile: Archive.replay x {QUERIES // 5}, {N:,} updates")
            profile(lambda: [archive.replay(SLUG, UTC, When.parse(m)) for m in moments[::5]])
            archive.close()
            return

        # Warm both sides, and check they agree on every date.
        for m in moments:
            assert story_as_of(archive, m) == git_as_of(repo, m), m
        assert story_as_of(archive, None) == texts[-1]

        def replay(moment: str) -> None:
            archive.replay(SLUG, UTC, When.parse(moment))

        ours, base = interleaved(moments, replay, partial(git_as_of, repo))
        # The same dates, each read as a new reader would: no rows kept from before.
        afresh, base_afresh = interleaved(
            moments,
            replay,
            partial(git_as_of, repo),
            getattr(archive.index, "forget", lambda: None),  # a reader that keeps no rows
        )

        latest, head = interleaved(
            range(10),
            lambda _: archive.replay(SLUG, UTC, None),
            lambda _: git(repo, "show", "HEAD:story.txt"),
        )
        archive.close()

    print(f"Figure 2: as-of replay (ratio = story ms / git ms; {QUERIES} dates, warm)")
    print(
        row(
            f"as-of replay ({N:,} updates), median",
            ms(median(ours)),
            "git",
            ms(median(base)),
            median(ours) / median(base),
        )
    )
    print(
        row(
            f"as-of replay ({N:,} updates), p95",
            ms(p95(ours)),
            "git",
            ms(p95(base)),
            p95(ours) / p95(base),
        )
    )
    print(
        row(
            "as-of, rows read afresh, median",
            ms(median(afresh)),
            "git",
            ms(median(base_afresh)),
            median(afresh) / median(base_afresh),
        )
    )
    print(
        row(
            f"latest version ({N:,} updates), median",
            ms(median(latest)),
            "git",
            ms(median(head)),
            median(latest) / median(head),
        )
    )


if __name__ == "__main__":
    main()
