"""Replay at its edges: a story's dates far from the middle of its first and last day
(the version number is then counted from the other end), updates tied on the timeline,
retracted and removed facts, fact keys that sort oddly; every cut checked against the
full fold, on both databases, in four archive zones. (Written by a reviewer of the as-of
statement's schema-3 rewrite; it found nothing, and keeps it that way.)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from test_projection import Mix, check_cut, check_version_at, random_story, record_in_batches

from domain.application import Archive
from domain.timeline import Cut
from domain.when import When, time_zone
from storage.archive import open_archive

ZONES = ["UTC", "America/Chicago", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
KEYS = ("a", "a.b", "a-b", "A", "a_", "0", "a.b.c", "ab", "b", "Z9")


def day_of(rng: random.Random) -> date:
    r = rng.random()
    if r < 0.05:
        return date(2023, 1, 1) + timedelta(days=rng.randrange(3))  # far back
    if r < 0.1:
        return date(2026, 6, 1) + timedelta(days=rng.randrange(3))  # far ahead
    return date(2024, 2, 10) + timedelta(days=rng.randrange(3))  # the cluster


def when_text(rng: random.Random, day: date) -> str:
    r = rng.random()
    if r < 0.5:
        return day.isoformat()
    if r < 0.7:  # exactly the start of the day somewhere
        offset = rng.choice(["+00:00", "-06:00", "+14:00", "-11:00", "-05:00"])
        return f"{day.isoformat()}T00:00:00{offset}"
    offset = rng.choice(["+00:00", "-06:00", "+14:00", "-10:00", "-11:00"])
    return f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.choice([0, 30]):02d}:00{offset}"


# Most updates on three days, a few in 2023 and 2026: story_stats' first and last day lie
# far from the rows, so the version number is counted from the far side too. Amendments
# often share their target's moment; retractions often withdraw a fact.
EDGES = Mix(
    reported=lambda rng: when_text(rng, day_of(rng)),
    weights=(20, 5, 6, 40, 8, 14),
    keys=KEYS,
    removals=2,
    amend_after=0,
    ties=0.4,
    fact_retractions=0.6,
)


@pytest.fixture(params=ZONES)
def zoned(request: pytest.FixtureRequest, db: str) -> Iterator[Archive]:
    archive = open_archive(db, request.param)
    yield archive
    archive.close()


def cut_days(rng: random.Random) -> list[When]:
    out = []
    for base in (date(2022, 12, 30), date(2023, 1, 1), date(2024, 2, 9), date(2026, 6, 1)):
        for d in range(-1, 5):
            day = base + timedelta(days=d)
            out.append(When.parse(day.isoformat()))
            for h in (0, 9, 10, 11, 14, 23):
                for off in ("+00:00", "-06:00", "+14:00"):
                    if rng.random() < 0.15:
                        out.append(When.parse(f"{day.isoformat()}T{h:02d}:00:00{off}"))
    return out


@pytest.mark.slow
def test_replay_holds_with_dates_far_from_the_storys_middle_ties_and_odd_fact_keys(
    zoned: Archive,
) -> None:
    rng = random.Random(3)
    slugs = ("alpha", "beta")
    for slug in slugs:
        record_in_batches(zoned, random_story(rng, slug, 110, EDGES), rng, refused_ok=True)
    compared = versions = 0
    for slug in slugs:
        every = zoned.index.updates(slug)
        recorded = sorted(u.recorded_at for u in every if u.recorded_at)
        whens: list[When | None] = [None, *cut_days(rng)]
        for when in whens:
            for tzname in ZONES:
                knowns: list[When | None] = [None]
                if rng.random() < 0.3:
                    knowns.append(When.parse(rng.choice(recorded).isoformat()))
                for known in knowns:
                    compared += check_cut(zoned, slug, every, Cut(time_zone(tzname), when, known))
        for update in every:
            for known in (None, When.parse(rng.choice(recorded).isoformat())):
                cut = Cut(time_zone(rng.choice(ZONES)), None, known)
                if not cut.admits(update, zoned.index.zone):
                    continue
                check_version_at(zoned, slug, every, update, cut)
                versions += 1
    assert compared > 50  # cuts whose replay was compared, not refused
    assert versions > 100
    v = zoned.verify()
    assert v.ok, v.findings
    for slug in slugs:
        v = zoned.verify(slug)
        assert v.ok, v.findings
