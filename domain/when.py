"""The story's clock: parsing dates and datetimes, and turning them into instants.

A date means a whole day in the archive's time zone: as a cut-off (``--as-of 2024-02-16``)
it reaches through the end of that day; as the time an update was reported it is the
start of that day. A datetime must carry a UTC offset, so it is exact everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import InvalidInput

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIRST_YEAR, LAST_YEAR = 2, 9998


@dataclass(frozen=True, order=True)
class When:
    """A date or an offset-aware datetime, as a user or a source gave it."""

    day: date
    moment: datetime | None = None

    @classmethod
    def parse(cls, text: str, what: str = "date", today: date | None = None) -> When:
        """Parse ``YYYY-MM-DD`` or an ISO 8601 datetime with offset (``Z`` allowed); given
        ``today`` (the day it is where the reader is), also ``today`` and ``yesterday``."""
        return _parse(text, what, today)

    def start(self, tz: tzinfo) -> datetime:
        """The earliest instant this names: the start of the day for a date."""
        if self.moment is not None:
            return self.moment
        return datetime.combine(self.day, time.min, tzinfo=tz)

    def end(self, tz: tzinfo) -> datetime:
        """The latest instant this names: the end of the day for a date."""
        if self.moment is not None:
            return self.moment
        next_day = datetime.combine(self.day + timedelta(days=1), time.min, tzinfo=tz)
        return next_day - timedelta(microseconds=1)

    def __str__(self) -> str:
        return self.text

    @cached_property  # kept for updates rendered again: benchmarks/results/ab_shortcuts.txt
    def text(self) -> str:
        """As given (normalised): ``YYYY-MM-DD`` or ISO 8601 with its offset."""
        if self.moment is None:
            return self.day.isoformat()
        return self.moment.isoformat()


# Days named relative to the reader's today, and how many days before it each is.
DAYS_AGO = {"today": 0, "yesterday": 1}


def _parse(text: str, what: str, today: date | None = None) -> When:
    value = text.strip()
    if today is not None and value.lower() in DAYS_AGO:
        return When(today - timedelta(days=DAYS_AGO[value.lower()]))
    if _DATE.match(value):
        try:
            when = When(date.fromisoformat(value))
        except ValueError:
            raise InvalidInput(
                f"{what} {text!r} is not a real day: check the month and day"
            ) from None
    else:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(
                f"{what} {text!r} is not a date: use YYYY-MM-DD or 2024-02-16T18:30:00-06:00"
            ) from None
        if moment.tzinfo is None:
            raise InvalidInput(
                f"{what} {text!r} has no UTC offset: add one, e.g. {value}+00:00 or {value}-06:00"
            )
        when = When(moment.date(), moment)
    if not FIRST_YEAR <= when.day.year <= LAST_YEAR:
        # Days at the calendar's ends cannot be moved between zones.
        raise InvalidInput(f"{what} {text!r} is out of range: give a year from 2 to 9998")
    return when


def stored(text: str) -> When:
    """A When as the archive wrote it (``str(When)``): read without the checks of parse."""
    # Faster than parse on a replay's rows: benchmarks/results/ab_shortcuts.txt
    if len(text) == 10:
        return When(date.fromisoformat(text))
    moment = datetime.fromisoformat(text)
    return When(moment.date(), moment)


def time_zone(name: str) -> tzinfo:
    """The named IANA time zone, e.g. ``America/Chicago``; ``UTC`` for UTC."""
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("America")
        raise InvalidInput(
            f"time zone {name!r} is unknown: use an IANA name such as UTC or America/Chicago"
        ) from None


def zone_name(zone: tzinfo) -> str:
    """The IANA name of a zone (``UTC`` for UTC)."""
    return str(getattr(zone, "key", None) or zone.tzname(None) or zone)


def utc_text(moment: datetime) -> str:
    """An instant in the archive's stored form: UTC, ISO 8601, microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
