"""A/B of the domain's shortcuts: each one as it is, then the plain code in its place,
alternately, in one process.

The shortcuts measured:

- ``Update.restore`` builds an update from a stored row or record without the
  dataclass's constructor; plain: ``Update(**fields)``.
- ``when.stored`` reads a stored date without ``When.parse``'s checks; plain:
  ``When.parse``.
- ``When.text`` is a ``cached_property``; plain: a ``property``.
- The fold (``domain.timeline._Fold``) adds the reports and statements nothing amends
  in short in ``__init__``; plain: ``add`` for every update.

Each is switched off by putting the plain code in its place (in every module that holds
it), one at a time. Figures, on a 10,000-update story (benchlib.make_story, seed 1) in
SQLite: the as-of replay at 50 dates, warm (a reader that has read the story before)
and by a new reader (a fresh ``open_archive`` for each date, untimed, as ``story replay``
does); decoding every index row (``storage.tables.update_of``) and every event's record
(``Update.from_record``); the fold alone (``timeline.state`` of what each of the 50
replays reads, and ``timeline.history`` of the whole story, as the story page and the
exports fold it); and each of the 50 versions as JSON (``render.version_json``, as
``story replay --json`` and the web answer). Rounds alternate which side runs first;
each side's figure is the median of its CPU time (``time.process_time``: the machine is
shared) over the rounds, and the ratio's spread is the lowest and highest of the rounds'
plain/shortcut ratios.
"""

from __future__ import annotations

import gc
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from benchlib import make_story, median, revision, workdir

from cli import render
from domain import when
from domain.timeline import Cut, _Fold, history, state
from domain.updates import Update
from domain.when import When
from storage import tables
from storage.archive import open_archive

N = 10_000
SLUG = "shortcuts"
DATES = 50
ROUNDS = 7

# --------------------------------------------------------------- the plain code


def plain_restore(cls: type[Update], /, **fields: Any) -> Update:
    return cls(**fields)


def plain_stored(text: str) -> When:
    return When.parse(text)


def plain_text(self: When) -> str:
    if self.moment is None:
        return self.day.isoformat()
    return self.moment.isoformat()


def plain_init(self: _Fold, updates: Any) -> None:
    self.corrections = {}
    self.retractions = {}
    for update in updates:
        if update.kind in ("correction", "retraction") and update.target:
            amends = self.corrections if update.kind == "correction" else self.retractions
            amends[update.target] = update
    self.amended = set(self.corrections) | set(self.retractions)
    self.position = {}
    self.headline = None
    self.headline_from = None
    self.body = []
    self.body_from = []
    self.notes = []
    self.statements = []
    self.facts = {}
    self.fact_from = {}
    self.amendments = []
    self.order = []
    last = 0
    for n in range(len(updates) - 1, 0, -1):
        if updates[n].kind == "revision" and updates[n].id not in self.retractions:
            last = n
            break
    for n, update in enumerate(updates):
        self.add(update, n >= last and update.kind in ("report", "revision"))


# --------------------------------------------------------------- switching them off


@contextmanager
def replaced(owner: Any, name: str, plain: Any) -> Iterator[None]:
    """``owner.name`` (a class's attribute) replaced by ``plain``."""
    shortcut = vars(owner)[name]
    setattr(owner, name, plain)
    try:
        yield
    finally:
        setattr(owner, name, shortcut)


@contextmanager
def everywhere(shortcut: Any, plain: Any) -> Iterator[None]:
    """A module-level function replaced by ``plain`` in every module that holds it."""
    swapped = []
    for module in [m for m in list(sys.modules.values()) if m is not None]:
        for name, value in list(vars(module).items()):
            if value is shortcut:
                setattr(module, name, plain)
                swapped.append((module, name))
    try:
        yield
    finally:
        for module, name in swapped:
            setattr(module, name, shortcut)


SHORTCUTS: dict[str, Callable[[], Any]] = {
    "Update.restore / Update(**fields)": lambda: replaced(
        Update, "restore", classmethod(plain_restore)
    ),
    "when.stored / When.parse": lambda: everywhere(when.stored, plain_stored),
    "When.text cached / property": lambda: replaced(When, "text", property(plain_text)),
    "_Fold.__init__ in short / add": lambda: replaced(_Fold, "__init__", plain_init),
}

# The figures each shortcut exists for.
FIGURES = {
    "Update.restore / Update(**fields)": ("replay, new reader", "decode rows", "decode records"),
    "when.stored / When.parse": ("replay, new reader", "decode rows"),
    "When.text cached / property": (
        "replay+JSON, warm",
        "replay+JSON, new",
        "versions as JSON",
    ),
    "_Fold.__init__ in short / add": ("replay, warm", "fold at 50 dates", "history"),
}


# --------------------------------------------------------------- the figures


