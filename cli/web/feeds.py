"""Atom feeds (RFC 4287): a story's new versions, and the whole archive's.

An entry is a version, newest *recorded* first (a subscriber wants what arrived since
they last looked, even an update reported long ago); its ``published`` is when the
update was reported, its ``updated`` when the archive recorded it. Corrections and
retractions say so in their title and carry the kind as a category.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from starlette.requests import Request
from starlette.responses import Response

from cli.web import views
from cli.web.app import absolute, service, zone
from domain.application import Archive
from domain.timeline import history
from domain.updates import Update

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50  # the newest entries a feed holds
FLAGS = {"correction": "Correction", "retraction": "Retraction"}


def story_feed(request: Request) -> Response:
    slug = request.path_params["slug"]
    archive = service(request).archive
    timeline = archive.timeline(slug, zone(request))
    changed = views.sizes(list(history(slug, timeline, made_by=False)))  # of this timeline
    entries = [(slug, e) for e in views.entries(timeline, changed)]
    path = f"/stories/{slug}"
    return _feed(request, f"{slug}: every version", f"{path}/feed", path, entries, archive.zone)


def archive_feed(request: Request) -> Response:
    """The updates recorded last across the archive, each as the version it made."""
    archive = service(request).archive
    found = [(u.story, _as_entry(archive, u)) for u in archive.recent(ENTRIES)]
    return _feed(request, "Every story's new versions", "/feed", "/", found, archive.zone)


def _as_entry(archive: Archive, update: Update) -> views.Entry:
    """An update as a version of its story (its size is in the story's own feed)."""
    _, number, amended_by = archive.show(update.story, update.id)
    return views.Entry(number, update, 0, tuple(amended_by))


def _feed(
    request: Request,
    title: str,
    self_path: str,
    page_path: str,
    found: Sequence[tuple[str, views.Entry]],
    home: tzinfo,
) -> Response:
    """``home``: the archive's zone, where a date-only update was reported."""
    newest = sorted(found, key=lambda pair: _recorded(pair[1].update), reverse=True)[:ENTRIES]
    feed = ET.Element("feed", xmlns=ATOM)
    _text(feed, "id", absolute(request, self_path))
    _text(feed, "title", title)
    updated = _recorded(newest[0][1].update) if newest else datetime(1970, 1, 1, tzinfo=UTC)
    _text(feed, "updated", _stamp(updated))
    ET.SubElement(
        feed, "link", rel="self", href=absolute(request, self_path), type="application/atom+xml"
    )
    ET.SubElement(
        feed, "link", rel="alternate", href=absolute(request, page_path), type="text/html"
    )
    author = ET.SubElement(feed, "author")
    _text(author, "name", "story archive")
    for slug, entry in newest:
        _entry(request, feed, slug, entry, home)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type="application/atom+xml"
    )


def _entry(request: Request, feed: ET.Element, slug: str, entry: views.Entry, home: tzinfo) -> None:
    u = entry.update
    memento = absolute(request, f"/stories/{slug}/versions/{u.id}")
    element = ET.SubElement(feed, "entry")
    _text(element, "id", memento)
    flag = f"{FLAGS[u.kind]}: " if u.kind in FLAGS else ""
    _text(element, "title", f"{flag}{slug} version {entry.number} ({u.kind}): {u.summary(80)}")
    _text(element, "published", _stamp(u.reported_at.start(home)))
    _text(element, "updated", _stamp(_recorded(u)))
    ET.SubElement(element, "link", rel="alternate", href=memento, type="text/html")
    author = ET.SubElement(element, "author")
    _text(author, "name", u.by)
    ET.SubElement(element, "category", term=u.kind)
    _text(element, "summary", _summary(slug, entry))


def _summary(slug: str, entry: views.Entry) -> str:
    u = entry.update
    said = f"{u.kind} reported {u.reported_at}"
    if u.outlet:
        said += f" by {u.outlet}"
    if u.kind in FLAGS:
        said += f"; it {'corrects' if u.kind == 'correction' else 'retracts'} {u.target}: {u.note}"
    if entry.size:
        said += f"; {entry.size} characters changed"
    if entry.amended_by:
        said += "; since " + ", ".join(f"{a.kind} {a.id}" for a in entry.amended_by)
    return f"Version {entry.number} of {slug}: {said}. {u.summary(200)}"


def _text(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text


def _recorded(u: Update) -> datetime:
    return u.recorded_at or datetime(1970, 1, 1, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
