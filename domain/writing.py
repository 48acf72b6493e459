"""Appending: updates become events, recorded with their index rows and chain links.

A batch (one file) is recorded in one transaction, in chunks so that memory stays
bounded; a conflict with another writer is retried from fresh state.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, PersistenceError

from domain.errors import ArchiveUnavailable, UnknownUpdate, first_line
from domain.model import Story, story_id
from domain.ports import ArchiveBase, IndexWriter
from domain.updates import Update


@dataclass(frozen=True)
class Appended:
    """What one append did: the update, and the version it made (or was already)."""

    update: Update
    version: int
    versions: int
    new: bool


@dataclass
class Imported:
    """What one batch (one file) did: the ids appended, and those already present."""

    new: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


SNAPSHOT_INTERVAL = 100  # events between snapshots of a story
CONFLICT_PATIENCE = 60.0  # seconds a writer keeps retrying a conflict before giving up
CHUNK = 1000  # updates saved at a time within a batch's transaction


class Writing(ArchiveBase):
    """Commands: append one update, record a batch or a stream of them."""

    def append(self, update: Update) -> Appended:
        """Append one update; appending the same content again changes nothing."""
        batch = self.record([update])
        recorded = self.index.find(update.id)
        assert recorded is not None
        return Appended(recorded, *self.index.place(update.id), new=bool(batch.new))

    def record(self, updates: Iterable[Update]) -> Imported:
        """Append a batch atomically: all of it is recorded, or (on any error) none of it."""
        batch = list(updates)
        return self.record_stream(lambda: [batch])

    def record_stream(
        self,
        chunks: Callable[[], Iterable[Sequence[Update]]],
        progress: Callable[[int], None] = lambda n: None,
    ) -> Imported:
        """Append a stream of updates in one transaction: all of it, or none of it.

        ``chunks`` makes the stream afresh: a conflict with another writer (the same
        story, or the same update, recorded meanwhile) is retried from the start with
        fresh state, so the user never sees it.
        """
        deadline = time.monotonic() + CONFLICT_PATIENCE
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._record_once(chunks(), progress)
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

    def _record_once(
        self, chunks: Iterable[Sequence[Update]], progress: Callable[[int], None]
    ) -> Imported:
        result = Imported()
        self._loaded_at = {}
        stories: dict[str, Story] = {}
        with self.index.recording() as writer:
            for chunk in chunks:
                self._record_chunk(chunk, stories, writer, result)
                progress(len(chunk))
        return result

    def _record_chunk(
        self,
        chunk: Sequence[Update],
        stories: dict[str, Story],
        writer: IndexWriter,
        result: Imported,
    ) -> None:
        saved_at = {slug: story.version for slug, story in stories.items()}
        new: list[Update] = []
        for update in chunk:
            if update.story not in stories:
                stories[update.story] = self._story_for(update)
                loaded = stories[update.story].version - len(stories[update.story].pending_events)
                self._loaded_at[update.story] = saved_at[update.story] = loaded
            story = stories[update.story]
            if story.has(update.id):
                result.present.append(update.id)
                continue
            self._check_target_story(story, update)
            story.record(update, self.index.zone)
            new.append(update)
        touched = [story for story in stories.values() if story.pending_events]
        recordings = self.save(*touched)
        self._snapshot(s for s in touched if _crossed(saved_at[s.slug], s.version))
        events = [r.domain_event for r in recordings if isinstance(r.domain_event, Story.Updated)]
        stamps = {e.update["id"]: e for e in events}
        for update in new:
            stamp = stamps[update.id]
            writer.add(replace(update, recorded_at=stamp.timestamp, digest=stamp.digest))
            result.new.append(update.id)
        writer.chain([(e.update["id"], e.update["story"], e.digest) for e in events])
        writer.flush()  # each chunk's rows go out now: memory stays bounded

    def _snapshot(self, stories: Iterable[Story]) -> None:
        assert self.snapshots is not None
        self.snapshots.put([Story.Snapshot.take(story) for story in stories])

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


def chunked(updates: Iterable[Update], size: int = CHUNK) -> Iterator[list[Update]]:
    """A stream of updates in lists of at most ``size``."""
    chunk: list[Update] = []
    for update in updates:
        chunk.append(update)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _crossed(before: int, after: int) -> bool:
    """Whether a story passed a multiple of SNAPSHOT_INTERVAL between two versions."""
    return before // SNAPSHOT_INTERVAL < after // SNAPSHOT_INTERVAL
