"""Projections: the story as it stood after any update, or as of any date.

Versions are the story's states after each update in *reported* order (ties in recorded
order). Nothing stored is rewritten when an update arrives late: the timeline is derived
afresh from the updates each time it is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
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


@dataclass(frozen=True)
class StoryVersion:
    """What a story said after its first ``version`` updates, in reported order."""

    slug: str
    version: int
    headline: str | None
    paragraphs: tuple[str, ...]
    statements: tuple[Statement, ...]
    facts: dict[str, Any]
    updates: tuple[Update, ...]
    amendments: tuple[Amendment, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def last(self) -> Update:
        return self.updates[-1]


def ordered(updates: Iterable[Update], tz: tzinfo) -> list[Update]:
    """Updates in reported order; updates must arrive in recorded order (ties keep it)."""
    return sorted(updates, key=lambda u: u.reported_at.start(tz))


def position(reported: Sequence[tuple[str, When]], tz: tzinfo, update_id: str) -> int:
    """The version an update makes: its place in reported order (ties in recorded order)."""
    ranked = sorted(range(len(reported)), key=lambda n: reported[n][1].start(tz))
    return next(rank for rank, n in enumerate(ranked, start=1) if reported[n][0] == update_id)


def visible(
    updates: Iterable[Update], tz: tzinfo, as_of: When | None, known_at: When | None
) -> list[Update]:
    """The updates reported by ``as_of`` and recorded by ``known_at``, in reported order."""
    cutoff = as_of.end(tz) if as_of else None
    known = known_at.end(tz) if known_at else None
    return ordered(
        (
            u
            for u in updates
            if (cutoff is None or u.reported_at.start(tz) <= cutoff)
            and (known is None or _recorded(u) <= known)
        ),
        tz,
    )


def _recorded(update: Update) -> datetime:
    assert update.recorded_at is not None, "only recorded updates have a place in time"
    return update.recorded_at


def state(slug: str, timeline: Sequence[Update]) -> StoryVersion:
    """Fold a timeline (already in reported order) into the story it tells."""
    corrections: dict[str, Update] = {}
    retracted: set[str] = set()
    for update in timeline:
        if update.kind == "correction" and update.target:
            corrections[update.target] = update
        elif update.kind == "retraction" and update.target:
            retracted.add(update.target)

    # Text before the last revision in force cannot show: only its headlines matter.
    start = next(
        (
            n
            for n in range(len(timeline) - 1, -1, -1)
            if timeline[n].kind == "revision" and timeline[n].id not in retracted
        ),
        0,
    )
    headline: str | None = None
    body: list[str] = []
    statements: list[Statement] = []
    facts: dict[str, Any] = {}
    amendments: list[Amendment] = []
    for n, update in enumerate(timeline):
        if update.id in retracted:
            continue
        fix = corrections.get(update.id)
        if update.kind in ("report", "revision"):
            headline = (fix.headline if fix else None) or update.headline or headline
            if n >= start:
                body.extend(fix.paragraphs if fix else update.paragraphs)
        elif update.kind == "statement":
            text = (fix or update).text or ""
            issued = str(update.issued_at) if update.issued_at else None
            statements.append(Statement(update.id, update.party or "", text, issued))
        elif update.kind == "fact" and update.key:
            if update.value is None:
                facts.pop(update.key, None)
            else:
                facts[update.key] = update.value
        else:
            amendments.append(
                Amendment(update.id, update.kind, update.target or "", update.note or "")
            )
    return StoryVersion(
        slug=slug,
        version=len(timeline),
        headline=headline,
        paragraphs=tuple(body),
        statements=tuple(statements),
        facts=facts,
        updates=tuple(timeline),
        amendments=tuple(amendments),
    )


def as_of(
    slug: str,
    updates: Iterable[Update],
    tz: tzinfo,
    when: When | None,
    known_at: When | None = None,
) -> StoryVersion:
    """The story as it stood at ``when`` (the latest version if None)."""
    timeline = visible(updates, tz, when, known_at)
    if not timeline:
        moment = f"as of {when}" if when else "yet"
        known = f" (known at {known_at})" if known_at else ""
        raise NotYetReported(
            f"story {slug!r} had no update reported {moment}{known}: "
            "choose a later date (see `story log`)"
        )
    return state(slug, timeline)


def at_update(
    slug: str,
    updates: Iterable[Update],
    tz: tzinfo,
    update_id: str,
    known_at: When | None = None,
) -> StoryVersion:
    """The story as it stood right after the given update, in reported order."""
    timeline = visible(updates, tz, None, known_at)
    for position, update in enumerate(timeline, start=1):
        if update.id == update_id:
            return state(slug, timeline[:position])
    raise UnknownUpdate(f"update {update_id!r} is not in story {slug!r}: see `story log {slug}`")
