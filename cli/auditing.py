"""Commands for auditors: verify, checkpoint, keygen, blame, trace."""

from __future__ import annotations

import os
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
    read,
    tz_option,
    when_option,
)
from domain.errors import InvalidInput

if TYPE_CHECKING:
    from datetime import tzinfo

    from domain.when import When


@click.command()
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

    Reads the raw stored events and says exactly what is wrong: which story, which
    update, and what was found (changed content, missing update, reordered, forged
    insertion, broken chain, malformed story, recorded out of order, index mismatch,
    guard tampered). Everything a replay reads from the index is re-derived from the
    events and compared. With --against, also proves that nothing before the checkpoint
    was rewritten and nothing after it claims an earlier time. Exits 1 when anything is
    wrong. On a terminal, a progress bar shows on stderr.

    \b
    Example:
      story verify
      story checkpoint --key auditor.pem > head.json
      story verify --against head.json --public-key auditor.pem.pub
    """
    from cli import render_audit
    from domain import checkpoints
    from domain.text import counted

    checkpoint = None
    if against is not None:
        if slug is not None:
            raise InvalidInput("--against checks the whole archive: leave out the story")
        checkpoint = checkpoints.read(_decode_file(against), against)
        if public_key is not None:
            checkpoints.check_signer(checkpoint, read(public_key), against, public_key)
    elif public_key is not None:
        raise InvalidInput("--public-key checks a checkpoint's signer: give --against too")
    archive = archive_at(db, audit=True)
    hidden = not sys.stderr.isatty()
    with click.progressbar(
        length=archive.event_count(), label="Verifying", file=sys.stderr, hidden=hidden
    ) as bar:
        result = archive.verify(slug, bar.update)
    if checkpoint is not None:
        result.check_against(checkpoint)
    if as_json:
        emit(render_audit.verification_json(result, checkpoint))
    else:
        click.echo(render_audit.verification(safe.shown(result), checkpoint, slug))
    if not result.ok:
        found = counted(len(result.findings), "problem")
        raise click.ClickException(f"{found} found: the archive was changed outside story")


@click.command()
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

    private = read(key) if key else None
    document = archive_at(db).checkpoint(display_url(archive_url(db)))
    if private is not None and key is not None:
        document = checkpoints.sign(document, private, key)
    emit(document)


@click.command()
@click.argument("path")
def keygen(path: str) -> None:
    """Make an Ed25519 key pair for signing checkpoints: PATH and PATH.pub.

    The private key is written readable by you alone; give PATH.pub to whoever
    verifies your checkpoints.

    \b
    Example:
      story keygen auditor.pem
    """
    from pathlib import Path  # here, not at the top: every command would import it at start

    from domain import checkpoints

    private_path, public_path = Path(path), Path(f"{path}.pub")
    for target in (private_path, public_path):
        if os.path.lexists(target):  # a link too, even one to nothing: it would write there
            raise InvalidInput(f"{target} exists: choose another path (keys are never overwritten)")
    private, public, fingerprint = checkpoints.new_key()
    try:
        with open(private_path, "xb", opener=lambda p, flags: os.open(p, flags, 0o600)) as out:
            out.write(private)
        with open(public_path, "xb") as out:  # "x": never through a link made meanwhile
            out.write(public)
    except OSError as error:
        raise InvalidInput(f"{path}: cannot write the key ({error.strerror})") from None
    click.echo(f"Wrote {private_path} (private) and {public_path} (public); key {fingerprint}")


def _decode_file(path: str) -> str:
    from domain.sources import decode

    return decode(read(path), path)


@click.command()
@click.argument("slug")
@when_option("--as-of", "The story as of a date or datetime. Default: now.")
@known_at_option
@ignore_trivial_option
@db_option
@tz_option
@json_option
def blame(
    slug: str,
    as_of: When | None,
    known_at: When | None,
    ignore_trivial: bool,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
) -> None:
    """Every sentence of the story, with the update that introduced it.

    Each line: update id, kind, reported date, outlet (or source), archivist, then the
    sentence as it stands. A sentence that survives later revisions unchanged keeps its
    first update; an edited one belongs to the update that edited it. Moving or
    splitting paragraphs is not new text.

    \b
    Example:
      story blame shotspotter --as-of 2024-02-16
    """
    from cli import render_audit

    version, result = archive_at(db, tz).blame(slug, tz, as_of, known_at, ignore_trivial)
    if as_json:
        emit(render_audit.blame_json(version, result, as_of))
    else:
        click.echo(render_audit.blame(*safe.shown((version, result)), as_of, ignore_trivial))


@click.command()
@click.argument("words", nargs=-1, metavar="[SLUG] PHRASE")
@click.option("--all", "every", is_flag=True, help="Trace the phrase in every story.")
@click.option("--ignore-case", "-i", is_flag=True, help="Match upper and lower case alike.")
@when_option("--as-of", "Trace through the version as of WHEN. Default: now.")
@known_at_option
@db_option
@tz_option
@json_option
def trace(
    words: tuple[str, ...],
    every: bool,
    ignore_case: bool,
    as_of: When | None,
    known_at: When | None,
    db: str | None,
    tz: tzinfo,
    as_json: bool,
) -> None:
    """When a phrase first appeared, every change to its presence, and when it vanished.

    Searches the headline, body and statements of each version, in order: through the
    version as of --as-of (as a replay counts them), with what was recorded by --known-at.

    \b
    Example:
      story trace shotspotter "decommission plan"
      story trace --all -i "gunshot detection"
      story trace shotspotter "extension" --as-of 2024-02-15
    """
    from cli import render_audit

    if every and len(words) != 1:
        raise InvalidInput('with --all give only the phrase, e.g. story trace --all "extension"')
    if not every and len(words) != 2:
        raise InvalidInput('give a story and a phrase, e.g. story trace shotspotter "extension"')
    slugs, phrase = (None, words[0]) if every else ([words[0]], words[1])
    found = archive_at(db, tz).trace(slugs, phrase, tz, ignore_case, as_of, known_at)
    if as_json:
        emit(render_audit.trace_json(phrase, found, as_of, known_at))
    else:
        click.echo(render_audit.trace(safe.text(phrase), safe.shown(found), as_of))
