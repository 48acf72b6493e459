"""Captured web pages as revisions: saved `.html` pages and the records of `.warc` files.

Each article page becomes a ``revision``: its headline, outlet, the article's text as
paragraphs (trafilatura), and its canonical URL as the update's ``source``. Its dates:

- *reported*: the page's own time, ``dateModified`` or else ``datePublished`` from its
  JSON-LD, or ``article:modified_time`` / ``article:published_time`` from OpenGraph
  (extruct; these keep the time and zone); else the day htmldate finds; else, in a
  WARC, the capture's ``WARC-Date``. The update's ``dated_by`` says which: ``page``
  or ``capture``.
- *captured*: the ``WARC-Date``, kept as the update's ``captured_at`` (not part of its
  content id: the same article captured twice is one update, the first capture's).
- *recorded*: set by the archive, as for every update.

Its story: ``--story SLUG``, else the story one of its URLs is tied to (domain.urls),
else a slug made from its canonical URL; its URLs not yet tied are tied to that story.

A file is checked whole before anything is written, as every import is: a bad record
is one line naming the file and the record's offset. A WARC is read one record at a
time and each revision waits in a temporary spool file, so memory stays bounded
however large the file. Records that are not article pages (images, scripts,
robots.txt, pages with no article) are skipped and counted. A capture whose headline
and text equal the story's just before it (in the archive, or in an earlier capture of
the same import) is no new version: only the page around the article changed.

trafilatura, extruct, htmldate and warcio (the ``captures`` extra) are imported when a
capture is read, never by `story --help`.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from domain.errors import InvalidInput, StoryError
from domain.importing import Progress, Settling, Source
from domain.sources import slugify
from domain.updates import Update, paragraphs
from domain.urls import normalise
from domain.when import When

MIN_ARTICLE = 200  # characters of text under which a page holds no article
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
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
class Redirect:
    """A WARC's 3xx response: ``source`` sends its readers to ``target``."""

    source: str
    target: str


@dataclass(frozen=True)
class Found:
    """An article capture as the scan keeps it in memory: enough to tell its story and
    whether it is a new version (its update waits in the spool, at ``line``)."""

    story: str  # as the capture names it (--story, or made from its URL)
    moment: datetime  # when it was reported, in UTC
    article: str  # the digest of its headline and text
    line: int
    urls: tuple[tuple[str, str], ...] = ()  # (normalised URL, how it names the article)


