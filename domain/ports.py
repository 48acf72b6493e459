"""The archive's ports: what the application needs from the read side, and its base.

Persistence is configuration: the event store comes from the eventsourcing environment,
and the read-side index (one row per update, written in the same transaction as the
event) is whatever implements :class:`Index` (storage.index on SQLAlchemy).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import tzinfo
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application

from domain.audit import ChainRow
from domain.errors import UnknownStory
from domain.model import Story, Target
from domain.timeline import Cut
from domain.updates import Update, check_slug


@dataclass(frozen=True)
class StorySummary:
    """A row of `story list`."""

    slug: str
    updates: int
    first_reported: str
    last_reported: str


class IndexWriter(Protocol):
    """The index inside the archive's write transaction (writers take turns)."""

    def known(self, update_ids: Collection[str]) -> dict[str, Target]:
        """Those of these updates the archive holds (this transaction's included)."""

    def add(self, update: Update) -> None: ...

    def chain(self, links: list[tuple[str, str, str]]) -> None:
        """Extend the archive's chain with (update id, story, digest), in recorded order."""

    def recorded(self) -> int:
        """How many updates the archive holds, this transaction's included (the length
        of its chain): it changes whenever anyone records anything."""

    def placement(self, update_id: str) -> Callable[[], tuple[Update, int, int]]:
        """A recorded update, the version it makes and how many its story has: read in
        the transaction, with its COMMIT, so the answer is there once it has committed."""


class Index(Protocol):
    """The read side: recorded updates, queryable without replaying every event."""

    zone: tzinfo  # places date-only reported_at on the timeline; fixed per archive

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads inside (the index's and the event store's) all see the archive as it
        stood at the first of them, whatever is written meanwhile."""

    def recording(self, trusting: bool = False) -> AbstractContextManager[IndexWriter]:
        """A transaction shared with the event store: events and rows commit together.

        ``trusting``: the chain's head is taken from this index's last commit, not read;
        if anyone has written since, the commit fails (IntegrityError) and writes nothing.
        """

    def updates(self, slug: str, cut: Cut | None = None) -> list[Update]:
        """The updates of a story that a cut admits, in recorded order."""

    def stories_updates(self, cut: Cut) -> Iterator[tuple[str, list[Update]]]:
        """Each story's updates a cut admits (in version order), story by story, by slug."""

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        """(version number, the updates whose content can still show), in version order."""

    def find(self, update_id: str) -> Update | None: ...

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has)."""

    def amending(self, update_id: str) -> list[Update]:
        """The corrections and retractions of an update."""

    def has_story(self, slug: str) -> bool: ...

    def fingerprints(self, slug: str | None) -> dict[str, tuple[str, str]]:
        """Update id -> (story, domain.audit.fingerprint of its row), for verification."""

    def summaries(self, slug: str | None) -> dict[str, tuple[int, str, str]]:
        """The story list: slug -> (updates, first and last reported day)."""

    def chain_rows(self) -> list[ChainRow]:
        """The archive's chain table, in position order."""

    def rebuild(self, updates: Iterable[Update], progress: Callable[[int], None]) -> int:
        """Drop the index and derive it again from these updates, atomically."""

    def stories(self) -> list[StorySummary]: ...

    def counts(self) -> tuple[int, int]:
        """(stories, updates)."""

    def close(self) -> None:
        """Release connections."""


class ArchiveBase(Application[UUID]):
    """What every part of the archive shares: the event store and the index."""

    name = "Archive"
    # No snapshots: a story loads from its first and last events (Story.resume).
    is_snapshotting_enabled = False

    def __init__(self, env: dict[str, str], index: Callable[[ArchiveBase], Index]) -> None:
        super().__init__(env)
        self.index = index(self)
        self._loaded_at: dict[str, int] = {}  # story -> version read by the last attempt
        self._written: dict[str, Story] = {}  # stories as this writer left them
        self._recorded = -1  # the archive's chain length when this writer last committed
        self._trusting = False  # whether nobody else wrote between its last two commits

    def close(self) -> None:
        super().close()
        self.index.close()

    def _updates(self, slug: str, cut: Cut | None) -> list[Update]:
        check_slug(slug)
        updates = self.index.updates(slug, cut)
        if not updates and not self.index.has_story(slug):
            raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
        return updates
