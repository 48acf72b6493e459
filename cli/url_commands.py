"""Commands for archivists: the URLs tied to each story (domain.urls)."""

from __future__ import annotations

import click

from cli.options import archive_at, db_option, emit, json_option, user


@click.group("url")
def url() -> None:
    """Tie URLs to stories, so that captures found at them land in that story.

    `story import` ties each captured article's URLs (its canonical URL, og:url and
    the WARC's target URI) to its story, and puts a later capture naming any tied URL
    in that story. Tie a URL by hand for an article found at an address no capture
    named yet (a syndicated copy, a renamed page). Ties and unties are recorded as
    events: history keeps them, and `story verify` checks them.

    \b
    Example:
      story url tie shotspotter https://abc7chicago.com/chicago-shotspotter-contract/14423118/
      story url list shotspotter
      story url untie https://abc7chicago.com/chicago-shotspotter-contract/14423118/
    """


@url.command("tie")
@click.argument("slug")
@click.argument("address", metavar="URL")
@click.option("--by", envvar="STORY_BY", help="The archivist (default: your user name). "
              "[env: STORY_BY]")  # fmt: skip
@db_option
def tie(slug: str, address: str, by: str | None, db: str | None) -> None:
    """Tie URL to story SLUG (a URL is tied to one story at a time).

    \b
    Example:
      story url tie shotspotter https://www.wbez.org/2024/02/16/shotspotter-contract
    """
    archive = archive_at(db)
    found, new = archive.tie(address, slug, by if by is not None else user())
    if new:
        click.echo(f"Tied {found.url} to {slug}.")
    else:
        click.echo(f"Already tied: {found.url} is {slug}'s (nothing recorded).")


@url.command("untie")
@click.argument("address", metavar="URL")
@click.option("--by", envvar="STORY_BY", help="The archivist (default: your user name). "
              "[env: STORY_BY]")  # fmt: skip
@db_option
def untie(address: str, by: str | None, db: str | None) -> None:
    """Untie URL from its story: captures found at it then name their story again.

    \b
    Example:
      story url untie https://www.wbez.org/2024/02/16/shotspotter-contract
    """
    archive = archive_at(db)
    found = archive.untie(address, by if by is not None else user())
    click.echo(f"Untied {found.url}.")


@url.command("list")
@click.argument("slug", required=False)
@db_option
@json_option
def list_(slug: str | None, db: str | None, as_json: bool) -> None:
    """The URLs tied now, to story SLUG or to every story: URL, story, how, by, when.

    \b
    Example:
      story url list shotspotter --json
    """
    from cli import render, safe

    found = archive_at(db).ties(slug)
    rows = render.ties_json(found)
    if as_json:
        emit(rows)
        return
    if not rows:
        click.echo("No URLs tied: `story import` of a web capture, or `story url tie`, ties one.")
        return
    width = max(3, *(len(t.url) for t in found))
    click.echo(f"{'URL':<{width}}  {'STORY':<30}  {'HOW':<10}  BY")
    for r in rows:
        click.echo(safe.text(f"{r['url']:<{width}}  {r['story']:<30}  {r['how']:<10}  {r['by']}"))
