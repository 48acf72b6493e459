"""The archive in memory: the same ports as storage.recorder and storage.index, in plain
Python, for application tests that run in milliseconds.

Its index answers every query from the updates themselves, with the rules of
domain.timeline (``Cut.admits``, the version order), where the SQL index reads only the
rows that can show; the application's contract tests (the ``app`` fixture in
tests/conftest.py) run on both. It keeps nothing once the process ends, so the command
line does not offer it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    InfrastructureFactoryError,
    IntegrityError,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    TrackingRecorder,
)

from domain.application import Archive
from domain.digests import GENESIS, chain_digest
from domain.ports import StorySummary
from domain.timeline import Cut, order_key
from domain.updates import Update
from domain.urls import Tie
from domain.verification import ChainRow, Finding, index_entry
from domain.when import time_zone, utc_text

ZONE = "STORY_ZONE"


@dataclass
class _Store:
    """Everything the archive holds; copied whole to roll a transaction back."""

    events: list[Notification] = field(default_factory=list)
    versions: set[tuple[UUID, int]] = field(default_factory=set)
    updates: list[Update] = field(default_factory=list)  # in recorded order
    chain: list[ChainRow] = field(default_factory=list)
    ties: list[Tie] = field(default_factory=list)  # in recorded order

    def copy(self) -> _Store:
        return _Store(list(self.events), set(self.versions), list(self.updates), list(self.chain),
                      list(self.ties))  # fmt: skip


class MemoryIndex:
    """The Index port over a list of updates."""

    def __init__(self, zone: str) -> None:
        self.zone = time_zone(zone)
        self.zone_name = zone
        self.store = _Store()
        self.rebuilt = 0  # rebuilds so far (head tells readers)

    def tidy(self) -> None:
        pass

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        yield

    def updates(self, slug: str, cut: Cut | None = None) -> list[Update]:
        admitted = [u for u in self.store.updates if u.story == slug]
        if cut is not None:
            admitted = [u for u in admitted if cut.admits(u, self.zone)]
        return [_fresh(u) for u in sorted(admitted, key=lambda u: order_key(u, self.zone))]

    def stories_updates(self, cut: Cut) -> Iterator[tuple[str, list[Update]]]:
        for slug in sorted({u.story for u in self.store.updates}):
            admitted = self.updates(slug, cut)
            if admitted:
                yield slug, admitted

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        admitted = self.updates(slug, cut)
        if through is not None:
            ids = [u.id for u in admitted]
            admitted = admitted[: ids.index(through) + 1] if through in ids else []
        return len(admitted), admitted

    def find(self, update_id: str) -> Update | None:
        return next((_fresh(u) for u in self.store.updates if u.id == update_id), None)

    def known(self, update_ids: Collection[str]) -> dict[str, Update]:
        return {u.id: _fresh(u) for u in self.store.updates if u.id in update_ids}

    def place(self, update_id: str) -> tuple[int, int]:
        update = self.find(update_id)
        assert update is not None
        ordered = self.updates(update.story)
        return [u.id for u in ordered].index(update_id) + 1, len(ordered)

    def amending(self, update_id: str) -> list[Update]:
        found = [_fresh(u) for u in self.store.updates if u.target == update_id]
        return sorted(found, key=lambda u: order_key(u, self.zone))

    def has_story(self, slug: str) -> bool:
        return any(u.story == slug for u in self.store.updates)

    def fingerprints(self, slug: str | None) -> dict[str, tuple[str, int, Any]]:
        return {
            u.id: (u.story, index_entry(u.to_record(), utc_text(u.recorded_at), u.digest or "",
                                        self.zone), seq)
            for seq, u in enumerate(self.store.updates, 1)
            if (slug is None or u.story == slug) and u.recorded_at is not None
        }  # fmt: skip

    def guard_problems(self) -> list[Finding]:
        return []  # nothing outside this process can change it

    def summaries(self, slug: str | None) -> dict[str, tuple[int, str, str]]:
        return {s.slug: (s.updates, s.first_reported, s.last_reported) for s in self.stories()
                if slug is None or s.slug == slug}  # fmt: skip

    def chain_rows(self) -> list[ChainRow]:
        return list(self.store.chain)

    def head(self) -> tuple[int, str]:
        if not self.store.chain:
            return 0, GENESIS
        last = self.store.chain[-1]
        return last.position, f"{last.chain} {self.rebuilt}" if self.rebuilt else last.chain

    def rebuild(self, recorded: Iterable[Update | Tie], progress: Callable[[int], None]) -> int:
        items = list(recorded)
        self.rebuilt += 1
        self.store.updates = [u for u in items if isinstance(u, Update)]
        self.store.ties = [t for t in items if isinstance(t, Tie)]
        progress(len(self.store.updates))
        return len(self.store.updates)

    def tied(self, urls: Collection[str]) -> dict[str, str]:
        return {t.url: t.story for t in self._latest() if t.url in urls and t.story is not None}

    def ties(self, slug: str | None) -> list[Tie]:
        found = [t for t in self._latest() if t.story is not None]
        return sorted((t for t in found if slug is None or t.story == slug), key=lambda t: t.url)

    def tie_rows(self) -> list[tuple[Any, ...]]:
        return [(t.url, t.story, t.how, t.by, utc_text(t.recorded_at), t.link)
                for t in self.store.ties if t.recorded_at is not None]  # fmt: skip

    def _latest(self) -> list[Tie]:
        return list({t.url: t for t in self.store.ties}.values())

    def stories(self) -> list[StorySummary]:
        found: dict[str, list[str]] = {}
        for u in self.store.updates:
            found.setdefault(u.story, []).append(u.reported_at.day.isoformat())
        return [
            StorySummary(s, len(days), min(days), max(days)) for s, days in sorted(found.items())
        ]

    def counts(self) -> tuple[int, int]:
        return len({u.story for u in self.store.updates}), len(self.store.updates)

    def close(self) -> None:
        pass

    def link(self, links: Sequence[tuple[str, str, str]]) -> None:
        """Extend the archive's chain: (id, story, digest) each."""
        chain = self.store.chain
        position, head = (chain[-1].position, chain[-1].chain) if chain else (0, GENESIS)
        for update_id, story, digest in links:
            position, head = position + 1, chain_digest(head, digest)
            chain.append(ChainRow(position, update_id, story, digest, head))

    def add(self, updates: Sequence[Update]) -> None:
        """Record updates, and extend the archive's chain with them."""
        for update in updates:
            assert update.digest is not None
            if self.find(update.id) is not None:
                raise IntegrityError(f"update {update.id} is recorded already")
            self.link([(update.id, update.story, update.digest)])
            self.store.updates.append(update)

    def recent(self, n: int) -> list[Update]:
        return [_fresh(u) for u in reversed(self.store.updates[-n:])] if n > 0 else []


