"""Figure 4: cold `story` processes, against a cold ``python -c "import sqlalchemy"``.

story:    ``story replay shotspotter --as-of 2024-02-16 --db <archive>`` (the example story
          imported into a temporary archive), ``story replay`` of a 2,000-update story,
          and ``story --help``; each a fresh process, median of 10 runs (after one
          unmeasured run, so the files are in the page cache).
baseline: ``python -c "import sqlalchemy"`` with the same interpreter, in the same loop
          (interleaved, so drift hits both alike); and, for ``story --help``, a bare
          ``python -c pass`` too.

Usage: python benchmarks/bench_cold.py [--profile]
       (--profile prints the slowest imports of `story replay`, from -X importtime)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchlib import ROOT, make_story, median, ms, row, wants_profile, workdir

from storage.archive import open_archive

RUNS = 10
STORY = str(Path(sys.executable).with_name("story"))
EXAMPLE = ROOT / "examples" / "shotspotter"


def run(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def importtime(argv: Sequence[str], env: dict[str, str], limit: int = 25) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from cli.main import story; story()", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, micros, module = line[len("import time:") :].split("|")
            rows.append((int(micros), module.rstrip()))
    total = sum(c for c, name in rows if not name.startswith("  "))  # top-level imports
    print(f"--- -X importtime of `story {' '.join(argv[:2])}`: {total / 1000:.0f} ms imports")
    for cumulative, name in sorted(rows, reverse=True)[:limit]:
        print(f"{cumulative / 1000:8.1f} ms  {name}")


def main() -> None:
    with workdir("cold") as tmp:
        env = {**os.environ, "XDG_DATA_HOME": str(tmp / "xdg"), "STORY_BY": "bench"}
        small = tmp / "small.db"
        subprocess.run(
            [STORY, "import", str(EXAMPLE), "--db", str(small)],
            env=env,
            check=True,
            capture_output=True,
        )
        big = tmp / "big.db"
        updates, _ = make_story("cold-bench", 2_000, seed=4)
        archive = open_archive(str(big))
        archive.record(updates)
        archive.close()
        mid = updates[len(updates) // 2].reported_at

        replay_small = ["replay", "shotspotter", "--as-of", "2024-02-16", "--db", str(small)]
        if wants_profile():
            importtime(replay_small, env)
            return

        commands: dict[str, list[str]] = {
            "replay": [STORY, *replay_small],
            "replay-big": [STORY, "replay", "cold-bench", "--as-of", str(mid), "--db", str(big)],
            "help": [STORY, "--help"],
            "sqlalchemy": [sys.executable, "-c", "import sqlalchemy"],
            "pass": [sys.executable, "-c", "pass"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():
            run(argv, env)  # page cache, .pyc files
        for _ in range(RUNS):
            for name, argv in commands.items():
                times[name].append(run(argv, env))

    m = {name: median(t) for name, t in times.items()}
    base = m["sqlalchemy"]
    print(
        f'Figure 4: cold processes (ratio = story ms / `python -c "import sqlalchemy"` ms, '
        f"median of {RUNS}; `python -c pass` takes {ms(m['pass'])})"
    )
    print(
        row(
            "story replay shotspotter --as-of (9 upd.)",
            ms(m["replay"]),
            "import",
            ms(base),
            m["replay"] / base,
        )
    )
    print(
        row(
            "story replay --as-of (2,000 updates)",
            ms(m["replay-big"]),
            "import",
            ms(base),
            m["replay-big"] / base,
        )
    )
    print(row("story --help", ms(m["help"]), "import", ms(base), m["help"] / base))
    print(row("story --help, vs python -c pass", ms(m["help"]), "pass", ms(m["pass"]),
              m["help"] / m["pass"]))  # fmt: skip


if __name__ == "__main__":
    main()
