"""A/B of `story serve` between two trees: bench_http.py's as-of load, alternating.

Usage: python benchmarks/ab_http.py BEFORE AFTER [--rounds N] [--quick]

BEFORE and AFTER are checkouts, each with its own ``.venv`` (as for ab.py). Over the
same archive (bench_http.py's 10,000-update story, on SQLite with --workers 1 and 2, and
on PostgreSQL with --workers 2 when STORY_BENCH_POSTGRES_URL is set), both trees'
`story serve` run at once, each warmed and its answers checked; then, round after round,
at 1, 8 and 32 clients, before and after take turns (before, after; after, before in the
next round), so that load from elsewhere on the machine falls on both alike. Printed:
each side's median over the rounds of p50, p99 and requests/s, and after/before.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

from bench_http import (
    LEVELS,
    SLUG,
    as_of_path,
    dates,
    header,
    load,
    story_serve,
    warm_and_check,
)
from benchlib import (
    make_story,
    median,
    ms,
    percentile,
    served_archives,
    workdir,
)

from storage.archive import open_archive


def ab(name: str, db: str, workers: int, trees: list[Path], moments: list[str],
       levels: dict[int, int], rounds: int) -> None:  # fmt: skip
    archive = open_archive(db, create=False)
    requests: list[tuple[str, Mapping[str, str]]] = [(as_of_path(m), {}) for m in moments]
    figures: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    try:
        with ExitStack() as stack:
            bases = [
                stack.enter_context(story_serve(db, workers, tree / ".venv" / "bin" / "story"))
                for tree in trees
            ]
            for base in bases:
                warm_and_check(base, archive, moments)
            for r in range(rounds):
                for clients, total in levels.items():
                    order = (0, 1) if r % 2 == 0 else (1, 0)
                    for side in order:
                        run = load(bases[side], requests, clients, total)
                        assert set(run.statuses) == {200}, run.statuses
                        seconds = run.seconds
                        figures.setdefault((side, clients), []).append(
                            (percentile(seconds, 0.5), percentile(seconds, 0.99), run.per_second)
                        )
    finally:
        archive.close()
    print(f"{name}, story serve --workers {workers}: median of {rounds} rounds")
    for clients in levels:
        cells = []
        for side in (0, 1):
            found = figures[(side, clients)]
            cells.append(tuple(median([f[i] for f in found]) for i in range(3)))
        (b50, b99, brps), (a50, a99, arps) = cells
        print(
            f"  {clients:>3} clients  before p50 {ms(b50):>9} p99 {ms(b99):>9} {brps:6.1f} req/s"
            f"  | after p50 {ms(a50):>9} p99 {ms(a99):>9} {arps:6.1f} req/s"
            f"  | after/before p50 {a50 / b50:.2f} p99 {a99 / b99:.2f} req/s {arps / brps:.2f}"
        )
    sys.stdout.flush()


def main() -> None:
    args = sys.argv[1:]
    quick = "--quick" in args
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    trees = [Path(a).resolve() for a in args if not a.startswith("--") and not a.isdigit()]
    if len(trees) != 2:
        raise SystemExit(__doc__)
    n = 1_000 if quick else 10_000
    levels = {c: max(c * 4, t // 10) for c, t in LEVELS.items()} if quick else LEVELS
    updates, _ = make_story(SLUG, n, seed=3)
    moments = dates(updates)
    print(header("ab_http.py"))
    print(f"before: {trees[0]}\nafter:  {trees[1]}")
    with workdir("ab-http") as tmp:
        for name, db, workers in served_archives(tmp, updates, "abhttp"):
            for count in workers:
                ab(name, db, count, trees, moments, levels, rounds)


if __name__ == "__main__":
    main()
