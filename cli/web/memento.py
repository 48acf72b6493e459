"""Memento (RFC 7089): each story page is an original resource with a TimeGate and a TimeMap.

A memento is the story right after one of its updates, named by the update's id (ids
never change; version numbers can, when an update reported earlier is recorded later).
Its Memento-Datetime is on the story's own clock: when the update was *reported* (a
date-only update: the start of that day in the archive's zone), to the second, as HTTP
dates are. ``known_at`` is not part of the protocol: the story as the archive knew it
at a moment is an original resource of its own (``?known_at=``), with its own TimeGate
and TimeMap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime, parsedate_to_datetime

from domain.errors import InvalidInput
from domain.timeline import Cut
from domain.updates import Update
from domain.when import When


@dataclass(frozen=True)
class Memento:
    """One version of a story as a memento: its update and its datetime."""

    number: int  # the version number, for people
    update: Update
    moment: datetime  # reported, to the second, UTC

    @property
    def http_date(self) -> str:
        return http_date(self.moment)


def mementos(timeline: Sequence[Update], zone: tzinfo) -> list[Memento]:
    """Every version of a story (a timeline, in version order) as a memento."""
    return [
        Memento(n, u, u.reported_at.start(zone).astimezone(UTC).replace(microsecond=0))
        for n, u in enumerate(timeline, start=1)
    ]


def http_date(moment: datetime) -> str:
    """RFC 1123 form, as Memento-Datetime and Link datetimes have it."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def accept_datetime(header: str) -> datetime:
    """The instant an Accept-Datetime header asks for (RFC 1123, e.g. ``Thu, 15 Feb 2024
    12:00:00 GMT``); InvalidInput when it is not one."""
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(
            f"Accept-Datetime {header!r} is not an HTTP date: "
            "give one like 'Thu, 15 Feb 2024 12:00:00 GMT'"
        )
    return moment.astimezone(UTC)


def select(found: Sequence[Memento], moment: datetime | None, zone: tzinfo) -> int | None:
    """The index of the latest memento at or before ``moment`` (the last one when None),
    by the as-of rule every replay uses (``domain.timeline.Cut``); None when the story
    had no version yet. Never a later one."""
    as_of = When(moment.date(), moment) if moment is not None else None
    cut = Cut(UTC, as_of=as_of)
    chosen = None
    for i, m in enumerate(found):
        if not cut.admits(m.update, zone):
            break
        chosen = i
    return chosen


def links(
    original: str,
    timegate: str,
    timemap: str,
    memento_url: dict[str, str],
    found: Sequence[Memento],
    chosen: int | None,
) -> str:
    """A Link header: original, timegate, timemap, and (around ``chosen``) the first,
    last, previous, next and chosen mementos. A memento named twice is written once,
    with its relations together (RFC 7089's ``rel="first last memento"``)."""
    parts = [
        f'<{original}>; rel="original"',
        f'<{timegate}>; rel="timegate"',
        f'<{timemap}>; rel="timemap"; type="application/link-format"',
    ]
    if not found:
        return ", ".join(parts)
    rels: dict[int, list[str]] = {}
    around = [("first", 0), ("last", len(found) - 1)]
    if chosen is not None:
        if chosen > 0:
            around.append(("prev", chosen - 1))
        if chosen < len(found) - 1:
            around.append(("next", chosen + 1))
    for rel, i in around:
        rels.setdefault(i, []).append(rel)
    if chosen is not None:
        rels.setdefault(chosen, [])
    for i in sorted(rels):
        m = found[i]
        names = " ".join([*rels[i], "memento"])
        parts.append(f'<{memento_url[m.update.id]}>; rel="{names}"; datetime="{m.http_date}"')
    return ", ".join(parts)


def timemap(
    original: str,
    timegate: str,
    self_url: str,
    memento_url: dict[str, str],
    found: Sequence[Memento],
) -> str:
    """The TimeMap in link format: each version as a plain ``rel="memento"`` (as pywb
    writes it; some clients drop the other relations)."""
    lines = [
        f'<{original}>; rel="original"',
        f'<{timegate}>; rel="timegate"',
        f'<{self_url}>; rel="self"; type="application/link-format"'
        + (f'; from="{found[0].http_date}"; until="{found[-1].http_date}"' if found else ""),
    ]
    lines += [
        f'<{memento_url[m.update.id]}>; rel="memento"; datetime="{m.http_date}"' for m in found
    ]
    return ",\n".join(lines) + "\n"
