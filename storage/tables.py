"""The read side's tables, and how an update becomes a row and a row an update."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Index, Integer, MetaData, Row, String, Table, Text, text

from domain.updates import MISSING, Update
from domain.when import When, stored, utc_text

SCHEMA_VERSION = 3  # 2: story_stats; 3: story_updates_facts

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
# A story's facts by key, so that the latest value of each is one probe (storage.queries).
facts_index = Index(
    "story_updates_facts",
    updates_table.c.story,
    updates_table.c.fact_key,
    updates_table.c.sort_utc,
    updates_table.c.seq,
    sqlite_where=text("kind = 'fact'"),
    postgresql_where=text("kind = 'fact'"),
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

stats_table = Table(
    "story_stats",  # one row per story: `story list` and version counts without a scan
    metadata,
    Column("story", String(100), primary_key=True),
    Column("updates", Integer, nullable=False),
    Column("first_day", String(10), nullable=False),
    Column("last_day", String(10), nullable=False),
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


def _quoted(names: tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in names)  # "by" is an SQL keyword


SELECT_ROW = f"SELECT {_quoted(FIELDS)} FROM story_updates WHERE update_id = ?"
SELECT_ROWS = f"SELECT {_quoted(FIELDS)} FROM story_updates WHERE update_id IN"  # + (?, ...)
# How many rows an update's story has, and how many of them come after it (a row value
# comparison, so that the timeline index answers it, not a scan of the story).
COUNT_PLACE = """SELECT
    (SELECT updates FROM story_stats WHERE story = u.story),
    (SELECT count(*) FROM story_updates s WHERE s.story = u.story
        AND (s.sort_utc, s.seq) > (u.sort_utc, u.seq))
FROM story_updates u WHERE update_id = ?"""


def upsert_stats(sqlite: bool) -> str:
    """Add a chunk's (story, updates, first day, last day) to story_stats."""
    least, greatest = ("min", "max") if sqlite else ("least", "greatest")
    return (
        "INSERT INTO story_stats (story, updates, first_day, last_day) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (story) DO UPDATE SET updates = story_stats.updates + excluded.updates, "
        f"first_day = {least}(story_stats.first_day, excluded.first_day), "
        f"last_day = {greatest}(story_stats.last_day, excluded.last_day)"
    )


# story_stats derived afresh from the index (schema 1 -> 2, and checks).
DERIVE_STATS = (
    "INSERT INTO story_stats (story, updates, first_day, last_day) "
    "SELECT story, count(*), min(reported_day), max(reported_day) FROM story_updates "
    "GROUP BY story"
)


ROW_FIELDS = (
    "story", "update_id", "kind", "reported_at", "reported_day", "sort_utc", "recorded_at",
    "by", "source", "outlet", "headline", "text", "party", "issued_at", "fact_key",
    "fact_value", "target", "note", "digest",
)  # fmt: skip
INSERT_ROW = (
    f"INSERT INTO story_updates ({_quoted(ROW_FIELDS)}) VALUES ({', '.join('?' * len(ROW_FIELDS))})"
)


def values_of(update: Update, zone: tzinfo) -> tuple[Any, ...]:
    """An update as an index row, in ROW_FIELDS order; its place on the timeline fixed in
    the archive's zone."""
    assert update.recorded_at is not None
    reported = update.reported_at
    value = update.value
    return (
        update.story,
        update.id,
        update.kind,
        reported.text,
        reported.day.isoformat(),
        utc_text(reported.start(zone)),
        utc_text(update.recorded_at),
        update.by,
        update.source,
        update.outlet,
        update.headline,
        update.text,
        update.party,
        update.issued_at.text if update.issued_at else None,
        update.key,
        None if value is MISSING else json.dumps(value, ensure_ascii=False),
        update.target,
        update.note,
        update.digest,
    )


def row_of(update: Update, zone: tzinfo) -> dict[str, Any]:
    """An update as an index row, by column name."""
    return dict(zip(ROW_FIELDS, values_of(update, zone), strict=True))


def _reader(when: Callable[[str], When]) -> Callable[[Row[Any] | Sequence[Any]], Update]:
    """Rows to updates, reading dates with ``when``."""

    def update_of(row: Row[Any] | Sequence[Any]) -> Update:
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
