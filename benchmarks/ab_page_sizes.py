"""A/B of the story page's one cache (cli/web/app.py ``Service.cached``), in one run.

The story page (``GET /stories/SLUG``) shows each version's change size, which takes a
fold of the story's whole history. ``Service.cached`` keeps those sizes by the
timeline's update ids. For a story of 100 and of 1,000 updates (benchlib.make_story),
rounds alternate between the page as it is ("kept") and the sizes worked out with every
request ("nothing kept"). Prints the median time per page of each, and their ratio.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from benchlib import make_story, workdir
from starlette.testclient import TestClient

from cli.web.app import Service, create_app
from storage.archive import open_archive

ROUNDS = 7


def page(client: TestClient) -> float:
    start = time.perf_counter()
    answered = client.get("/stories/s")
    assert answered.status_code == 200, answered.status_code
    return time.perf_counter() - start


def measure(updates: int) -> None:
    with workdir("page-sizes") as tmp:
        path = str(tmp / "archive.db")
        archive = open_archive(path, "UTC", create=True)
        archive.record(make_story("s", updates, seed=1)[0])
        archive.close()
        service = Service(lambda: open_archive(path, "UTC", create=False), "UTC")
        client = TestClient(create_app(service))
        kept = service.cached

        def nothing_kept(key: Any, make: Any, size: int = 64) -> Any:
            return make()

        page(client)  # warm: the archive open, the sizes kept
        times: dict[str, list[float]] = {"kept": [], "nothing kept": []}
        for _ in range(ROUNDS):
            service.cached = kept  # type: ignore[method-assign]
            times["kept"].append(page(client))
            service.cached = nothing_kept  # type: ignore[method-assign]
            times["nothing kept"].append(page(client))
        service.close()
    on, off = (statistics.median(times[k]) * 1000 for k in ("kept", "nothing kept"))
    print(f"story page, {updates:>5,} updates   kept {on:7.1f} ms   nothing kept {off:7.1f} ms"
          f"   nothing kept / kept {off / on:4.2f}x")  # fmt: skip


def main() -> None:
    print(f"Story page with and without Service.cached (median of {ROUNDS}, alternating)")
    for updates in (100, 1_000):
        measure(updates)


if __name__ == "__main__":
    main()
