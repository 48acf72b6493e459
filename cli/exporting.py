"""`story export`: every update, or every version, in formats other tools read."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

from cli.options import archive_at, db_option
from domain.errors import InvalidInput

if TYPE_CHECKING:
    from domain.application import Archive
    from domain.timeline import StoryVersion
    from domain.updates import Update

FORMATS = ("jsonl", "csv", "timemap", "atom", "git", "warc")


@click.command("export")
@click.argument("slugs", nargs=-1, metavar="[SLUG...]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="jsonl: every update (importable); csv: the log; timemap: Memento link format "
    "(one story); atom: every version; git: a `git fast-import` stream; warc: every version.",
)
@click.option(
    "-o",
    "--output",
    metavar="PATH",
    help="Write to the file PATH, whole when complete (default: standard output).",
)
@click.option(
    "--base-url",
    default="http://localhost:8000",
    show_default=True,
    envvar="STORY_BASE_URL",
    metavar="URL",
    help="Where `story serve` answers: the URLs in timemap, atom and warc. [env: STORY_BASE_URL]",
)
@db_option
def export(
    slugs: tuple[str, ...], fmt: str, output: str | None, base_url: str, db: str | None
) -> None:
    """Export stories (default: all) as JSON Lines, CSV, a TimeMap, Atom, git or WARC.

    jsonl re-imports with `story import` (same ids; create the new archive with the
    same --tz). git: one commit per version on a branch per story, author date =
    reported, committer date = recorded; pipe it into `git fast-import` in an empty
    repository. warc is gzipped unless PATH ends in .warc.

    \b
    Example:
      story export > archive.jsonl
      story export shotspotter --format git | git -C history fast-import
      story export shotspotter --format warc -o shotspotter.warc.gz
    """
    archive = archive_at(db)
    chosen = _stories(archive, slugs)
    if fmt == "timemap" and len(chosen) != 1:
        raise click.BadParameter(
            f"a TimeMap is of one story, and {len(chosen)} were chosen: name one SLUG",
            param_hint="'--format timemap'",
        )
    if fmt == "warc" and output is None and sys.stdout.isatty():
        raise InvalidInput("a WARC file is binary: give -o PATH, or redirect standard output")
    with _opened(output) as out:
        WRITERS[fmt](archive, chosen, base_url, out, output)


def _stories(archive: Archive, slugs: tuple[str, ...]) -> list[str]:
    """The stories to export, checked before anything is written."""
    known = sorted(s.slug for s in archive.stories())
    for slug in slugs:
        if slug not in known:
            from domain.updates import check_slug

            check_slug(slug)
            raise InvalidInput(f"no story {slug!r} in this archive: see `story list`")
    return list(dict.fromkeys(slugs)) if slugs else known


@contextmanager
def _opened(path: str | None) -> Iterator[IO[bytes]]:
    """Standard output, or a file written beside PATH and moved there when complete
    (a failed export leaves no partial file).

    A symlink at PATH is followed: the file it names is replaced and the link stays. A
    FIFO, a device or a folder at PATH is refused, never replaced by a regular file.
    """
    if path is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        return
    target = Path(os.path.realpath(path))  # still a link if the links go round in a loop
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise InvalidInput(
            f"{path} is not a regular file: give a file path, "
            "or leave out -o to write to standard output"
        )
    partial = target.with_name(target.name + ".partial")
    try:
        handle = partial.open("wb")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot write it ({error.strerror})") from None
    try:
        with handle:
            yield handle
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _jsonl(archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None) -> None:
    from cli import render_export

    for slug in slugs:
        out.writelines(line.encode() for line in render_export.jsonl(archive.timeline(slug, UTC)))


def _csv(archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None) -> None:
    from cli import render_export

    out.write(render_export.csv_header().encode())
    for slug in slugs:
        out.writelines(r.encode() for r in render_export.csv_rows(archive.timeline(slug, UTC)))


def _timemap(
    archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None
) -> None:
    from cli import render_export

    (slug,) = slugs
    timeline = archive.timeline(slug, UTC)
    out.write(render_export.timemap(base, slug, timeline, archive.index.zone).encode())


def _atom(archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None) -> None:
    from cli import atom
    from cli.web import views

    found = []
    for slug in slugs:
        timeline = archive.timeline(slug, UTC)
        changed = views.sizes(archive.history(slug, UTC, made_by=False))
        found += [(slug, entry) for entry in views.entries(timeline, changed)]
    title = f"{slugs[0]}: every version" if len(slugs) == 1 else "Every story's versions"
    root = base.rstrip("/")
    out.write(atom.document(lambda path: root + path, title, found, archive.zone).encode())


def _git(archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None) -> None:
    from cli import render_export

    out.write(render_export.git_start())
    for slug in slugs:
        out.writelines(render_export.git_story(slug, _versions(archive, slug), archive.index.zone))
    out.write(render_export.git_end())


def _warc(archive: Archive, slugs: list[str], base: str, out: IO[bytes], path: str | None) -> None:
    try:
        from cli.warc_export import WarcExport
    except ImportError:
        raise InvalidInput("exporting WARC needs warcio: pip install 'story[captures]'") from None
    writer = WarcExport(out, gzip=not (path or "").endswith(".warc"), base=base)
    for slug in slugs:
        writer.story(slug, _versions(archive, slug), archive.index.zone)


def _versions(archive: Archive, slug: str) -> Iterator[tuple[Update, StoryVersion]]:
    """The story after each update, one version at a time (a long story's versions are
    never all in memory)."""
    from domain.timeline import history

    return history(slug, archive.timeline(slug, UTC), made_by=False)


WRITERS: dict[str, Callable[[Archive, list[str], str, IO[bytes], str | None], None]] = {
    "jsonl": _jsonl,
    "csv": _csv,
    "timemap": _timemap,
    "atom": _atom,
    "git": _git,
    "warc": _warc,
}
