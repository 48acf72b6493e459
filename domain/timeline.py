"""Projections: the story as it stood after any update, or as of any date.

Versions are the story's states after each update in *reported* order (ties in recorded
order). Nothing stored is rewritten when an update arrives late: the timeline is derived
afresh from the updates each time it is asked for.

Two zones are at work. The archive's zone places a date-only ``reported_at`` on the
timeline (at the start of that day there); it is fixed when the archive is created, so
the order of versions never depends on who asks. The reader's zone (``--tz``) decides
what a date cut-off includes: an update reported on a day is visible from that day on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from domain.errors import NotYetReported, UnknownUpdate
from domain.updates import Update
from domain.when import When


@dataclass(frozen=True)
class Statement:
    """A party's statement as it stood (corrected text, if it was corrected)."""

    update_id: str
    party: str
    text: str
    issued_at: str | None


@dataclass(frozen=True)
class Amendment:
    """A correction or retraction in force, and the update it amends."""

    update_id: str
    kind: str
    target: str
    note: str
    reported_at: str


@dataclass(frozen=True)
class Note:
    """Where corrected or retracted text stands (or stood) in the body: before paragraph
    ``at`` (``at == len(paragraphs)``: after the last one)."""

    at: int
    amendment: Amendment


@dataclass(frozen=True)
class StoryVersion:
    """What a story said after its first ``version`` updates, in reported order.

    ``updates`` are the updates that made it: those whose text, headline, statement or
    fact shows, and the corrections and retractions in force. Updates whose content was
    replaced (a report before a revision, a fact set again) are counted in ``version``
    but not listed; `story log` lists every update.
    """

    slug: str
    version: int
    headline: str | None
    paragraphs: tuple[str, ...]
    statements: tuple[Statement, ...]
    facts: dict[str, Any]
    updates: tuple[Update, ...]
    amendments: tuple[Amendment, ...]
    notes: tuple[Note, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def last(self) -> Update:
        return self.updates[-1]


@dataclass(frozen=True)
class Cut:
    """Which updates a version sees: reported by ``as_of``, recorded by ``known_at``.

    Dates are read in ``tz``: a date reaches through the end of that day there.
    """

    tz: tzinfo
    as_of: When | None = None
    known_at: When | None = None

    @property
    def reported_by(self) -> datetime | None:
        return self.as_of.end(self.tz) if self.as_of else None

    @property
    def last_day(self) -> date | None:
        """The last day whose date-only updates are visible."""
        limit = self.reported_by
        return limit.astimezone(self.tz).date() if limit else None

    @property
    def recorded_by(self) -> datetime | None:
        return self.known_at.end(self.tz) if self.known_at else None

    def admits(self, update: Update) -> bool:
        limit, last_day, known = self.reported_by, self.last_day, self.recorded_by
        reported = update.reported_at
        if limit is not None and last_day is not None:
            if reported.moment is None and reported.day > last_day:
                return False
            if reported.moment is not None and reported.moment > limit:
                return False
        return known is None or _recorded(update) <= known


def order_key(update: Update, zone: tzinfo) -> datetime:
    """Where an update sits on the timeline (ties are broken by recorded order)."""
    return update.reported_at.start(zone)


def ordered(updates: Iterable[Update], zone: tzinfo) -> list[Update]:
    """Updates in reported order; updates must arrive in recorded order (ties keep it)."""
    return sorted(updates, key=lambda u: order_key(u, zone))


def timeline(updates: Iterable[Update], zone: tzinfo, cut: Cut) -> list[Update]:
    """The updates a cut admits, in version order."""
    return ordered((u for u in updates if cut.admits(u)), zone)


def _recorded(update: Update) -> datetime:
    assert update.recorded_at is not None, "only recorded updates have a place in time"
    return update.recorded_at


def state(slug: str, updates: Sequence[Update], version: int | None = None) -> StoryVersion:
    """Fold updates (in version order) into the story they tell.

    ``updates`` may leave out updates whose content cannot show (see
    ``storage.index``): the result is the same, given the true ``version`` number.
    """
    corrections: dict[str, Update] = {}
    retractions: dict[str, Update] = {}
    for update in updates:
        if update.kind == "correction" and update.target:
            corrections[update.target] = update
        elif update.kind == "retraction" and update.target:
            retractions[update.target] = update

    # Text before the last revision in force cannot show: only its headlines matter.
    start = next(
        (
            n
            for n in range(len(updates) - 1, -1, -1)
            if updates[n].kind == "revision" and updates[n].id not in retractions
        ),
        0,
    )
    headline: str | None = None
    headline_from: str | None = None
    body: list[str] = []
    notes: list[Note] = []
    made_by: set[str] = set()
    statements: list[Statement] = []
    facts: dict[str, Any] = {}
    fact_from: dict[str, str] = {}
    amendments: list[Amendment] = []
    for n, update in enumerate(updates):
        in_body = update.kind in ("report", "revision") and n >= start
        if update.id in retractions:
            if in_body:  # a note where the withdrawn text stood
                notes.append(Note(len(body), _amendment(retractions[update.id])))
            continue
        fix = corrections.get(update.id)
        if update.kind in ("report", "revision"):
            new_headline = (fix.headline if fix else None) or update.headline
            if new_headline:
                headline, headline_from = new_headline, update.id
            if in_body:
                body.extend(fix.paragraphs if fix else update.paragraphs)
                made_by.add(update.id)
                if fix:
                    notes.append(Note(len(body), _amendment(fix)))
        elif update.kind == "statement":
            text = (fix or update).text or ""
            issued = str(update.issued_at) if update.issued_at else None
            statements.append(Statement(update.id, update.party or "", text, issued))
            made_by.add(update.id)
        elif update.kind == "fact" and update.key:
            facts[update.key] = update.value
            fact_from[update.key] = update.id
        else:
            amendments.append(_amendment(update))
            made_by.add(update.id)
    facts = {key: value for key, value in facts.items() if value is not None}
    made_by.update(fact_from[key] for key in facts)
    if headline_from:
        made_by.add(headline_from)
    return StoryVersion(
        slug=slug,
        version=len(updates) if version is None else version,
        headline=headline,
        paragraphs=tuple(body),
        statements=tuple(statements),
        facts=facts,
        updates=tuple(u for u in updates if u.id in made_by),
        amendments=tuple(amendments),
        notes=tuple(notes),
    )


def _amendment(update: Update) -> Amendment:
    return Amendment(
        update.id, update.kind, update.target or "", update.note or "", str(update.reported_at)
    )


def as_of(slug: str, updates: Iterable[Update], zone: tzinfo, cut: Cut) -> StoryVersion:
    """The story as it stood at the cut, from all of its updates."""
    seen = timeline(updates, zone, cut)
    if not seen:
        raise not_yet_reported(slug, cut)
    return state(slug, seen)


def at_update(
    slug: str, updates: Iterable[Update], zone: tzinfo, update_id: str, cut: Cut
) -> StoryVersion:
    """The story as it stood right after the given update, in version order."""
    seen = timeline(updates, zone, cut)
    for number, update in enumerate(seen, start=1):
        if update.id == update_id:
            return state(slug, seen[:number])
    raise UnknownUpdate(f"update {update_id!r} is not in story {slug!r}: see `story log {slug}`")


def not_yet_reported(slug: str, cut: Cut) -> NotYetReported:
    moment = f"as of {cut.as_of}" if cut.as_of else "yet"
    known = f" (known at {cut.known_at})" if cut.known_at else ""
    return NotYetReported(
        f"story {slug!r} had no update reported {moment}{known}: "
        "choose a later date (see `story log`)"
    )
