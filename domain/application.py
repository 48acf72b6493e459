"""The archive application: commands that append updates, queries that project them.

Persistence is configuration: the event store comes from the eventsourcing environment,
and the read-side index (one row per update, written in the same transaction as the
event) is whatever implements :class:`Index`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, PersistenceError
from eventsourcing.utils import TopicError

from domain import checkpoints
from domain.audit import ChainRow, Finding, StoredUpdate, Verification, verify
from domain.diffing import StoryDiff, diff
from domain.errors import (
    ArchiveUnavailable,
    InvalidInput,
    NotYetReported,
    UnknownStory,
    UnknownUpdate,
    first_line,
)
from domain.model import Story, story_id
from domain.provenance import Blame, Sighting, blame, trace, trivial_updates
from domain.timeline import Cut, StoryVersion, not_yet_reported, ordered, state, timeline
from domain.updates import Update, check_slug
from domain.when import When, utc_text


@dataclass(frozen=True)
class StorySummary:
    """A row of `story list`."""

    slug: str
    updates: int
    first_reported: str
    last_reported: str


class IndexWriter(Protocol):
    def add(self, update: Update) -> None: ...

    def chain(self, links: list[tuple[str, str, str]]) -> None:
        """Extend the archive's chain with (update id, story, digest), in recorded order."""


class Index(Protocol):
    """The read side: recorded updates, queryable without replaying every event."""

    zone: tzinfo  # places date-only reported_at on the timeline; fixed per archive

    def recording(self) -> AbstractContextManager[IndexWriter]:
        """A transaction shared with the event store: events and rows commit together."""

    def updates(self, slug: str | None, cut: Cut | None = None) -> list[Update]:
        """The updates (of one story, or all) a cut admits, in recorded order."""

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        """(version number, the updates whose content can still show), in version order."""

    def find(self, update_id: str) -> Update | None: ...

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has)."""

    def amending(self, update_id: str) -> list[Update]:
        """The corrections and retractions of an update."""

    def has_story(self, slug: str) -> bool: ...

    def chain_rows(self) -> list[ChainRow]:
        """The archive's chain table, in position order."""

    def rebuild(self, updates: Iterable[Update], progress: Callable[[int], None]) -> int:
        """Drop the index and derive it again from these updates, atomically."""

    def stories(self) -> list[StorySummary]: ...

    def counts(self) -> tuple[int, int]:
        """(stories, updates)."""

    def close(self) -> None:
        """Release connections."""


@dataclass(frozen=True)
class Appended:
    """What one append did: the update, and the version it made (or was already)."""

    update: Update
    version: int
    versions: int
    new: bool


@dataclass(frozen=True)
class Imported:
    """What one batch (one file) did."""

    new: tuple[Update, ...]
    present: tuple[Update, ...]


SNAPSHOT_INTERVAL = 100  # events between snapshots of a story
CONFLICT_PATIENCE = 60.0  # seconds a writer keeps retrying a conflict before giving up


