"""The Story aggregate: the consistency boundary for a story's updates.

Each update is one event carrying the update's full record (not a patch), so that
projections and diffs can change without invalidating anything stored.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import TopicError, get_topic

from domain.digests import GENESIS, update_digest
from domain.errors import InvalidInput, UnknownUpdate
from domain.updates import CORRECTABLE, RETRACTABLE, Update
from domain.urls import Tie
from domain.when import utc_text

STORY_NAMESPACE = uuid5(NAMESPACE_URL, "https://story.invalid/stories/")


def story_id(slug: str) -> UUID:
    """A story's id: derived from its slug, so every process finds the same story."""
    return uuid5(STORY_NAMESPACE, slug)


class Story(Aggregate):
    """A news story: a slug and the updates recorded for it, in recorded order.

    Its state is what its invariants need and no more: the slug and the head of its
    digest chain. What its updates were lives in their events (and, for finding an
    update's target, in the archive's index, written in the same transaction).
    """

    @staticmethod
    def create_id(slug: str) -> UUID:
        return story_id(slug)

    class Started(Aggregate.Created):
        """A story was started by its first update."""

        slug: str

    @event(Started)
    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.head = GENESIS  # the digest of the latest update

    @classmethod
    def resume(cls, started: Story.Started, last: Story.Updated | None) -> Story:
        """A story from its first and last events alone.

        Its whole state (slug, version, head of its digest chain) is in those two: the
        events between only moved the head on. Loading a story therefore costs two rows
        however long it is, which is why the archive keeps no snapshots.
        """
        story = started.mutate(None)
        assert isinstance(story, Story)
        if last is not None:
            story.version = last.originator_version - 1
            last.mutate(story)
        return story

    class Updated(Aggregate.Event):
        """Base of the six update events: each carries the update's whole record,
        its digest and the digest of the story's previous update (domain.digests)."""

        update: dict[str, Any]
        digest: str
        previous: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Story)
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

    def record(
        self,
        update: Update,
        zone: tzinfo = UTC,
        target: Update | None = None,
        recorded_at: datetime | None = None,
    ) -> Update:
        """Append an update; corrections and retractions must amend one of ours.

        ``zone`` is the archive's: where a date-only update sits on the timeline.
        ``target`` is the recorded update it amends (None: the archive has none).
        ``recorded_at`` is the archive's clock (None: this process's).
        Returns the update as recorded: when, and its digest.
        """
        if update.story != self.slug:
            raise InvalidInput(f"update for {update.story!r} cannot go in story {self.slug!r}")
        if update.target is not None:
            self._check_target(update, zone, target)
        recorded_at = recorded_at or Story.Updated.create_timestamp()
        record = update.to_record()
        self.trigger_event(
            EVENTS[update.kind],
            timestamp=recorded_at,
            update=record,
            digest=update_digest(record, utc_text(recorded_at), self.head),
            previous=self.head,
        )
        return replace(update, recorded_at=recorded_at, digest=self.head)

    def _check_target(self, update: Update, zone: tzinfo, target: Update | None) -> None:
        if target is None:
            raise UnknownUpdate(
                f"{update.kind} target {update.target!r} is not an update of story "
                f"{self.slug!r}: see `story log {self.slug}` for its ids"
            )
        if target.story != self.slug:
            raise UnknownUpdate(
                f"{update.kind} target {update.target} belongs to story {target.story!r}, "
                f"not {self.slug!r}: amend it in its own story"
            )
        allowed = CORRECTABLE if update.kind == "correction" else RETRACTABLE
        if target.kind not in allowed:
            raise InvalidInput(
                f"a {update.kind} cannot amend a {target.kind} update ({update.target}): "
                f"target one of the kinds {', '.join(sorted(allowed))}"
            )
        if update.target == update.id:
            raise InvalidInput(f"a {update.kind} cannot amend itself")
        if update.reported_at.start(zone) < target.reported_at.start(zone):
            raise InvalidInput(
                f"{update.kind} reported at {update.reported_at} is earlier than its target "
                f"{update.target} (reported {target.reported_at}): it must come after what it "
                "amends"
            )


EVENTS: dict[str, type[Story.Updated]] = {
    "report": Story.Reported,
    "statement": Story.StatementIssued,
    "fact": Story.FactRecorded,
    "correction": Story.Corrected,
    "retraction": Story.Retracted,
    "revision": Story.Revised,
}


