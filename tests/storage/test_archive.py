"""The archive application on real storage (SQLite and PostgreSQL), and the contract every
backend keeps (`app`: in memory too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from domain.application import Archive
from domain.errors import ArchiveUnavailable, InvalidInput, UnknownStory, UnknownUpdate
from domain.model import Story, story_id
from domain.updates import Update
from domain.when import When, time_zone
from storage import guard
from storage.archive import open_archive
from storage.locate import archive_url
from storage.tables import SCHEMA_VERSION

UTC = time_zone("UTC")


@pytest.fixture
def archive(db: str) -> Iterator[Archive]:
    app = open_archive(db)
    yield app
    app.close()


def report(day: str, text: str, story: str = "shotspotter", **fields: Any) -> Update:
    return Update.draft(story, "report", day, "alice", text=text, **fields)


def scalar(db: str, sql: str) -> Any:
    """One value, read straight from the archive's database."""
    engine = create_engine(archive_url(db))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def count_rows(db: str, table: str) -> int:
    return int(scalar(db, f"SELECT count(*) FROM {table}"))


def test_an_appended_update_is_replayed_from_a_fresh_process(archive: Archive, db: str) -> None:
    appended = archive.append(report("2024-02-12", "Johnson plans an extension."))
    assert (appended.version, appended.versions, appended.new) == (1, 1, True)
    assert appended.update.recorded_at is not None
    reopened = open_archive(db)
    try:
        version = reopened.replay("shotspotter", UTC, When.parse("2024-02-16"))
        assert version.paragraphs == ("Johnson plans an extension.",)
        assert version.updates[0].recorded_at == appended.update.recorded_at
    finally:
        reopened.close()


def test_the_same_content_twice_is_recorded_once(archive: Archive, db: str) -> None:
    first = archive.record([report("2024-02-12", "One."), report("2024-02-12", "One.")])
    again = archive.record([report("2024-02-12", "One."), report("2024-02-13", "Two.")])
    assert (len(first.new), len(first.present)) == (1, 1)
    assert (len(again.new), len(again.present)) == (1, 1)
    assert archive.counts() == (1, 2)
    assert count_rows(db, "archive_events") == 4  # the zone, Started and two updates


def test_an_update_repeated_in_a_later_chunk_of_one_stream_is_recorded_once(
    archive: Archive, db: str
) -> None:
    one, two, three = (report(f"2024-02-1{n}", f"Part {n}.") for n in (2, 3, 4))
    fix = Update.draft("shotspotter", "correction", "2024-02-15", "alice", target=two.id,
                       text="Part 3, corrected.", note="typo")  # fmt: skip
    # Each chunk's writes go out with the next chunk's read, which must see them.
    result = archive.record_stream(lambda: [[one, two], [two, three, fix], [three]])
    assert (result.new, result.present) == ([one.id, two.id, three.id, fix.id], [two.id, three.id])
    assert archive.replay("shotspotter", UTC, None).paragraphs == (
        "Part 2.", "Part 3, corrected.", "Part 4.",
    )  # fmt: skip
    assert count_rows(db, "story_updates") == 4
    assert archive.verify().ok


def test_a_batch_with_one_bad_update_writes_nothing(archive: Archive, db: str) -> None:
    archive.append(report("2024-02-12", "Kept."))
    bad = Update.draft("shotspotter", "retraction", "2024-02-13", "a", target="0" * 12, note="x")
    with pytest.raises(UnknownUpdate):
        archive.record(
            [report("2024-02-13", "Lost."), report("2024-02-13", "Other.", "other"), bad]
        )
    assert archive.counts() == (1, 1)
    assert count_rows(db, "archive_events") == 3  # the zone, Started and one update
    assert [u.text for u in archive.timeline("shotspotter", UTC)] == ["Kept."]


