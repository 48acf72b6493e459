"""An Atom document (RFC 4287) of every version of some stories, for `story export`.

Its entries are those of `story serve`'s feeds (cli/web/feeds.py): an entry is a
version, its id and link the version's memento URL, ``published`` when its update was
reported, ``updated`` when it was recorded, the kind its category; newest recorded
first. A feed (cli/web/feeds.py) holds the 50 newest, an export every version. It needs
no web framework: the service passes its request's URLs, the export a base URL.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo

from cli.web import views
from domain.updates import Update

ATOM = "http://www.w3.org/2005/Atom"
FLAGS = {"correction": "Correction", "retraction": "Retraction"}


def document(
    url: Callable[[str], str],
    title: str,
    found: Iterable[tuple[str, views.Entry]],
    home: tzinfo,
    self_path: str = "/feed",
    page_path: str = "/",
    limit: int | None = None,
    served: bool = False,
) -> str:
    """``url``: a path on the service as an absolute URL; ``found``: (slug, entry) pairs;
    ``home``: the archive's zone, where a date-only update was reported; ``limit``: how
    many of the newest entries it holds (all when None); ``served``: a feed at its own
    address (``self_path``), which it links to."""
    newest = sorted(found, key=lambda pair: _recorded(pair[1].update), reverse=True)[:limit]
    feed = ET.Element("feed", xmlns=ATOM)
    _text(feed, "id", url(self_path))
    _text(feed, "title", title)
    updated = _recorded(newest[0][1].update) if newest else datetime(1970, 1, 1, tzinfo=UTC)
    _text(feed, "updated", _stamp(updated))
    if served:
        ET.SubElement(feed, "link", rel="self", href=url(self_path), type="application/atom+xml")
    ET.SubElement(feed, "link", rel="alternate", href=url(page_path), type="text/html")
    _text(ET.SubElement(feed, "author"), "name", "story archive")
    for slug, entry in newest:
        _entry(url(f"/stories/{slug}/versions/{entry.update.id}"), feed, slug, entry, home)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _entry(memento: str, feed: ET.Element, slug: str, entry: views.Entry, home: tzinfo) -> None:
    u = entry.update
    element = ET.SubElement(feed, "entry")
    _text(element, "id", memento)
    flag = f"{FLAGS[u.kind]}: " if u.kind in FLAGS else ""
    _text(element, "title", f"{flag}{slug} version {entry.number} ({u.kind}): {u.summary(80)}")
    _text(element, "published", _stamp(u.reported_at.start(home)))
    _text(element, "updated", _stamp(_recorded(u)))
    ET.SubElement(element, "link", rel="alternate", href=memento, type="text/html")
    _text(ET.SubElement(element, "author"), "name", u.by)
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
