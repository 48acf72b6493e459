"""Shared by every command: the archive, the common options, and small readers."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from domain.errors import InvalidInput

if TYPE_CHECKING:
    from datetime import tzinfo

    from domain.application import Archive
    from domain.when import When

F = TypeVar("F", bound=Callable[..., Any])


def db_option(f: F) -> F:
    return click.option(
        "--db",
        envvar="STORY_DB",
        metavar="PATH|URL",
        help="Archive: an SQLite file or an SQLAlchemy URL (postgresql+psycopg://…). "
        "Default: $XDG_DATA_HOME/story/archive.db. [env: STORY_DB]",
    )(f)


def tz_option(f: F) -> F:
    return click.option(
        "--tz",
        envvar="STORY_TZ",
        default="UTC",
        show_default=True,
        metavar="ZONE",
        help="Time zone in which dates are days, e.g. America/Chicago. [env: STORY_TZ]",
    )(f)


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")(f)


def known_at_option(f: F) -> F:
    return click.option(
        "--known-at",
        metavar="WHEN",
        help="Only what the archive had recorded by WHEN (back-filled updates stay hidden).",
    )(f)


def ignore_trivial_option(f: F) -> F:
    return click.option(
        "--ignore-trivial",
        is_flag=True,
        help="Hide changes of whitespace or punctuation only (and say how many).",
    )(f)


def archive_at(db: str | None, tz: str | None = None, create: bool = False) -> Archive:
    """The archive. Only writing commands ``create`` one (reading a path that holds no
    archive is an error, not a new empty file); it takes its zone from --tz / STORY_TZ."""
    from storage.archive import open_archive

    return open_archive(db, tz or os.environ.get("STORY_TZ") or "UTC", create)


# Dates and zones are read with domain.when, imported when a command first needs it, like
# everything beyond click: `story --help` imports no more.


def time_zone(name: str) -> tzinfo:
    """The named IANA time zone (``domain.when.time_zone``)."""
    from domain import when

    return when.time_zone(name)


def parse_when(value: str | None, option: str) -> When | None:
    from domain.when import When

    return When.parse(value, option) if value else None


def emit(data: Any) -> None:
    import json

    click.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))


def user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def read(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, or a one-line error that says what is wrong with it."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None
