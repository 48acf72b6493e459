"""`story serve`: the archive over HTTP (the service itself lives in cli.web)."""

from __future__ import annotations

import os
from datetime import tzinfo

import click

from cli.options import db_option, tz_option, warn_of_guard


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
@db_option
@tz_option
def serve(host: str, port: int, workers: int, db: str | None, tz: tzinfo | None) -> None:
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
    from cli.web.app import create_app, service_at
    from domain.when import zone_name
    from storage.archive import open_archive
    from storage.locate import archive_url, display_url

    zone = zone_name(tz) if tz is not None else "UTC"
    archive = open_archive(db, zone, create=False)  # no archive: one line now, not per request
    warn_of_guard(archive)
    archive.close()
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving {display_url(archive_url(db))} at http://{shown}:{port}/ (Ctrl-C stops)")
    if workers == 1:
        app = create_app(service_at(db, zone))
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    # uvicorn starts each worker process afresh: they find the archive in the environment.
    os.environ.update({"STORY_DB": db or "", "STORY_TZ": zone})
    uvicorn.run(
        "cli.web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
