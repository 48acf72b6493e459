from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.errors import NotYetReported, UnknownUpdate
from domain.timeline import Cut, as_of, at_update, history, ordered, state
from domain.updates import Update
from domain.when import When, time_zone

UTC_ZONE = time_zone("UTC")
RECORDED = datetime(2026, 1, 1, tzinfo=UTC)


class Desk:
    """Records updates as the archive would: in order, each a second after the last."""

    def __init__(self) -> None:
        self.updates: list[Update] = []

    def add(self, kind: str, reported_at: str, **fields: Any) -> Update:
        draft = Update.draft("s", kind, reported_at, "alice", **fields)
        update = replace(draft, recorded_at=RECORDED + timedelta(seconds=len(self.updates)))
        self.updates.append(update)
        return update

    def at(self, when: str, known_at: str | None = None) -> Any:
        known = When.parse(known_at) if known_at else None
        return as_of("s", self.updates, UTC_ZONE, Cut(UTC_ZONE, When.parse(when), known))


def test_reports_add_paragraphs_and_a_revision_replaces_the_body() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="One.", headline="First")
    desk.add("report", "2024-02-13", text="Two.\n\nThree.")
    desk.add("revision", "2024-02-14", text="Whole new text.", headline="Second")
    assert desk.at("2024-02-13").paragraphs == ("One.", "Two.", "Three.")
    assert desk.at("2024-02-13").headline == "First"
    assert desk.at("2024-02-14").paragraphs == ("Whole new text.",)
    assert desk.at("2024-02-14").headline == "Second"


def test_an_update_reported_after_the_cut_off_is_never_shown() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="One.")
    desk.add("report", "2024-02-16T00:00:00+00:00", text="Midnight.")
    assert desk.at("2024-02-15").paragraphs == ("One.",)
    assert desk.at("2024-02-16").version == 2


def test_before_the_first_update_there_is_no_story() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="One.")
    with pytest.raises(NotYetReported, match="had no update reported as of 2024-02-11"):
        desk.at("2024-02-11")


def test_a_late_back_fill_takes_its_place_in_reported_order() -> None:
    desk = Desk()
    first = desk.add("report", "2024-02-12", text="Monday.")
    third = desk.add("report", "2024-02-14", text="Wednesday.")
    second = desk.add("report", "2024-02-13", text="Tuesday.")
    latest = desk.at("2024-02-20")
    assert [u.id for u in latest.updates] == [first.id, second.id, third.id]
    assert latest.paragraphs == ("Monday.", "Tuesday.", "Wednesday.")


def test_known_at_hides_updates_recorded_later() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="Monday.")
    desk.add("report", "2024-02-13", text="Tuesday.")
    before_second = (RECORDED + timedelta(milliseconds=500)).isoformat()
    assert desk.at("2024-02-20", known_at=before_second).paragraphs == ("Monday.",)


def test_ties_in_reported_time_keep_recorded_order() -> None:
    desk = Desk()
    desk.add("fact", "2024-02-16", key="contract.status", value="ending")
    desk.add("fact", "2024-02-16", key="contract.status", value="running")
    assert desk.at("2024-02-16").facts == {"contract.status": "running"}


def test_a_correction_changes_the_text_from_its_own_date_on() -> None:
    desk = Desk()
    wrong = desk.add("report", "2024-02-12", text="Johnson wants nine months.", headline="Plan")
    desk.add(
        "correction", "2024-02-14", target=wrong.id, text="Johnson wants six months.", note="months"
    )
    assert desk.at("2024-02-13").paragraphs == ("Johnson wants nine months.",)
    assert desk.at("2024-02-14").paragraphs == ("Johnson wants six months.",)
    assert desk.at("2024-02-14").headline == "Plan"
    assert desk.at("2024-02-14").amendments[0].target == wrong.id


def test_a_correction_can_fix_a_headline() -> None:
    desk = Desk()
    wrong = desk.add("report", "2024-02-12", text="x", headline="ShotSpoter")
    desk.add(
        "correction",
        "2024-02-13",
        target=wrong.id,
        text="x",
        headline="ShotSpotter",
        note="spelling",
    )
    assert desk.at("2024-02-13").headline == "ShotSpotter"


