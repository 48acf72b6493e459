"""Commands for archivists: append one update, import many."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from cli.options import (
    KIND,
    archive_at,
    db_option,
    emit,
    json_option,
    read,
    tz_option,
    user,
    when_option,
)
from domain.errors import InvalidInput
from domain.kinds import KINDS

if TYPE_CHECKING:
    from datetime import tzinfo

    from domain.when import When


@click.command()
@click.argument("slug")
@click.argument("stdin", required=False, metavar="[-]")
@click.option("--kind", type=KIND, metavar="KIND", help=f"{', '.join(KINDS[:-1])} or {KINDS[-1]}.")
@when_option("--reported-at", "When it was published: YYYY-MM-DD or a datetime with offset.")
@click.option("--text", help="The text (paragraphs separated by blank lines).")
@click.option(
    "--file",
    "text_file",
    metavar="PATH",
    help="Read the text from a file ('-' for standard input).",
)
@click.option("--headline", help="A new headline (report, revision, correction).")
@click.option("--party", help="Who made the statement (statement).")
@when_option("--issued-at", "When the statement was issued (statement).")
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
    reported_at: When | None,
    text: str | None,
    text_file: str | None,
    value: str | None,
    by: str | None,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
    **fields: str | When | None,
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
    from domain.updates import Update

    if not kind:
        raise InvalidInput(f"--kind is missing: use one of {', '.join(KINDS)}")
    body = _text(text, text_file, stdin)
    update = Update.draft(
        slug,
        kind,
        reported_at,
        by if by is not None else user(),
        text=body,
        value=_json_value(value),
        **fields,
    )
    appended = archive_at(db, tz, create=True).append(update)
    if as_json:
        emit(render.appended_json(appended))
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
        if sys.stdin is None or sys.stdin.closed:
            raise InvalidInput("standard input is closed: give the text with --text or --file")
        return decode(sys.stdin.buffer.read(), "standard input")
    return decode(read(text_file), text_file)


def _json_value(value: str | None) -> Any:
    from domain.updates import MISSING

    if value is None:
        return MISSING
    from domain.sources import strict_json

    try:
        return strict_json(value)
    except ValueError:
        raise InvalidInput(
            f"--value {_head(value)} is not JSON: quote text ('\"running\"'), or give a number, "
            "true/false, an object, or null to remove the fact"
        ) from None


def _head(value: str, width: int = 40) -> str:
    """A value for an error line: quoted, and cut short (it may be a whole file)."""
    return repr(value if len(value) <= width else value[: width - 1] + "…")


@click.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option(
    "--story",
    "slug",
    metavar="SLUG",
    help="The story for captures (default: a text capture's headline; a web page's tied "
    "URL, else its canonical URL).",
)
@click.option(
    "--by", envvar="STORY_BY", help="The archivist, where a record names none. [env: STORY_BY]"
)
@db_option
@json_option
def import_(
    paths: tuple[str, ...], slug: str | None, by: str | None, db: str | None, as_json: bool
) -> None:
    """Import updates from captures, JSON Lines files, or folders of them.

    A text file is one capture of an article: first line `date YYYY-MM-DD Headline`,
    then paragraphs; it becomes a revision. So does each article found in a saved web
    page (.html, .htm) or a WARC file (.warc, .warc.gz). A .jsonl file holds one update
    per line.
    Each file is imported whole or not at all; content already in the archive is
    counted, not appended again.

    A folder gives those files, by name, and says what else it held; a file named
    itself must be one of them. `-` reads a text capture or JSON Lines from standard
    input. A text capture's story is printed (made from its headline unless --story
    names it).

    \b
    Example:
      story import examples/shotspotter
      story import --story shotspotter examples/shotspotter-seed/000_126f608e96277ead.txt
      curl -s https://example.com/updates.jsonl | story import -
    """
    import tempfile

    from cli import render
    from domain.importing import capture_bytes, scan, skipped, suffix

    hidden = as_json or not sys.stderr.isatty()
    with tempfile.TemporaryDirectory() as spool:
        paths, names = _standard_input(paths, spool)
        try:
            with click.progressbar(
                length=capture_bytes(paths), label="Reading captures", file=sys.stderr,
                hidden=hidden or not capture_bytes(paths),
            ) as reading:  # fmt: skip
                sources = scan(paths, slug, by if by is not None else user(), reading.update)
            archive = archive_at(db, create=True)
            total = sum(source.updates for source in sources)
            with click.progressbar(
                length=total, label="Importing", file=sys.stderr, hidden=hidden
            ) as bar:
                done = archive.import_files(sources, bar.update)
        except InvalidInput as error:
            raise InvalidInput(_renamed(str(error), names)) from None
    captures = {s.name for s in sources if suffix(s.path) == ".txt"}  # their story is named
    results = [
        (
            names.get(name, name),
            result,
            result.last.story if name in captures and result.last else None,
        )
        for name, result in done
    ]
    left = skipped(paths)
    if as_json:
        emit(render.imported_json(results, left))
        return
    for name, result, story in results:
        click.echo(render.imported_file(name, result, story))
    for path, why in left:
        click.echo(f"Skipped {path}: {why}")
    click.echo(render.imported_total(results))


STANDARD_INPUT = "standard input"


def _standard_input(paths: tuple[str, ...], spool: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """`-` as a file in ``spool`` (domain.importing.spooled), and the name to show for it."""
    if "-" not in paths:
        return paths, {}
    from domain.importing import spooled

    if sys.stdin is None or sys.stdin.closed:
        raise InvalidInput("standard input is closed: give the files to import")
    path = spooled(sys.stdin.buffer.read(), spool)
    return tuple(path if p == "-" else p for p in paths), {path: STANDARD_INPUT}


def _renamed(message: str, names: dict[str, str]) -> str:
    for path, name in names.items():
        message = message.replace(path, name)
    return message
