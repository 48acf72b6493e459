"""The Story aggregate: the consistency boundary for a story's updates.

Each update is one event carrying the update's full record (not a patch), so that
projections and diffs can change without invalidating anything stored.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.digests import GENESIS, update_digest
from domain.errors import InvalidInput, UnknownUpdate
from domain.updates import CORRECTABLE, RETRACTABLE, Update
from domain.when import When, utc_text

STORY_NAMESPACE = uuid5(NAMESPACE_URL, "https://story.invalid/stories/")


def story_id(slug: str) -> UUID:
    """A story's id: derived from its slug, so every process finds the same story."""
    return uuid5(STORY_NAMESPACE, slug)


class Story(Aggregate):
    """A news story: a slug and the updates recorded for it, in recorded order."""

    @staticmethod
    def create_id(slug: str) -> UUID:
        return story_id(slug)

    class Started(Aggregate.Created):
        """A story was started by its first update."""

        slug: str

    @event(Started)
    def __init__(self, slug: str) -> None:
        self.slug = slug
        # id -> [kind, reported_at]: enough to check targets; full records live in events.
        self.known: dict[str, list[str]] = {}
        self.head = GENESIS  # the digest of the latest update

    class Updated(Aggregate.Event):
        """Base of the six update events: each carries the update's whole record,
        its digest and the digest of the story's previous update (domain.digests)."""

        update: dict[str, Any]
        digest: str
        previous: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Story)
            aggregate.known[self.update["id"]] = [self.update["kind"], self.update["reported_at"]]
            aggregate.head = self.digest

    class Reported(Updated):
        """A development was reported."""

    class StatementIssued(Updated):
        """A party issued a statement."""

    class FactRecorded(Updated):
        """A structured fact changed (or was removed)."""

    class Corrected(Updated):
        """An earlier update's text was corrected."""

    class Retracted(Updated):
        """An earlier update was withdrawn."""

    class Revised(Updated):
        """A full new text of the article was captured."""

    def has(self, update_id: str) -> bool:
        return update_id in self.known

    def record(self, update: Update, zone: tzinfo = UTC) -> None:
        """Append an update; corrections and retractions must amend one of ours.

        ``zone`` is the archive's: where a date-only update sits on the timeline.
        """
        if update.story != self.slug:
            raise InvalidInput(f"update for {update.story!r} cannot go in story {self.slug!r}")
        if update.target is not None:
            self._check_target(update, zone)
        recorded_at = Story.Updated.create_timestamp()
        record = update.to_record()
        self.trigger_event(
            EVENTS[update.kind],
            timestamp=recorded_at,
            update=record,
            digest=update_digest(record, utc_text(recorded_at), self.head),
            previous=self.head,
        )

    def _check_target(self, update: Update, zone: tzinfo) -> None:
        assert update.target is not None
        found = self.known.get(update.target)
        if found is None:
            raise UnknownUpdate(
                f"{update.kind} target {update.target!r} is not an update of story "
                f"{self.slug!r}: see `story log {self.slug}` for its ids"
            )
        kind, reported_at = found
        allowed = CORRECTABLE if update.kind == "correction" else RETRACTABLE
        if kind not in allowed:
            raise InvalidInput(
                f"a {update.kind} cannot amend a {kind} update ({update.target}): "
                f"target one of the kinds {', '.join(sorted(allowed))}"
            )
        if update.target == update.id:
            raise InvalidInput(f"a {update.kind} cannot amend itself")
        if update.reported_at.start(zone) < When.parse(reported_at).start(zone):
            raise InvalidInput(
                f"{update.kind} reported at {update.reported_at} is earlier than its target "
                f"{update.target} (reported {reported_at}): it must come after what it amends"
            )


EVENTS: dict[str, type[Story.Updated]] = {
    "report": Story.Reported,
    "statement": Story.StatementIssued,
    "fact": Story.FactRecorded,
    "correction": Story.Corrected,
    "retraction": Story.Retracted,
    "revision": Story.Revised,
}