def test_a_retraction_withdraws_a_fact_and_the_previous_value_returns() -> None:
    desk = Desk()
    desk.add("fact", "2024-02-12", key="contract.status", value="running")
    wrong = desk.add("fact", "2024-02-13", key="contract.status", value="ended")
    desk.add("retraction", "2024-02-14", target=wrong.id, note="not confirmed")
    assert desk.at("2024-02-13").facts == {"contract.status": "ended"}
    assert desk.at("2024-02-14").facts == {"contract.status": "running"}


def test_a_retracted_revision_restores_the_body_it_replaced() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="Original.", headline="Old")
    revision = desk.add("revision", "2024-02-13", text="Rewritten.", headline="New")
    desk.add("retraction", "2024-02-14", target=revision.id, note="wrong story")
    latest = desk.at("2024-02-14")
    assert (latest.headline, latest.paragraphs) == ("Old", ("Original.",))


def test_a_fact_set_to_null_is_removed() -> None:
    desk = Desk()
    desk.add("fact", "2024-02-12", key="contract.ends_on", value="2024-02-16")
    desk.add("fact", "2024-02-17", key="contract.ends_on", value=None)
    assert desk.at("2024-02-17").facts == {}


def test_statements_keep_their_party_and_date() -> None:
    desk = Desk()
    desk.add(
        "statement",
        "2024-02-15",
        party="SoundThinking",
        text="We stand ready.",
        issued_at="2024-02-15",
    )
    (statement,) = desk.at("2024-02-16").statements
    assert (statement.party, statement.text, statement.issued_at) == (
        "SoundThinking",
        "We stand ready.",
        "2024-02-15",
    )


def test_a_corrected_statement_carries_its_correction_from_the_correction_on() -> None:
    desk = Desk()
    said = desk.add("statement", "2024-02-15", party="City Hall", text="Monday.")
    fix = desk.add(
        "correction", "2024-02-16", target=said.id, text="Tuesday.", note="Tuesday, not Monday."
    )

    (before,) = desk.at("2024-02-15").statements
    (after,) = desk.at("2024-02-16").statements
    (_, latest), *_ = reversed(list(history("s", desk.updates)))

    assert (before.text, before.correction) == ("Monday.", None)
    assert after.text == "Tuesday."
    assert after.correction is not None
    assert (after.correction.update_id, after.correction.note) == (fix.id, "Tuesday, not Monday.")
    assert latest.statements == (after,)


def test_the_version_after_an_update_is_the_prefix_through_it() -> None:
    desk = Desk()
    first = desk.add("report", "2024-02-12", text="One.")
    desk.add("report", "2024-02-13", text="Two.")
    assert at_update("s", desk.updates, UTC_ZONE, first.id, Cut(UTC_ZONE)).paragraphs == ("One.",)
    with pytest.raises(UnknownUpdate):
        at_update("s", desk.updates, UTC_ZONE, "000000000000", Cut(UTC_ZONE))


def test_the_readers_zone_decides_which_day_a_moment_falls_on() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="One.")
    desk.add("report", "2024-02-17T03:00:00+00:00", text="Late Friday in Chicago.")
    chicago = time_zone("America/Chicago")
    friday = When.parse("2024-02-16")
    assert as_of("s", desk.updates, UTC_ZONE, Cut(UTC_ZONE, friday)).version == 1
    assert as_of("s", desk.updates, UTC_ZONE, Cut(chicago, friday)).version == 2


def test_a_date_only_update_is_visible_from_its_day_in_the_archive_zone() -> None:
    desk = Desk()
    desk.add("report", "2024-02-15", text="Thursday.")
    desk.add("report", "2024-02-16", text="Friday.")
    chicago = time_zone("America/Chicago")
    in_chicago_archive = as_of("s", desk.updates, chicago, Cut(chicago, When.parse("2024-02-15")))
    assert in_chicago_archive.version == 1
    # In a UTC archive, Friday starts at 18:00 on Thursday in Chicago.
    thursday_evening = When.parse("2024-02-15T18:30:00-06:00")
    assert as_of("s", desk.updates, UTC_ZONE, Cut(chicago, thursday_evening)).version == 2


def test_what_a_cut_admits_is_always_the_first_versions() -> None:
    desk = Desk()
    desk.add("report", "2024-02-16", text="Friday, no time given.")
    desk.add("report", "2024-02-16T03:00:00+00:00", text="Early Friday in UTC.")
    chicago = time_zone("America/Chicago")
    version = as_of("s", desk.updates, UTC_ZONE, Cut(chicago, When.parse("2024-02-15")))
    assert version.paragraphs == ("Friday, no time given.", "Early Friday in UTC.")
    assert [u.text for u in version.updates] == ["Friday, no time given.", "Early Friday in UTC."]


