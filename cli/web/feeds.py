"""Atom feeds (RFC 4287): a story's new versions, and the whole archive's.

An entry is a version, newest *recorded* first (a subscriber wants what arrived since
they last looked, even an update reported long ago); its ``published`` is when the
update was reported, its ``updated`` when the archive recorded it. Corrections and
retractions say so in their title and carry the kind as a category.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from starlette.requests import Request
from starlette.responses import Response

from cli.web import views
from cli.web.app import absolute, service, zone
from domain.application import Archive
from domain.timeline import history
from domain.updates import Update

ENTRIES = 50  # the newest entries a feed holds


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
    from cli import atom

    def url(path: str) -> str:
        return absolute(request, path)

    body = atom.document(url, title, found, home, self_path, page_path, ENTRIES, served=True)
    return Response(body.removesuffix("\n"), media_type="application/atom+xml")
