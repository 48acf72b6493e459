"""`story export --format warc`: each version of each story as a WARC response record.

A record's ``WARC-Target-URI`` is the story's URL at `story serve` (its original
resource, the same for every version, so a replay tool sees one resource over time) and
its ``WARC-Date`` the version's Memento-Datetime (when its update was reported, to the
second; cli/web/memento.py). The payload is the version as a small HTML page.
warcio (the `captures` extra) is imported only by this module.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from datetime import UTC, tzinfo
from io import BytesIO
from typing import IO

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cli.render_export import story_urls
from cli.web import memento as mem
from domain.timeline import Amendment, StoryVersion
from domain.updates import Update


class WarcExport:
    """A WARC file being written: a warcinfo record, then stories one at a time."""

    def __init__(self, out: IO[bytes], gzip: bool, base: str) -> None:
        self.writer = WARCWriter(out, gzip=gzip)
        self.base = base
        info = {"software": "story export", "format": "WARC File Format 1.0"}
        self.writer.write_record(self.writer.create_warcinfo_record("story.warc", info))

    def story(
        self, slug: str, history: Iterable[tuple[Update, StoryVersion]], home: tzinfo
    ) -> None:
        urls = story_urls(self.base, slug)
        for update, version in history:
            (m,) = mem.mementos([update], home)  # the datetime of a memento is its own
            page = version_page(version, m.update).encode("utf-8")
            headers = StatusAndHeaders(
                "200 OK",
                [
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(page))),
                    ("Memento-Datetime", m.http_date),
                ],
                protocol="HTTP/1.1",
            )
            record = self.writer.create_warc_record(
                urls["original"],
                "response",
                payload=BytesIO(page),
                http_headers=headers,
                warc_headers_dict={
                    "WARC-Date": m.moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "WARC-Story-Update": m.update.id,
                },
            )
            self.writer.write_record(record)


def version_page(v: StoryVersion, u: Update) -> str:
    """A version of a story as a self-contained HTML page (every text escaped)."""
    e = html.escape
    title = e(v.headline or v.slug)
    parts = [
        "<!doctype html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f'<meta name="story-update" content="{e(u.id)}">',
        f'<meta name="story-reported" content="{e(str(u.reported_at))}">',
        "</head><body><article>",
    ]
    if v.headline:
        parts.append(f"<h1>{e(v.headline)}</h1>")
    for n in range(len(v.paragraphs) + 1):
        parts += [_note(note.amendment) for note in v.notes if note.at == n]
        if n < len(v.paragraphs):
            parts.append(f"<p>{e(v.paragraphs[n])}</p>")
    for s in v.statements:
        issued = f", issued {e(s.issued_at)}" if s.issued_at else ""
        parts.append(f"<blockquote><p><b>{e(s.party)}</b>{issued}: {e(s.text)}</p></blockquote>")
    if v.facts:
        rows = "".join(
            f"<tr><th>{e(k)}</th><td>{e(json.dumps(val, ensure_ascii=False))}</td></tr>"
            for k, val in sorted(v.facts.items())
        )
        parts.append(f"<table>{rows}</table>")
    parts.append("</article></body></html>")
    return "\n".join(parts) + "\n"


def _note(a: Amendment) -> str:
    verb = "Corrected" if a.kind == "correction" else "Retracted"
    return f"<aside>{html.escape(f'[{verb} {a.reported_at} by {a.update_id}: {a.note}]')}</aside>"
