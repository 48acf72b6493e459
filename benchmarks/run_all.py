"""Run every benchmark figure, one fresh process each, and print their tables.

Usage: python benchmarks/run_all.py [--profile]
       (--profile runs each script's cProfile / -X importtime breakdown instead)

``bench_postgres.py`` runs only when ``STORY_BENCH_POSTGRES_URL`` is set (a server URL
such as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; it is passed through
to every script, and bench_verify.py then verifies on PostgreSQL too); otherwise it is
skipped, and the run says so. ``scale_postgres.py`` (a 1,000,000-update archive, about
7 minutes) is never run from here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    "bench_import.py",
    "bench_replay.py",
    "bench_diff.py",
    "bench_cold.py",
    "bench_verify.py",
    "bench_replay_all.py",
    "bench_trace.py",
    "bench_captures.py",
    "bench_export.py",
)
POSTGRES_SCRIPTS = ("bench_postgres.py",)
POSTGRES_ENV = "STORY_BENCH_POSTGRES_URL"


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--profile"]
    scripts = list(SCRIPTS)
    if os.environ.get(POSTGRES_ENV):
        scripts += POSTGRES_SCRIPTS
    sys.path.insert(0, str(HERE))
    from benchlib import revision

    print(f"commit {revision()}; {os.cpu_count()} cores\n", flush=True)
    start = time.perf_counter()
    failed = []
    for script in scripts:
        began = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *extra], check=False)
        print(f"  ({script}: {time.perf_counter() - began:.0f} s)\n", flush=True)
        if done.returncode != 0:
            failed.append(script)
    if not os.environ.get(POSTGRES_ENV):
        for script in POSTGRES_SCRIPTS:
            print(f"  ({script}: skipped, {POSTGRES_ENV} is not set)\n", flush=True)
    print(f"all figures in {time.perf_counter() - start:.0f} s")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
