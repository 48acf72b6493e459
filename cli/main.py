"""The `story` command line: parse, call the archive, render. Nothing else lives here."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from typing import Any

import click

from cli import auditing, exporting, reading, safe, serving, token_commands, url_commands, writing
from cli.options import color_option, color_param
from domain.errors import StoryError


class StoryGroup(click.Group):
    """Every failure is one line, `Error: …`, and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        _refuse_undecodable(kwargs.get("args", args[0] if args else None))
        try:
            code = super().main(*args, **kwargs)
            sys.stdout.flush()
        except click.UsageError as error:
            hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
            click.echo(f"Error: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except StoryError as error:
            click.echo(f"Error: {safe.text(str(error))}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        except OSError as error:
            if error.errno not in _OUTPUT_ERRORS:
                raise
            _output_failed(error)
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            _short_usage(ctx)
        return super().parse_args(ctx, args)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        """Every command takes --color after it too, as the group does before it."""
        cmd.params.append(color_param())
        super().add_command(cmd, name)


def _short_usage(ctx: click.Context) -> None:
    """A new user's first `story`: what it is and where to start, not the whole help.

    It answers a question and nothing went wrong, so it is printed on stdout and exits 0
    (as `story --help` does); a command that is missing from a script still does nothing.
    """
    click.echo(_SHORT_USAGE)
    ctx.exit(0)


_SHORT_USAGE = """\
story: an append-only archive of news stories.

  story import examples/shotspotter            load the example
  story list                                   the stories
  story replay shotspotter --as-of 2024-02-16  a story as it stood on a day
  story diff shotspotter --from 1              what changed since the first version
  story append SLUG --kind report --reported-at today --text "..."

`story --help` lists every command; `story COMMAND --help` explains one."""


# Writing the output can fail: a full disk (`> /dev/full`), a closed pipe (`| head`).
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EPIPE, errno.EIO, errno.EFBIG}


def _output_failed(error: OSError) -> None:
    """One line for a failed write to standard output (none for a reader that stopped
    reading, as `head` does), and no second error when Python flushes it at exit."""
    # Not a file descriptor (a test's capture)? Then nothing will flush it at exit.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if error.errno == errno.EPIPE:
        sys.exit(1)
    click.echo(f"Error: cannot write the output: {error.strerror}", err=True)
    sys.exit(1)


def _refuse_undecodable(args: Any) -> None:
    """An argument that is not UTF-8 (the shell passed bytes Python cannot decode) is a
    usage error, before anything can look for it in the archive."""
    for arg in sys.argv[1:] if args is None else args:
        try:
            str(arg).encode("utf-8")
        except UnicodeEncodeError:
            shown = str(arg).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            click.echo(
                f"Error: argument {shown!r} is not UTF-8 text: give it as UTF-8 "
                "(update ids and slugs are ASCII)",
                err=True,
            )
            sys.exit(2)


@click.group(cls=StoryGroup)
@click.version_option(package_name="story")
@click.option(
    "--db",
    envvar="STORY_DB",
    metavar="PATH|URL",
    help="The archive, for every command. [env: STORY_DB]",
)
@click.option(
    "--tz",
    envvar="STORY_TZ",
    metavar="ZONE",
    help="The time zone, for every command. [env: STORY_TZ]",
)
@color_option
def story(db: str | None, tz: str | None) -> None:
    """An append-only archive of news stories.

    Append updates as immutable events; replay any story as of any date; see how the
    reporting changed. --db, --tz and --color may come before the command or after it
    (after wins).

    \b
    Example:
      story import examples/shotspotter
      story replay shotspotter --as-of 2024-02-16
    """
    # Each command reads these from its context (cli.options.db_before, zone_before).


for command in (
    writing.append, writing.import_,
    reading.list_, reading.log, reading.replay, reading.diff, reading.show, reading.info,
    reading.rebuild,
    auditing.verify, auditing.checkpoint, auditing.keygen, auditing.blame, auditing.trace,
    serving.serve, exporting.export, token_commands.token, url_commands.url,
):  # fmt: skip
    story.add_command(command)
