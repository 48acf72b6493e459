"""Auditing: verification, checkpoints, rebuilding the index, sentence provenance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.utils import TopicError

from domain import checkpoints
from domain.audit import Finding, StoredUpdate, Verification, verify
from domain.errors import ArchiveUnavailable, InvalidInput, UnknownStory, first_line
from domain.model import Story
from domain.ports import ArchiveBase
from domain.provenance import Blame, Sighting, blame, trace, trivial_updates
from domain.timeline import Cut, StoryVersion, history, not_yet_reported, timeline
from domain.updates import Update, check_slug
from domain.when import When, utc_text


class Auditing(ArchiveBase):
    """Queries for auditors: is history intact, and who wrote each sentence."""

    def history(
        self,
        slug: str,
        tz: tzinfo,
        when: When | None = None,
        known_at: When | None = None,
        made_by: bool = True,
    ) -> list[tuple[Update, StoryVersion]]:
        """The story after each of its updates, in version order, through ``when``
        (``made_by=False``: see ``domain.timeline.history``)."""
        cut = Cut(tz, when, known_at)
        seen = timeline(self._updates(slug, cut), self.index.zone, cut)
        if not seen:
            raise not_yet_reported(slug, cut)
        return list(history(slug, seen, made_by))

    def blame(
        self,
        slug: str,
        tz: tzinfo,
        when: When | None = None,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> tuple[StoryVersion, Blame]:
        """The story as of ``when``, each sentence with the update that introduced it."""
        history = self.history(slug, tz, when, known_at, made_by=False)
        return history[-1][1], blame(history, ignore_trivial)

    def trace(
        self, slugs: list[str] | None, phrase: str, tz: tzinfo, ignore_case: bool = False
    ) -> dict[str, list[Sighting]]:
        """Every change in a phrase's presence, per story (all stories when None)."""
        if not phrase.strip():
            raise InvalidInput('the phrase is empty: give the words to trace, e.g. "extension"')
        names = slugs if slugs is not None else [s.slug for s in self.index.stories()]
        return {
            slug: trace(self.history(slug, tz, made_by=False), phrase, ignore_case)
            for slug in names
        }

    def trivial_updates(self, slug: str, tz: tzinfo, known_at: When | None = None) -> set[str]:
        """Updates that changed only whitespace or punctuation."""
        return trivial_updates(self.history(slug, tz, None, known_at, made_by=False))

    def verify(self, slug: str | None = None) -> Verification:
        """Recompute every digest and both chains from the stored events.

        Every read sees the archive at one moment: updates recorded while it runs are
        neither checked nor taken for tampering.
        """
        if slug is not None:
            check_slug(slug)
        with self.index.snapshot():
            if slug is not None and not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            return verify(
                self._stored_updates(),
                self.index.chain_rows(),
                self.index.fingerprints(slug),
                slug,
                self.index.summaries(slug),
            )

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