SETTINGS_ID = uuid5(STORY_NAMESPACE, "archive settings")  # no slug has a space
ZONE_LINK = "time-zone"  # the zone's link in the archive chain, where an update id goes


def zone_digest(zone: str) -> str:
    """The digest of the archive's zone, as the archive chain links it."""
    return update_digest({"time_zone": zone}, "", GENESIS)


class Settings(Aggregate):
    """What the archive itself is set to: its time zone, which places every date-only
    update on the timeline. Recorded once, as an event in the archive chain, so that
    checkpoints cover it and verify checks the zone the index is placed in."""

    @staticmethod
    def create_id(time_zone: str, digest: str) -> UUID:
        return SETTINGS_ID

    class ZoneChosen(Aggregate.Created):
        """The archive's time zone was recorded (``digest``: its zone_digest)."""

        time_zone: str
        digest: str

    @event(ZoneChosen)
    def __init__(self, time_zone: str, digest: str) -> None:
        self.time_zone = time_zone
        self.digest = digest

    @classmethod
    def recording(cls, time_zone: str) -> Settings:
        return cls(time_zone=time_zone, digest=zone_digest(time_zone))


URL_NAMESPACE = uuid5(NAMESPACE_URL, "https://story.invalid/urls/")


def address_id(url: str) -> UUID:
    """An address's id: derived from its normalised URL (domain.urls.normalise)."""
    return uuid5(URL_NAMESPACE, url)


def tie_digest(
    url: str, story: str | None, how: str, by: str, recorded_at: str, previous: str
) -> str:
    """The digest of a tie, chained to the digest of the address's previous tie."""
    record = {"url": url, "story": story, "how": how, "by": by}
    return update_digest(record, recorded_at, previous)


TIE_MARK = "~"


def tie_link(digest: str) -> str:
    """A tie's id in the archive chain: ``~`` and 66 bits of its digest (an update's id
    is hexadecimal, so the two never meet)."""
    return TIE_MARK + base64.urlsafe_b64encode(bytes.fromhex(digest[:18])).decode()[:11]


class Address(Aggregate):
    """A URL an article was found at, and the story it is tied to (None: none).

    Started by ``Registered`` (not in the archive chain, as a story's start is not);
    each ``Tied`` is a link of the archive chain and of the address's own digest chain.
    """

    @staticmethod
    def create_id(url: str) -> UUID:
        return address_id(url)

    class Registered(Aggregate.Created):
        """A URL was first tied."""

        url: str

    @event(Registered)
    def __init__(self, url: str) -> None:
        self.url = url
        self.story: str | None = None
        self.head = GENESIS

    class Tied(Aggregate.Event):
        """The URL was tied to a story, or untied (``story`` None)."""

        story: str | None
        how: str
        by: str
        digest: str
        previous: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Address)
            aggregate.story = self.story
            aggregate.head = self.digest

    def tie(self, story: str | None, how: str, by: str, recorded_at: datetime) -> Tie:
        """Tie the URL to ``story`` (None: untie it); the tie as recorded."""
        digest = tie_digest(self.url, story, how, by, utc_text(recorded_at), self.head)
        self.trigger_event(
            Address.Tied, timestamp=recorded_at, story=story, how=how, by=by, digest=digest,
            previous=self.head,
        )  # fmt: skip
        return Tie(self.url, story, how, by, recorded_at, tie_link(digest))


STARTED_TOPIC = get_topic(Story.Started)
REGISTERED_TOPIC = get_topic(Address.Registered)
TIED_TOPIC = get_topic(Address.Tied)
ZONE_TOPIC = get_topic(Settings.ZoneChosen)
UPDATE_TOPICS = frozenset(get_topic(cls) for cls in EVENTS.values())
_OWN: tuple[type[Aggregate.Event], ...] = (
    Story.Started,
    Settings.ZoneChosen,
    Address.Registered,
    Address.Tied,
    *EVENTS.values(),
)
_EVENTS = {get_topic(cls): cls for cls in _OWN}


class StoryMapper(Mapper[UUID]):
    """eventsourcing's mapper, resolving a stored event's topic only among story's own
    events: a topic is looked up, never imported (a stored topic such as ``this:s``
    would otherwise import and run any module)."""

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        if stored_event.topic not in _EVENTS:
            raise TopicError(
                f"event {stored_event.originator_version} of story {stored_event.originator_id} "
                f"has topic {stored_event.topic[:60]!r}, which is none of story's events"
            )
        return super().to_domain_event(stored_event)
