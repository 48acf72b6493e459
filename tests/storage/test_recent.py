"""What the archive recorded last, across its stories, and the zone it keeps."""

from __future__ import annotations

from domain.application import Archive
from domain.updates import Update
from domain.when import time_zone
from storage.archive import open_archive


def report(story: str, day: str, text: str) -> Update:
    return Update.draft(story, "report", day, "alice", text=text)


def test_recent_is_the_updates_recorded_last_newest_first_however_long_ago_reported(
    app: Archive,
) -> None:
    first = app.append(report("shotspotter", "2024-02-12", "Johnson plans an extension.")).update
    back_fill = app.append(report("budget", "2023-01-05", "A memo, found later.")).update
    last = app.append(report("shotspotter", "2024-02-13", "The council objects.")).update

    assert [u.id for u in app.recent(2)] == [last.id, back_fill.id]
    assert [u.id for u in app.recent(10)] == [last.id, back_fill.id, first.id]
    assert app.recent(1)[0] == last
    assert app.recent(0) == []


def test_an_archive_keeps_the_zone_it_was_created_in(sqlite_db: str) -> None:
    open_archive(sqlite_db, "America/Chicago").close()
    reopened = open_archive(sqlite_db, "Asia/Tokyo", create=False)
    try:
        assert reopened.zone == time_zone("America/Chicago")
    finally:
        reopened.close()
