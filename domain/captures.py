"""Captured web pages as revisions: saved `.html` pages and the records of `.warc` files.

Each article page becomes a ``revision``: its headline, outlet, the article's text as
paragraphs (trafilatura), and its canonical URL as the update's ``source``. Its dates:

- *reported*: the page's own time, ``dateModified`` or else ``datePublished`` from its
  JSON-LD, or ``article:modified_time`` / ``article:published_time`` from OpenGraph
  (extruct; these keep the time and zone); else the day htmldate finds; else, in a
  WARC, the capture's ``WARC-Date``.
- *captured*: the ``WARC-Date``. Updates have no field for it yet (docs/captures.md).
- *recorded*: set by the archive, as for every update.

A file is read whole before anything is written, as every import is: a bad record is
one line naming the file and the record's offset. Records that are not article pages
(images, scripts, robots.txt, pages with no article) are skipped and counted. Captures
of a story whose headline and text did not change are one version: the first.

trafilatura, extruct, htmldate and warcio (the ``captures`` extra) are imported when a
capture is read, never by `story --help`.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from domain.errors import InvalidInput, StoryError
from domain.importing import Source
from domain.sources import slugify
from domain.updates import Update, paragraphs
from domain.when import When

MIN_ARTICLE = 200  # characters of text under which a page holds no article
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Capture:
    """One captured page: its bytes, and what the capture says about it."""

    body: bytes
    where: str  # the file, and the record's offset in a WARC
    url: str | None = None  # the WARC-Target-URI
    captured_at: datetime | None = None  # the WARC-Date
    charset: str | None = None  # from the HTTP Content-Type


@dataclass(frozen=True)
class CaptureSource(Source):
    """A capture file, read once (extraction is the cost): its revisions, and how many
    records it skipped."""

    found: tuple[Update, ...] = ()
    skipped: int = 0
    unchanged: int = 0

    def read(self) -> Iterator[Update]:
        return iter(self.found)


def scan(
    path: Path, story: str | None, by: str, latest: dict[str, Article] | None = None
) -> CaptureSource:
    """Every article capture in a file as a revision, checked; InvalidInput if not.

    ``latest``: each story's article as the files read before left it (one import's
    files share it), so that an unchanged capture in a later file is no new version."""
    captures, skipped = _captures(path)
    updates: list[Update] = []
    for capture in captures:
        update = revision(capture, story, by)
        if update is None:
            if not path.name.lower().endswith((".warc", ".warc.gz")):
                raise InvalidInput(
                    f"{capture.where}: no article found in the page: is it an article page?"
                )
            skipped += 1
            continue
        updates.append(update)
    kept = unchanged_dropped(updates, {} if latest is None else latest)
    if not updates:
        raise InvalidInput(f"{path}: no article page in the file ({skipped} records skipped)")
    ids = frozenset(u.id for u in kept)
    return CaptureSource(
        path, story, by, len(kept), ids, frozenset(), tuple(kept), skipped,
        len(updates) - len(kept),
    )  # fmt: skip


Article = tuple[str | None, str | None]  # a capture's headline and text


def unchanged_dropped(updates: list[Update], latest: dict[str, Article]) -> list[Update]:
    """The captures that changed their story's article: of captures with the same
    headline and text, in reported order, only the first (the page around it changed)."""
    kept = []
    for u in sorted(updates, key=lambda u: (u.story, u.reported_at.start(UTC))):
        if latest.get(u.story) != (u.headline, u.text):
            kept.append(u)
        latest[u.story] = (u.headline, u.text)
    return kept


def revision(capture: Capture, story: str | None, by: str) -> Update | None:
    """The capture as a revision; None when the page holds no article."""
    html = _decode(capture)
    found = _article(html, capture.url)
    if found is None:
        return None
    meta = _metadata(html, capture.url)
    source = _http(meta.get("url")) or _http(found.get("url")) or _http(capture.url)
    reported = _reported(meta, html, capture)
    headline = meta.get("headline") or found.get("title")
    text = found["text"]
    if headline and text.startswith(headline + "\n\n"):  # the headline is not body text
        text = text[len(headline) + 2 :]
    slug = story or slug_from_url(source) or slugify(headline or "")
    if not slug:
        raise InvalidInput(f"{capture.where}: no story name can be made: give --story")
    try:
        return Update.draft(
            slug, "revision", reported, by,
            headline=headline, text=text, source=source,
            outlet=meta.get("outlet") or found.get("sitename"),
        )  # fmt: skip
    except StoryError as error:
        raise InvalidInput(f"{capture.where}: {error}") from None


def slug_from_url(url: str | None) -> str:
    """A story slug from an article's URL: its path, the end kept (where ids are)."""
    if not url:
        return ""
    path = re.sub(r"\.(s?html?|php|aspx?)$", "", urlsplit(url).path.rstrip("/"))
    words = slugify(path.replace("/", " "), limit=1000).split("-")
    slug = ""
    for word in reversed(words):
        candidate = f"{word}-{slug}" if slug else word
        if len(candidate) > 60:
            break
        slug = candidate
    return slug


# Reading files


