"""A/B: run_all.py's figures for two checkouts of the code, alternately, as one table.

Usage: python benchmarks/ab.py BEFORE_TREE AFTER_TREE [--rounds N] [--own]   (N = 2 by default)

Each tree is a checkout of this repository (a `git worktree` of the commit to compare).
Its code is measured by running *these* scripts (this folder's run_all.py) with
STORY_BENCH_TREE and PYTHONPATH set to the tree, under the tree's own interpreter
(TREE/.venv/bin/python if there is one, else the one running ab.py); the baselines are
the scripts' own, so they are the same on both sides. With --own, each tree runs its own
benchmarks/run_all.py instead (for a commit whose API these scripts no longer speak): then
each side's baselines are its own scripts', and a figure compares only where both name it
alike. Runs alternate B, A, B, A, ...
A figure's ratio is its median over the rounds; the table gives after/before (the issue
allows at most 1.5x) and, for the figures with a standing floor, whether AFTER meets it.
Each run's full output goes to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALLOWED = 1.5  # after/before, at most
FLOORS = {  # figure (a prefix of its key) -> the most its ratio may be
    "1 import 10,000, vs the same rows & schema": 4.0,
    "1 append x500, vs the same rows & schema": 2.0,
    "7 append x300, vs the same rows & schema": 2.0,
    "2 as-of replay (10,000 updates), median": 0.6,
    "2 as-of replay (10,000 updates), p95": 0.6,
    "6 replay_all, middle": 2.5,
    "6 replay_all, end": 2.5,
    "4 story --help, vs python -c pass": 6.0,
}
FIGURE = re.compile(r"^Figure (\d+):")
ROW = re.compile(r"^(.{44}) story .* ratio\s+([\d.]+)x")


def ratios(output: str) -> dict[str, float]:
    """Each row's ratio, keyed by its figure's number and its label."""
    found, figure = {}, "?"
    for line in output.splitlines():
        if heading := FIGURE.match(line):
            figure = heading.group(1)
        elif row := ROW.match(line):
            found[f"{figure} {row.group(1).strip()}"] = float(row.group(2))
    return found


def run(tree: Path, own: bool = False) -> dict[str, float]:
    python = tree / ".venv" / "bin" / "python"
    env = {**os.environ, "STORY_BENCH_TREE": str(tree), "PYTHONPATH": str(tree)}
    scripts = tree / "benchmarks" if own else HERE
    done = subprocess.run(
        [str(python) if python.exists() else sys.executable, str(scripts / "run_all.py")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    sys.stderr.write(done.stdout + done.stderr)
    sys.stderr.flush()
    return ratios(done.stdout)


def floor_of(figure: str) -> float | None:
    return next((limit for name, limit in FLOORS.items() if figure.startswith(name)), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--own", action="store_true", help="each tree runs its own scripts")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for n in range(1, args.rounds + 1):
        for side in ("before", "after"):
            began = time.perf_counter()
            runs[side].append(run(getattr(args, side).resolve(), args.own))
            print(f"round {n}, {side}: {time.perf_counter() - began:.0f} s", file=sys.stderr)

    def median(side: str, figure: str) -> float | None:
        values = [found[figure] for found in runs[side] if figure in found]
        return statistics.median(values) if values else None

    figures = list(dict.fromkeys(f for found in runs["before"] + runs["after"] for f in found))
    print(f"{'figure':<46} {'before':>7} {'after':>7} {'a/b':>6}  <={ALLOWED}x  floor (AFTER)")
    for figure in figures:
        before, after = median("before", figure), median("after", figure)
        change = after / before if before and after is not None else None
        floor = floor_of(figure)
        print(
            f"{figure:<46} {_x(before):>7} {_x(after):>7} {_x(change):>6}  "
            f"{'-' if change is None else 'yes' if change <= ALLOWED else 'NO':>6}  "
            + ("" if floor is None or after is None else
               f"<= {floor:g}x: {'met' if after <= floor else 'NOT met'}")
        )  # fmt: skip
    print(f"(ratio = story's cost / its baseline's; median of {args.rounds} rounds each, "
          "run alternately, before first)")  # fmt: skip
    return 0


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
