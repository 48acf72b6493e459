from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.errors import InvalidInput
from domain.when import When, time_zone

CHICAGO = time_zone("America/Chicago")


def test_a_date_reaches_through_the_end_of_its_day_in_the_archive_zone() -> None:
    day = When.parse("2024-02-16")
    assert day.end(UTC) == datetime(2024, 2, 16, 23, 59, 59, 999999, tzinfo=UTC)
    assert day.end(CHICAGO).astimezone(UTC) == datetime(2024, 2, 17, 5, 59, 59, 999999, tzinfo=UTC)


def test_a_date_starts_at_midnight_in_the_archive_zone() -> None:
    assert When.parse("2024-02-16").start(CHICAGO).astimezone(UTC).hour == 6


def test_a_datetime_with_offset_is_exact_in_every_zone() -> None:
    moment = When.parse("2024-02-16T18:30:00-06:00")
    assert (
        moment.start(UTC)
        == moment.end(CHICAGO)
        == datetime.fromisoformat("2024-02-17T00:30:00+00:00")
    )
    assert str(moment) == "2024-02-16T18:30:00-06:00"


def test_z_means_utc() -> None:
    assert When.parse("2024-02-16T12:00:00Z").start(CHICAGO) == datetime(
        2024, 2, 16, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-02-30", "is not a real day"),
        ("2024-13-01", "is not a real day"),
        ("yesterday", "use YYYY-MM-DD"),
        ("16/02/2024", "use YYYY-MM-DD"),
        ("2024-02-16T18:30:00", "has no UTC offset"),
    ],
)
def test_bad_dates_say_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        When.parse(text, "--as-of")


def test_unknown_time_zone_is_an_error() -> None:
    with pytest.raises(InvalidInput, match="IANA name"):
        time_zone("Mars/Olympus")


def test_today_and_yesterday_are_days_counted_from_the_today_given() -> None:
    today = date(2024, 3, 1)

    assert When.parse("today", today=today) == When(date(2024, 3, 1))
    assert When.parse(" Yesterday ", today=today) == When(date(2024, 2, 29))


def test_today_is_no_date_where_no_today_is_given() -> None:
    # A stored or imported date never depends on the day it is read.
    with pytest.raises(InvalidInput, match="'today' is not a date"):
        When.parse("today")
