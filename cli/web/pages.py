"""The HTML pages, and the story's Memento resources (original, mementos, TimeGate, TimeMap).

Each endpoint parses the request, calls the archive, and lays the result out with a
template. They are plain functions: Starlette runs them in its thread pool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from cli.web import memento as mem
from cli.web import views
from cli.web.app import absolute, flag, page, param, query, service, when, zone
from domain.errors import InvalidInput, NotYetReported, UnknownUpdate
from domain.timeline import StoryVersion, history
from domain.updates import Update
from domain.when import When, utc_text

PAGE = 50  # stories per page of the list
_ID = re.compile(r"^[0-9a-fA-F]{12}$")


# The story list


def stories(request: Request) -> Response:
    """Every story: headline now, updates, first and last reported, outlet; ?q= searches
    slugs, headlines and text (of each story's latest version)."""
    q, number = param(request, "q"), _page_number(request)
    archive = service(request).archive
    summaries = {s.slug: s for s in archive.stories()}
    if q:
        needle = q.casefold()
        latest = [v for v in archive.replay_all(zone(request), None) if _matches(v, needle)]
        total, shown = len(latest), latest[(number - 1) * PAGE : number * PAGE]
    else:
        slugs = list(summaries)[(number - 1) * PAGE : number * PAGE]
        total = len(summaries)
        shown = [archive.replay(slug, zone(request), None) for slug in slugs]
    rows = [(summaries[v.slug], v, _outlet(v)) for v in shown if v.slug in summaries]
    pages = max(1, -(-total // PAGE))
    return page(request, "stories.html", q=q, rows=rows, total=total, number=number, pages=pages)


def _page_number(request: Request) -> int:
    text = param(request, "page") or "1"
    if not text.isdigit() or int(text) < 1:
        raise InvalidInput(f"page {text!r} is not a page number: give 1, 2, …")
    return int(text)


def _matches(v: StoryVersion, needle: str) -> bool:
    parts = [v.slug, v.headline or "", v.text, *(s.text for s in v.statements)]
    return any(needle in part.casefold() for part in parts)


def _outlet(v: StoryVersion) -> str | None:
    return next((u.outlet for u in reversed(v.updates) if u.outlet), None)


# A story: now (the original resource), as of a moment, or right after an update (a memento)


def story(request: Request) -> Response:
    slug = request.path_params["slug"]
    tz, as_of, known = zone(request), when(request, "as_of"), when(request, "known_at")
    archive = service(request).archive
    timeline = archive.timeline(slug, tz, known)
    try:
        version: StoryVersion | None = archive.replay(slug, tz, as_of, known)
    except NotYetReported:
        version = None
    entries = _entries(request, slug, known, timeline)
    headers = {}
    if as_of is None:  # the original resource: where its TimeGate and TimeMap are
        urls = _urls(request, slug, known)
        headers["Link"] = mem.links(
            urls["original"], urls["timegate"], urls["timemap"], {}, [], None
        )
    return page(
        request,
        "story.html",
        status=200 if version is not None else 404,
        headers=headers,
        slug=slug,
        version=version,
        as_of=as_of,
        known=known,
        entries=entries,
        memento=None,
        first=timeline[0],
        urls=archive.ties(slug),
    )


def memento(request: Request) -> Response:
    """The story right after one update: a memento, with Memento-Datetime and Link."""
    slug, update_id = request.path_params["slug"], request.path_params["update_id"]
    if not _ID.match(update_id):
        raise UnknownUpdate(f"{update_id!r} is not an update id: see /stories/{slug}/timemap/link")
    known = when(request, "known_at")
    archive = service(request).archive
    version = archive.version(slug, zone(request), update_id.lower(), known)
    timeline = archive.timeline(slug, zone(request), known)
    found = mem.mementos(timeline, archive.zone)
    entries = _entries(request, slug, known, timeline)
    chosen = next(i for i, m in enumerate(found) if m.update.id == update_id.lower())
    urls = _urls(request, slug, known)
    headers = {
        "Memento-Datetime": found[chosen].http_date,
        "Link": mem.links(
            urls["original"],
            urls["timegate"],
            urls["timemap"],
            _memento_urls(request, slug, known, found),
            found,
            chosen,
        ),
    }
    return page(
        request,
        "story.html",
        headers=headers,
        slug=slug,
        version=version,
        as_of=None,
        known=known,
        entries=entries,
        memento=found[chosen],
        first=timeline[0],
        urls=archive.ties(slug),
    )


def timegate(request: Request) -> Response:
    """Accept-Datetime → 302 to the latest memento at or before it (the latest without)."""
    slug, known = request.path_params["slug"], when(request, "known_at")
    urls = _urls(request, slug, known)
    vary = {"Vary": "accept-datetime"}
    header = request.headers.get("accept-datetime")
    try:
        moment = mem.accept_datetime(header) if header is not None else None
    except InvalidInput as error:
        return PlainTextResponse(f"{error}\n", status_code=400, headers=vary)
    archive = service(request).archive
    found = mem.mementos(archive.timeline(slug, zone(request), known), archive.zone)
    chosen = mem.select(found, moment, archive.zone)
    by_id = _memento_urls(request, slug, known, found)
    link = mem.links(urls["original"], urls["timegate"], urls["timemap"], by_id, found, chosen)
    if chosen is None:
        return PlainTextResponse(
            f"story {slug!r} had no version at or before {header}: its first is dated "
            f"{found[0].http_date}; every version is in the TimeMap, {urls['timemap']}\n",
            status_code=404,
            headers={**vary, "Link": link},
        )
    target = by_id[found[chosen].update.id]
    return RedirectResponse(target, status_code=302, headers={**vary, "Link": link})


def timemap_link(request: Request) -> Response:
    """Every version as a memento, in link format (RFC 7089, as pywb writes it)."""
    slug, known = request.path_params["slug"], when(request, "known_at")
    found = _all_mementos(request, slug, known)
    urls = _urls(request, slug, known)
    body = mem.timemap(
        urls["original"],
        urls["timegate"],
        urls["timemap"],
        _memento_urls(request, slug, known, found),
        found,
    )
    return Response(body, media_type="application/link-format")


def timemap_json(request: Request) -> Response:
    """The TimeMap as JSON (the Memento Time Travel API's shape, with version numbers)."""
    slug, known = request.path_params["slug"], when(request, "known_at")
    found = _all_mementos(request, slug, known)
    urls, by_id = _urls(request, slug, known), _memento_urls(request, slug, known, found)

    def item(m: mem.Memento) -> dict[str, Any]:
        return {
            "datetime": m.moment.isoformat().replace("+00:00", "Z"),
            "uri": by_id[m.update.id],
            "version": m.number,
            "update": m.update.id,
        }

    listed = [item(m) for m in found]
    return JSONResponse(
        {
            "original_uri": urls["original"],
            "timegate_uri": urls["timegate"],
            "timemap_uri": {"link_format": urls["timemap"], "json_format": urls["timemap_json"]},
            "mementos": {"first": listed[0], "last": listed[-1], "list": listed},
        }
    )


def _all_mementos(request: Request, slug: str, known: When | None) -> list[mem.Memento]:
    archive = service(request).archive
    return mem.mementos(archive.timeline(slug, zone(request), known), archive.zone)


def _urls(request: Request, slug: str, known: When | None) -> dict[str, str]:
    k = query(known_at=str(known) if known else None)
    base = absolute(request, f"/stories/{slug}")
    return {
        "original": base + k,
        "timegate": f"{base}/timegate{k}",
        "timemap": f"{base}/timemap/link{k}",
        "timemap_json": f"{base}/timemap/json{k}",
    }


def _memento_urls(
    request: Request, slug: str, known: When | None, found: Sequence[mem.Memento]
) -> dict[str, str]:
    k = query(known_at=str(known) if known else None)
    base = absolute(request, f"/stories/{slug}/versions/")
    return {m.update.id: f"{base}{m.update.id}{k}" for m in found}


def _entries(
    request: Request, slug: str, known: When | None, timeline: list[Update]
) -> list[views.Entry]:
    """The timeline with each version's change size, worked out once per timeline and
    from it alone: an update recorded meanwhile cannot make the two disagree."""
    key = ("sizes", slug, str(known), tuple(u.id for u in timeline))

    def sizes() -> list[int]:
        return views.sizes(list(history(slug, timeline, made_by=False)))

    return views.entries(timeline, service(request).cached(key, sizes))


# Diff


def diff(request: Request) -> Response:
    """Two versions side by side or inline, words highlighted; statements and facts as a
    table of changes."""
    from domain.provenance import sentence_diff

    slug = request.path_params["slug"]
    tz, known = zone(request), when(request, "known_at")
    ignore_trivial, only = flag(request, "ignore_trivial"), flag(request, "changes_only")
    view = param(request, "view") or "side"
    if view not in ("side", "inline"):
        raise InvalidInput(f"view {view!r} is unknown: use side or inline")
    new = param(request, "to")
    archive = service(request).archive
    timeline = archive.timeline(slug, tz, known)
    old = param(request, "from") or _before(timeline, new)
    result = archive.diff(slug, tz, old, new, known, ignore_trivial)
    sentences = sentence_diff(result.old.paragraphs, result.new.paragraphs, ignore_trivial)
    moved = [c for c in sentences.changes if c.action == "moved"]
    rows = views.body_rows(
        result.old.paragraphs,
        result.new.paragraphs,
        views.moved_sentences(sentences),
        ignore_trivial,
    )
    shown = views.changes_only(rows) if only else rows
    return page(
        request,
        "diff.html",
        slug=slug,
        result=result,
        rows=shown,
        text_changed=any(row.kind != "same" for row in rows),
        moved=moved,
        hidden=result.hidden_changes + sentences.trivial,
        timeline=timeline,
        old=old,
        new=new,
        view=view,
        only=only,
        ignore_trivial=ignore_trivial,
        known=known,
        json_text=views.json_text,
    )


def _before(timeline: list[Update], new: str | None) -> str:
    """The version before ``new`` (an update id; the latest when None), or the first."""
    ids = [u.id for u in timeline]
    at = ids.index(new.lower()) if new and new.lower() in ids else len(ids) - 1
    return ids[max(at - 1, 0)]


# Blame, one update, trace


def blame(request: Request) -> Response:
    slug = request.path_params["slug"]
    as_of, known = when(request, "as_of"), when(request, "known_at")
    ignore_trivial = flag(request, "ignore_trivial")
    archive = service(request).archive
    version, result = archive.blame(slug, zone(request), as_of, known, ignore_trivial)
    ids = ([result.headline.update.id] if result.headline else []) + [
        b.update.id for p in result.paragraphs for b in p
    ]
    legend: dict[str, Update] = {}
    for p in result.paragraphs:
        for b in p:
            legend.setdefault(b.update.id, b.update)
    if result.headline:
        legend.setdefault(result.headline.update.id, result.headline.update)
    notes = {
        n: [x.amendment for x in version.notes if x.at == n]
        for n in range(len(version.paragraphs) + 1)
    }
    return page(
        request,
        "blame.html",
        slug=slug,
        version=version,
        result=result,
        colours=views.colours(ids),
        legend=list(legend.values()),
        notes=notes,
        as_of=as_of,
        known=known,
        ignore_trivial=ignore_trivial,
    )


def update(request: Request) -> Response:
    """One update: its fields, provenance, digest, and its place in the story's chain."""
    slug, update_id = request.path_params["slug"], request.path_params["update_id"]
    archive = service(request).archive
    found, number, amended_by = archive.show(slug, update_id)
    recorded = sorted(archive.timeline(slug, zone(request)), key=_recorded_order)
    at = [u.id for u in recorded].index(found.id)
    previous = recorded[at - 1] if at > 0 else None
    following = recorded[at + 1] if at + 1 < len(recorded) else None
    return page(
        request,
        "update.html",
        slug=slug,
        update=found,
        number=number,
        amended_by=amended_by,
        previous=previous,
        following=following,
        chain_position=at + 1,
        source_url=views.safe_url(found.source),
        captured_at=utc_text(found.captured_at) if found.captured_at else None,
        json_text=views.json_text,
        missing=_missing(),
    )


def _recorded_order(u: Update) -> Any:
    return u.recorded_at


def _missing() -> Any:
    from domain.updates import MISSING

    return MISSING


def trace(request: Request) -> Response:
    slug, phrase = request.path_params["slug"], param(request, "phrase")
    ignore_case = flag(request, "ignore_case")
    found = None
    archive = service(request).archive
    if phrase:
        found = archive.trace([slug], phrase, zone(request), ignore_case)[slug]
    else:
        archive.timeline(slug, zone(request))  # an unknown story is still a 404
    return page(
        request, "trace.html", slug=slug, phrase=phrase, ignore_case=ignore_case, found=found
    )
