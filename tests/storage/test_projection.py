"""The index answers exactly as the pure fold over every update would.

Replays read only the rows whose content can still show (storage.index.relevant). Here
random stories — back-fills, corrections, retractions, facts set and removed, dates with
and without times — are replayed both ways at many cuts, on each backend.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.application import Archive
from domain.errors import StoryError
from domain.timeline import Cut, StoryVersion, as_of, at_update
from domain.updates import Update
from domain.when import When, time_zone
from storage.archive import open_archive
from storage.queries import _upto

ZONES = ["UTC", "America/Chicago", "Pacific/Kiritimati"]


def _spread(rng: random.Random) -> str:
    """A day in February 2024's first 20, half the time with a time and an offset."""
    day = date(2024, 2, 1) + timedelta(days=rng.randrange(20))
    if rng.random() < 0.5:
        offset = rng.choice(["+00:00", "-06:00", "+14:00", "-10:00"])
        return f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00{offset}"
    return day.isoformat()


@dataclass(frozen=True)
class Mix:
    """How random_story draws updates. The defaults are the everyday mix; the extra draws
    (ties, fact retractions) cost no randomness when off, so stories stay reproducible."""

    reported: Callable[[random.Random], str] = _spread
    weights: tuple[int, ...] = (30, 6, 8, 25, 8, 8)  # report ... retraction, as KINDS
    keys: tuple[str, ...] = ("a", "b", "c", "d.e")
    removals: int = 1  # how many of the fact values drawn from are None (removed)
    amend_after: int = 2  # an amendment comes this many days or more after its target
    ties: float = 0.0  # how often an amendment is reported at its target's very moment
    fact_retractions: float = 0.0  # how often a retraction is aimed at a fact


KINDS = ("report", "revision", "statement", "fact", "correction", "retraction")


def random_story(rng: random.Random, slug: str, count: int, mix: Mix = Mix()) -> list[Update]:
    """Updates of every kind, in the (shuffled) order an archivist might record them."""
    made: list[Update] = []
    for n in range(count):
        reported = mix.reported(rng)
        kind = rng.choices(KINDS, weights=mix.weights)[0]
        fields: dict[str, Any] = {}
        targets = [u for u in made if u.kind in ("report", "statement", "revision", "fact")]
        if kind in ("correction", "retraction"):
            allowed = [u for u in targets if kind == "retraction" or u.kind != "fact"]
            aim = mix.fact_retractions  # the draw is skipped when it is 0
            if kind == "retraction" and aim and rng.random() < aim:
                allowed = [u for u in allowed if u.kind == "fact"] or allowed
            if not allowed:
                continue
            target = rng.choice(allowed)
            fields = {"target": target.id, "note": f"note {n}"}
            if mix.ties and rng.random() < mix.ties:
                reported = str(target.reported_at)
            else:
                later = mix.amend_after + rng.randrange(3)
                reported = (target.reported_at.day + timedelta(days=later)).isoformat()
            if kind == "correction":
                fields["text"] = f"Corrected {n}."
                if rng.random() < 0.3:
                    fields["headline"] = f"Corrected headline {n}"
        elif kind in ("report", "revision"):
            fields = {"text": f"Paragraph {n}a.\n\nParagraph {n}b."}
            if rng.random() < 0.4:
                fields["headline"] = f"Headline {n}"
        elif kind == "statement":
            fields = {"party": rng.choice(["City", "SoundThinking"]), "text": f"Said {n}."}
        else:
            value = rng.choice([None] * mix.removals + [n, f"v{n}", {"n": n}])
            fields = {"key": rng.choice(mix.keys), "value": value}
        made.append(Update.draft(slug, kind, reported, "tester", **fields))
    return made


def record_in_batches(
    archive: Archive, updates: list[Update], rng: random.Random, refused_ok: bool = False
) -> None:
    """Record with back-fills: batches keep amendments after their targets. With
    ``refused_ok``, a batch the archive refuses (an amendment drawn earlier than its
    target) is recorded an update at a time, skipping the refused ones."""
    n = 0
    while n < len(updates):
        size = rng.randrange(1, 8)
        try:
            archive.record(updates[n : n + size])
        except StoryError:
            if not refused_ok:
                raise
            for update in updates[n : n + size]:
                with contextlib.suppress(StoryError):
                    archive.record([update])
        n += size


def check_cut(archive: Archive, slug: str, every: list[Update], cut: Cut) -> bool:
    """The archive's replay at a cut is the full fold's, or is refused as the fold is;
    whether there was a version to compare."""
    try:
        expected = as_of(slug, every, archive.index.zone, cut)
    except StoryError as error:  # the archive must refuse in the same way
        with pytest.raises(type(error)):
            archive.replay(slug, cut.tz, cut.as_of, cut.known_at)
        return False
    same(archive.replay(slug, cut.tz, cut.as_of, cut.known_at), expected)
    return True


def check_version_at(
    archive: Archive, slug: str, every: list[Update], update: Update, cut: Cut
) -> None:
    """The version right after an update is the full fold's."""
    same(
        archive.version(slug, cut.tz, update.id, cut.known_at),
        at_update(slug, every, archive.index.zone, update.id, cut),
    )


def same(left: StoryVersion, right: StoryVersion) -> None:
    assert left.version == right.version
    assert left.headline == right.headline
    assert left.paragraphs == right.paragraphs
    assert left.statements == right.statements
    assert left.facts == right.facts
    assert left.amendments == right.amendments
    assert left.notes == right.notes
    assert left.last.id == right.last.id  # the update that made the version
    assert [u.id for u in left.updates] == [u.id for u in right.updates]


