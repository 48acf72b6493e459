"""Appending: updates become events, recorded with their index rows and chain links.

A batch (one file) is recorded in one transaction, in chunks so that memory stays
bounded; a conflict with another writer is retried from fresh state.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from eventsourcing.persistence import IntegrityError, PersistenceError

from domain.errors import ArchiveUnavailable, first_line
from domain.model import Story, Target, story_id
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


CONFLICT_PATIENCE = 60.0  # seconds a writer keeps retrying a conflict before giving up
CHUNK = 1000  # updates saved at a time within a batch's transaction
REMEMBERED = 10_000  # stories whose state a writer keeps between its transactions


class Writing(ArchiveBase):
    """Commands: append one update, record a batch or a stream of them."""

    def append(self, update: Update) -> Appended:
        """Append one update; appending the same content again changes nothing."""
        placements: list[tuple[Callable[[], tuple[Update, int, int]], bool]] = []

        def place(writer: IndexWriter, result: Imported) -> None:
            placements.append((writer.placement(update.id), bool(result.new)))

        # A writer that was alone last time trusts what it remembers of the story and the
        # archive's chain: no reads before writing (see _record_once).
        trusting = self._trusting and not update.target and update.story in self._written
        self.record_stream(lambda: [[update]], then=place, trusting=trusting)
        placed, new = placements[-1]  # the attempt that committed
        recorded, version, versions = placed()
        return Appended(recorded, version, versions, new)

    def record(self, updates: Iterable[Update]) -> Imported:
        """Append a batch atomically: all of it is recorded, or (on any error) none of it."""
        batch = list(updates)
        return self.record_stream(lambda: chunked(batch))

    def record_stream(
        self,
        chunks: Callable[[], Iterable[Sequence[Update]]],
        progress: Callable[[int], None] = lambda n: None,
        then: Callable[[IndexWriter, Imported], None] = lambda writer, result: None,
        trusting: bool = False,
    ) -> Imported:
        """Append a stream of updates in one transaction: all of it, or none of it.

        ``chunks`` makes the stream afresh: a conflict with another writer (the same
        story, or the same update, recorded meanwhile) is retried from the start with
        fresh state, so the user never sees it. ``then`` runs last, inside the
        transaction. ``trusting``: try first without reading what the archive holds
        (see ``_record_once``).
        """
        deadline = time.monotonic() + CONFLICT_PATIENCE
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._record_once(chunks(), progress, then, trusting)
            except IntegrityError as error:
                if trusting:  # someone wrote meanwhile, or an update is here already
                    trusting = self._trusting = False
                    continue
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
        self._written.clear()  # whatever it remembered is in doubt
        return any(self._load(slug).version != v for slug, v in self._loaded_at.items())

    def _record_once(
        self,
        chunks: Iterable[Sequence[Update]],
        progress: Callable[[int], None],
        then: Callable[[IndexWriter, Imported], None],
        trusting: bool = False,
    ) -> Imported:
        """One attempt, in one transaction.

        ``trusting``: nothing is read first. The stories come from this writer's memory
        and the chain's head from the index's last commit, both as this writer left
        them; a duplicate is not looked for. If any of that is wrong (someone wrote
        since, or an update is here already), a unique key of the archive refuses the
        writes: IntegrityError, nothing written, and the caller tries again carefully.
        On PostgreSQL a trusted append is one round trip.
        """
        result = Imported()
        self._loaded_at = {}
        stories: dict[str, Story] = {}
        alone = trusting
        with self.index.recording(trusting) as writer:
            for n, chunk in enumerate(chunks):
                known: dict[str, Target] = {}
                if not trusting:
                    # What the archive already holds of these updates and their targets:
                    # one query, sent with the previous chunk's writes (and the first
                    # time, with a read of the archive chain's head).
                    ids = {u.id for u in chunk} | {u.target for u in chunk if u.target}
                    known = writer.known(ids)
                    if n == 0:
                        alone = writer.recorded() == self._recorded
                        if not alone:
                            self._written.clear()  # another writer was here: read afresh
                self._record_chunk(chunk, known, stories, writer, result)
                progress(len(chunk))
            then(writer, result)
            recorded = writer.recorded()
        self._remember(stories.values(), recorded)
        self._trusting = alone  # nobody else wrote between this writer's transactions
        return result

    def _record_chunk(
        self,
        chunk: Sequence[Update],
        known: dict[str, Target],
        stories: dict[str, Story],
        writer: IndexWriter,
        result: Imported,
    ) -> None:
        new: dict[str, Update] = {}  # this chunk's, by id
        for update in chunk:
            if update.id in known or update.id in new:
                result.present.append(update.id)
                continue
            story = stories.get(update.story)
            if story is None:
                story = stories[update.story] = self._load(update.story)
                self._loaded_at[update.story] = story.version
            target = None
            if update.target:
                earlier = new.get(update.target)
                target = Target.of(earlier) if earlier else known.get(update.target)
            story.record(update, self.index.zone, target)
            new[update.id] = update
        # The chunk's new events, straight into the event store (Application.save would
        # run the same put behind two runtime Protocol checks per story, ~20 us each).
        pending = [e for story in stories.values() for e in story.collect_events()]
        self.events.put(pending)
        events = [e for e in pending if isinstance(e, Story.Updated)]
        stamps = {e.update["id"]: e for e in events}
        for update in new.values():
            stamp = stamps[update.id]
            writer.add(update.stamped(stamp.timestamp, stamp.digest))
            result.new.append(update.id)
        writer.chain([(e.update["id"], e.update["story"], e.digest) for e in events])
        # The chunk's rows go out with the next read (the next chunk's, or the last):
        # at most one chunk waits in memory.

    def _load(self, slug: str) -> Story:
        """A story from its first and last events (Story.resume); a new one if none.

        A story this archive object wrote is taken from memory while nobody else has
        written to the archive since (its chain is as long as this writer left it). It
        is taken out: only a commit puts it back (_remember), so an attempt that fails
        leaves no half-recorded story behind.
        """
        mine = self._written.pop(slug, None)
        if mine is not None:
            return mine
        found = story_id(slug)
        last = self.recorder.select_events(found, desc=True, limit=1)
        if not last:
            return Story(slug=slug)
        started = self.mapper.to_domain_event(self.recorder.select_events(found, lte=1)[0])
        latest = self.mapper.to_domain_event(last[0])
        assert isinstance(started, Story.Started)
        return Story.resume(started, latest if isinstance(latest, Story.Updated) else None)

    def _remember(self, stories: Iterable[Story], recorded: int) -> None:
        """Keep the state of stories just committed, and how long the archive's chain was
        then (bounded: a long import starts over)."""
        if len(self._written) > REMEMBERED:
            self._written.clear()
        for story in stories:
            self._written[story.slug] = story
        self._recorded = recorded


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
