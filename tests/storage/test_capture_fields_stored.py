"""A capture's time and what dated it, on every backend (`app`: in memory, SQLite and
PostgreSQL): recorded, read back from the index, rebuilt from the events, verified; and
an archive of schema 3 gains their columns when opened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, inspect, text

from domain.application import Archive
from domain.updates import Update
from domain.when import When
from storage import guard
from storage.archive import open_archive
from storage.locate import archive_url
from storage.tables import SCHEMA_VERSION

CAPTURED = datetime(2024, 2, 16, 18, 30, tzinfo=UTC)


def revision(reported_at: str, text_: str, **fields: Any) -> Update:
    return Update.draft(
        "shotspotter", "revision", reported_at, "alice", headline="ShotSpotter", text=text_,
        source="https://example.com/shotspotter", **fields,
    )  # fmt: skip


def captures() -> list[Update]:
    return [
        revision("2024-02-15T09:00:00-06:00", "First.", captured_at=CAPTURED, dated_by="page"),
        revision("2024-02-16T18:30:00Z", "Second.", captured_at=CAPTURED, dated_by="capture"),
        revision("2024-02-17", "Third."),  # not a capture of the web
    ]


def provenance(updates: list[Update]) -> list[tuple[str, datetime | None, str | None]]:
    return [(u.id, u.captured_at, u.dated_by) for u in updates]


def test_every_read_gives_back_the_capture_time_and_dating_recorded(app: Archive) -> None:
    given = captures()
    app.record(given)

    expected = provenance(given)
    assert provenance(app.timeline("shotspotter", UTC)) == expected
    as_of = app.replay("shotspotter", UTC, When.parse("2024-02-16"))
    assert provenance(as_of.updates) == [expected[1]]  # the revision in force
    shown, _, _ = app.show("shotspotter", given[0].id)
    assert (shown.captured_at, shown.dated_by) == (CAPTURED, "page")
    assert shown.captured_at is not None
    assert shown.captured_at.utcoffset() is not None
    assert app.verify().ok


def test_a_rebuild_derives_them_from_the_events(app: Archive) -> None:
    given = captures()
    app.record(given)

    assert app.rebuild() == 3

    assert provenance(app.timeline("shotspotter", UTC)) == provenance(given)
    assert app.verify().ok


def test_a_later_capture_of_the_same_article_is_already_present_and_keeps_the_first_time(
    app: Archive,
) -> None:
    first = revision("2024-02-15", "Same text.", captured_at=CAPTURED, dated_by="page")
    again = revision(
        "2024-02-15", "Same text.", captured_at=datetime(2024, 3, 1, tzinfo=UTC), dated_by="page"
    )
    app.append(first)

    result = app.append(again)

    assert (result.new, result.update.id) == (False, first.id)
    assert result.update.captured_at == CAPTURED
    assert app.counts() == (1, 1)


def test_an_archive_of_schema_3_gains_the_columns_when_opened(db: str) -> None:
    archive = open_archive(db)
    plain = revision("2024-02-15", "Before the upgrade.")
    archive.append(plain)
    archive.close()
    engine = create_engine(archive_url(db))
    with engine.begin() as connection:  # as schema 3 left it
        for column in ("captured_at", "dated_by"):
            connection.execute(text(f"ALTER TABLE story_updates DROP COLUMN {column}"))
        with guard.lifted(connection, "story_meta"):
            connection.execute(
                text("UPDATE story_meta SET value = '3' WHERE name = 'schema_version'")
            )

    reopened = open_archive(db)
    try:
        assert reopened.verify().ok
        captured = revision("2024-02-16T18:30:00Z", "After.", captured_at=CAPTURED,
                            dated_by="capture")  # fmt: skip
        reopened.append(captured)
        assert provenance(reopened.timeline("shotspotter", UTC)) == [
            (plain.id, None, None), (captured.id, CAPTURED, "capture")
        ]  # fmt: skip
        assert reopened.verify().ok
    finally:
        reopened.close()
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("story_updates")}
        version = connection.execute(
            text("SELECT value FROM story_meta WHERE name = 'schema_version'")
        ).scalar_one()
    engine.dispose()
    assert {"captured_at", "dated_by"} <= columns
    assert version == str(SCHEMA_VERSION)
