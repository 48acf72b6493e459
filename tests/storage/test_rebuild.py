"""`story rebuild` derives the same read side from the events alone."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from test_projection import random_story, record_in_batches

from domain.application import Archive
from domain.errors import NotYetReported
from domain.when import When, time_zone
from storage import guard
from storage.archive import open_archive
from storage.locate import archive_url

DATES = [When.parse((date(2024, 1, 31) + timedelta(days=n)).isoformat()) for n in range(0, 24, 3)]


@pytest.fixture
def archive(db: str) -> Iterator[Archive]:
    app = open_archive(db, "America/Chicago")
    yield app
    app.close()


def answers(archive: Archive) -> dict[str, Any]:
    """Everything a reader can ask of every story, at a spread of dates."""
    tz = time_zone("America/Chicago")
    seen: dict[str, Any] = {}
    for story in archive.stories():
        slug = story.slug
        seen[f"{slug} log"] = [(u, u.recorded_at, u.digest) for u in archive.timeline(slug, tz)]
        for when in DATES:
            try:
                seen[f"{slug} {when}"] = archive.replay(slug, tz, when)
            except NotYetReported:
                seen[f"{slug} {when}"] = None
        seen[f"{slug} diff"] = archive.diff(slug, tz, str(DATES[2]), str(DATES[-1]))
    seen["stories"] = archive.stories()
    return seen


def test_replay_log_and_diff_answer_the_same_after_a_rebuild(archive: Archive, db: str) -> None:
    rng = random.Random(99)
    for slug in ("alpha", "beta", "gamma"):
        record_in_batches(archive, random_story(rng, slug, 50), rng)
    before = answers(archive)
    assert [s.slug for s in before["stories"]] == ["alpha", "beta", "gamma"]

    count = archive.rebuild()

    assert count == archive.counts()[1]
    assert answers(archive) == before
    assert archive.verify().ok


def test_a_rebuild_restores_an_index_damaged_behind_the_archives_back(
    archive: Archive, db: str
) -> None:
    rng = random.Random(5)
    record_in_batches(archive, random_story(rng, "alpha", 30), rng)
    before = answers(archive)
    engine = create_engine(archive_url(db))
    with engine.begin() as connection, guard.lifted(connection, "story_updates"):
        connection.execute(text("DELETE FROM story_updates WHERE seq % 3 = 0"))
        connection.execute(text("UPDATE story_updates SET text = 'Damaged.' WHERE kind = 'report'"))
    engine.dispose()
    assert not archive.verify().ok

    archive.rebuild()

    assert answers(archive) == before
    assert archive.verify().ok


def test_readers_read_the_old_index_while_a_rebuild_runs(archive: Archive, db: str) -> None:
    """The rebuild is held open (its progress waits) until a reader in another process's
    place has read: were the reader blocked, the rebuild would give up waiting."""
    import threading

    rng = random.Random(7)
    record_in_batches(archive, random_story(rng, "alpha", 40), rng)
    reader = open_archive(db, "America/Chicago", create=False)
    before = answers(reader)
    started, read = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def progress(_: int) -> None:
        started.set()
        if not read.wait(20):
            raise TimeoutError("the reader did not get its answers while the rebuild ran")

    def rebuild() -> None:
        try:
            archive.rebuild(progress)
        except BaseException as error:  # reported by the test below
            failed.append(error)

    thread = threading.Thread(target=rebuild)
    thread.start()
    try:
        assert started.wait(20)
        during = answers(reader)
        read.set()
    finally:
        read.set()
        thread.join()
        reader.close()

    assert failed == []
    assert during == before
    assert answers(archive) == before
    assert archive.verify().ok