class Archive(Application[UUID]):
    """The story archive: append updates; replay, log and diff stories."""

    name = "Archive"
    # Snapshots are taken by record(), from the state in hand, once per batch: the
    # library's interval snapshots would replay stored events at every 100th version.
    is_snapshotting_enabled = True

    def __init__(self, env: dict[str, str], index: Callable[[Archive], Index]) -> None:
        super().__init__(env)
        self.index = index(self)
        self._loaded_at: dict[str, int] = {}  # story -> version read by the last attempt

    def close(self) -> None:
        super().close()
        self.index.close()

    # Commands

    def append(self, update: Update) -> Appended:
        """Append one update; appending the same content again changes nothing."""
        batch = self.record([update])
        recorded = batch.new[0] if batch.new else self.index.find(update.id)
        assert recorded is not None
        return Appended(recorded, *self.index.place(update.id), new=bool(batch.new))

    def record(self, updates: Iterable[Update]) -> Imported:
        """Append a batch atomically: all of it is recorded, or (on any error) none of it.

        A conflict with another writer (the same story, or the same update, recorded
        meanwhile) is retried from fresh state; the user never sees it.
        """
        batch = list(updates)
        self._check_not_in_future(batch)
        deadline = time.monotonic() + CONFLICT_PATIENCE
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._record_once(batch)
            except IntegrityError as error:
                if not self._others_wrote():
                    raise ArchiveUnavailable(
                        f"the archive refused the updates ({first_line(error)}): "
                        "nothing was written; run `story verify`"
                    ) from None
                if time.monotonic() > deadline:
                    raise ArchiveUnavailable(
                        f"other writers kept changing these stories ({attempt} tries in "
                        f"{CONFLICT_PATIENCE:.0f} s): nothing was written; run the command again"
                    ) from None
                # Randomised exponential back-off, so that competing writers spread out.
                time.sleep(random.uniform(0, min(0.25, 0.002 * 2**attempt)))
            except PersistenceError as error:
                raise ArchiveUnavailable(
                    f"the archive could not record the updates ({first_line(error)}): "
                    "nothing was written"
                ) from None

    def _others_wrote(self) -> bool:
        """Whether a story of the failed attempt has moved on since it was read."""
        for slug, version in self._loaded_at.items():
            try:
                if self.repository.get(story_id(slug)).version != version:
                    return True
            except AggregateNotFoundError:
                continue  # still not started: nobody else wrote it
        return False

    def _record_once(self, batch: list[Update]) -> Imported:
        new: list[Update] = []
        present: list[Update] = []
        self._loaded_at = {}
        with self.index.recording() as writer:
            stories: dict[str, Story] = {}
            loaded_at = self._loaded_at
            for update in batch:
                story = stories.get(update.story) or self._story_for(update)
                if update.story not in stories:
                    stories[update.story] = story
                    loaded_at[update.story] = story.version - len(story.pending_events)
                if story.has(update.id):
                    present.append(update)
                    continue
                self._check_target_story(story, update)
                story.record(update)
                new.append(update)
            recordings = self.save(*stories.values())
            self._snapshot(s for s in stories.values() if _crossed(loaded_at[s.slug], s.version))
            events = [
                r.domain_event for r in recordings if isinstance(r.domain_event, Story.Updated)
            ]
            stamps = {e.update["id"]: e for e in events}
            new = [
                replace(u, recorded_at=stamps[u.id].timestamp, digest=stamps[u.id].digest)
                for u in new
            ]
            for update in new:
                writer.add(update)
            writer.chain([(e.update["id"], e.update["story"], e.digest) for e in events])
        return Imported(tuple(new), tuple(present))

    def _snapshot(self, stories: Iterable[Story]) -> None:
        assert self.snapshots is not None
        self.snapshots.put([Story.Snapshot.take(story) for story in stories])

    @staticmethod
    def _check_not_in_future(batch: list[Update]) -> None:
        horizon = datetime.now(UTC) + timedelta(days=1)
        for update in batch:
            if update.reported_at.start(UTC) > horizon:
                raise InvalidInput(
                    f"reported_at {update.reported_at} is in the future: check the date "
                    "(reported_at is when the update was published)"
                )

    def _story_for(self, update: Update) -> Story:
        try:
            story: Story = self.repository.get(story_id(update.story))
        except AggregateNotFoundError:
            return Story(slug=update.story)
        return story

    def _check_target_story(self, story: Story, update: Update) -> None:
        if update.target is None or story.has(update.target):
            return
        elsewhere = self.index.find(update.target)
        if elsewhere is not None:
            raise UnknownUpdate(
                f"{update.kind} target {update.target} belongs to story {elsewhere.story!r}, "
                f"not {story.slug!r}: amend it in its own story"
            )

    # Queries

    def timeline(self, slug: str, tz: tzinfo, known_at: When | None = None) -> list[Update]:
        """Every update of a story, in version order (reported, then recorded)."""
        cut = Cut(tz, None, known_at)
        seen = timeline(self._updates(slug, cut), self.index.zone, cut)
        if not seen:
            raise NotYetReported(
                f"story {slug!r} had no update recorded by {known_at}: choose a later --known-at"
            )
        return seen

    def replay(
        self, slug: str, tz: tzinfo, when: When | None, known_at: When | None = None
    ) -> StoryVersion:
        """The story as it stood at ``when``, as the archive knew it at ``known_at``."""
        return self._version(slug, Cut(tz, when, known_at))

    def replay_all(
        self, tz: tzinfo, when: When | None, known_at: When | None = None
    ) -> list[StoryVersion]:
        """Every story that existed at ``when``, each as it stood then."""
        by_story: dict[str, list[Update]] = {}
        for update in self.index.updates(None, Cut(tz, when, known_at)):
            by_story.setdefault(update.story, []).append(update)
        zone = self.index.zone
        return [state(slug, ordered(by_story[slug], zone)) for slug in sorted(by_story)]

    def version(
        self, slug: str, tz: tzinfo, ref: str, known_at: When | None = None
    ) -> StoryVersion:
        """A version named by an update id (right after it) or a date (as of it)."""
        check_slug(slug)
        cut = Cut(tz, None, known_at)
        found = self.index.find(ref)
        if found is not None and found.story != slug:
            raise _unknown_update(slug, ref, found)
        if found is not None:
            if not cut.admits(found):
                raise UnknownUpdate(
                    f"update {ref} was recorded after {known_at}: choose a later --known-at"
                )
            return self._version(slug, cut, through=ref)
        try:
            when = When.parse(ref, "version")
        except InvalidInput:
            raise UnknownUpdate(
                f"{ref!r} is neither an update of story {slug!r} nor a date: "
                f"give an id from `story log {slug}` or YYYY-MM-DD"
            ) from None
        return self._version(slug, Cut(tz, when, known_at))

    def diff(
        self,
        slug: str,
        tz: tzinfo,
        old: str,
        new: str,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> StoryDiff:
        """What changed between two versions of a story."""
        before = self.version(slug, tz, old, known_at)
        return diff(before, self.version(slug, tz, new, known_at), ignore_trivial)

    def history(
        self, slug: str, tz: tzinfo, when: When | None = None, known_at: When | None = None
    ) -> list[tuple[Update, StoryVersion]]:
        """The story after each of its updates, in version order, through ``when``.

        Each version is folded afresh: fine for stories of hundreds of updates.
        """
        cut = Cut(tz, when, known_at)
        seen = timeline(self._updates(slug, cut), self.index.zone, cut)
        if not seen:
            raise not_yet_reported(slug, cut)
        return [(update, state(slug, seen[:n])) for n, update in enumerate(seen, start=1)]

    def blame(
        self,
        slug: str,
        tz: tzinfo,
        when: When | None = None,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> tuple[StoryVersion, Blame]:
        """The story as of ``when``, each sentence with the update that introduced it."""
        history = self.history(slug, tz, when, known_at)
        return history[-1][1], blame(history, ignore_trivial)

    def trace(
        self, slugs: list[str] | None, phrase: str, tz: tzinfo, ignore_case: bool = False
    ) -> dict[str, list[Sighting]]:
        """Every change in a phrase's presence, per story (all stories when None)."""
        if not phrase.strip():
            raise InvalidInput('the phrase is empty: give the words to trace, e.g. "extension"')
        names = slugs if slugs is not None else [s.slug for s in self.index.stories()]
        return {slug: trace(self.history(slug, tz), phrase, ignore_case) for slug in names}

    def trivial_updates(self, slug: str, tz: tzinfo, known_at: When | None = None) -> set[str]:
        """Updates that changed only whitespace or punctuation."""
        return trivial_updates(self.history(slug, tz, None, known_at))

    def show(self, slug: str, update_id: str) -> tuple[Update, int, list[Update]]:
        """One update, its version number, and the updates that amend it."""
        check_slug(slug)
        update = self.index.find(update_id)
        if update is None or update.story != slug:
            self._updates(slug, None)  # an unknown story is the better message
            raise _unknown_update(slug, update_id, update)
        return update, self.index.place(update_id)[0], self.index.amending(update_id)

    def verify(self, slug: str | None = None) -> Verification:
        """Recompute every digest and both chains from the stored events."""
        if slug is not None:
            check_slug(slug)
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
        index = {u.id: u for u in self.index.updates(slug)}
        return verify(self._stored_updates(), self.index.chain_rows(), index, slug)

    def rebuild(self, progress: Callable[[int], None] = lambda n: None) -> int:
        """Re-derive the read-side index from the event store; how many updates it holds."""
        return self.index.rebuild(self._recorded_updates(), progress)

    def event_count(self) -> int:
        """How many events the store holds (for progress bars)."""
        return self.recorder.max_notification_id() or 0

    def _recorded_updates(self) -> Iterator[Update]:
        for item in self._stored_updates():
            if isinstance(item, Finding):
                raise ArchiveUnavailable(f"cannot rebuild: {item}: run `story verify`")
            recorded_at = datetime.fromisoformat(item.recorded_at)
            yield replace(Update.from_record(item.record, recorded_at), digest=item.digest)

    def checkpoint(self, archive: str) -> dict[str, Any]:
        """The archive's head, as a checkpoint document; only of an archive that verifies."""
        result = self.verify()
        if not result.ok:
            raise ArchiveUnavailable(
                f"the archive does not verify ({len(result.findings)} problems): "
                "run `story verify`; a checkpoint would vouch for altered history"
            )
        made_at = utc_text(datetime.now(UTC))
        return checkpoints.make(archive, made_at, result.stories, result.updates, result.head)

    def _stored_updates(self) -> Iterator[StoredUpdate | Finding]:
        """Every update event, read raw from the event store in recorded order."""
        slugs: dict[UUID | str, str] = {}
        start, page = 1, 2000
        while True:
            notifications = self.recorder.select_notifications(start, page)
            for notification in notifications:
                try:
                    event = self.mapper.to_domain_event(notification)
                except (ValueError, KeyError, TypeError, TopicError) as error:
                    yield Finding(
                        slugs.get(notification.originator_id, str(notification.originator_id)),
                        None,
                        "changed content",
                        f"event {notification.id} cannot be read: {first_line(error)}",
                    )
                    continue
                if isinstance(event, Story.Started):
                    slugs[event.originator_id] = event.slug
                elif isinstance(event, Story.Updated):
                    yield StoredUpdate(
                        notification.id,
                        slugs.get(event.originator_id, str(event.update.get("story"))),
                        event.originator_version,
                        event.update,
                        utc_text(event.timestamp),
                        event.digest,
                        event.previous,
                    )
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    def stories(self) -> list[StorySummary]:
        return self.index.stories()

    def counts(self) -> tuple[int, int]:
        return self.index.counts()

    def _version(self, slug: str, cut: Cut, through: str | None = None) -> StoryVersion:
        check_slug(slug)
        version, updates = self.index.relevant(slug, cut, through)
        if not version:
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            raise not_yet_reported(slug, cut)
        return state(slug, updates, version)

    def _updates(self, slug: str, cut: Cut | None) -> list[Update]:
        check_slug(slug)
        updates = self.index.updates(slug, cut)
        if not updates and not self.index.has_story(slug):
            raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
        return updates


def _crossed(before: int, after: int) -> bool:
    """Whether a story passed a multiple of SNAPSHOT_INTERVAL between two versions."""
    return before // SNAPSHOT_INTERVAL < after // SNAPSHOT_INTERVAL


def _unknown_update(slug: str, update_id: str, found: Update | None) -> UnknownUpdate:
    if found is not None:
        return UnknownUpdate(
            f"update {update_id} belongs to story {found.story!r}, not {slug!r}: "
            f"try `story show {found.story} {update_id}`"
        )
    return UnknownUpdate(f"no update {update_id!r} in story {slug!r}: see `story log {slug}`")
