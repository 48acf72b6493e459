"""Commands for the archive's administrator: the tokens that let `story serve` take writes."""

from __future__ import annotations

import click

from cli.options import archive_at, db_option, emit, json_option, user


@click.group("token")
def token() -> None:
    """Make, list and revoke the bearer tokens that `story serve` takes writes with.

    A token names the archivist its updates are recorded by. Its secret is printed once,
    when it is made; the archive keeps only its SHA-256.

    \b
    Example:
      story token create newsroom-bot --by "Newsroom bot"
      story token list
      story token revoke newsroom-bot
    """


@token.command("create")
@click.argument("name")
@click.option("--by", envvar="STORY_BY", help="The archivist its writes are recorded by "
              "(default: your user name). [env: STORY_BY]")  # fmt: skip
@db_option
def create(name: str, by: str | None, db: str | None) -> None:
    """Make a token NAME and print its secret, once (keep it: it is not stored).

    \b
    Example:
      story token create newsroom-bot --by "Newsroom bot" > bot.token
    """
    from domain.tokens import Tokens
    from storage.token_tables import SqlTokens

    archive = archive_at(db)
    secret = Tokens(SqlTokens(lambda: archive)).create(name, by if by is not None else user())
    click.echo(secret)
    click.echo(
        f"Made token {name!r}: send it as 'Authorization: Bearer …'; it is shown only now.",
        err=True,
    )


@token.command("list")
@db_option
@json_option
def list_(db: str | None, as_json: bool) -> None:
    """The archive's tokens: name, archivist, when made and when revoked (never a secret).

    \b
    Example:
      story token list --json
    """
    from cli import safe
    from storage.token_tables import SqlTokens

    archive = archive_at(db)
    found = SqlTokens(lambda: archive).tokens()
    rows = [
        {"name": t.name, "by": t.by, "created_at": t.created_at.isoformat(),
         "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
        for t in found
    ]  # fmt: skip
    if as_json:
        emit(rows)
        return
    if not rows:
        click.echo("No tokens: `story token create NAME` makes one.")
        return
    width = max(4, *(len(t.name) for t in found))
    click.echo(f"{'NAME':<{width}}  {'CREATED':<32}  {'REVOKED':<32}  BY")
    for r in rows:
        revoked = r["revoked_at"] or "-"
        line = f"{r['name']:<{width}}  {r['created_at']:<32}  {revoked:<32}  {r['by']}"
        click.echo(safe.text(line))


@token.command("revoke")
@click.argument("name")
@db_option
def revoke(name: str, db: str | None) -> None:
    """Revoke token NAME: `story serve` refuses it from then on (403).

    \b
    Example:
      story token revoke newsroom-bot
    """
    from domain.tokens import Tokens
    from storage.token_tables import SqlTokens

    archive = archive_at(db)
    Tokens(SqlTokens(lambda: archive)).revoke(name)
    click.echo(f"Revoked token {name!r}.")
