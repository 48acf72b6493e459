"""Turning ``--db`` / ``STORY_DB`` into an SQLAlchemy URL, and the default archive's place."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from pathlib import Path

from domain.errors import ArchiveUnavailable

# Query parameters that carry a credential (libpq reads both from the URL).
_SECRET_PARAMETER = re.compile(r"(?i)([?&](?:ssl)?password=)[^&#]*")


def default_path() -> Path:
    """``$XDG_DATA_HOME/story/archive.db``, or ``~/.local/share/story/archive.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "story" / "archive.db"


def archive_url(db: str | None) -> str:
    """An SQLAlchemy URL for a file path or URL; the default archive when None.

    Only SQLite files and PostgreSQL (through psycopg 3) are archives; any other URL,
    or one that cannot be parsed, is a one-line error.
    """
    if db and "://" in db:
        return _postgres_url(db)
    path = Path(db).expanduser() if db else default_path()
    if path.is_dir():
        raise ArchiveUnavailable(
            f"archive {path} is a folder: give a file path such as {path}/archive.db"
        )
    return f"sqlite:///{path.resolve()}"


def _postgres_url(db: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    scheme, rest = db.split("://", 1)
    if scheme.lower() in ("postgresql", "postgres", "postgresql+psycopg"):
        url = f"postgresql+psycopg://{rest}"
    elif scheme.lower().startswith(("postgresql+", "postgres+")):
        raise ArchiveUnavailable(
            f"database URL scheme {scheme!r} is not supported: story reaches PostgreSQL "
            f"through psycopg 3: write postgresql://{display_url(rest, bare=True)}"
        )
    else:
        raise ArchiveUnavailable(
            f"database URL scheme {scheme!r} is not supported: give an SQLite file path "
            "or a postgresql:// URL"
        )
    try:
        parsed = make_url(url)
        _ = parsed.port  # a port that is not a number fails here, not deep in the driver
    except (ArgumentError, ValueError):
        raise ArchiveUnavailable(
            f"{display_url(db, bare=True)} is not a database URL: "
            "write postgresql://USER@HOST:PORT/DATABASE (the port a number)"
        ) from None
    return url


def display_url(url: str, bare: bool = False) -> str:
    """The URL with every credential masked (``user:***@`` and ``?password=***``), fit to
    print or to store. ``bare``: a string that may not parse as a URL at all."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown = url
    if not bare:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except (ArgumentError, ValueError):
            bare = True
    if bare:  # mask user:password@ by hand
        shown = re.sub(r"^([^/@]*//)?([^:/@]*):[^@/]*@", r"\1\2:***@", shown)
    return _SECRET_PARAMETER.sub(r"\1***", shown)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite archive's URL; None for a server's."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def make_owner_only(path: Path) -> list[Path] | None:
    """Create a new archive file owner-only (0600), and the folders it needs (0700).

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode. Returns the
    folders made, outermost first, so that they can be removed if nothing is recorded;
    None when another process created the file first (then it is theirs, never removed
    by this one).
    """
    made: list[Path] = []
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700)
            made.append(folder)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return None  # another process made it first: it is theirs to set up
    except OSError as error:
        for folder in reversed(made):
            _remove_folder(folder)
        raise ArchiveUnavailable(
            f"cannot create archive {path}: {error.strerror}; choose another --db"
        ) from None
    return made


def hold(path: Path, create: bool) -> int:
    """An open descriptor of the archive file with a shared lock (flock) on it, held
    while the archive is open: a command that created the file and recorded nothing
    removes it only if no other process holds it (``remove_unused``). If the file was
    removed before the lock was had, it is created again (``create``) or refused."""
    while True:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            if not create:
                raise ArchiveUnavailable(f"no archive at {path}: it was removed") from None
            make_owner_only(path)
            continue
        fcntl.flock(fd, fcntl.LOCK_SH)
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # removed or replaced meanwhile: hold the file there now


def remove_unused(path: Path, folders: list[Path]) -> None:
    """Remove an archive file this process created, with its journal files and the
    folders made for it, if no other process holds it open (``hold``) and it holds no
    event. A writer that opens it meanwhile waits for the removal, then creates it anew."""
    import sqlite3

    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:  # another process has it open: it is theirs now too
        os.close(fd)
        return
    try:
        connection = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            events = connection.execute("SELECT count(*) FROM archive_events").fetchone()[0]
        except sqlite3.OperationalError:  # no tables yet: nothing was recorded
            events = 0
        finally:
            connection.close()
        if events:
            return
        for name in (f"{path}-wal", f"{path}-shm", f"{path}-journal", str(path)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
    except sqlite3.Error:
        return  # not an archive after all: leave it as it is
    finally:
        os.close(fd)
    for folder in reversed(folders):
        _remove_folder(folder)


def _remove_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # no longer empty: something else lives there now
        folder.rmdir()
