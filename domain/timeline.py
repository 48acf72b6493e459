"""Projections: the story as it stood after any update, or as of any date.

Versions are the story's states after each update in *reported* order (ties in recorded
order). Nothing stored is rewritten when an update arrives late: the timeline is derived
afresh from the updates each time it is asked for.

A date-only ``reported_at`` is placed at the start of that day in the archive's zone,
fixed when the archive is created, so the order of versions never depends on who asks.
The reader's zone (``--tz``) says where a date cut-off ends; what it admits is always
the first versions of the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from domain.errors import NotYetReported, UnknownUpdate
from domain.updates import Update
from domain.when import When


@dataclass(frozen=True)
class Amendment:
    """A correction or retraction in force, and the update it amends."""

    update_id: str
    kind: str
    target: str
    note: str
    reported_at: str


@dataclass(frozen=True)
class Statement:
    """A party's statement as it stood: corrected text, if it was corrected, and the
    correction (its note is shown with the statement, as a corrected report's is)."""

    update_id: str
    party: str
    text: str
    issued_at: str | None
    correction: Amendment | None = None


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
    latest: Update | None = None  # the update that made this version (the last in order)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def last(self) -> Update:
        """The update that made this version."""
        return self.latest or self.updates[-1]


@dataclass(frozen=True)
class Cut:
    """Which updates a version sees: reported by ``as_of``, recorded by ``known_at``.

    Dates given here are read in ``tz``: a date reaches through the end of that day there.
    An update is reported at its place on the timeline (a date-only update: the start of
    its day in the archive's zone), so what a cut admits is always the first versions.
    """

    tz: tzinfo
    as_of: When | None = None
    known_at: When | None = None

    @property
    def reported_by(self) -> datetime | None:
        return self.as_of.end(self.tz) if self.as_of else None

    @property
    def recorded_by(self) -> datetime | None:
        return self.known_at.end(self.tz) if self.known_at else None

    def admits(self, update: Update, zone: tzinfo) -> bool:
        limit, known = self.reported_by, self.recorded_by
        if limit is not None and order_key(update, zone) > limit:
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
    return ordered((u for u in updates if cut.admits(u, zone)), zone)


def _recorded(update: Update) -> datetime:
    assert update.recorded_at is not None, "only recorded updates have a place in time"
    return update.recorded_at


def state(slug: str, updates: Sequence[Update], version: int | None = None) -> StoryVersion:
    """Fold updates (in version order) into the story they tell.

    ``updates`` may leave out updates whose content cannot show (see
    ``storage.index``): the result is the same, given the true ``version`` number.
    """
    fold = _Fold(updates)
    return fold.story(slug, len(updates) if version is None else version)


def history(
    slug: str, timeline: Sequence[Update], made_by: bool = True
) -> Iterator[tuple[Update, StoryVersion]]:
    """The story after each update of a timeline, in order: ``state`` of each prefix.

    Folds incrementally; only a correction or retraction (which changes what came
    before it) makes it fold its prefix again. ``made_by=False``: every version but the
    last leaves ``updates`` (the updates that made it) empty; what a version says is
    complete. Provenance reads only that, and need not pay for a list per version.
    """
    fold = _Fold([])
    last = len(timeline)
    for n, update in enumerate(timeline, start=1):
        amends = update.kind in ("correction", "retraction") or update.id in fold.amended
        if amends:
            fold = _Fold(timeline[:n])
        else:
            if update.kind == "revision":
                fold.restart()
            fold.add(update, in_body=update.kind in ("report", "revision"))
        yield update, fold.story(slug, n, made_by or n == last)


class _Fold:
    """The fold's running state: updates are added in version order."""

    def __init__(self, updates: Sequence[Update]) -> None:
        """The fold of ``updates`` (in version order), ready for more."""
        self.corrections: dict[str, Update] = {}
        self.retractions: dict[str, Update] = {}
        for update in updates:
            kind = update.kind
            if (kind == "correction" or kind == "retraction") and update.target:
                amends = self.corrections if kind == "correction" else self.retractions
                amends[update.target] = update
        self.amended = set(self.corrections) | set(self.retractions)
        self.position: dict[str, int] = {}
        self.headline: str | None = None
        self.headline_from: str | None = None
        self.body: list[str] = []
        self.body_from: list[str] = []
        self.notes: list[Note] = []
        self.statements: list[Statement] = []
        self.facts: dict[str, Any] = {}
        self.fact_from: dict[str, str] = {}
        self.amendments: list[Amendment] = []
        self.order: list[Update] = []
        # Text before the last revision in force cannot show: only its headlines matter.
        last = 0
        for n in range(len(updates) - 1, 0, -1):
            if updates[n].kind == "revision" and updates[n].id not in self.retractions:
                last = n
                break
        # Reports and statements nothing amends, in short: benchmarks/results/ab_shortcuts.txt
        add, amended, position, order = self.add, self.amended, self.position, self.order
        body, body_from, statements = self.body, self.body_from, self.statements
        for n, update in enumerate(updates):
            uid, kind = update.id, update.kind
            if uid in amended or not (kind == "report" or kind == "revision"):
                if kind == "statement" and uid not in amended:
                    position[uid] = n
                    order.append(update)
                    statements.append(_statement(update))
                else:
                    add(update, n >= last and kind in _BODY)
                continue
            position[uid] = n
            order.append(update)
            if update.headline:
                self.headline, self.headline_from = update.headline, uid
            if n >= last:
                if update.text:
                    body.extend(update.text.split("\n\n"))  # Update.paragraphs
                body_from.append(uid)

    def restart(self) -> None:
        """A revision in force: the text before it can no longer show."""
        self.body, self.body_from, self.notes = [], [], []

    def add(self, update: Update, in_body: bool) -> None:
        self.position[update.id] = len(self.order)
        self.order.append(update)
        if update.id in self.retractions:
            if in_body:  # a note where the withdrawn text stood
                self.notes.append(Note(len(self.body), _amendment(self.retractions[update.id])))
            return
        fix = self.corrections.get(update.id)
        if update.kind in ("report", "revision"):
            new_headline = (fix.headline if fix else None) or update.headline
            if new_headline:
                self.headline, self.headline_from = new_headline, update.id
            if in_body:
                self.body.extend(fix.paragraphs if fix else update.paragraphs)
                self.body_from.append(update.id)
                if fix:
                    self.notes.append(Note(len(self.body), _amendment(fix)))
        elif update.kind == "statement":
            text = (fix or update).text or ""
            issued = str(update.issued_at) if update.issued_at else None
            correction = _amendment(fix) if fix else None
            self.statements.append(
                Statement(update.id, update.party or "", text, issued, correction)
            )
        elif update.kind == "fact" and update.key:
            self.facts[update.key] = update.value
            self.fact_from[update.key] = update.id
        else:
            self.amendments.append(_amendment(update))

    def story(self, slug: str, version: int, made_by: bool = True) -> StoryVersion:
        facts = {key: value for key, value in self.facts.items() if value is not None}
        return StoryVersion(
            slug=slug,
            version=version,
            headline=self.headline,
            paragraphs=tuple(self.body),
            statements=tuple(self.statements),
            facts=facts,
            updates=self._made_by(facts) if made_by else (),
            amendments=tuple(self.amendments),
            notes=tuple(self.notes),
            latest=self.order[-1] if self.order else None,
        )

    def _made_by(self, facts: dict[str, Any]) -> tuple[Update, ...]:
        """The updates whose content shows (and the amendments in force), in order."""
        ids = set(self.body_from)
        ids.update(s.update_id for s in self.statements)
        ids.update(a.update_id for a in self.amendments)
        ids.update(self.fact_from[key] for key in facts)
        if self.headline_from:
            ids.add(self.headline_from)
        return tuple(self.order[n] for n in sorted(self.position[uid] for uid in ids))


_BODY = ("report", "revision")


def _statement(update: Update) -> Statement:
    issued = str(update.issued_at) if update.issued_at else None
    return Statement(update.id, update.party or "", update.text or "", issued)


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