def _captures(path: Path) -> tuple[list[Capture], int]:
    if path.name.lower().endswith((".warc", ".warc.gz")):
        return _warc(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None
    if not data.strip():
        raise InvalidInput(f"{path}: the file is empty: give a saved web page")
    return [Capture(data, str(path))], 0


def _warc(path: Path) -> tuple[list[Capture], int]:
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:
        raise InvalidInput(
            "reading WARC files needs warcio: pip install 'story[captures]'"
        ) from None
    if path.name.lower().endswith(".gz"):
        _whole_gzip(path)
    captures: list[Capture] = []
    skipped = 0
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        try:
            for record in records:
                body = record.content_stream().read()  # before the offset, which reads on
                where = f"{path} (record at offset {records.get_record_offset()})"
                if record.digest_checker.passed is False:
                    raise InvalidInput(f"{where}: its digest does not match its content")
                if not _is_page(record):
                    skipped += 1
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                charset = re.search(r"charset=([A-Za-z0-9_.:-]+)", content_type)
                captures.append(
                    Capture(
                        body, where, record.rec_headers.get_header("WARC-Target-URI"),
                        _warc_date(record.rec_headers.get_header("WARC-Date"), where),
                        charset.group(1) if charset else None,
                    )
                )  # fmt: skip
        except ArchiveLoadFailed as error:
            raise InvalidInput(f"{path}: not a WARC file ({str(error).strip()[:80]})") from None
    return captures, skipped


def _whole_gzip(path: Path) -> None:
    """A .warc.gz cut short is an error (warcio reads the records it can and says
    nothing): every gzip member must end. Streams: memory stays bounded."""
    unzip, fed = zlib.decompressobj(16 + zlib.MAX_WBITS), False
    consumed = member = 0  # compressed bytes read; where the current member began
    pending = b""
    with path.open("rb") as stream:
        while pending or (pending := stream.read(1 << 16)):
            try:
                unzip.decompress(pending, 1 << 16)
            except zlib.error:
                raise InvalidInput(
                    f"{path} (record at offset {member}): not gzip data: is it a .warc.gz?"
                ) from None
            fed = True
            rest = unzip.unused_data if unzip.eof else unzip.unconsumed_tail
            consumed += len(pending) - len(rest)
            pending = rest
            if unzip.eof:
                unzip, fed, member = zlib.decompressobj(16 + zlib.MAX_WBITS), False, consumed
    if fed:
        raise InvalidInput(
            f"{path} (record at offset {member}): the file ends in the middle of a record: "
            "it was cut short; copy or fetch it again"
        )


def _is_page(record: Any) -> bool:
    if record.rec_type not in ("response", "resource"):
        return False
    headers = record.http_headers
    if record.rec_type == "response" and (headers is None or headers.get_statuscode() != "200"):
        return False
    content_type = (headers.get_header("Content-Type") if headers else None) or (
        record.rec_headers.get_header("Content-Type") or ""
    )
    return content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def _warc_date(text: str | None, where: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{where}: WARC-Date {text!r} is not a date") from None


def _decode(capture: Capture) -> str:
    declared = capture.charset
    if declared is None:
        meta = _CHARSET.search(capture.body[:4096])
        declared = meta.group(1).decode("ascii") if meta else None
    try:
        return capture.body.decode(declared or "utf-8")
    except LookupError:
        raise InvalidInput(f"{capture.where}: charset {declared!r} is unknown") from None
    except UnicodeDecodeError as error:
        said = f"declares charset {declared}" if declared else "declares no charset"
        raise InvalidInput(
            f"{capture.where}: the page {said}, but byte 0x{capture.body[error.start]:02x} "
            f"at offset {error.start} is not {declared or 'UTF-8'}: fix its charset"
        ) from None


# Extraction


def _article(html: str, url: str | None) -> dict[str, Any] | None:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if document is None:
        return None
    found: dict[str, Any] = document.as_dict() if hasattr(document, "as_dict") else document
    text = "\n\n".join(line.strip() for line in (found.get("text") or "").splitlines())
    if len(text) < MIN_ARTICLE:
        return None
    found["text"] = "\n\n".join(paragraphs(text))
    return found


def _metadata(html: str, url: str | None) -> dict[str, str]:
    """Headline, outlet, URL and dates with their time and zone, from JSON-LD first,
    then OpenGraph."""
    import extruct

    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
    except Exception:
        return {}
    found: dict[str, str] = {}
    for item in _articles(data.get("json-ld", [])):
        publisher = item.get("publisher")
        _take(found, "headline", item.get("headline"))
        _take(found, "modified", item.get("dateModified"))
        _take(found, "published", item.get("datePublished"))
        _take(found, "url", item.get("url") or item.get("mainEntityOfPage"))
        _take(found, "outlet", publisher.get("name") if isinstance(publisher, dict) else None)
    for item in data.get("opengraph", []):
        _take(found, "headline", item.get("og:title"))
        _take(found, "modified", item.get("article:modified_time"))
        _take(found, "published", item.get("article:published_time"))
        _take(found, "url", item.get("og:url"))
        _take(found, "outlet", item.get("og:site_name"))
    return found


def _articles(items: list[Any]) -> Iterator[dict[str, Any]]:
    for item in items:
        if isinstance(item, dict) and "@graph" in item:
            yield from _articles(item["@graph"])
        elif isinstance(item, dict):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.endswith("Article") for k in kinds):
                yield item


def _take(found: dict[str, str], name: str, value: Any) -> None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if name not in found and isinstance(value, str) and value.strip():
        found[name] = " ".join(value.split())


def _reported(meta: dict[str, str], html: str, capture: Capture) -> When:
    for name in ("modified", "published"):
        when = _moment(meta.get(name))
        if when is not None:
            return when
    import htmldate

    day = htmldate.find_date(html, original_date=False, extensive_search=False)
    if day:
        return When.parse(day)
    if capture.captured_at is not None:
        return When.parse(capture.captured_at.isoformat())
    raise InvalidInput(
        f"{capture.where}: the page gives no date of its own: import it inside a WARC "
        "file (its capture date is then used)"
    )


def _moment(text: str | None) -> When | None:
    """A date with its time and zone as the page gave it; None when it has no zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return When.parse(moment.isoformat())


def _http(url: Any) -> str | None:
    if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
        return url.strip()
    return None
