"""A/B of how an append loads its story (domain/application.py ``Archive._load``), in one run.

``_load`` builds the ``Story`` aggregate from its first and last events (one query);
eventsourcing's ``repository.get`` replays every event of the story. One archive holds
stories of 100 and of 10,000 updates (benchlib.make_story); rounds alternate between the
two ways of loading, each loading each story 20 times. Prints the median ms per load of
each, and their ratio.
"""

from __future__ import annotations

import statistics
import time

from benchlib import make_story, workdir

from domain.model import story_id
from storage.archive import open_archive

ROUNDS = 5
LOADS = 20


def main() -> None:
    print(f"Loading a story for an append: Archive._load against repository.get "
          f"(median of {ROUNDS} rounds of {LOADS} loads, alternating)")  # fmt: skip
    with workdir("load") as tmp:
        archive = open_archive(str(tmp / "archive.db"))
        for slug, size in (("short", 100), ("long", 10_000)):
            archive.record(make_story(slug, size, seed=1)[0])
            ways = {
                "_load": lambda slug=slug: archive._load(slug),
                "repository.get": lambda slug=slug: archive.repository.get(story_id(slug)),
            }
            assert ways["_load"]().head == ways["repository.get"]().head
            times: dict[str, list[float]] = {name: [] for name in ways}
            for _ in range(ROUNDS):
                for name, load in ways.items():
                    start = time.perf_counter()
                    for _ in range(LOADS):
                        load()
                    times[name].append((time.perf_counter() - start) / LOADS)
            ours, library = (statistics.median(times[n]) * 1000 for n in ways)
            print(f"story of {size:>6,} updates   _load {ours:8.2f} ms   repository.get "
                  f"{library:8.2f} ms   repository.get / _load {library / ours:7.1f}x")  # fmt: skip
        archive.close()


if __name__ == "__main__":
    main()
