"""What the archive application needs beyond eventsourcing's own interfaces.

The event store comes from the eventsourcing environment (``PERSISTENCE_MODULE``); its
recorder must also be :class:`Transactional`. The index (one row per update, written in
the same transaction as its event) is whatever implements :class:`Index`:
storage.index on SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain.timeline import Cut
from domain.updates import Update
from domain.urls import Tie
from domain.verification import ChainRow, EventRow, Finding


@dataclass(frozen=True)
class StorySummary:
    """A row of `story list`."""

    slug: str
    updates: int
    first_reported: str
    last_reported: str


@runtime_checkable
class Transactional(Protocol):
    """An event recorder whose write transaction the application can open around several
    saves (storage.recorder.SqlRecorder): what is saved inside commits together, or
    nothing does, and reads inside (the recorder's and the index's) see it."""

    def transaction(self) -> AbstractContextManager[object]: ...

    def event_rows(self, start: int, limit: int) -> list[EventRow]:
        """Up to ``limit`` stored events from notification id ``start`` on, in order, as
        stored: what verify reads (a row may be malformed)."""

    def ends(self, originator_id: UUID) -> list[StoredEvent]:
        """An aggregate's first and last events, in order: one if it has one, none if
        none (a story loads from these two: Story.resume)."""

    def now(self) -> datetime:
        """The archive's clock, for ``recorded_at``: never before the latest update
        recorded (the database server's clock where there is one)."""


class Reading(Protocol):
    """What replays, logs, diffs and the web read: recorded updates, queryable without
    replaying every event."""

    zone: tzinfo  # places date-only reported_at on the timeline; fixed per archive
    zone_name: str  # its name, as the archive's settings hold it

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads inside (the index's and the event store's) all see the archive as it
        stood at the first of them, whatever is written meanwhile."""

    def updates(self, slug: str, cut: Cut | None = None) -> list[Update]:
        """The updates of a story that a cut admits, in version order."""

    def stories_updates(self, cut: Cut) -> Iterator[tuple[str, list[Update]]]:
        """Each story's updates a cut admits (in version order), story by story, by slug."""

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        """(version number, the updates whose content can still show), in version order."""

    def find(self, update_id: str) -> Update | None: ...

    def known(self, update_ids: Collection[str]) -> dict[str, Update]:
        """Those of these updates the archive holds."""

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has)."""

    def amending(self, update_id: str) -> list[Update]:
        """The corrections and retractions of an update."""

    def has_story(self, slug: str) -> bool: ...

    def stories(self) -> list[StorySummary]: ...

    def counts(self) -> tuple[int, int]:
        """(stories, updates)."""

    def recent(self, n: int) -> list[Update]:
        """The ``n`` updates recorded last, newest first."""

    def head(self) -> tuple[int, str]:
        """(position, chain digest) of the archive chain's last link, (0, GENESIS) when
        there is none: one read, and it moves with every update and tie recorded."""


class Auditing(Protocol):
    """What verify compares with the events: the index as stored, unparsed."""

    def fingerprints(self, slug: str | None) -> dict[str, tuple[str, int, Any]]:
        """Update id -> (story, domain.verification.row_entry of its row, its seq)."""

    def guard_problems(self) -> list[Finding]:
        """What was wrong with the append-only guard when the archive was opened."""

    def summaries(self, slug: str | None) -> dict[str, tuple[Any, Any, Any]]:
        """The story list: slug -> (updates, first and last reported day)."""

    def chain_rows(self) -> list[ChainRow]:
        """The archive's chain table, in position order."""

    def tie_rows(self) -> list[tuple[Any, ...]]:
        """Every tie the index holds, as stored, in recorded order: (url, story, how, by,
        recorded_at, link), for verify."""


class Urls(Protocol):
    """Which story each URL is tied to."""

    def tied(self, urls: Collection[str]) -> dict[str, str]:
        """The stories these (normalised) URLs are tied to, of those tied."""

    def ties(self, slug: str | None) -> list[Tie]:
        """The URLs tied now (to ``slug``, or to any story), by URL."""


class Upkeep(Protocol):
    """Keeping the index: after bulk writes, a rebuild from the events, closing."""

    def tidy(self) -> None:
        """After a bulk write: let the database catch up (fresh planner statistics)."""

    def rebuild(self, recorded: Iterable[Update | Tie], progress: Callable[[int], None]) -> int:
        """Drop the index and derive it again from these updates and URL ties (in recorded
        order), atomically; how many updates it holds."""

    def close(self) -> None:
        """Release connections."""


class Index(Reading, Auditing, Urls, Upkeep, Protocol):
    """The read side (one row per update, written in the same transaction as its event):
    all four ports, as storage.index.SqlIndex and storage.memory.MemoryIndex give them."""
