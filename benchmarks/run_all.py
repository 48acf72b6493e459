"""Run every benchmark figure, one fresh process each, and print their tables.

Usage: python benchmarks/run_all.py [--profile]
       (--profile runs each script's cProfile / -X importtime breakdown instead)
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_import.py", "bench_replay.py", "bench_diff.py", "bench_cold.py")


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--profile"]
    start = time.perf_counter()
    failed = []
    for script in SCRIPTS:
        began = time.perf_counter()
        done = subprocess.run([sys.executable, str(HERE / script), *extra], check=False)
        print(f"  ({script}: {time.perf_counter() - began:.0f} s)\n", flush=True)
        if done.returncode != 0:
            failed.append(script)
    print(f"all figures in {time.perf_counter() - start:.0f} s")
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
