"""Commands for readers: list, log, replay, diff, show, info; and rebuild."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from cli import safe
from cli.options import (
    archive_at,
    db_option,
    emit,
    ignore_trivial_option,
    json_option,
    known_at_option,
    named_day,
    tz_option,
    when_option,
)
from domain.errors import NotYetReported

if TYPE_CHECKING:
    from datetime import tzinfo

    from domain.when import When


@click.command("list")
@db_option
@json_option
def list_(db: str | None, as_json: bool) -> None:
    """List the stories: updates, first and last reported day.

    \b
    Example:
      story list
    """
    from cli import render

    stories = archive_at(db).stories()
    if as_json:
        emit([render.summary_json(s) for s in stories])
    else:
        click.echo(render.stories(safe.shown(stories)))


@click.command()
@click.argument("slug")
@when_option("--as-of", "Only the versions a replay as of WHEN counts. Default: now.")
@known_at_option
@ignore_trivial_option
@db_option
@tz_option
@json_option
def log(
    slug: str,
    as_of: When | None,
    known_at: When | None,
    ignore_trivial: bool,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
) -> None:
    """One line per version of a story, in reported order.

    Columns: version, update id, kind, reported, recorded (UTC), by, digest, summary.
    Amended updates are marked with the correction or retraction that amends them.

    \b
    Example:
      story log shotspotter
      story log shotspotter --ignore-trivial
      story log shotspotter --as-of 2024-02-13
    """
    from cli import render

    archive = archive_at(db, tz)
    timeline = archive.timeline(slug, tz, known_at, as_of)
    trivial = archive.trivial_updates(slug, tz, known_at, as_of) if ignore_trivial else None
    if as_json:
        emit(render.log_json(timeline, trivial))
    else:
        click.echo(render.log(safe.shown(timeline), trivial))


@click.command()
@click.argument("slug", required=False)
@when_option("--as-of", "A date (through its end) or a datetime with offset. Default: now.")
@known_at_option
@db_option
@tz_option
@json_option
def replay(
    slug: str | None,
    as_of: When | None,
    known_at: When | None,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
) -> None:
    """The story as it stood on a date: headline, text, statements, facts, updates.

    Without SLUG, every story that existed then.

    \b
    Example:
      story replay shotspotter --as-of 2024-02-16
      story replay shotspotter --as-of 2024-02-16 --tz America/Chicago --json
    """
    from cli import render

    archive = archive_at(db, tz)
    if slug is not None:
        version = archive.replay(slug, tz, as_of, known_at)
        if as_json:
            emit(render.version_json(version, as_of, known_at))
        else:
            click.echo(render.version(safe.shown(version), as_of, known_at))
        return
    import json

    shown = 0  # every story, streamed: one story in memory at a time
    for version in archive.replay_all(tz, as_of, known_at):
        if as_json:
            text = json.dumps(
                render.version_json(version, as_of, known_at), indent=2, ensure_ascii=False
            )
            click.echo(("[\n" if not shown else ",\n") + text, nl=False)
        else:
            shown_ = render.version(safe.shown(version), as_of, known_at)
            click.echo(("" if not shown else "\n\n") + shown_)
        shown += 1
    if not shown:
        moment = f"as of {as_of}" if as_of else "yet"
        recorded = f" and recorded by {known_at}" if known_at else ""
        raise NotYetReported(f"no story had been reported {moment}{recorded}: choose a later date")
    if as_json:
        click.echo("\n]")


@click.command()
@click.argument("slug")
@click.option(
    "--from",
    "old",
    metavar="REF",
    help="A version number, an update id (or its start) or a date. Default: version 1.",
)
@click.option("--to", "new", metavar="REF", help="As --from. Default: the latest version.")
@click.option(
    "--by",
    "unit",
    type=click.Choice(["line", "sentence"]),
    default="line",
    show_default=True,
    help="Diff the body by line (unified) or by sentence (added, deleted, edited, moved).",
)
@known_at_option
@ignore_trivial_option
@db_option
@tz_option
@json_option
def diff(
    slug: str,
    old: str | None,
    new: str | None,
    unit: str,
    known_at: When | None,
    ignore_trivial: bool,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
) -> None:
    """What changed between two versions: body text, headline, statements, facts.

    A version is named by its number (as `story log` counts), an update id or its first
    digits (the story right after that update) or a date (the story as of then); digits
    alone are a version number if the story has that version, else the start of an id.
    --from defaults to the first version and --to to the latest. --by sentence labels each
    change to the body as added, deleted, edited (with the words that changed) or moved.

    \b
    Example:
      story diff shotspotter --from 2024-02-13 --to 2024-02-16
      story diff shotspotter --from 2024-02-13 --by sentence --ignore-trivial
    """
    from cli import render
    from domain.provenance import sentence_diff

    old, new = named_day(old), named_day(new)
    result = archive_at(db, tz).diff(slug, tz, old, new, known_at, ignore_trivial)
    by_sentence = None
    if unit == "sentence":
        by_sentence = sentence_diff(result.old.paragraphs, result.new.paragraphs, ignore_trivial)
    if as_json:
        emit(render.diff_json(result, old, new, by_sentence))
    else:
        click.echo(render.diff(*safe.shown((result, old, new, by_sentence))), color=None)


@click.command()
@click.argument("slug")
@click.argument("update_id", metavar="ID")
@db_option
@tz_option
@json_option
def show(slug: str, update_id: str, db: str | None, tz: tzinfo, as_json: bool) -> None:
    """Every field of one update, and the updates that amend it.

    \b
    Example:
      story show shotspotter 5af00ae05320
    """
    from cli import render

    update, version, amended_by = archive_at(db, tz).show(slug, update_id)
    if as_json:
        emit(render.update_json(update, version, amended_by))
    else:
        click.echo(render.update(*safe.shown((update, version, amended_by))))


@click.command()
@db_option
@json_option
def info(db: str | None, as_json: bool) -> None:
    """Which archive is in use, and how many stories and updates it holds.

    \b
    Example:
      STORY_DB=/tmp/test.db story info
    """
    from domain.when import zone_name
    from storage.locate import archive_url, display_url

    url = display_url(archive_url(db))
    archive = archive_at(db)
    (stories, updates), zone = archive.counts(), zone_name(archive.zone)
    if as_json:
        emit({"archive": url, "zone": zone, "stories": stories, "updates": updates})
    else:
        click.echo(f"archive  {url}\nzone     {zone}\nstories  {stories}\nupdates  {updates}")


@click.command()
@db_option
def rebuild(db: str | None) -> None:
    """Drop the read-side index and derive it again from the event store.

    Replay, log, diff and blame read the index; the events are the record. Rebuild after
    upgrading story, or when `story verify` reports an index mismatch. Readers see the
    old index until the new one is complete (on PostgreSQL they wait only for the moment
    the new tables take the old ones' place); writers wait until the rebuild ends.

    \b
    Example:
      story rebuild
    """
    from domain.text import counted

    archive = archive_at(db)
    total = archive.event_count()
    hidden = not sys.stderr.isatty()
    with click.progressbar(length=total, label="Rebuilding", file=sys.stderr, hidden=hidden) as bar:
        count = archive.rebuild(bar.update)
    stories = counted(archive.counts()[0], "story", "stories")
    click.echo(f"Rebuilt the index: {counted(count, 'update')} in {stories}")
