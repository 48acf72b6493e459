"""The web application: routes, the archive behind them, errors and security headers.

Every page and endpoint calls the same ``domain.application.Archive`` the CLI uses: one
per process, shared by the requests' threads (see Service).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import asynccontextmanager
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cli.web.answers import Answers
from domain.errors import (
    ArchiveUnavailable,
    InvalidInput,
    NotYetReported,
    StoryError,
    UnknownStory,
    UnknownUpdate,
)
from domain.tokens import Forbidden, Unauthorised
from domain.when import When, time_zone

if TYPE_CHECKING:
    from domain.application import Archive
    from domain.tokens import Tokens

HERE = Path(__file__).resolve().parent
MAX_BODY = 1_000_000  # bytes a write may send: a long article is a few dozen KB

# Inline scripts and styles are refused: imported text cannot run, even if it got
# past escaping. The pages need no script at all.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


class TooLarge(InvalidInput):
    """A request body over the service's limit (HTTP 413)."""


# The most specific first: the first class an error is an instance of gives its status.
STATUS: dict[type[StoryError], int] = {
    TooLarge: 413,
    Unauthorised: 401,
    Forbidden: 403,
    InvalidInput: 400,
    UnknownStory: 404,
    UnknownUpdate: 404,
    NotYetReported: 404,
    ArchiveUnavailable: 503,
}


class Service:
    """The archive behind the web service: one ``Archive`` per process, for every request.

    Requests run in threads at once, and share it: an Archive keeps no state between
    calls (each read takes a connection from SQLAlchemy's pool; a write's transaction
    belongs to its thread), and the archive's write lock orders writers, across
    threads, processes and ``--workers`` alike.
    """

    def __init__(
        self,
        opener: Callable[[], Archive],
        zone: str = "UTC",
        tokens: Tokens | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        self.opener, self.zone_name, self.zone = opener, zone, time_zone(zone)
        self.tokens, self.max_body = tokens, max_body
        self._lock = threading.Lock()
        self._archive: Archive | None = None
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self.answers = Answers()  # as-of answers, by the archive's head (cli.web.answers)

    @property
    def archive(self) -> Archive:
        """The process's archive, opened by the first request (a failure is that
        request's 503, and the next request tries again)."""
        found = self._archive
        if found is None:
            with self._lock:
                if self._archive is None:
                    self._archive = self.opener()
                found = self._archive
        return found

    def cached(self, key: Hashable, make: Callable[[], Any], size: int = 64) -> Any:
        """A value worked out once per key (keys name immutable facts: update ids): the
        story page's change sizes (benchmarks/results/ab_page_sizes.txt)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > size:
                self._cache.popitem(last=False)
        return value

    def close(self) -> None:
        with self._lock:
            if self._archive is not None:
                self._archive.close()
                self._archive = None


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


# Reading requests


def param(request: Request, name: str) -> str | None:
    """A query parameter; empty (a form's blank field) is the same as absent."""
    value = request.query_params.get(name)
    return value.strip() or None if value is not None else None


def flag(request: Request, name: str) -> bool:
    return param(request, name) not in (None, "0", "false", "off", "no")


def when(request: Request, name: str) -> When | None:
    value = param(request, name)
    return When.parse(value, name) if value else None


def zone(request: Request) -> tzinfo:
    """The zone dates are read in: ``?tz=``, else the service's (``story serve --tz``)."""
    name = param(request, "tz")
    return time_zone(name) if name else service(request).zone


def query(**params: str | bool | None) -> str:
    """A query string of the given parameters, leaving out the absent ones."""
    kept = {k: ("1" if v is True else v) for k, v in params.items() if v not in (None, False, "")}
    return "?" + urlencode(kept) if kept else ""


def absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


# Responses


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["query"] = query
    return env


def page(
    request: Request,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    html = request.app.state.templates.get_template(name).render(
        request=request, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith("/timemap/json")


def error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """One line that says what was wrong and what to do, as JSON or as a page."""
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if request.url.path.endswith("/timemap/link") or request.url.path.endswith("/timegate"):
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    return page(request, "error.html", status=status, headers=headers, message=message)


async def story_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StoryError)
    status = next((s for kind, s in STATUS.items() if isinstance(exc, kind)), 400)
    challenge = {"WWW-Authenticate": 'Bearer realm="story"'} if status == 401 else None
    return error(request, status, str(exc), challenge)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 else f"no page at {request.url.path}: see /"
    return error(request, exc.status_code, message, dict(exc.headers or {}))


class SecurityHeaders:
    """Adds the Content-Security-Policy and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


def favicon(request: Request) -> Response:
    """Browsers ask for /favicon.ico whatever a page links: send them to the icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def create_app(service: Service) -> Starlette:
    """The web application over a service (``story serve`` makes one from its options)."""
    from cli.web import api, feeds, pages

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        service.close()

    routes = [
        Route("/", pages.stories, name="stories"),
        Route("/feed", feeds.archive_feed, name="archive_feed"),
        Route("/stories/{slug}", pages.story, name="story"),
        Route("/stories/{slug}/versions/{update_id}", pages.memento, name="memento"),
        Route("/stories/{slug}/timegate", pages.timegate, name="timegate"),
        Route("/stories/{slug}/timemap/link", pages.timemap_link, name="timemap"),
        Route("/stories/{slug}/timemap/json", pages.timemap_json, name="timemap_json"),
        Route("/stories/{slug}/diff", pages.diff, name="diff"),
        Route("/stories/{slug}/blame", pages.blame, name="blame"),
        Route("/stories/{slug}/trace", pages.trace, name="trace"),
        Route("/stories/{slug}/updates/{update_id}", pages.update, name="update"),
        Route("/stories/{slug}/feed", feeds.story_feed, name="story_feed"),
        *api.routes(),
        Route("/favicon.ico", favicon),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={StoryError: story_error, HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.templates = templates()
    app.add_middleware(SecurityHeaders)
    return app


def service_at(db: str | None, zone: str) -> Service:
    """The service over the archive at ``db`` (None: the default), with its tokens."""
    from domain.tokens import Tokens
    from storage.archive import open_archive
    from storage.token_tables import SqlTokens

    service = Service(lambda: open_archive(db, zone, create=False), zone)
    service.tokens = Tokens(SqlTokens(lambda: service.archive))
    return service


def from_environment() -> Starlette:
    """The app as `story serve --workers N` hands it to each worker process (STORY_DB,
    STORY_TZ): uvicorn's factory, so that each worker opens the archive itself."""
    db, zone = os.environ.get("STORY_DB") or None, os.environ.get("STORY_TZ") or "UTC"
    return create_app(service_at(db, zone))
