"""The `story` command line: parse, call the archive, render. Nothing else lives here."""

from __future__ import annotations

import sys
from typing import Any

import click

from cli import auditing, exporting, reading, serving, writing
from domain.errors import StoryError


class StoryGroup(click.Group):
    """Every failure is one line, `Error: …`, and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as error:
            hint = f" (see `{error.ctx.command_path} --help`)" if error.ctx else ""
            click.echo(f"Error: {error.format_message()}{hint}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except StoryError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(1)
        except click.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


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
def story(db: str | None, tz: str | None) -> None:
    """An append-only archive of news stories.

    Append updates as immutable events; replay any story as of any date; see how the
    reporting changed. --db and --tz may come before the command or after it (after wins).

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
    serving.serve, exporting.export,
):  # fmt: skip
    story.add_command(command)