def _fresh(update: Update) -> Update:
    """An update as a read from a database gives it: a fact value of its own."""
    if isinstance(update.value, dict | list):
        return replace(update, value=copy.deepcopy(update.value))
    return update


class MemoryRecorder(ApplicationRecorder):
    """Stored events in a list; with them, the index's updates."""

    def __init__(self, index: MemoryIndex) -> None:
        self.index = index
        self._lock = threading.RLock()
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One writer at a time; on an error, the archive as it was before."""
        with self._lock:
            saved, self._depth = self.index.store.copy(), self._depth + 1
            try:
                yield
            except BaseException:
                if self._depth == 1:
                    self.index.store = saved
                raise
            finally:
                self._depth -= 1

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        updates: Sequence[Update] = (),
        links: Sequence[tuple[str, str, str]] = (),
        ties: Sequence[tuple[Tie, str]] = (),
        **_: Any,
    ) -> None:
        with self.transaction():
            store = self.index.store
            for e in stored_events:
                key = (UUID(str(e.originator_id)), e.originator_version)
                if key in store.versions:
                    raise IntegrityError(f"event {key} is recorded already")
                store.versions.add(key)
                store.events.append(
                    Notification(
                        id=len(store.events) + 1,
                        originator_id=key[0],
                        originator_version=key[1],
                        topic=e.topic,
                        state=e.state,
                    )
                )
            self.index.link([*links, *((t.link, t.story or "", d) for t, d in ties)])
            self.index.store.ties.extend(tie for tie, _ in ties)
            self.index.add(updates)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        found = [
            StoredEvent(e.originator_id, e.originator_version, e.topic, e.state)
            for e in self.index.store.events
            if str(e.originator_id) == str(originator_id)
            and (gt is None or e.originator_version > gt)
            and (lte is None or e.originator_version <= lte)
        ]
        found.sort(key=lambda e: e.originator_version, reverse=desc)
        return found[:limit] if limit is not None else found

    def ends(self, originator_id: UUID) -> list[StoredEvent]:
        found = self.select_events(originator_id)
        return found[:1] + found[1:][-1:]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        first = (start or 1) if inclusive_of_start else (start or 0) + 1
        found = [e for e in self.index.store.events if e.id >= first]
        found = [e for e in found if (stop is None or e.id <= stop)]
        return [e for e in found if not topics or e.topic in topics][:limit]

    def max_notification_id(self) -> int | None:
        return len(self.index.store.events) or None

    def event_rows(self, start: int, limit: int) -> list[tuple[int, Any, int, str, Any]]:
        found = self.index.store.events[max(start, 1) - 1 : max(start, 1) - 1 + limit]
        return [(e.id, e.originator_id, e.originator_version, e.topic, e.state) for e in found]

    def now(self) -> datetime:
        store = self.index.store
        latest = [u.recorded_at for u in store.updates[-1:] if u.recorded_at]
        latest += [t.recorded_at for t in store.ties[-1:] if t.recorded_at]
        return max([datetime.now(UTC), *latest])

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        raise NotImplementedError("nothing subscribes to the archive's events")


class Factory(InfrastructureFactory[TrackingRecorder]):
    """eventsourcing's entry point (``PERSISTENCE_MODULE=storage.memory``)."""

    def application_recorder(self) -> MemoryRecorder:
        return MemoryRecorder(MemoryIndex(self.env.get(ZONE, "UTC")))

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        raise InfrastructureFactoryError("the archive in memory has one recorder")

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        raise InfrastructureFactoryError("story tracks no upstream applications")

    def process_recorder(self) -> ProcessRecorder:
        raise InfrastructureFactoryError("story runs no process applications")


def _index(app: Archive) -> MemoryIndex:
    assert isinstance(app.recorder, MemoryRecorder)
    return app.recorder.index


def open_memory_archive(zone: str = "UTC") -> Archive:
    """A new, empty archive in this process's memory."""
    return Archive({"PERSISTENCE_MODULE": "storage.memory", ZONE: zone}, index=_index)
