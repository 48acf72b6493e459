"""A/B of the read side's one cache (storage/index.py ``SqlIndex._decoded``), in one run.

One reader replays a 10,000-update story (benchlib.make_story) as of 50 dates, in rounds
that alternate between the cache as it is ("kept") and no cache ("nothing kept":
``SqlIndex._keep`` does nothing, so every replay reads and decodes whole rows). Prints
the median wall and CPU time per replay of each, and their ratio.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC
from typing import Any

from benchlib import make_story, workdir

from domain.when import When
from storage import index
from storage.archive import open_archive

ROUNDS = 8


def main() -> None:
    updates, _ = make_story("s", 10_000, seed=1)
    with workdir("reader-cache") as tmp:
        archive = open_archive(str(tmp / "archive.db"))
        archive.record(updates)
        dates = [When.parse(u.reported_at.text) for u in archive.index.updates("s")[::200]]

        def run() -> tuple[float, float]:
            wall, cpu = time.perf_counter(), time.process_time()
            for when in dates:
                archive.replay("s", UTC, when)
            return (
                (time.perf_counter() - wall) / len(dates) * 1000,
                (time.process_time() - cpu) / len(dates) * 1000,
            )

        keep = index.SqlIndex._keep

        def nothing(self: Any, slug: str, updates: Any) -> None:
            pass

        kept, plain = [], []
        for _ in range(ROUNDS):
            index.SqlIndex._keep = keep  # type: ignore[method-assign]
            run()
            kept.append(run())
            index.SqlIndex._keep = nothing  # type: ignore[method-assign]
            archive.index._decoded.clear()  # type: ignore[attr-defined]
            archive.index._stories.clear()  # type: ignore[attr-defined]
            run()
            plain.append(run())
        index.SqlIndex._keep = keep  # type: ignore[method-assign]
        archive.close()

    def median(runs: list[tuple[float, float]], i: int) -> float:
        return statistics.median(r[i] for r in runs)

    print(f"as-of replay of a 10,000-update story at {len(dates)} dates, {ROUNDS} rounds:")
    print(f"  kept:         wall {median(kept, 0):.2f} ms, CPU {median(kept, 1):.2f} ms")
    print(f"  nothing kept: wall {median(plain, 0):.2f} ms, CPU {median(plain, 1):.2f} ms")
    print(
        f"  nothing kept / kept: wall {median(plain, 0) / median(kept, 0):.2f}x, "
        f"CPU {median(plain, 1) / median(kept, 1):.2f}x"
    )


if __name__ == "__main__":
    main()