def test_events_and_index_rows_commit_together(
    archive: Archive, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import recorder

    def fail(*_: Any) -> None:  # after the events went in, before the index rows do
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(recorder, "row_of", fail)
    with pytest.raises(RuntimeError):
        archive.append(report("2024-02-12", "Never half-written."))
    assert count_rows(db, "archive_events") == 0
    assert count_rows(db, "story_updates") == 0


def test_a_correction_of_another_storys_update_names_that_story(app: Archive) -> None:
    elsewhere = app.append(report("2024-02-12", "Elsewhere.", "other")).update
    app.append(report("2024-02-12", "Here."))
    correction = Update.draft(
        "shotspotter", "correction", "2024-02-13", "a", target=elsewhere.id, text="x", note="y"
    )
    with pytest.raises(UnknownUpdate, match="belongs to story 'other', not 'shotspotter'"):
        app.append(correction)
    assert app.counts() == (2, 2)


def test_a_back_fill_is_invisible_before_it_was_recorded(app: Archive) -> None:
    first = app.append(report("2024-02-14", "Wednesday.")).update
    late = app.append(report("2024-02-13", "Tuesday, back-filled.")).update
    assert first.recorded_at is not None
    assert late.recorded_at is not None
    assert first.recorded_at < late.recorded_at
    before = When.parse(first.recorded_at.isoformat())
    now = app.replay("shotspotter", UTC, When.parse("2024-02-14"))
    then = app.replay("shotspotter", UTC, When.parse("2024-02-14"), known_at=before)
    assert now.paragraphs == ("Tuesday, back-filled.", "Wednesday.")
    assert then.paragraphs == ("Wednesday.",)


def test_replay_of_every_story_shows_those_that_existed_then(app: Archive) -> None:
    app.append(report("2024-02-12", "Early."))
    app.append(report("2024-02-20", "Late.", "later"))
    assert [v.slug for v in app.replay_all(UTC, When.parse("2024-02-16"))] == ["shotspotter"]
    assert [v.slug for v in app.replay_all(UTC, None)] == ["later", "shotspotter"]


def test_versions_are_named_by_update_id_or_date(app: Archive) -> None:
    first = app.append(report("2024-02-12", "One.")).update
    app.append(report("2024-02-13", "Two."))
    changes = app.diff("shotspotter", UTC, first.id, "2024-02-13")
    assert "+Two." in changes.text
    with pytest.raises(UnknownUpdate, match="neither an update of story 'shotspotter' nor a date"):
        app.version("shotspotter", UTC, "nonsense")


def test_unknown_stories_and_updates_are_errors(app: Archive) -> None:
    with pytest.raises(UnknownStory, match="no story 'missing'"):
        app.replay("missing", UTC, None)
    other = app.append(report("2024-02-12", "x", "other")).update
    app.append(report("2024-02-12", "y"))
    with pytest.raises(UnknownUpdate, match="belongs to story 'other'"):
        app.show("shotspotter", other.id)


def test_a_long_story_resumes_from_its_ends_and_checks_targets_anywhere_in_it(
    archive: Archive, db: str
) -> None:
    first = report("2024-01-01", "Paragraph 0.")
    archive.record([first] + [report("2024-01-02", f"Paragraph {n}.") for n in range(1, 250)])
    retraction = archive.append(
        Update.draft("shotspotter", "retraction", "2024-01-03", "a", target=first.id, note="x")
    ).update
    with pytest.raises(InvalidInput, match="cannot amend a retraction"):
        archive.append(
            Update.draft(
                "shotspotter", "retraction", "2024-01-04", "a", target=retraction.id, note="y"
            )
        )
    story = archive.repository.get(story_id("shotspotter"))  # every event, the long way
    assert isinstance(story, Story)
    assert (story.version, story.head) == (252, retraction.digest)
    latest = archive.replay("shotspotter", UTC, None)
    assert (latest.version, latest.paragraphs[0]) == (251, "Paragraph 1.")


def test_an_archive_from_a_newer_story_is_refused(archive: Archive, db: str) -> None:
    archive.close()
    engine = create_engine(archive_url(db))
    with engine.begin() as connection, guard.lifted(connection, "story_meta"):
        connection.execute(text("UPDATE story_meta SET value = '99' WHERE name = 'schema_version'"))
    engine.dispose()
    with pytest.raises(ArchiveUnavailable, match="schema version 99, newer than this story"):
        open_archive(db)


def test_an_unreachable_postgresql_is_one_clear_error() -> None:
    with pytest.raises(
        ArchiveUnavailable, match=r"^cannot open archive postgresql\+psycopg://nobody@127.0.0.1:1/x"
    ):
        open_archive("postgresql://nobody@127.0.0.1:1/x")


def test_a_folder_is_not_an_archive(tmp_path: Any) -> None:
    with pytest.raises(ArchiveUnavailable, match="is a folder"):
        open_archive(str(tmp_path))


def test_updates_must_name_a_valid_story(app: Archive) -> None:
    with pytest.raises(InvalidInput, match="story slug"):
        app.timeline("Not A Slug", UTC)


def test_an_update_reported_in_the_future_is_refused(app: Archive) -> None:
    with pytest.raises(InvalidInput, match="reported_at 2142-02-16 is in the future"):
        app.append(report("2142-02-16", "A typo in the year."))
    assert app.counts() == (0, 0)


def test_a_writer_that_remembers_a_story_still_sees_what_another_wrote_since(
    archive: Archive, db: str
) -> None:
    other = open_archive(db)
    try:
        archive.append(report("2024-02-12", "Mine first."))
        other.append(report("2024-02-13", "Theirs in between."))
        mine = archive.append(report("2024-02-14", "Mine again."))
    finally:
        other.close()
    assert (mine.version, mine.versions) == (3, 3)
    result = archive.verify()
    assert result.ok, result.findings
    story = archive.repository.get(story_id("shotspotter"))
    assert isinstance(story, Story)
    assert (story.version, story.head) == (4, mine.update.digest)


def as_schema(db: str, version: int, undo: str) -> None:
    """Leave the archive as an older schema left it: ``undo`` what came later."""
    engine = create_engine(archive_url(db))
    with engine.begin() as connection:
        connection.execute(text(undo))
        with guard.lifted(connection, "story_meta"):
            connection.execute(
                text("UPDATE story_meta SET value = :version WHERE name = 'schema_version'"),
                {"version": str(version)},
            )
    engine.dispose()


def test_an_archive_of_schema_1_gains_its_story_list_table_when_opened(
    archive: Archive, db: str
) -> None:
    archive.record([report("2024-02-12", "One."), report("2024-02-16", "Two.")])
    archive.append(report("2024-02-14", "Elsewhere.", story="other"))
    before = archive.stories()
    archive.close()
    as_schema(db, 1, "DROP TABLE story_stats")

    reopened = open_archive(db)
    try:
        assert reopened.stories() == before
        assert [(s.slug, s.updates) for s in before] == [("other", 1), ("shotspotter", 2)]
        assert (before[1].first_reported, before[1].last_reported) == ("2024-02-12", "2024-02-16")
        assert reopened.counts() == (2, 3)
        assert reopened.append(report("2024-02-17", "Three.")).versions == 3
    finally:
        reopened.close()
    assert count_rows(db, "story_stats") == 2


def fact(day: str, key: str, value: Any, story: str = "shotspotter") -> Update:
    return Update.draft(story, "fact", day, "alice", key=key, value=value)


def test_an_archive_of_schema_2_gains_its_facts_index_when_opened(
    archive: Archive, db: str
) -> None:
    archive.record(
        [
            fact("2024-02-12", "contract", "running"),
            fact("2024-02-13", "vendor", "SoundThinking"),
            fact("2024-02-15", "contract", "ending"),
        ]
    )
    archive.close()
    as_schema(db, 2, "DROP INDEX story_updates_facts")

    reopened = open_archive(db)
    try:
        as_of = reopened.replay("shotspotter", UTC, When.parse("2024-02-14"))
        assert as_of.facts == {"contract": "running", "vendor": "SoundThinking"}
        assert reopened.replay("shotspotter", UTC, None).facts["contract"] == "ending"
    finally:
        reopened.close()
    engine = create_engine(archive_url(db))
    try:
        indexes = {index["name"] for index in inspect(engine).get_indexes("story_updates")}
    finally:
        engine.dispose()
    assert "story_updates_facts" in indexes
    assert scalar(db, "SELECT value FROM story_meta WHERE name = 'schema_version'") == str(
        SCHEMA_VERSION
    )


def test_a_replay_never_shares_a_mutable_fact_value_with_the_next(
    app: Archive,
) -> None:
    app.append(
        Update.draft(
            "shotspotter", "fact", "2024-02-12", "a", key="contract", value={"status": "on"}
        )
    )
    app.append(report("2024-02-13", "One."))
    first = app.replay("shotspotter", UTC, None)
    first.facts["contract"]["status"] = "scribbled on by a caller"

    app.append(report("2024-02-14", "Two."))
    second = app.replay("shotspotter", UTC, None)

    assert second.facts["contract"] == {"status": "on"}
    assert (second.version, second.paragraphs) == (3, ("One.", "Two."))


def all_visible_pages(db: str) -> int:
    return int(scalar(db, "SELECT relallvisible FROM pg_class WHERE relname = 'story_updates'"))


def test_a_bulk_import_on_postgresql_leaves_the_index_vacuumed_and_analysed(
    postgres_db: str,
) -> None:
    db = postgres_db
    archive = open_archive(db)
    try:
        archive.record([report("2024-02-12", f"Small {n}.") for n in range(10)])
        assert all_visible_pages(db) == 0  # a small write leaves it to autovacuum
        day = When.parse("2024-02-13")
        archive.record([report(str(day), f"Bulk {n}.", story="bulk") for n in range(1_000)])
        assert all_visible_pages(db) > 0
        assert archive.replay("bulk", UTC, day).version == 1_000
    finally:
        archive.close()


def test_the_process_environment_does_not_change_how_events_are_stored(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eventsourcing reads settings such as COMPRESSOR_TOPIC from the environment; an
    archive takes only its own, so events stay readable by every other process."""
    monkeypatch.setenv("COMPRESSOR_TOPIC", "eventsourcing.compressor:ZlibCompressor")
    monkeypatch.setenv("IS_SNAPSHOTTING_ENABLED", "y")
    archive = open_archive(db)
    try:
        archive.append(report("2024-02-12", "Stored as every archive stores it."))
    finally:
        archive.close()
    monkeypatch.delenv("COMPRESSOR_TOPIC")
    monkeypatch.delenv("IS_SNAPSHOTTING_ENABLED")
    reopened = open_archive(db)
    try:
        assert reopened.verify().ok
        assert reopened.replay("shotspotter", UTC, None).paragraphs == (
            "Stored as every archive stores it.",
        )
    finally:
        reopened.close()


def test_a_batch_interleaving_stories_verifies(app: Archive) -> None:
    # Each story's events are stored together; the archive chain must link the updates
    # in that same order, or every multi-story import fails verify.
    app.record(
        [report("2024-02-12", "One.", "alpha"), report("2024-02-12", "Two.", "beta"),
         report("2024-02-13", "Three.", "alpha"), report("2024-02-13", "Four.", "beta")]
    )  # fmt: skip

    result = app.verify()

    assert (result.ok, result.stories, result.updates) == (True, 2, 4), result.findings


def test_a_database_failure_while_reading_or_rebuilding_is_one_clear_error(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import recorder

    monkeypatch.setattr(recorder, "WAIT_FOR_WRITER", 1)
    archive = open_archive(db)
    try:
        archive.append(report("2024-02-12", "One."))
        holder = create_engine(archive_url(db))
        with holder.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.exec_driver_sql("BEGIN")
                connection.exec_driver_sql("LOCK TABLE archive_events IN EXCLUSIVE MODE")
            with pytest.raises(ArchiveUnavailable, match=r"^cannot rebuild the index"):
                archive.rebuild()
            connection.exec_driver_sql("ROLLBACK")
        holder.dispose()
        assert archive.replay("shotspotter", UTC, None).paragraphs == ("One.",)
        with create_engine(archive_url(db)).begin() as connection:
            connection.exec_driver_sql("DROP TABLE story_stats")
        with pytest.raises(ArchiveUnavailable, match=r"^cannot read the archive"):
            archive.stories()
    finally:
        archive.close()
