"""The read side's tables, and how an update becomes a row and a row an update."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, Row, String, Table, Text

from domain.updates import MISSING, Update
from domain.when import When, stored, utc_text

SCHEMA_VERSION = 1

metadata = MetaData()

updates_table = Table(
    "story_updates",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("story", String(100), nullable=False),
    Column("update_id", String(12), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("reported_at", String(40), nullable=False),
    Column("reported_day", String(10), nullable=False),
    Column("sort_utc", String(32), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("by", String(200), nullable=False),
    Column("source", Text),
    Column("outlet", Text),
    Column("headline", Text),
    Column("text", Text),
    Column("party", Text),
    Column("issued_at", String(40)),
    Column("fact_key", String(200)),
    Column("fact_value", Text),  # JSON; "null" when the fact was removed
    Column("target", String(12)),
    Column("note", Text),
    Column("digest", String(64), nullable=False),
    Index("story_updates_timeline", "story", "sort_utc", "seq"),
    Index("story_updates_by_kind", "story", "kind", "sort_utc", "seq"),
    Index("story_updates_target", "target"),
)

chain_table = Table(
    "story_chain",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("update_id", String(12), nullable=False, unique=True),
    Column("story", String(100), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("chain", String(64), nullable=False),
)

meta_table = Table(
    "story_meta",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

FIELDS = (
    "update_id", "story", "kind", "reported_at", "by", "source", "outlet", "headline", "text",
    "party", "issued_at", "fact_key", "fact_value", "target", "note", "recorded_at", "sort_utc",
    "seq", "digest",
)  # fmt: skip
COLUMNS = [updates_table.c[name] for name in FIELDS]


def row_of(update: Update, zone: tzinfo) -> dict[str, Any]:
    """An update as an index row; its place on the timeline fixed in the archive's zone."""
    assert update.recorded_at is not None
    reported = update.reported_at
    return {
        "story": update.story,
        "update_id": update.id,
        "kind": update.kind,
        "reported_at": str(reported),
        "reported_day": reported.day.isoformat(),
        "sort_utc": utc_text(reported.start(zone)),
        "recorded_at": utc_text(update.recorded_at),
        "by": update.by,
        "source": update.source,
        "outlet": update.outlet,
        "headline": update.headline,
        "text": update.text,
        "party": update.party,
        "issued_at": str(update.issued_at) if update.issued_at else None,
        "fact_key": update.key,
        "fact_value": None
        if update.value is MISSING
        else json.dumps(update.value, ensure_ascii=False),
        "target": update.target,
        "note": update.note,
        "digest": update.digest,
    }


def _reader(when: Callable[[str], When]) -> Callable[[Row[Any] | tuple[Any, ...]], Update]:
    """Rows to updates, reading dates with ``when``."""

    def update_of(row: Row[Any] | tuple[Any, ...]) -> Update:
        (update_id, story, kind, reported_at, by, source, outlet, headline, text, party,
         issued_at, fact_key, fact_value, target, note, recorded_at, _, _,
         digest) = row  # fmt: skip
        # Update.restore, inlined: replays build hundreds of thousands of these.
        update: Update = _new(Update)
        update.__dict__.update(
            id=update_id,
            story=story,
            kind=kind,
            reported_at=when(reported_at),
            by=by,
            source=source,
            outlet=outlet,
            headline=headline,
            text=text,
            party=party,
            issued_at=when(issued_at) if issued_at else None,
            key=fact_key,
            value=MISSING if fact_value is None else _json(fact_value),
            target=target,
            note=note,
            recorded_at=_datetime(recorded_at),
            digest=digest,
        )
        return update

    return update_of


_new = object.__new__
_datetime = datetime.fromisoformat

# A row as an update. Replays of one story read the same rows again and again: their
# dates come from a cache. Streams of a whole archive read each row once: no cache.
update_of = _reader(lru_cache(maxsize=65536)(stored))
streamed_update_of = _reader(stored)


@lru_cache(maxsize=4096)
def _json_small(text: str) -> Any:
    return json.loads(text)


def _json(text: str) -> Any:
    """A fact's value; small ones (most) are cached, and copied when mutable."""
    if len(text) > 200:
        return json.loads(text)
    value = _json_small(text)
    return copy.deepcopy(value) if isinstance(value, dict | list) else value
