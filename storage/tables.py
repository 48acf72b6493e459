"""The archive's tables, how an index row becomes an update again, and setting up (or
upgrading) an archive's schema. What an update's rows are is storage.recorder's, which
writes them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    inspect,
    select,
    text,
)
from sqlalchemy.types import BINARY

from domain.errors import ArchiveUnavailable, InvalidInput
from domain.updates import MISSING, Update
from domain.urls import Tie
from domain.when import stored, time_zone
from storage import guard

if TYPE_CHECKING:
    from storage.recorder import Database

# 2: story_stats; 3: story_updates_facts; 4: captured_at, dated_by; 5: story_urls, and
# the read models guarded (an archive of an older schema gains their triggers on opening)
SCHEMA_VERSION = 5
GUARDED_READ_MODELS = 5

metadata = MetaData()


events_table = Table(
    "archive_events",  # the layout eventsourcing-sqlalchemy made
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    # A story's UUID: its 16 bytes on SQLite. Events are read and written as plain SQL
    # (storage.recorder), so only the column's type in CREATE TABLE matters.
    Column("originator_id", BINARY(16).with_variant(Uuid(), "postgresql"), nullable=False),
    Column("originator_version", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("topic", Text(), nullable=False),
    Column("state", LargeBinary(), nullable=False),
    Index("archive_events_aggregate_idx", "originator_id", "originator_version", unique=True),
)

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
    Column("captured_at", String(32)),  # a capture's time, as its record holds it (UTC)
    Column("dated_by", String(8)),  # "page" or "capture"
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

urls_table = Table(
    "story_urls",  # every tie of a URL, in recorded order: its latest row is where it stands
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("story", String(100)),  # NULL: untied
    Column("how", String(16), nullable=False),
    Column("by", String(200), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("link", String(12), nullable=False, unique=True),
    Index("story_urls_url", "url", "seq"),
    Index("story_urls_story", "story"),
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

# An index row's columns, in the order the read queries select them (storage.queries).
FIELDS = (
    "update_id", "story", "kind", "reported_at", "by", "source", "outlet", "headline", "text",
    "party", "issued_at", "fact_key", "fact_value", "target", "note", "recorded_at", "sort_utc",
    "seq", "digest", "captured_at", "dated_by",
)  # fmt: skip
COLUMNS = [updates_table.c[name] for name in FIELDS]


def tie_of(row: Any) -> Tie:
    url, story, how, by, recorded_at, link = row
    return Tie(url, story, how, by, datetime.fromisoformat(recorded_at), link)


def update_of(row: Any) -> Update:
    """An index row (its FIELDS, in order) as the update it records; a row changed into
    something unreadable behind story's back is a one-line ArchiveUnavailable."""
    try:
        (update_id, story, kind, reported_at, by, source, outlet, headline, text_, party,
         issued_at, fact_key, fact_value, target, note, recorded_at, _, _, digest, captured_at,
         dated_by) = row  # fmt: skip
        return Update.restore(
            id=update_id,
            story=story,
            kind=kind,
            reported_at=stored(reported_at),
            by=by,
            source=source,
            outlet=outlet,
            headline=headline,
            text=text_,
            party=party,
            issued_at=stored(issued_at) if issued_at else None,
            key=fact_key,
            value=MISSING if fact_value is None else json.loads(fact_value),
            target=target,
            note=note,
            captured_at=datetime.fromisoformat(captured_at) if captured_at else None,
            dated_by=dated_by,
            recorded_at=datetime.fromisoformat(recorded_at),
            digest=digest,
        )
    except (ValueError, TypeError, AttributeError) as error:
        raise damaged(f"row of update {str(row[0])[:20]}", error) from None


def damaged(what: str, error: BaseException) -> ArchiveUnavailable:
    """The error for an index row that cannot be read (verify names it, rebuild cures it)."""
    detail = str(error).splitlines()[0][:80] if str(error) else type(error).__name__
    return ArchiveUnavailable(
        f"the index's {what} cannot be read ({detail}): it was changed outside story; "
        "run `story verify`, then `story rebuild`"
    )


# The index's statements that the read queries (storage.queries) do not cover, as plain
# SQL run with the driver's own paramstyle (``?``; ``%s`` on PostgreSQL: Database.sql);
# the write path's are storage.recorder's.
def quoted(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)  # "by" is an SQL keyword


SELECT_ROWS = f"SELECT {quoted(FIELDS)} FROM story_updates WHERE update_id IN"  # + (?, …)
# The chain's head and when the index was last rebuilt (Archive.head: what a read's
# answer depends on).
REBUILT = "index_rebuilt_at"  # its row in story_meta
READ_STATE = (
    "SELECT (SELECT position FROM story_chain ORDER BY position DESC LIMIT 1),"
    " (SELECT chain FROM story_chain ORDER BY position DESC LIMIT 1),"
    f" (SELECT value FROM story_meta WHERE name = '{REBUILT}')"
)
TIE_FIELDS = ("url", "story", "how", "by", "recorded_at", "link")
SELECT_TIES = f"SELECT {quoted(TIE_FIELDS)} FROM story_urls"
# Each URL's latest tie (``story`` NULL: untied since).
LATEST_TIES = f"{SELECT_TIES} WHERE seq IN (SELECT max(seq) FROM story_urls GROUP BY url)"
# An update's story's size, and how many of its updates come after it (a row value
# comparison, so that the timeline index answers it rather than a scan of the story).
PLACE = """SELECT
    (SELECT updates FROM story_stats WHERE story = u.story),
    (SELECT count(*) FROM story_updates s WHERE s.story = u.story
        AND (s.sort_utc, s.seq) > (u.sort_utc, u.seq))
FROM story_updates u WHERE update_id = ?"""