@dataclass(frozen=True)
class CaptureSource(Source):
    """A capture file, read once (extraction is the cost): its revisions wait in a
    temporary spool file, one JSON record per line, so memory holds only a ``Found``
    per capture however large the file. Once settled: ``kept``, the lines that are new
    versions; ``moved``, the lines whose story a tied URL names; ``to_tie``, the URLs
    to tie."""

    spool: IO[bytes] | None = None
    found: tuple[Found, ...] = ()
    kept: frozenset[int] = frozenset()
    moved: dict[int, str] = field(default_factory=dict)
    to_tie: tuple[tuple[str, str, str], ...] = ()
    redirects: tuple[tuple[str, str], ...] = ()  # (from, to): the WARC's 3xx responses

    @property
    def unchanged(self) -> int:
        """Captures whose article was the same as the story's before them."""
        return len(self.found) - len(self.kept)

    @property
    def ties(self) -> tuple[tuple[str, str, str], ...]:
        return self.to_tie

    def read(self) -> Iterator[Update]:
        assert self.spool is not None
        self.spool.seek(0)
        for line, record in enumerate(self.spool):
            if line in self.kept:
                update = Update.from_record(json.loads(record))
                if line in self.moved:
                    update = replace(update, story=self.moved[line])
                    update = replace(update, id=update.content_id())
                yield update

    def settled(self, settling: Settling) -> CaptureSource:
        """Each capture in its story, and only those that changed their story's article.

        A capture's story is --story, else the story one of its URLs is tied to (in the
        archive, or by an earlier capture of this import), else the one its URL names;
        its URLs tied to none are tied to it. A capture is dropped when its headline and
        text equal the story's just before it, as the archive holds it
        (``settling.before``) or as an earlier capture of this import left it."""
        named = {f.line: f.urls + self._redirected(f.urls) for f in self.found}
        tied = settling.tied({url for urls in named.values() for url, _ in urls})
        moved: dict[int, str] = {}
        to_tie: dict[str, tuple[str, str, str]] = {}
        stories: dict[int, str] = {}
        for found in sorted(self.found, key=lambda f: (f.moment, f.line)):
            story = found.story
            if self.story is None:  # else --story names every capture's story
                ties = (settling.urls.get(url) or tied.get(url) for url, _ in named[found.line])
                story = next((s for s in ties if s), story)
            stories[found.line] = story
            if story != found.story:
                moved[found.line] = story
            for url, how in named[found.line]:
                if url not in tied and url not in settling.urls:
                    settling.urls[url] = story
                    to_tie[url] = (url, story, how)
        kept = set()
        latest = settling.latest
        for found in sorted(self.found, key=lambda f: (stories[f.line], f.moment, f.line)):
            story = stories[found.line]
            previous = latest.get(story)
            held = settling.before(story, found.moment)
            if held is not None and (previous is None or held[0] > previous[0]):
                previous = (held[0], article_digest(held[1], held[2]))
            if previous is None or previous[1] != found.article:
                kept.add(found.line)
            latest[story] = (found.moment, found.article)
        return replace(self, updates=len(kept), kept=frozenset(kept), moved=moved,
                       to_tie=tuple(to_tie.values()))  # fmt: skip

    def _redirected(self, urls: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        """The URLs that redirect (in this file, through any number of 3xx) to these."""
        came_from: dict[str, list[str]] = {}
        for source, target in self.redirects:
            came_from.setdefault(target, []).append(source)
        seen = {url for url, _ in urls}
        found: list[tuple[str, str]] = []
        todo = [url for url, _ in urls]
        while todo:
            for source in came_from.get(todo.pop(), ()):
                if source not in seen:
                    seen.add(source)
                    found.append((source, "redirect"))
                    todo.append(source)
        return tuple(found)


def scan(path: Path, story: str | None, by: str, progress: Progress = None) -> CaptureSource:
    """Every article capture in a file as a revision, checked; InvalidInput if not.
    ``progress`` is told how many of the file's bytes each step read."""
    # The spool stays open with the source that reads it; it is gone once closed.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    redirects: list[tuple[str, str]] = []
    try:
        found, ids, skipped = _spooled(path, story, by, progress, spool, redirects)
    except BaseException:
        spool.close()
        raise
    return CaptureSource(
        path, story, by, len(found), frozenset(ids), frozenset(), skipped, spool, tuple(found),
        frozenset(range(len(found))), redirects=tuple(redirects),
    )  # fmt: skip


def _spooled(
    path: Path,
    story: str | None,
    by: str,
    progress: Progress,
    spool: IO[bytes],
    redirects: list[tuple[str, str]],
) -> tuple[list[Found], set[str], int]:
    warc = path.name.lower().endswith((".warc", ".warc.gz"))
    found: list[Found] = []
    ids: set[str] = set()
    skipped = 0
    for capture in _warc(path, progress) if warc else _page(path, progress):
        if isinstance(capture, Redirect):
            with suppress(InvalidInput):
                redirects.append((normalise(capture.source), normalise(capture.target)))
            skipped += 1
            continue
        found_ = revision(capture, story, by) if capture is not None else None
        if found_ is None:
            if capture is not None and not warc:
                raise InvalidInput(
                    f"{capture.where}: no article found in the page: is it an article page?"
                )
            skipped += 1
            continue
        update, urls = found_
        digest = article_digest(update.headline, update.text)
        moment = update.reported_at.start(UTC)
        found.append(Found(update.story, moment, digest, len(found), urls))
        ids.add(update.id)
        spool.write(json.dumps(update.to_record(), ensure_ascii=False).encode() + b"\n")
    if not found:
        raise InvalidInput(f"{path}: no article page in the file ({skipped} records skipped)")
    return found, ids, skipped


def article_digest(headline: str | None, text: str | None) -> str:
    return hashlib.sha256(json.dumps([headline, text]).encode()).hexdigest()


def revision(
    capture: Capture, story: str | None, by: str
) -> tuple[Update, tuple[tuple[str, str], ...]] | None:
    """The capture as a revision, and the URLs it names the article by (normalised, with
    how: its canonical URL, og:url, the WARC's target URI); None when the page holds no
    article."""
    html = _decode(capture)
    found = _article(html, capture.url)
    if found is None:
        return None
    meta = _metadata(html, capture.url)
    source = _http(meta.get("url")) or _http(found.get("url")) or _http(capture.url)
    reported, dated_by = _reported(meta, html, capture)
    headline = meta.get("headline") or found.get("title")
    titles = _titles(html, headline, meta.get("og_title"), found.get("title"))
    text = _untitled(found["text"], titles)
    slug = story or slug_from_url(source) or slugify(headline or "")
    if not slug:
        raise InvalidInput(f"{capture.where}: no story name can be made: give --story")
    try:
        update = Update.draft(
            slug, "revision", reported, by,
            headline=headline, text=text, source=source,
            outlet=meta.get("outlet") or found.get("sitename"),
            captured_at=capture.captured_at, dated_by=dated_by,
        )  # fmt: skip
    except StoryError as error:
        raise InvalidInput(f"{capture.where}: {error}") from None
    named = ((source, "canonical"), (_http(found.get("url")), "canonical"),
             (_http(meta.get("og_url")), "og:url"), (_http(capture.url), "target-uri"))  # fmt: skip
    urls: dict[str, str] = {}
    for url, how in named:
        if url:
            with suppress(InvalidInput):
                urls.setdefault(normalise(url), how)
    return update, tuple(urls.items())


def _titles(html: str, *given: str | None) -> set[str]:
    """The page's names for its article: its metadata's, and its ``<title>``, whole and
    without the outlet's name after a `` - `` or `` | ``."""
    found = {" ".join(t.split()) for t in given if t}
    title = _TITLE.search(html[:200_000])
    if title:
        text = " ".join(unescape(title.group(1)).split())
        found.add(text)
        found.update(re.split(r" [-|\u2013\u2014] ", text)[:1])  # hyphen, bar, en or em dash
    return found


def _untitled(text: str, titles: set[str]) -> str:
    """The text without the page's titles at its start: a headline is not body text."""
    kept = list(paragraphs(text))
    while len(kept) > 1 and " ".join(kept[0].split()) in titles:
        kept.pop(0)
    return "\n\n".join(kept)


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


def _page(path: Path, progress: Progress) -> Iterator[Capture]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None
    if not data.strip():
        raise InvalidInput(f"{path}: the file is empty: give a saved web page")
    yield Capture(data, str(path))
    if progress:
        progress(len(data))


def _warc(path: Path, progress: Progress) -> Iterator[Capture | Redirect | None]:
    """Each record of a WARC file, one at a time: a capture, a redirect, or None for a
    record that is no page (an image, a script, robots.txt, a request)."""
    try:
        from warcio.archiveiterator import ArchiveIterator
        from warcio.exceptions import ArchiveLoadFailed
    except ImportError:
        raise InvalidInput(
            "reading WARC files needs warcio: pip install 'story[captures]'"
        ) from None
    if path.name.lower().endswith(".gz"):
        _whole_gzip(path)
    with path.open("rb") as stream:
        records = ArchiveIterator(stream, check_digests=True)
        done = 0
        try:
            for record in records:
                body = record.content_stream().read()  # before the offset, which reads on
                where = f"{path} (record at offset {records.get_record_offset()})"
                if record.digest_checker.passed is False:
                    raise InvalidInput(f"{where}: its digest does not match its content")
                if (redirect := _redirect(record)) is not None:
                    yield redirect
                elif not _is_page(record):
                    yield None
                else:
                    headers = record.http_headers or record.rec_headers  # a resource has none
                    content_type = headers.get_header("Content-Type") or ""
                    charset = re.search(r"charset=([A-Za-z0-9_.:-]+)", content_type)
                    yield Capture(
                        body, where, record.rec_headers.get_header("WARC-Target-URI"),
                        _warc_date(record.rec_headers.get_header("WARC-Date"), where),
                        charset.group(1) if charset else None,
                    )  # fmt: skip
                if progress:  # the bytes before this record are read
                    offset = records.get_record_offset()
                    progress(offset - done)
                    done = offset
            if progress:
                progress(path.stat().st_size - done)
        except ArchiveLoadFailed as error:
            raise InvalidInput(f"{path}: not a WARC file ({str(error).strip()[:80]})") from None


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


def _redirect(record: Any) -> Redirect | None:
    """A response that sends its URL elsewhere (301, 302, 303, 307, 308 with a Location)."""
    headers = record.http_headers
    if record.rec_type != "response" or headers is None:
        return None
    if headers.get_statuscode() not in ("301", "302", "303", "307", "308"):
        return None
    source, location = (
        record.rec_headers.get_header("WARC-Target-URI"),
        headers.get_header("Location"),
    )
    if not source or not location:
        return None
    return Redirect(source, urljoin(source, location))


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
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{where}: WARC-Date {text!r} is not a date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # WARC-Dates are UTC


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


def extraction_options(url: str | None, precision: bool = True) -> dict[str, Any]:
    """trafilatura's options for an article's text. Precision first: on the real pages
    captured twice (tests/realdata), its default takes in boxes around the article (an
    infobox, an ad label) that change with a site's design, each a noise version. Where
    precision finds no article (old table layouts), the default is asked."""
    return {"url": url, "with_metadata": True, "include_comments": False,
            "include_tables": False, "favor_precision": precision}  # fmt: skip


def _article(html: str, url: str | None) -> dict[str, Any] | None:
    import trafilatura

    for precision in (True, False):
        document = trafilatura.bare_extraction(html, **extraction_options(url, precision))
        if document is None:
            continue
        found: dict[str, Any] = document.as_dict() if hasattr(document, "as_dict") else document
        text = "\n\n".join(line.strip() for line in (found.get("text") or "").splitlines())
        if len(text) >= MIN_ARTICLE:
            found["text"] = "\n\n".join(paragraphs(text))
            return found
    return None


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
        _take(found, "og_url", item.get("og:url"))
        _take(found, "og_title", item.get("og:title"))
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


def _reported(meta: dict[str, str], html: str, capture: Capture) -> tuple[When, str]:
    """When the page says it was reported, and what dated it: ``page`` or ``capture``."""
    for name in ("modified", "published"):
        when = _moment(meta.get(name))
        if when is not None:
            return when, "page"
    import htmldate

    day = htmldate.find_date(html, original_date=False, extensive_search=False)
    if day:
        return When.parse(day), "page"
    if capture.captured_at is not None:
        return When.parse(capture.captured_at.isoformat()), "capture"
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
