"""The JSON API under /api/: each reading command's --json output at a URL, and writes.

The shapes are the CLI's (docs/json.md), made by the same functions in cli.render and
cli.render_audit. Errors are ``{"error": "one line"}`` with a 4xx or 5xx status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cli import render, render_audit
from cli.web.answers import etag, matches
from cli.web.app import Service, TooLarge, flag, param, service, when, zone
from domain.application import Appended
from domain.errors import InvalidInput, UnknownStory, UnknownUpdate
from domain.tokens import Forbidden, Unauthorised


def routes() -> list[Route]:
    return [
        Route("/api/stories", list_),
        Route("/api/stories/{slug}", replay),
        Route("/api/stories/{slug}/log", log),
        Route("/api/stories/{slug}/diff", diff),
        Route("/api/stories/{slug}/blame", blame),
        Route("/api/stories/{slug}/trace", trace),
        Route("/api/stories/{slug}/updates", append, methods=["POST"]),
        Route("/api/stories/{slug}/updates/{update_id}", show),
        Route("/api/stories/{slug}/urls", urls),
        Route("/api/replay", replay_all),
        Route("/api/trace", trace_all),
        Route("/api/verify", verify),
    ]


def list_(request: Request) -> Response:
    return JSONResponse([render.summary_json(s) for s in service(request).archive.stories()])


def replay(request: Request) -> Response:
    """The story as of a moment, with an ETag from the archive's head: If-None-Match
    naming it is a 304, and a process keeps its latest answers (cli.web.answers)."""
    slug, as_of, known, tz, svc = (
        request.path_params["slug"],
        when(request, "as_of"),
        when(request, "known_at"),
        zone(request),
        service(request),
    )
    archive = svc.archive
    head = archive.head()
    asked = (slug, param(request, "tz") or svc.zone_name, str(as_of), str(known))
    headers = {"ETag": etag(head, asked), "Cache-Control": "no-cache"}
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)

    def make() -> bytes:
        version = archive.replay(slug, tz, as_of, known)
        document = render.version_json(version, as_of, known)
        return json.dumps(
            document, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()

    body = svc.answers.answer(head, asked, make)
    return Response(body, media_type="application/json", headers=headers)


def replay_all(request: Request) -> Response:
    """Every story as of a moment, streamed: one story in memory at a time."""
    as_of, known, tz, svc = (
        when(request, "as_of"),
        when(request, "known_at"),
        zone(request),
        service(request),
    )

    def body() -> Iterator[str]:
        shown = 0
        for version in svc.archive.replay_all(tz, as_of, known):
            text = json.dumps(render.version_json(version, as_of, known), ensure_ascii=False)
            yield ("[" if not shown else ",\n") + text
            shown += 1
        yield "\n]" if shown else "[]"

    return StreamingResponse(body(), media_type="application/json")


def log(request: Request) -> Response:
    slug, known = request.path_params["slug"], when(request, "known_at")
    archive = service(request).archive
    timeline = archive.timeline(slug, zone(request), known)
    trivial = None
    if flag(request, "ignore_trivial"):
        trivial = archive.trivial_updates(slug, zone(request), known)
    return JSONResponse(render.log_json(timeline, trivial))


def diff(request: Request) -> Response:
    from domain.provenance import sentence_diff

    slug, old, new = request.path_params["slug"], param(request, "from"), param(request, "to")
    if old is None:
        raise InvalidInput("from is missing: give an update id or a date, e.g. ?from=2024-02-13")
    unit = param(request, "by") or "line"
    if unit not in ("line", "sentence"):
        raise InvalidInput(f"by {unit!r} is unknown: use line or sentence")
    ignore_trivial = flag(request, "ignore_trivial")
    result = service(request).archive.diff(
        slug, zone(request), old, new, when(request, "known_at"), ignore_trivial
    )
    by_sentence = None
    if unit == "sentence":
        by_sentence = sentence_diff(result.old.paragraphs, result.new.paragraphs, ignore_trivial)
    return JSONResponse(render.diff_json(result, old, new or result.new.last.id, by_sentence))


def show(request: Request) -> Response:
    slug, update_id = request.path_params["slug"], request.path_params["update_id"]
    update, version, amended_by = service(request).archive.show(slug, update_id)
    return JSONResponse(render.update_json(update, version, amended_by))


def urls(request: Request) -> Response:
    tied = service(request).archive.ties(request.path_params["slug"])
    return JSONResponse(render.ties_json(tied))


def blame(request: Request) -> Response:
    slug, as_of, known = (
        request.path_params["slug"],
        when(request, "as_of"),
        when(request, "known_at"),
    )
    version, result = service(request).archive.blame(
        slug, zone(request), as_of, known, flag(request, "ignore_trivial")
    )
    return JSONResponse(render_audit.blame_json(version, result, as_of))


def trace(request: Request) -> Response:
    return _trace(request, [request.path_params["slug"]])


def trace_all(request: Request) -> Response:
    return _trace(request, None)


def _trace(request: Request, slugs: list[str] | None) -> Response:
    phrase = param(request, "phrase")
    if phrase is None:
        raise InvalidInput("phrase is missing: give the words to trace, e.g. ?phrase=extension")
    found = service(request).archive.trace(
        slugs, phrase, zone(request), flag(request, "ignore_case")
    )
    return JSONResponse(render_audit.trace_json(phrase, found))


def verify(request: Request) -> Response:
    """Whether the archive (or ``?story=``) verifies; 200 either way, ``ok`` says."""
    result = service(request).archive.verify(param(request, "story"))
    return JSONResponse(render_audit.verification_json(result, None))


# Writing


async def append(request: Request) -> Response:
    """One update, the same JSON object as a line of a JSONL import: 201 when new, 200
    when the same content was already there."""
    svc = service(request)
    by = await run_in_threadpool(_archivist, svc, request.headers.get("authorization"))
    body = await _body(request, svc.max_body)
    slug = request.path_params["slug"]
    appended = await run_in_threadpool(_append, svc, slug, body, by)
    return JSONResponse(render.appended_json(appended), status_code=201 if appended.new else 200)


def _archivist(svc: Service, authorization: str | None) -> str:
    if svc.tokens is None:
        if not authorization:
            raise Unauthorised("writing needs a token: send 'Authorization: Bearer TOKEN'")
        raise Forbidden("this archive has no write tokens: writing over HTTP is not enabled")
    return svc.tokens.archivist(authorization)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the update is {declared} bytes: at most {limit}, please")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise TooLarge(f"the update is over {limit} bytes: at most {limit}, please")
    return bytes(received)


def _append(svc: Service, slug: str, body: bytes, by: str) -> Appended:
    from domain.sources import decode, jsonl_updates, strict_json

    name = "the request body"
    text = decode(body, name)
    try:
        record: Any = strict_json(text)
    except ValueError as error:
        raise InvalidInput(f"{name} is not valid JSON ({error}): send one update object") from None
    if not isinstance(record, dict):
        raise InvalidInput(f"{name} must be a JSON object, found {type(record).__name__}")
    record.setdefault("story", slug)
    if record["story"] != slug:
        raise InvalidInput(
            f"the update is for story {record['story']!r}, but was sent to {slug!r}: "
            f"post it to /api/stories/{record['story']}/updates"
        )
    if record.get("by") not in (None, by):
        raise InvalidInput(f"by is {record['by']!r}, but this token writes as {by!r}: leave by out")
    line = json.dumps(record, ensure_ascii=False).encode("utf-8")
    try:
        (update,) = list(jsonl_updates([line], name, by))
    except InvalidInput as error:
        raise InvalidInput(str(error).replace(f"{name}:1: ", f"{name}: ", 1)) from None
    try:
        return svc.archive.append(update)
    except (UnknownUpdate, UnknownStory) as error:  # the update names what is not there
        raise InvalidInput(str(error)) from None