def figures(path: str) -> dict[str, tuple[Callable[[], Any], Callable[[], float]]]:
    """Each figure: (untimed setup, the timed work returning its CPU seconds)."""
    archive = open_archive(path)
    every = archive.timeline(SLUG, UTC)
    dates = [When.parse(u.reported_at.text) for u in every[:: N // DATES]]
    read = [archive.index.relevant(SLUG, Cut(UTC, d)) for d in dates]
    versions = [archive.replay(SLUG, UTC, d) for d in dates]
    records = [(u.to_record(), u.recorded_at) for u in every]
    with sqlite3.connect(path) as raw:
        fields = ", ".join(f'"{f}"' for f in tables.FIELDS)
        rows = raw.execute(f"SELECT {fields} FROM story_updates").fetchall()
    assert len(rows) == len(every) == N

    def timed(work: Callable[[], Any], times: int = 1) -> Callable[[], float]:
        def run() -> float:
            start = time.process_time()
            for _ in range(times):
                work()
            return time.process_time() - start

        return run

    def replay_warm(as_json: bool = False) -> None:
        for d in dates:
            v = archive.replay(SLUG, UTC, d)
            if as_json:
                render.version_json(v, d, None)

    def replay_new(as_json: bool = False) -> float:
        spent = 0.0
        for d in dates:
            reader = open_archive(path, create=False)
            start = time.process_time()
            v = reader.replay(SLUG, UTC, d)
            if as_json:
                render.version_json(v, d, None)
            spent += time.process_time() - start
            reader.close()
        return spent

    def fold() -> None:
        for version, updates in read:
            state(SLUG, updates, version)

    def versions_json() -> None:
        for d, v in zip(dates, versions, strict=True):
            render.version_json(v, d, None)

    def nothing() -> None:
        pass

    return {
        "replay, warm": (replay_warm, timed(replay_warm)),
        "replay, new reader": (nothing, replay_new),
        "replay+JSON, warm": (replay_warm, timed(lambda: replay_warm(as_json=True))),
        "replay+JSON, new": (nothing, lambda: replay_new(as_json=True)),
        "decode rows": (nothing, timed(lambda: [tables.update_of(r) for r in rows], 3)),
        "decode records": (
            nothing,
            timed(lambda: [Update.from_record(r, at) for r, at in records], 3),
        ),
        "fold at 50 dates": (nothing, timed(fold, 3)),
        "history": (nothing, timed(lambda: list(history(SLUG, every, made_by=False)))),
        "versions as JSON": (nothing, timed(versions_json)),
    }


def same_answers(path: str) -> None:
    """Each plain form gives the same versions, history and decoded rows as the shortcut."""

    def answers() -> Any:
        reader = open_archive(path, create=False)
        every = reader.timeline(SLUG, UTC)
        dates = [When.parse(u.reported_at.text) for u in every[:: N // 10]]
        versions = [reader.replay(SLUG, UTC, d) for d in dates]
        jsons = [render.version_json(v, d, None) for d, v in zip(dates, versions, strict=True)]
        folded = [v for n, (_, v) in enumerate(history(SLUG, every, made_by=False)) if n % 500 == 0]
        made_by = list(history(SLUG, every[:2000]))
        found = (versions, jsons, folded, made_by, [u.to_record() for u in every])
        reader.close()
        return found

    expected = answers()
    for name, plain in SHORTCUTS.items():
        with plain():
            assert answers() == expected, name


def compare(
    setup: Callable[[], Any], work: Callable[[], float], plain: Callable[[], Any]
) -> tuple[float, float, float, float]:
    """Medians of the shortcut and of the plain code, the median of the rounds' ratios
    (plain / shortcut) and their lowest and highest."""
    ours: list[float] = []
    theirs: list[float] = []
    for n in range(ROUNDS):
        for side in ("shortcut", "plain") if n % 2 == 0 else ("plain", "shortcut"):
            if side == "shortcut":
                setup()
                gc.collect()
                ours.append(work())
            else:
                with plain():
                    setup()
                    gc.collect()
                    theirs.append(work())
    ratios = [p / s for p, s in zip(theirs, ours, strict=True)]
    return median(ours), median(theirs), min(ratios), max(ratios)


def main() -> None:
    load = os.getloadavg()[0]
    print(
        f"# python benchmarks/ab_shortcuts.py at {revision()}\n"
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load:.1f} at the start"
    )
    print(
        f"Each shortcut against the plain code in its place: CPU time, median of {ROUNDS} "
        f"alternating rounds; plain/shortcut > 1 means the shortcut saves time; "
        f"[lowest-highest] of the rounds' ratios"
    )
    updates, _ = make_story(SLUG, N, seed=1)
    with workdir("shortcuts") as tmp:
        path = str(tmp / "archive.db")
        archive = open_archive(path)
        archive.record(updates)
        archive.close()
        same_answers(path)
        work = figures(path)
        print(f"{'shortcut / plain':<36} {'figure':<20} {'shortcut':>10} {'plain':>10}   ratio")
        for name, plain in SHORTCUTS.items():
            for figure in FIGURES[name]:
                setup, timed = work[figure]
                ours, theirs, low, high = compare(setup, timed, plain)
                print(
                    f"{name:<36} {figure:<20} {ours * 1000:7.1f} ms {theirs * 1000:7.1f} ms"
                    f"   {theirs / ours:5.2f}x [{low:.2f}-{high:.2f}]",
                    flush=True,
                )
    print(f"# load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
