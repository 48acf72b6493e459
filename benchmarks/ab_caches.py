"""A/B of the domain's memo caches: each one on, then off, alternately, in one process.

The domain keeps three memo caches (functools.lru_cache): ``domain.when._parse`` (dates
as given), ``domain.when.utc_text`` (an instant's stored text) and
``domain.text._sentences`` (a paragraph's sentences). A cache stays only where this
shows it earns its place. "Off" swaps the cached function for the plain one it wraps,
everywhere it was imported.

Figures: an import of a 10,000-update story (parses every date, writes every instant),
the as-of replay of it at 50 dates, and a trace of a phrase (splits every paragraph of
every version into sentences); each the median of alternated runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from benchlib import interleaved, make_story, median, workdir

from domain import text, when
from domain.when import When
from storage.archive import open_archive

N = 10_000
SLUG = "cache-bench"


@contextmanager
def without(cached: Any) -> Iterator[None]:
    """``cached`` replaced by the function it wraps, in every module that holds it."""
    plain = cached.__wrapped__
    holders = [m for m in list(sys.modules.values()) if m is not None]
    swapped = []
    for module in holders:
        for name, value in list(vars(module).items()):
            if value is cached:
                setattr(module, name, plain)
                swapped.append((module, name))
    try:
        yield
    finally:
        for module, name in swapped:
            setattr(module, name, cached)


def compare(label: str, cached: Any, work: Callable[[int], Any], rounds: int) -> None:
    def off(n: int) -> Any:
        with without(cached):
            return work(n)

    cached.cache_clear()
    on, plain = interleaved(range(rounds), work, off)
    ratio = median(plain) / median(on)
    print(
        f"{label:<44} cached {median(on) * 1000:9.1f} ms   plain {median(plain) * 1000:9.1f} ms"
        f"   plain/cached {ratio:5.2f}x"
    )


def main() -> None:
    updates, _ = make_story(SLUG, N, seed=5)
    with workdir("caches") as tmp:
        counter = iter(range(10**6))

        def import_story(_: int) -> None:
            archive = open_archive(str(tmp / f"import-{next(counter)}.db"))
            archive.record(updates)
            archive.close()

        compare("import 10,000 updates: when._parse", when._parse, import_story, 3)
        compare("import 10,000 updates: when.utc_text", when.utc_text, import_story, 3)

        archive = open_archive(str(tmp / "archive.db"))
        archive.record(updates)
        dates = sorted({u.reported_at.text for u in updates})[:: max(1, N // 50)]

        def replay(_: int) -> None:
            for day in dates:
                archive.replay(SLUG, UTC, When.parse(day))

        compare("as-of replay at 50 dates: when._parse", when._parse, replay, 5)
        compare("as-of replay at 50 dates: when.utc_text", when.utc_text, replay, 5)

        def trace(_: int) -> None:
            archive.trace([SLUG], "city council", UTC)

        compare("trace through 10,000 versions: text._sentences", text._sentences, trace, 3)

        def blame(_: int) -> None:
            archive.blame(SLUG, UTC)

        compare("blame of the last version: text._sentences", text._sentences, blame, 3)
        archive.close()


if __name__ == "__main__":
    main()