# story_stats derived afresh from the index (schema 1 -> 2, and rebuild).
DERIVE_STATS = (
    "INSERT INTO story_stats (story, updates, first_day, last_day) "
    "SELECT story, count(*), min(reported_day), max(reported_day) FROM story_updates "
    "GROUP BY story"
)


def settle(database: Database, zone: str, create: bool) -> tuple[str, list[str]]:
    """The archive's zone, once its schema is in place: a new archive (only when
    ``create``) gets its tables, triggers and settings, an older one is upgraded. With
    it, what was wrong with the append-only guard (put right here)."""
    repaired: list[str] = []
    found = _meta(database)
    if found is None and not create:
        from storage.locate import display_url

        url = display_url(database.engine.url.render_as_string(hide_password=False))
        raise ArchiveUnavailable(
            f"no archive in {url}: `story import` or `story append` starts one"
        )
    if found is not None:
        _version(found)  # a newer or damaged archive is refused before anything is written
    if found is None or not guard.installed(database.engine):
        # As a writer (BEGIN IMMEDIATE on SQLite; an advisory lock on PostgreSQL), so
        # that processes opening a new archive at once take turns rather than fail.
        lock = "BEGIN; SELECT pg_advisory_xact_lock(727371)"
        with database.translated(), database.engine.connect() as connection:
            connection = connection.execution_options(
                story_begin="BEGIN IMMEDIATE" if database.sqlite else lock
            )
            with connection.begin():
                metadata.create_all(connection, checkfirst=True)
                wrong = guard.install(connection)
                if found is not None:  # a new archive had no guard yet: nothing was wrong
                    repaired = [w for w in wrong if not _new_guard(w, _version(found))]
        found = _meta(database) or {}
    version = _version(found)
    wanted = {"schema_version": str(SCHEMA_VERSION), "time_zone": zone}
    if version < SCHEMA_VERSION or any(name not in found for name in wanted):
        with database.writing() as connection:
            found = _upgrade(connection, wanted)
    return _zone(found["time_zone"]), repaired


def _new_guard(problem: str, version: int) -> bool:
    """Whether a guard problem is only a trigger an archive of ``version`` never had: the
    read models' triggers came with schema 5."""
    return version < GUARDED_READ_MODELS and any(
        problem.endswith(f" on {table} was missing") for table in guard.READ_MODELS
    )


def _upgrade(connection: Any, wanted: dict[str, str]) -> dict[str, str]:
    """Under the write lock: bring the schema up to this one (only read models change,
    derived from the index; the columns schema 4 added are NULL in every row recorded
    before it) and add missing settings; another process may have done either
    meanwhile."""
    m = meta_table.c
    found = {str(n): str(v) for n, v in connection.execute(select(m.name, m.value)).all()}
    version = _version(found)
    if version < 2:
        stats_table.create(connection, checkfirst=True)
        connection.exec_driver_sql(DERIVE_STATS)
    if version < 3:
        facts_index.create(connection, checkfirst=True)
    if version < 4:
        _add_capture_columns(connection)
    if version < 5:
        urls_table.create(connection, checkfirst=True)
    if version < SCHEMA_VERSION:
        with guard.lifted(connection, meta_table.name):
            connection.execute(
                meta_table.update()
                .where(m.name == "schema_version")
                .values(value=str(SCHEMA_VERSION))
            )
        found["schema_version"] = str(SCHEMA_VERSION)
    missing = [{"name": k, "value": v} for k, v in wanted.items() if k not in found]
    if missing:
        connection.execute(meta_table.insert(), missing)
    return {**found, **{row["name"]: row["value"] for row in missing}}


def _add_capture_columns(connection: Any) -> None:
    """story_updates.captured_at and dated_by (schema 4), NULL in every row: that is what
    the events give, since the fields came with this schema (an older story refuses a
    newer archive, so no event recorded before the upgrade has them)."""
    have = {column["name"] for column in inspect(connection).get_columns(updates_table.name)}
    for column in (updates_table.c.captured_at, updates_table.c.dated_by):
        if column.name not in have:
            kind = column.type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {updates_table.name} ADD COLUMN {column.name} {kind}"
            )


def _version(found: dict[str, str]) -> int:
    """The archive's schema version, if this story can read it."""
    given = found.get("schema_version", str(SCHEMA_VERSION))
    try:
        version = int(given)
    except ValueError:
        raise ArchiveUnavailable(
            f"this archive's schema version {given[:20]!r} is not a number: its settings "
            "(story_meta) are damaged: restore the archive from a copy"
        ) from None
    if version > SCHEMA_VERSION:
        raise ArchiveUnavailable(
            f"this archive has schema version {version}, newer than this story "
            f"(reads {SCHEMA_VERSION}): upgrade story"
        )
    return version


def _zone(name: str) -> str:
    """The archive's zone, if it is one."""
    try:
        time_zone(name)
    except InvalidInput:
        raise ArchiveUnavailable(
            f"this archive's time zone {name[:40]!r} is unknown: its settings (story_meta) "
            "are damaged: restore the archive from a copy"
        ) from None
    return name


def _meta(database: Database) -> dict[str, str] | None:
    """The archive's settings; None when it has no tables yet."""
    if not inspect(database.engine).has_table("story_meta"):
        return None
    with database.reading() as connection:
        rows = connection.execute(select(meta_table.c.name, meta_table.c.value)).all()
    return {str(name): str(value) for name, value in rows}
