"""Shared by every command: the archive, the common options and their types, small readers."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from domain.errors import InvalidInput
from domain.kinds import KINDS

if TYPE_CHECKING:
    from datetime import date, tzinfo

    from domain.application import Archive
    from domain.when import When

F = TypeVar("F", bound=Callable[..., Any])

# Dates and zones are read with domain.when, imported when a value is first converted,
# like everything beyond click: `story --help` imports no more.


class WhenType(click.ParamType["When"]):
    """A date (YYYY-MM-DD) or a datetime with offset, as a domain.when.When."""

    name = "when"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> When:
        from domain.when import When

        if isinstance(value, When):
            return value
        try:
            return When.parse(value, "", _today(ctx))
        except InvalidInput as error:
            # domain.when names the value, click names the option (`Invalid value for …`).
            _fail(self, str(error).lstrip(), param, ctx)


def _today(ctx: click.Context | None) -> date:
    """The day it is now in the command's zone (its --tz, read first: it is eager), else
    the zone given before the command, else UTC: what `today` and `yesterday` count from."""
    from datetime import UTC, datetime

    zone = ctx.params.get("tz") if ctx is not None else None
    if zone is None and ctx is not None:
        zone = zone_before(ctx)
    return datetime.now(zone or UTC).date()


def named_day(ref: str | None) -> str | None:
    """A version reference as given, with `today` or `yesterday` made the date it names
    (for --from and --to, which take version numbers and ids as well as dates)."""
    from domain.when import DAYS_AGO, When

    if ref is None or ref.strip().lower() not in DAYS_AGO:
        return ref
    return str(When.parse(ref, "", _today(click.get_current_context())))


class ZoneType(click.ParamType["tzinfo"]):
    """An IANA time zone name (or UTC), as a tzinfo."""

    name = "zone"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tzinfo:
        from datetime import tzinfo

        from domain.when import time_zone

        if isinstance(value, tzinfo):
            return value
        try:
            return time_zone(value)
        except InvalidInput as error:
            _fail(self, str(error), param, ctx)


def _fail(
    kind: click.ParamType[Any],
    message: str,
    param: click.Parameter | None,
    ctx: click.Context | None,
) -> NoReturn:
    """A bad value is a usage error (exit 2); one from the environment names its variable."""
    if param is not None and param.name and ctx is not None:
        envvar = param.envvar
        if ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT and envvar:
            raise click.BadParameter(message, ctx, param, str(envvar))
    kind.fail(message, param, ctx)


WHEN, ZONE, KIND = WhenType(), ZoneType(), click.Choice(KINDS)


# The group reads --db and --tz given before the command (or STORY_DB and STORY_TZ); a
# command's own option, after it, wins. The group keeps the zone a name, checked when a
# command uses it, so that a --tz after the command can replace a bad STORY_TZ.


def _story(ctx: click.Context) -> click.Context | None:
    """The `story` group's context, above a command (and above `story token`'s)."""
    root = ctx.find_root()
    return root if root is not ctx else None


def db_before(ctx: click.Context) -> str | None:
    """--db as given before the command, or STORY_DB."""
    group = _story(ctx)
    return group.params.get("db") if group else None


def zone_before(ctx: click.Context) -> tzinfo | None:
    """--tz as given before the command, or STORY_TZ (a usage error if it is no zone)."""
    group = _story(ctx)
    name = group.params.get("tz") if group else None
    if group is None or name is None:
        return None
    param = next(p for p in group.command.params if p.name == "tz")
    return ZONE.convert(name, param, group)


def _db_after(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """--db after a command that has no --db of its own (keygen, which opens no archive,
    and the groups url and token): it takes the place of the one before the command."""
    group = _story(ctx)
    if value is not None and group is not None:
        group.params["db"] = value


def _zone_after(ctx: click.Context, param: click.Parameter, value: tzinfo | None) -> None:
    """--tz after a command that has no --tz of its own: it takes the place of the one
    before the command, and the zone in use is checked now, before the command runs (a
    bad one is a usage error for every command, keygen's too)."""
    group = _story(ctx)
    if value is not None and group is not None:
        group.params["tz"] = value  # a tzinfo, which zone_before passes through
    if not ctx.resilient_parsing:
        zone_before(ctx)


def _db(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return value if value is not None else db_before(ctx)


def _zone(ctx: click.Context, param: click.Parameter, value: tzinfo | None) -> tzinfo:
    from datetime import UTC

    zone = value if value is not None else zone_before(ctx)
    return zone if zone is not None else UTC


DB_HELP = (
    "Archive: an SQLite file or an SQLAlchemy URL (postgresql+psycopg://…). "
    "Default: $XDG_DATA_HOME/story/archive.db. [env: STORY_DB]"
)
TZ_HELP = "Time zone in which dates are days, e.g. America/Chicago. [default: UTC; env: STORY_TZ]"


def db_option(f: F) -> F:
    return click.option("--db", metavar="PATH|URL", callback=_db, help=DB_HELP)(f)


def tz_option(f: F) -> F:
    # Eager, so that it is read before the dates whose `today` it decides.
    return click.option(
        "--tz", type=ZONE, metavar="ZONE", callback=_zone, is_eager=True, help=TZ_HELP
    )(f)


COLORS = ("auto", "always", "never")
COLOR_HELP = "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never."


def _color(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """Sets the colour of what this context prints, and of the command under it: click's
    echo reads ``ctx.color`` (None: on a terminal only). Not given after the command
    (None), the choice before it stands."""
    if value is None:
        return
    no_color = bool(os.environ.get("NO_COLOR"))  # https://no-color.org: set and not empty
    ctx.color = {"always": True, "never": False}.get(value, False if no_color else None)


def color_option(f: F) -> F:
    """--color before the command (default auto, which honours NO_COLOR)."""
    return click.option(
        "--color", type=click.Choice(COLORS), default="auto", show_default=True,
        expose_value=False, is_eager=True, callback=_color, help=COLOR_HELP,
    )(f)  # fmt: skip


def color_param() -> click.Option:
    """--color after the command: it wins over the one before it."""
    return click.Option(
        ["--color"], type=click.Choice(COLORS), expose_value=False, is_eager=True,
        callback=_color, help=COLOR_HELP,
    )  # fmt: skip


def global_options_after(command: click.Command) -> None:
    """Gives a command --db, --tz and --color after it, with the effect they have before
    it, where it has not declared them itself; and so to each command of a group."""
    names = {param.name for param in command.params}
    if "db" not in names:
        command.params.append(
            click.Option(["--db"], metavar="PATH|URL", expose_value=False, callback=_db_after,
                         help=DB_HELP)
        )  # fmt: skip
    if "tz" not in names:
        command.params.append(
            click.Option(["--tz"], type=ZONE, metavar="ZONE", expose_value=False, is_eager=True,
                         callback=_zone_after, help=TZ_HELP)
        )  # fmt: skip
    if "color" not in names:
        command.params.append(color_param())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            global_options_after(sub)


def when_option(name: str, help: str) -> Callable[[F], F]:
    """An option whose value is a date or a datetime with offset."""
    return click.option(name, type=WHEN, metavar="WHEN", help=f"{help} Also today or yesterday.")


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/json.md).")(f)


def known_at_option(f: F) -> F:
    return when_option(
        "--known-at",
        "Only what the archive had recorded by WHEN (back-filled updates stay hidden).",
    )(f)


def ignore_trivial_option(f: F) -> F:
    return click.option(
        "--ignore-trivial",
        is_flag=True,
        help="Hide changes of whitespace or punctuation only (and say how many).",
    )(f)


def archive_at(
    db: str | None, zone: tzinfo | None = None, create: bool = False, audit: bool = False
) -> Archive:
    """The archive, closed when the command ends (on error too).

    Only writing commands ``create`` one (reading a path that holds no archive is an
    error, not a new empty file), and it is kept only if they record something; it takes
    ``zone``, else the zone given before the command, else UTC. A guard found tampered
    with on opening (and put right) is a warning on stderr, but for an ``audit``
    command (verify), which reports it among its findings.
    """
    from domain.when import zone_name
    from storage.archive import open_archive, open_to_record

    ctx = click.get_current_context()
    zone = zone if zone is not None else zone_before(ctx)
    name = zone_name(zone) if zone is not None else "UTC"
    if create:  # a new archive that ends up holding nothing is removed when the command ends
        archive, finish = open_to_record(db, name)
        ctx.call_on_close(finish)
    else:
        archive = open_archive(db, name, create=False)
        ctx.call_on_close(archive.close)
    if not audit:
        warn_of_guard(archive)
    return archive


def warn_of_guard(archive: Archive) -> None:
    """A warning on stderr for each thing found wrong with the guard on opening (and put
    right then)."""
    for finding in archive.index.guard_problems():
        click.echo(
            f"Warning: the archive's append-only guard was tampered with: {finding.detail}; "
            "run `story verify` to check nothing recorded was changed meanwhile",
            err=True,
        )


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
    from domain.importing import read_file

    return read_file(path)
