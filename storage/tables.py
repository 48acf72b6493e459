"""The archive's tables, how an update becomes a row and a row an update, and setting up
(or upgrading) an archive's schema."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
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

from domain.errors import ArchiveUnavailable
from domain.timeline import order_key
from domain.updates import MISSING, Update
from domain.urls import Tie
from domain.when import stored, utc_text
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


def row_of(update: Update, zone: tzinfo) -> dict[str, Any]:
    """A recorded update as an index row (its keys in the table's order: ROW_FIELDS); its
    place on the timeline fixed in ``zone``."""
    assert update.recorded_at is not None
    reported, value = update.reported_at, update.value
    return {
        "story": update.story,
        "update_id": update.id,
        "kind": update.kind,
        "reported_at": reported.text,
        "reported_day": reported.day.isoformat(),
        "sort_utc": utc_text(order_key(update, zone)),
        "recorded_at": utc_text(update.recorded_at),
        "by": update.by,
        "source": update.source,
        "outlet": update.outlet,
        "headline": update.headline,
        "text": update.text,
        "party": update.party,
        "issued_at": update.issued_at.text if update.issued_at else None,
        "fact_key": update.key,
        "fact_value": None if value is MISSING else json.dumps(value, ensure_ascii=False),
        "target": update.target,
        "note": update.note,
        "digest": update.digest,
        "captured_at": utc_text(update.captured_at) if update.captured_at else None,
        "dated_by": update.dated_by,
    }


def tie_row(tie: Tie) -> tuple[Any, ...]:
    """A tie as its row of story_urls (TIE_FIELDS)."""
    assert tie.recorded_at is not None
    return (tie.url, tie.story, tie.how, tie.by, utc_text(tie.recorded_at), tie.link)


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


# The statements of the write path and of its reads, as plain SQL run with the driver's
# own paramstyle (``?``; ``%s`` on PostgreSQL: Database.sql). An append runs about ten;
# SQLAlchemy's construction and cache lookup of each cost more than running them
# (benchmarks/results/ab_driver_sql.txt).
def _quoted(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)  # "by" is an SQL keyword


INSERT_EVENT = (
    "INSERT INTO archive_events (originator_id, originator_version, topic, state) "
    "VALUES (?, ?, ?, ?)"
)
SELECT_EVENTS = (
    "SELECT originator_version, topic, state FROM archive_events WHERE originator_id = ?"
)
# A story's first and last events (the same one, for a story of one event).
SELECT_ENDS = (
    SELECT_EVENTS + " AND (originator_version = 1 OR originator_version = "
    "(SELECT max(originator_version) FROM archive_events WHERE originator_id = ?)) "
    "ORDER BY originator_version"
)
# row_of's keys, in order: every column but ``seq``, which the database numbers.
ROW_FIELDS = tuple(column.name for column in updates_table.columns if column.name != "seq")
INSERT_ROW = (
    f"INSERT INTO story_updates ({_quoted(ROW_FIELDS)}) "
    f"VALUES ({', '.join('?' for _ in ROW_FIELDS)})"
)
SELECT_ROWS = f"SELECT {_quoted(FIELDS)} FROM story_updates WHERE update_id IN"  # + (?, …)
# The chain's head and when the index was last rebuilt (Archive.head: what a read's
# answer depends on).
REBUILT = "index_rebuilt_at"  # its row in story_meta
READ_STATE = (
    "SELECT (SELECT position FROM story_chain ORDER BY position DESC LIMIT 1),"
    " (SELECT chain FROM story_chain ORDER BY position DESC LIMIT 1),"
    f" (SELECT value FROM story_meta WHERE name = '{REBUILT}')"
)
# The archive chain's head: its last link (position, chain digest) and when that link
# (an update, or a URL's tie) was recorded, for the archive's clock never to go back.
HEAD = (
    "SELECT c.position, c.chain, coalesce("
    "(SELECT recorded_at FROM story_updates WHERE update_id = c.update_id), "
    "(SELECT recorded_at FROM story_urls WHERE link = c.update_id)) "
    "FROM story_chain c ORDER BY c.position DESC LIMIT 1"
)
# With the clock (PostgreSQL's: SQL's clock_timestamp(); NULL: this machine's): one row,
# a link or not.
HEAD_AND_CLOCK = "SELECT h.*, {clock} FROM (SELECT 1) AS one LEFT JOIN (" + HEAD + ") AS h ON true"
TIE_FIELDS = ("url", "story", "how", "by", "recorded_at", "link")
INSERT_TIE = (
    f"INSERT INTO story_urls ({_quoted(TIE_FIELDS)}) VALUES ({', '.join('?' for _ in TIE_FIELDS)})"
)
SELECT_TIES = f"SELECT {_quoted(TIE_FIELDS)} FROM story_urls"
# Each URL's latest tie (``story`` NULL: untied since).
LATEST_TIES = f"{SELECT_TIES} WHERE seq IN (SELECT max(seq) FROM story_urls GROUP BY url)"
INSERT_LINK = (
    "INSERT INTO story_chain (position, update_id, story, digest, chain) VALUES (?, ?, ?, ?, ?)"
)
# An update's story's size, and how many of its updates come after it (a row value
# comparison, so that the timeline index answers it rather than a scan of the story).
PLACE = """SELECT
    (SELECT updates FROM story_stats WHERE story = u.story),
    (SELECT count(*) FROM story_updates s WHERE s.story = u.story
        AND (s.sort_utc, s.seq) > (u.sort_utc, u.seq))
FROM story_updates u WHERE update_id = ?"""


def upsert_stats(dialect: str) -> str:
    """Add (story, updates, first day, last day) rows to story_stats."""
    least, greatest = ("min", "max") if dialect == "sqlite" else ("least", "greatest")
    return (
        "INSERT INTO story_stats (story, updates, first_day, last_day) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (story) DO UPDATE SET updates = story_stats.updates + excluded.updates, "
        f"first_day = {least}(story_stats.first_day, excluded.first_day), "
        f"last_day = {greatest}(story_stats.last_day, excluded.last_day)"
    )


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
    return found["time_zone"], repaired


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


def _meta(database: Database) -> dict[str, str] | None:
    """The archive's settings; None when it has no tables yet."""
    if not inspect(database.engine).has_table("story_meta"):
        return None
    with database.reading() as connection:
        rows = connection.execute(select(meta_table.c.name, meta_table.c.value)).all()
    return {str(name): str(value) for name, value in rows}
