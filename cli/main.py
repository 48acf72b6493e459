"""The `story` command line: parse, call the archive, render. Nothing else lives here."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from domain.errors import InvalidInput, NotYetReported, StoryError
from domain.when import When, time_zone

if TYPE_CHECKING:
    from domain.application import Archive

F = TypeVar("F", bound=Callable[..., Any])


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


def _archive(db: str | None, tz: str | None = None) -> Archive:
    """The archive; a new one takes its zone from --tz / STORY_TZ (UTC by default)."""
    from storage.archive import open_archive

    return open_archive(db, tz or os.environ.get("STORY_TZ") or "UTC")


def _when(value: str | None, option: str) -> When | None:
    return When.parse(value, option) if value else None


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=StoryGroup)
@click.version_option(package_name="story")
def story() -> None:
    """An append-only archive of news stories.

    Append updates as immutable events; replay any story as of any date; see how the
    reporting changed.

    \b
    Example:
      story import examples/shotspotter
      story replay shotspotter --as-of 2024-02-16
    """


@story.command()
@click.argument("slug")
@click.argument("stdin", required=False, metavar="[-]")
@click.option("--kind", help="report, statement, fact, correction, retraction or revision.")
@click.option(
    "--reported-at",
    metavar="WHEN",
    help="When it was published: YYYY-MM-DD or a datetime with offset.",
)
@click.option("--text", help="The text (paragraphs separated by blank lines).")
@click.option(
    "--file",
    "text_file",
    metavar="PATH",
    help="Read the text from a file ('-' for standard input).",
)
@click.option("--headline", help="A new headline (report, revision, correction).")
@click.option("--party", help="Who made the statement (statement).")
@click.option("--issued-at", metavar="WHEN", help="When the statement was issued (statement).")
@click.option("--key", help="The fact's name, e.g. contract.status (fact).")
@click.option(
    "--value", metavar="JSON", help="The fact's JSON value; null removes the fact (fact)."
)
@click.option("--target", metavar="ID", help="The update amended (correction, retraction).")
@click.option("--note", help="Why it was corrected or retracted (correction, retraction).")
@click.option("--source", metavar="URL", help="Where the update was published.")
@click.option("--outlet", help="The publication, e.g. ABC7 Chicago.")
@click.option(
    "--by", envvar="STORY_BY", help="The archivist. Default: your user name. [env: STORY_BY]"
)
@db_option
@tz_option
@json_option
def append(
    slug: str,
    stdin: str | None,
    kind: str | None,
    reported_at: str | None,
    text: str | None,
    text_file: str | None,
    value: str | None,
    by: str | None,
    db: str | None,
    tz: str,
    as_json: bool,
    **fields: str | None,
) -> None:
    """Append one update to a story (the first update starts the story).

    Prints the update's id and the version it made. Appending the same content again
    appends nothing and prints the existing id.

    \b
    Example:
      story append shotspotter --kind fact --reported-at 2024-02-16 \\
        --key contract.status --value '"running"'
      echo "The city has not commented." | story append shotspotter \\
        --kind report --reported-at 2024-02-16 -
    """
    from cli import render
    from domain.updates import KINDS, Update

    if not kind:
        raise InvalidInput(f"--kind is missing: use one of {', '.join(KINDS)}")
    time_zone(tz)  # checked before anything is read or written
    body = _text(text, text_file, stdin)
    update = Update.draft(
        slug, kind, reported_at, by or _user(), text=body, value=_json_value(value), **fields
    )
    appended = _archive(db, tz).append(update)
    if as_json:
        _emit(render.appended_json(appended))
    else:
        click.echo(render.appended(appended))


def _text(text: str | None, text_file: str | None, stdin: str | None) -> str | None:
    if stdin not in (None, "-"):
        raise InvalidInput(f"unexpected argument {stdin!r}: give the text with --text, --file or -")
    given = [g for g in (text, text_file, stdin) if g is not None]
    if len(given) > 1:
        raise InvalidInput("give the text one way only: --text, --file or -")
    if text_file is None and stdin is None:
        return text
    from domain.sources import decode

    if text_file in (None, "-"):
        return decode(sys.stdin.buffer.read(), "standard input")
    return decode(_read(Path(text_file)), text_file)


def _json_value(value: str | None) -> Any:
    from domain.updates import MISSING

    if value is None:
        return MISSING
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise InvalidInput(
            f"--value {value!r} is not JSON: quote text ('\"running\"'), or give a number, "
            "true/false, an object, or null to remove the fact"
        ) from None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None


@story.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--story", "slug", metavar="SLUG", help="The story for text files (default: from the headline)."
)
@click.option(
    "--by", envvar="STORY_BY", help="The archivist, where a record names none. [env: STORY_BY]"
)
@db_option
@json_option
def import_(
    paths: tuple[str, ...], slug: str | None, by: str | None, db: str | None, as_json: bool
) -> None:
    """Import updates from text captures, JSON Lines files, or folders of them.

    A text file is one capture of an article: first line `date YYYY-MM-DD Headline`,
    then paragraphs; it becomes a revision. A .jsonl file holds one update per line.
    Each file is imported whole or not at all; content already in the archive is
    counted, not appended again.

    \b
    Example:
      story import examples/shotspotter
      story import --story shotspotter ../shared/seeds/000_126f608e96277ead.txt
    """
    from cli import render
    from cli.files import read_updates

    files = read_updates(paths, slug, by or _user())
    archive = _archive(db)
    results = []
    for name, updates in files:
        results.append((name, archive.record(updates)))
        if not as_json:
            click.echo(render.imported_file(name, results[-1][1]))
    if as_json:
        _emit(render.imported_json(results))
    else:
        click.echo(render.imported_total(results))


@story.command("list")
@db_option
@json_option
def list_(db: str | None, as_json: bool) -> None:
    """List the stories: updates, first and last reported day.

    \b
    Example:
      story list
    """
    from cli import render

    stories = _archive(db).stories()
    if as_json:
        _emit([render.summary_json(s) for s in stories])
    else:
        click.echo(render.stories(stories))


@story.command()
@click.argument("slug")
@known_at_option
@db_option
@tz_option
@json_option
def log(slug: str, known_at: str | None, db: str | None, tz: str, as_json: bool) -> None:
    """One line per version of a story, in reported order.

    Columns: version, update id, kind, reported, recorded (UTC), by, summary.

    \b
    Example:
      story log shotspotter
    """
    from cli import render

    timeline = _archive(db, tz).timeline(slug, time_zone(tz), _when(known_at, "--known-at"))
    if as_json:
        _emit(render.log_json(timeline))
    else:
        click.echo(render.log(timeline))


@story.command()
@click.argument("slug", required=False)
@click.option(
    "--as-of",
    metavar="WHEN",
    help="A date (through its end) or a datetime with offset. Default: now.",
)
@known_at_option
@db_option
@tz_option
@json_option
def replay(
    slug: str | None,
    as_of: str | None,
    known_at: str | None,
    db: str | None,
    tz: str,
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

    zone, when, known = time_zone(tz), _when(as_of, "--as-of"), _when(known_at, "--known-at")
    archive = _archive(db, tz)
    versions = (
        [archive.replay(slug, zone, when, known)] if slug else archive.replay_all(zone, when, known)
    )
    if not versions:
        moment = f"as of {when}" if when else "yet"
        recorded = f" and recorded by {known}" if known else ""
        raise NotYetReported(f"no story had been reported {moment}{recorded}: choose a later date")
    if as_json:
        data = [render.version_json(v, when, known) for v in versions]
        _emit(data[0] if slug else data)
    else:
        click.echo("\n\n".join(render.version(v, when, known) for v in versions))


@story.command()
@click.argument("slug")
@click.option("--from", "old", required=True, metavar="ID|WHEN", help="An update id or a date.")
@click.option(
    "--to", "new", metavar="ID|WHEN", help="An update id or a date. Default: the latest version."
)
@known_at_option
@db_option
@tz_option
@json_option
def diff(
    slug: str,
    old: str,
    new: str | None,
    known_at: str | None,
    db: str | None,
    tz: str,
    as_json: bool,
) -> None:
    """What changed between two versions: body text, headline, statements, facts.

    A version is named by an update id (the story right after it) or a date (the
    story as of then).

    \b
    Example:
      story diff shotspotter --from 2024-02-13 --to 2024-02-16
    """
    from cli import render

    zone = time_zone(tz)
    archive = _archive(db, tz)
    known = _when(known_at, "--known-at")
    target = new or archive.timeline(slug, zone, known)[-1].id
    result = archive.diff(slug, zone, old, target, known)
    if as_json:
        _emit(render.diff_json(result, old, target))
    else:
        click.echo(render.diff(result, old, target), color=None)


@story.command()
@click.argument("slug")
@click.argument("update_id", metavar="ID")
@db_option
@tz_option
@json_option
def show(slug: str, update_id: str, db: str | None, tz: str, as_json: bool) -> None:
    """Every field of one update, and the updates that amend it.

    \b
    Example:
      story show shotspotter 5c1f3f6e0a2b
    """
    from cli import render

    update, version, amended_by = _archive(db, tz).show(slug, update_id)
    if as_json:
        _emit(render.update_json(update, version, amended_by))
    else:
        click.echo(render.update(update, version, amended_by))


@story.command()
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
    archive = _archive(db)
    (stories, updates), zone = archive.counts(), zone_name(archive.index.zone)
    if as_json:
        _emit({"archive": url, "zone": zone, "stories": stories, "updates": updates})
    else:
        click.echo(f"archive  {url}\nzone     {zone}\nstories  {stories}\nupdates  {updates}")


@story.command()
@click.argument("slug", required=False)
@click.option(
    "--against", metavar="CHECKPOINT", help="Also prove the archive extends this checkpoint."
)
@click.option(
    "--public-key", metavar="PEM", help="Require the checkpoint to be signed by this key."
)
@db_option
@json_option
def verify(
    slug: str | None, against: str | None, public_key: str | None, db: str | None, as_json: bool
) -> None:
    """Prove the archive is intact: recompute every digest and both chains.

    Reads the raw stored events, not the index, and says exactly what is wrong: which
    story, which update, and what was found (changed content, missing update, reordered,
    forged insertion, broken chain). With --against, also proves that nothing before the
    checkpoint was rewritten. Exits 1 when anything is wrong.

    \b
    Example:
      story verify
      story checkpoint --key auditor.pem > head.json
      story verify --against head.json --public-key auditor.pem.pub
    """
    from cli import render
    from domain import checkpoints

    checkpoint = None
    if against is not None:
        if slug is not None:
            raise InvalidInput("--against checks the whole archive: leave out the story")
        checkpoint = checkpoints.read(_decode_file(Path(against)), against)
        if public_key is not None:
            checkpoints.check_signer(checkpoint, _read(Path(public_key)), against, public_key)
    elif public_key is not None:
        raise InvalidInput("--public-key checks a checkpoint's signer: give --against too")
    result = _archive(db).verify(slug)
    if checkpoint is not None:
        result.check_against(checkpoint)
    if as_json:
        _emit(render.verification_json(result, checkpoint))
    else:
        click.echo(render.verification(result, checkpoint, slug))
    if not result.ok:
        raise click.ClickException(
            f"{len(result.findings)} problem(s) found: the archive was changed outside story"
        )


@story.command()
@click.option("--key", metavar="PEM", help="Sign with this Ed25519 private key (see story keygen).")
@db_option
def checkpoint(key: str | None, db: str | None) -> None:
    """Print the archive's head (update count and chain digest) as a checkpoint.

    Keep it somewhere the archive's administrators cannot change; later, `story verify
    --against` proves the archive only grew since. The archive must verify first.

    \b
    Example:
      story checkpoint --key auditor.pem > checkpoints/2024-02-16.json
    """
    from domain import checkpoints
    from storage.locate import archive_url, display_url

    private = _read(Path(key)) if key else None
    document = _archive(db).checkpoint(display_url(archive_url(db)))
    if private is not None and key is not None:
        document = checkpoints.sign(document, private, key)
    _emit(document)


@story.command()
@click.argument("path")
def keygen(path: str) -> None:
    """Make an Ed25519 key pair for signing checkpoints: PATH and PATH.pub.

    The private key is written readable by you alone; give PATH.pub to whoever
    verifies your checkpoints.

    \b
    Example:
      story keygen auditor.pem
    """
    from domain import checkpoints

    private_path, public_path = Path(path), Path(f"{path}.pub")
    for target in (private_path, public_path):
        if target.exists():
            raise InvalidInput(f"{target} exists: choose another path (keys are never overwritten)")
    private, public, fingerprint = checkpoints.new_key()
    try:
        with open(private_path, "xb", opener=lambda p, flags: os.open(p, flags, 0o600)) as out:
            out.write(private)
        public_path.write_bytes(public)
    except OSError as error:
        raise InvalidInput(f"{path}: cannot write the key ({error.strerror})") from None
    click.echo(f"Wrote {private_path} (private) and {public_path} (public); key {fingerprint}")


def _decode_file(path: Path) -> str:
    from domain.sources import decode

    return decode(_read(path), str(path))
