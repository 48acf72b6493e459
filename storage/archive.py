"""Opening an archive: the eventsourcing application on our recorder, with its index."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from domain.application import Archive
from domain.errors import ArchiveUnavailable, first_line
from storage.index import SqlIndex
from storage.locate import (
    archive_url,
    display_url,
    hold,
    make_owner_only,
    remove_unused,
    sqlite_path,
)
from storage.recorder import CREATE, URL, ZONE, SqlRecorder


def _index(app: Archive) -> SqlIndex:
    assert isinstance(app.recorder, SqlRecorder)
    return SqlIndex(app.recorder)


def open_archive(db: str | None, zone: str = "UTC", create: bool = True) -> Archive:
    """The archive at a path or URL (the default SQLite file when None).

    ``zone`` is the archive's time zone if this call creates it; an existing archive
    keeps the zone it was created with. Without ``create``, a missing archive is an
    error rather than a new, empty one. A new SQLite file is readable by its owner only.
    """
    url = archive_url(db)
    path = sqlite_path(url)
    if path is None:
        return _open(url, zone, create)
    folders = None
    if not path.exists():
        if not create:
            raise ArchiveUnavailable(f"no archive at {path}: {NO_ARCHIVE}")
        folders = make_owner_only(path)
    held = hold(path, create)
    try:
        archive = _open(url, zone, create)
    except BaseException:
        os.close(held)
        if folders is not None:
            remove_unused(path, folders)
        raise
    assert isinstance(archive.recorder, SqlRecorder)
    archive.recorder.database.held.append(held)
    return archive


def open_to_record(db: str | None, zone: str = "UTC") -> tuple[Archive, Callable[[], None]]:
    """The archive for a command that records, and what to call when it ends: it closes
    the archive and, if this command created it and recorded nothing (it failed, say),
    removes it again, so that no empty archive with a zone fixed by mistake is left."""
    url = archive_url(db)
    path = sqlite_path(url)
    folders: list[Path] | None = None  # set when this process created the SQLite file
    if path is not None and not path.exists():
        folders = make_owner_only(path)
    new_on_server = path is None and not _has_archive(url)
    try:
        archive = open_archive(db, zone, create=True)
    except BaseException:
        if path is not None and folders is not None:
            remove_unused(path, folders)
        raise

    def finish() -> None:
        if new_on_server and _is_empty(archive):
            _drop(archive)
        archive.close()
        if path is not None and folders is not None:
            remove_unused(path, folders)  # only if it is still empty, under the lock

    return archive, finish


def _open(url: str, zone: str, create: bool) -> Archive:
    from eventsourcing.persistence import PersistenceError
    from sqlalchemy.exc import SQLAlchemyError

    env = {
        "PERSISTENCE_MODULE": "storage.recorder",
        URL: url,
        ZONE: zone,
        CREATE: "y" if create else "n",
    }
    try:
        return Archive(env, index=_index)
    except ModuleNotFoundError as error:
        raise _no_driver(error) from None
    except (SQLAlchemyError, PersistenceError) as error:
        raise ArchiveUnavailable(
            f"cannot open archive {display_url(url)}: {first_line(error)}{_hint(url)}"
        ) from None


def _has_archive(url: str) -> bool:
    """Whether a database server already holds an archive (its settings table)."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
    except ModuleNotFoundError as error:
        raise _no_driver(error) from None
    try:
        return inspect(engine).has_table("story_meta")
    except SQLAlchemyError:
        return True  # unknown: opening it will say what is wrong, and nothing is removed
    finally:
        engine.dispose()


def _is_empty(archive: Archive) -> bool:
    from eventsourcing.persistence import PersistenceError

    try:
        return archive.event_count() == 0
    except PersistenceError:
        return False  # when in doubt, keep it


def _drop(archive: Archive) -> None:
    """Drop the tables of an archive on a server that this command created and left
    empty; under the write lock, and only if it is still empty."""
    from eventsourcing.persistence import PersistenceError
    from sqlalchemy import func, select

    from storage.tables import events_table, metadata

    assert isinstance(archive.recorder, SqlRecorder)
    try:
        with archive.recorder.database.writing() as connection:
            if connection.execute(select(func.count()).select_from(events_table)).scalar():
                return
            metadata.drop_all(connection)
    except PersistenceError:
        pass  # another writer holds it: leave it as it is


NO_ARCHIVE = "`story import` or `story append` starts one (or check --db / STORY_DB)"


def _no_driver(error: ModuleNotFoundError) -> ArchiveUnavailable:
    """SQLAlchemy imports a database's driver when it makes the engine: PostgreSQL's,
    psycopg, comes with the `postgres` extra, which `pip install -e .` leaves out."""
    if error.name != "psycopg":
        raise error
    return ArchiveUnavailable(
        "PostgreSQL needs the psycopg driver, which is not installed: "
        "pip install -e '.[postgres]' (or pip install 'psycopg[binary]')"
    )


def _hint(url: str) -> str:
    """Why an SQLite archive might not open, when the file system can tell."""
    path = sqlite_path(url)
    if path is None:
        return ""
    folder = path.parent
    read_only = folder.exists() and bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    if read_only or (path.exists() and not os.access(path, os.W_OK)):
        return (
            " (the archive is read-only: story writes its journal beside it even to read; "
            "copy it somewhere writable)"
        )
    return ""
