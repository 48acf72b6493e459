"""Opening an archive: the eventsourcing application on our recorder, with its index."""

from __future__ import annotations

import os
from pathlib import Path

from domain.application import Archive
from domain.errors import ArchiveUnavailable, first_line
from storage.index import SqlIndex
from storage.locate import archive_url, display_url
from storage.recorder import CREATE, URL, ZONE, SqlRecorder


def _index(app: Archive) -> SqlIndex:
    assert isinstance(app.recorder, SqlRecorder)
    return SqlIndex(app.recorder)


def open_archive(db: str | None, zone: str = "UTC", create: bool = True) -> Archive:
    """The archive at a path or URL (the default SQLite file when None).

    ``zone`` is the archive's time zone if this call creates it; an existing archive
    keeps the zone it was created with. Without ``create``, a missing archive is an
    error rather than a new, empty one.
    """
    from eventsourcing.persistence import PersistenceError
    from sqlalchemy.exc import SQLAlchemyError

    url = archive_url(db, create)
    if not create and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            raise ArchiveUnavailable(f"no archive at {path}: {NO_ARCHIVE}")
    env = {
        "PERSISTENCE_MODULE": "storage.recorder",
        URL: url,
        ZONE: zone,
        CREATE: "y" if create else "n",
    }
    try:
        return Archive(env, index=_index)
    except (SQLAlchemyError, PersistenceError) as error:
        raise ArchiveUnavailable(
            f"cannot open archive {display_url(url)}: {first_line(error)}{_hint(url)}"
        ) from None


NO_ARCHIVE = "`story import` or `story append` starts one (or check --db / STORY_DB)"


def _hint(url: str) -> str:
    """Why an SQLite archive might not open, when the file system can tell."""
    if not url.startswith("sqlite:///"):
        return ""
    path = Path(url.removeprefix("sqlite:///"))
    folder = path.parent
    read_only = folder.exists() and bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    if read_only or (path.exists() and not os.access(path, os.W_OK)):
        return (
            " (the archive is read-only: story writes its journal beside it even to read; "
            "copy it somewhere writable)"
        )
    return ""