def test_the_archive_zone_places_date_only_updates_among_timed_ones() -> None:
    desk = Desk()
    desk.add("report", "2024-02-16", text="Friday, no time given.")
    desk.add("report", "2024-02-15T23:00:00-06:00", text="Thursday night in Chicago.")
    chicago = time_zone("America/Chicago")
    latest = Cut(UTC_ZONE)
    in_chicago = as_of("s", desk.updates, chicago, latest).paragraphs
    in_utc = as_of("s", desk.updates, UTC_ZONE, latest).paragraphs
    assert in_chicago == ("Thursday night in Chicago.", "Friday, no time given.")
    assert in_utc == ("Friday, no time given.", "Thursday night in Chicago.")


def test_a_version_lists_only_the_updates_whose_content_shows() -> None:
    desk = Desk()
    early = desk.add("report", "2024-02-12", text="Replaced.", headline="Old")
    desk.add("fact", "2024-02-12", key="contract.status", value="ending")
    status = desk.add("fact", "2024-02-13", key="contract.status", value="running")
    revision = desk.add("revision", "2024-02-14", text="Whole.", headline="New")
    gone = desk.add("fact", "2024-02-14", key="gone", value=None)
    version = desk.at("2024-02-14")
    assert version.version == 5
    assert [u.id for u in version.updates] == [status.id, revision.id]
    assert early.id not in [u.id for u in version.updates]
    assert gone.id not in [u.id for u in version.updates]


def random_desk(rng: random.Random, count: int) -> Desk:
    """A story of every kind of update, amendments among them, dates with and without time."""
    desk = Desk()
    for n in range(count):
        day = f"2024-02-{1 + rng.randrange(20):02d}"
        when = day if rng.random() < 0.5 else f"{day}T{rng.randrange(24):02d}:00:00+00:00"
        kind = rng.choices(
            ["report", "revision", "statement", "fact", "correction", "retraction"],
            weights=[30, 6, 8, 20, 8, 8],
        )[0]
        targets = [u for u in desk.updates if u.kind in ("report", "statement", "revision", "fact")]
        if kind in ("correction", "retraction"):
            allowed = [u for u in targets if kind == "retraction" or u.kind != "fact"]
            if not allowed:
                continue
            target = rng.choice(allowed)
            later = f"2024-02-{target.reported_at.day.day + 2 + rng.randrange(3):02d}"
            fields: dict[str, Any] = {"target": target.id, "note": f"note {n}"}
            if kind == "correction":
                fields |= {"text": f"Fixed {n}.", "headline": f"Fixed {n}" if n % 3 else None}
            desk.add(kind, later, **fields)
        elif kind in ("report", "revision"):
            desk.add(
                kind, when, text=f"Text {n}. More {n}.", headline=f"H{n}" if n % 4 == 0 else None
            )
        elif kind == "statement":
            desk.add(kind, when, party="City", text=f"Said {n}.")
        else:
            desk.add(kind, when, key=rng.choice("abc"), value=rng.choice([None, n, f"v{n}"]))
    return desk


@pytest.mark.parametrize("seed", range(30))
def test_the_incremental_history_is_the_fold_of_every_prefix(seed: int) -> None:
    desk = random_desk(random.Random(seed), 60)
    timeline = ordered(desk.updates, UTC_ZONE)
    incremental = list(history("s", timeline))
    assert [u.id for u, _ in incremental] == [u.id for u in timeline]
    for n, (_, version) in enumerate(incremental, start=1):
        assert version == state("s", timeline[:n])


@pytest.mark.parametrize("seed", range(10))
def test_a_history_without_what_made_each_version_says_the_same(seed: int) -> None:
    desk = random_desk(random.Random(seed), 60)
    timeline = ordered(desk.updates, UTC_ZONE)
    light = list(history("s", timeline, made_by=False))
    assert [u.id for u, _ in light] == [u.id for u in timeline]
    for n, (_, version) in enumerate(light, start=1):
        full = state("s", timeline[:n])
        if n == len(timeline):
            assert version == full  # the last version is whole
        else:
            assert version.updates == ()
            assert version == replace(full, updates=())
