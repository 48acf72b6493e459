"""Turning ``--db`` / ``STORY_DB`` into an SQLAlchemy URL, and the default archive's place."""

from __future__ import annotations

import os
from pathlib import Path

from domain.errors import ArchiveUnavailable


def default_path() -> Path:
    """``$XDG_DATA_HOME/story/archive.db``, or ``~/.local/share/story/archive.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "story" / "archive.db"


def archive_url(db: str | None, create: bool = False) -> str:
    """An SQLAlchemy URL for a file path or URL; the default archive when None.

    ``create``: make the file's folder if it is missing.
    """
    if db and "://" in db:
        scheme, rest = db.split("://", 1)
        if scheme in ("postgresql", "postgres"):
            return f"postgresql+psycopg://{rest}"
        return db
    path = Path(db).expanduser() if db else default_path()
    if path.is_dir():
        raise ArchiveUnavailable(
            f"archive {path} is a folder: give a file path such as {path}/archive.db"
        )
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveUnavailable(
            f"cannot create the folder for archive {path}: {error.strerror}; choose another --db"
        ) from None
    return f"sqlite:///{path.resolve()}"


def display_url(url: str) -> str:
    """The URL without its password, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
