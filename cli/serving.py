"""`story serve`: the archive over HTTP (the service itself lives in cli.web)."""

from __future__ import annotations

import os

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (for PostgreSQL; SQLite has one writer at a time anyway).",
)
@click.option(
    "--db",
    metavar="PATH|URL",
    help="Archive: an SQLite file or an SQLAlchemy URL. [env: STORY_DB]",
)
@click.option(
    "--tz",
    metavar="ZONE",
    help="Time zone in which dates in requests are days. [default: UTC; env: STORY_TZ]",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, workers: int, db: str | None, tz: str | None
) -> None:
    """Serve the archive over HTTP: pages, a JSON API, Memento and Atom feeds.

    Pages for every story (its timeline, any version, diffs, blame), the --json output
    of the reading commands under /api/, a Memento TimeGate and TimeMap for each story
    (RFC 7089) and Atom feeds. Listens on 127.0.0.1 unless told otherwise; logs one
    line per request (standard output; the server's own news on standard error);
    Ctrl-C stops it. See docs/http.md.

    \b
    Example:
      story serve
      story serve --port 8080 --workers 4 --db postgresql+psycopg://story@db/story
    """
    try:
        import jinja2  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as missing:
        raise click.ClickException(
            f"story serve needs {missing.name}: pip install 'story[serve]'"
        ) from None
    from domain.when import time_zone
    from storage.archive import open_archive
    from storage.locate import archive_url, display_url

    # Options after the command win over those before it, which win over the environment.
    group = ctx.parent.params if ctx.parent else {}
    db = db or group.get("db") or os.environ.get("STORY_DB") or None
    zone = tz or group.get("tz") or os.environ.get("STORY_TZ") or "UTC"
    time_zone(zone)
    open_archive(db, zone, create=False).close()  # no archive: one line now, not per request
    # The app is made in each worker process, from the environment (cli.web.app).
    if db is not None:
        os.environ["STORY_DB"] = db
    os.environ["STORY_TZ"] = zone
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {display_url(archive_url(db))} at http://{shown}:{port}/ (Ctrl-C stops)")
    uvicorn.run(
        "cli.web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