@pytest.fixture(params=ZONES)
def zoned(request: pytest.FixtureRequest, db: str) -> Iterator[Archive]:
    archive = open_archive(db, request.param)
    yield archive
    archive.close()


def test_every_cut_of_a_random_story_matches_the_full_fold(zoned: Archive) -> None:
    rng = random.Random(20240216)
    for story in ("alpha", "beta"):
        record_in_batches(zoned, random_story(rng, story, 90), rng)
    compared = 0
    for story in ("alpha", "beta"):
        every = zoned.index.updates(story)
        recorded = sorted(u.recorded_at for u in every if u.recorded_at)
        for _ in range(40):
            tz = time_zone(rng.choice(ZONES))
            day = date(2024, 2, 1) + timedelta(days=rng.randrange(-1, 23))
            when = When.parse(day.isoformat())
            if rng.random() < 0.4:
                moment = datetime(day.year, day.month, day.day, rng.randrange(24), tzinfo=UTC)
                when = When.parse(moment.isoformat())
            known = None
            if rng.random() < 0.4:
                known = When.parse(rng.choice(recorded).isoformat())
            compared += check_cut(zoned, story, every, Cut(tz, when, known))
        for update in rng.sample(every, 15):
            check_version_at(zoned, story, every, update, Cut(time_zone("UTC")))
    assert compared > 40  # most cuts were compared, not refused by both


def test_replay_of_every_story_matches_one_story_at_a_time(zoned: Archive) -> None:
    rng = random.Random(7)
    for story in ("alpha", "beta", "gamma"):
        record_in_batches(zoned, random_story(rng, story, 40), rng)
    tz, when = time_zone("America/Chicago"), When.parse("2024-02-10")
    versions = list(zoned.replay_all(tz, when))
    assert [v.slug for v in versions] == ["alpha", "beta", "gamma"]
    for version in versions:
        same(version, zoned.replay(version.slug, tz, when))


def test_replay_of_every_story_matches_the_full_fold_at_random_cuts(zoned: Archive) -> None:
    rng = random.Random(4)
    stories = ("alpha", "beta", "gamma", "delta")
    for story in stories:
        record_in_batches(zoned, random_story(rng, story, 40), rng)
    zone = zoned.index.zone
    every = {story: zoned.index.updates(story) for story in stories}
    recorded = sorted(u.recorded_at for us in every.values() for u in us if u.recorded_at)
    for _ in range(12):
        tz = time_zone(rng.choice(ZONES))
        when = None
        if rng.random() < 0.8:
            when = When.parse(
                (date(2024, 2, 1) + timedelta(days=rng.randrange(-1, 25))).isoformat()
            )
        known = When.parse(rng.choice(recorded).isoformat()) if rng.random() < 0.4 else None
        cut = Cut(tz, when, known)
        expected = {}
        for story in stories:
            if any(cut.admits(u, zone) for u in every[story]):
                expected[story] = as_of(story, every[story], zone, cut)
        found = {version.slug: version for version in zoned.replay_all(tz, when, known)}
        assert list(found) == sorted(expected)
        for story, version in found.items():
            same(version, expected[story])
            assert version.updates == expected[story].updates


def test_the_rows_a_cut_admits_in_sql_are_those_cut_admits_admits(zoned: Archive) -> None:
    """The as-of rule is ``Cut.admits``; the index's SQL (storage.queries._seen) must
    admit exactly the same updates, in the same (version) order."""
    rng = random.Random(11)
    record_in_batches(zoned, random_story(rng, "alpha", 90), rng)
    every = zoned.index.updates("alpha")
    recorded = sorted(u.recorded_at for u in every if u.recorded_at)
    checked = 0
    for _ in range(60):
        day = date(2024, 2, 1) + timedelta(days=rng.randrange(-1, 23))
        when = None if rng.random() < 0.2 else When.parse(day.isoformat())
        known = When.parse(rng.choice(recorded).isoformat()) if rng.random() < 0.5 else None
        cut = Cut(time_zone(rng.choice(ZONES)), when, known)
        admitted = [u.id for u in every if cut.admits(u, zoned.index.zone)]
        assert [u.id for u in zoned.index.updates("alpha", cut)] == admitted
        checked += 0 < len(admitted) < len(every)
    assert checked > 20  # most cuts fall inside the story, not before or after it


def test_the_rows_after_a_place_are_exactly_those_not_up_to_it() -> None:
    """storage.queries counts the rows after a cut (a version number from the story's
    size) with _upto's other side: each row is on exactly one side, as (sort_utc, seq)
    compared in order says."""
    rng = random.Random(5)
    days = [f"2024-02-{d:02}" for d in (1, 2, 2, 3, 5)]  # ties on sort_utc, so seq decides
    rows = [(rng.choice(days), seq) for seq in range(1, 40)]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (sort_utc TEXT, seq INTEGER)")
    db.executemany("INSERT INTO t VALUES (?, ?)", rows)

    def side(place: str, after: bool, params: dict[str, Any]) -> set[tuple[str, int]]:
        query = f"SELECT sort_utc, seq FROM t WHERE {_upto('t', place, after)}"
        return set(db.execute(query, params).fetchall())

    for _ in range(30):
        bs, bq = rng.choice(days), rng.randrange(0, 41)
        params = {"limit": bs, "bs": bs, "bq": bq}
        for place, up_to in (
            ("limit", {r for r in rows if r[0] <= bs}),
            ("bound", {r for r in rows if r <= (bs, bq)}),
        ):
            assert side(place, False, params) == up_to
            assert side(place, True, params) == set(rows) - up_to
