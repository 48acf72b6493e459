"""Updates: the immutable news events a story is made of.

An update's id is derived from its content (story, kind, dates, text, ...), never from
when or by whom it was recorded: importing the same content twice finds the same id,
and an id quoted in a report stays valid for ever.

Its provenance is kept beside the content, in the record its event stores (so its digest
covers it) but out of the id: who recorded it (``by``) and, for a captured web page, when
the page was captured (``captured_at``) and whether its reported time is the page's own
or the capture's (``dated_by``). Two captures of one article at different times are one
update: the first capture's time is the one kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from domain.digests import canonical_json
from domain.errors import InvalidInput
from domain.when import FIRST_YEAR, LAST_YEAR, When, utc_text

KINDS = ("report", "statement", "fact", "correction", "retraction", "revision")
# Kinds whose text a correction may replace, and whose contribution a retraction may withdraw.
CORRECTABLE = frozenset({"report", "statement", "revision"})
RETRACTABLE = frozenset({"report", "statement", "fact", "revision"})

_REQUIRED: dict[str, tuple[str, ...]] = {
    "report": ("text",),
    "statement": ("party", "text"),
    "fact": ("key", "value"),
    "correction": ("target", "text", "note"),
    "retraction": ("target", "note"),
    "revision": ("text",),
}
_ALLOWED: dict[str, frozenset[str]] = {
    "report": frozenset({"text", "headline"}),
    "statement": frozenset({"party", "text", "issued_at"}),
    "fact": frozenset({"key", "value"}),
    "correction": frozenset({"target", "text", "note", "headline"}),
    "retraction": frozenset({"target", "note"}),
    "revision": frozenset({"text", "headline"}),
}
CONTENT_FIELDS = ("headline", "text", "party", "issued_at", "key", "value", "target", "note")
# Where a capture's reported_at came from: the page's own date, or the capture's time
# (a page that gives no date of its own).
DATED_BY = ("page", "capture")
# A capture's provenance: in the record (and so the digest) when set, never in the id.
CAPTURE_FIELDS = ("captured_at", "dated_by")
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of this clock a capture's may run
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")
_FACT_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
ID_LENGTH = 12


def check_slug(slug: str) -> str:
    """A story slug: lower-case letters, digits and inner hyphens, at most 100 characters."""
    if not _SLUG.fullmatch(slug):
        raise InvalidInput(
            f"story slug {slug!r} is not valid: use lower-case letters, digits and hyphens, "
            "e.g. chicago-shotspotter"
        )
    return slug


def paragraphs(text: str) -> tuple[str, ...]:
    """The paragraphs of a text, each exactly as given (its indentation, its inner line
    breaks, spaces at the ends of its lines), but with line endings made ``\\n``.

    Blank lines (empty, or whitespace only) separate paragraphs: a run of them is one
    break, and those before the first paragraph or after the last (with the final newline)
    are dropped. So a paragraph never holds a blank line, and a text stored as its
    paragraphs joined by one blank line splits back into the same paragraphs.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return tuple("\n".join(block) for block in blocks if block)


class _Missing:
    """Marks a fact value that was not given (None means 'remove the fact')."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Update:
    """One immutable update to a story, as recorded by the archive."""

    id: str
    story: str
    kind: str
    reported_at: When
    by: str
    source: str | None = None
    outlet: str | None = None
    headline: str | None = None
    text: str | None = None
    party: str | None = None
    issued_at: When | None = None
    key: str | None = None
    value: Any = MISSING
    target: str | None = None
    note: str | None = None
    captured_at: datetime | None = None  # when the page was captured (a WARC-Date), in UTC
    dated_by: str | None = None  # a capture's reported_at is the "page"'s or the "capture"'s
    recorded_at: datetime | None = field(default=None, compare=False)
    digest: str | None = field(default=None, compare=False)  # see domain.digests

    @classmethod
    def draft(
        cls, story: str, kind: str, reported_at: str | When | None, by: str, **fields: Any
    ) -> Update:
        """A checked, normalised update with its content id; raise InvalidInput if not.

        Besides the kind's fields, every kind takes ``source`` and ``outlet`` and, for a
        captured page, ``captured_at`` (an aware datetime or ISO 8601 text with an offset;
        kept in UTC) and ``dated_by`` (``"page"`` or ``"capture"``; ``"capture"`` means
        reported_at is captured_at)."""
        check_slug(story)
        if kind not in KINDS:
            raise InvalidInput(f"kind {kind!r} is unknown: use one of {', '.join(KINDS)}")
        if reported_at is None or reported_at == "":
            raise InvalidInput("reported_at is missing: give the date the update was published")
        when = (
            reported_at if isinstance(reported_at, When) else When.parse(reported_at, "reported_at")
        )
        if when.day > (datetime.now(UTC) + timedelta(days=1)).date():
            raise InvalidInput(
                f"reported_at {when} is in the future: check the date "
                "(reported_at is when the update was published)"
            )
        if not by or not by.strip():
            raise InvalidInput("by is empty: give the archivist's name")
        _check_text("by", by.strip())
        for name in ("source", "outlet"):
            if isinstance(fields.get(name), str):
                _check_text(name, fields[name])
        source, outlet = fields.pop("source", None), fields.pop("outlet", None)
        captured_at = _check_captured_at(fields.pop("captured_at", None))
        dated_by = _check_dated_by(fields.pop("dated_by", None), captured_at, when)
        given = {k: v for k, v in fields.items() if v is not None or k == "value"}
        if given.get("value", MISSING) is MISSING:
            given.pop("value", None)
        _check_fields(kind, given)
        content = _normalise(given)
        update = cls(
            id="",
            story=story,
            kind=kind,
            reported_at=when,
            by=by.strip(),
            source=_check_source(source),
            outlet=(outlet or "").strip() or None,
            captured_at=captured_at,
            dated_by=dated_by,
            **content,
        )
        return replace(update, id=update.content_id())

    def content(self) -> dict[str, Any]:
        """The fields that make the update what it is: the basis of its id."""
        record: dict[str, Any] = {
            "story": self.story,
            "kind": self.kind,
            "reported_at": str(self.reported_at),
            "source": self.source,
            "outlet": self.outlet,
        }
        for name in CONTENT_FIELDS:
            value = getattr(self, name)
            if name == "value":
                if value is not MISSING:
                    record[name] = value
            elif value is not None:
                record[name] = str(value)
        return record

    def content_id(self) -> str:
        canonical = canonical_json(self.content())
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:ID_LENGTH]

    def to_record(self) -> dict[str, Any]:
        """Every field but recorded_at, as plain JSON values (stored in the event):
        ``captured_at`` and ``dated_by`` only when set, so a record without them is as
        records were before they existed."""
        record = {"id": self.id, "by": self.by, **self.content()}
        if self.captured_at is not None:
            record["captured_at"] = utc_text(self.captured_at)
        if self.dated_by is not None:
            record["dated_by"] = self.dated_by
        return record

    @classmethod
    def restore(cls, **fields: Any) -> Update:
        """An update as the archive stored it (an index row, an event's record): its
        fields were checked when it was drafted, so they are taken as they are, without
        the dataclass's per-field work."""
        # Faster than the constructor at decoding: benchmarks/results/ab_shortcuts.txt
        update = object.__new__(cls)
        update.__dict__.update(_RESTORED, **fields)
        return update

    @classmethod
    def from_record(cls, record: dict[str, Any], recorded_at: datetime | None = None) -> Update:
        """An update from the record its event stores (``to_record``)."""
        issued_at, captured_at = record.get("issued_at"), record.get("captured_at")
        return cls.restore(
            id=record["id"],
            story=record["story"],
            kind=record["kind"],
            reported_at=When.parse(record["reported_at"]),
            by=record["by"],
            source=record.get("source"),
            outlet=record.get("outlet"),
            headline=record.get("headline"),
            text=record.get("text"),
            party=record.get("party"),
            issued_at=When.parse(issued_at) if issued_at else None,
            key=record.get("key"),
            value=record.get("value", MISSING),
            target=record.get("target"),
            note=record.get("note"),
            captured_at=datetime.fromisoformat(captured_at) if captured_at else None,
            dated_by=record.get("dated_by"),
            recorded_at=recorded_at,
        )

    @property
    def paragraphs(self) -> tuple[str, ...]:
        # Texts are stored normalised (see draft): their paragraphs split on blank lines.
        return tuple(self.text.split("\n\n")) if self.text else ()

    def summary(self, width: int = 60) -> str:
        """One line that says what the update did, in the newsroom's words."""
        if self.kind == "fact":
            if self.value is None:
                line = f"{self.key} removed"
            else:
                line = f"{self.key} = {json.dumps(self.value, ensure_ascii=False)}"
        elif self.kind == "statement":
            line = f"{self.party}: {self.text}"
        elif self.kind in ("correction", "retraction"):
            verb = "corrects" if self.kind == "correction" else "retracts"
            line = f"{verb} {self.target}: {self.note}"
        else:
            line = self.headline or self.text or ""
        line = " ".join(line.split())
        return line if len(line) <= width else line[: width - 1].rstrip() + "…"


# The optional fields' defaults, for Update.restore.
_RESTORED = {
    name: f.default
    for name, f in Update.__dataclass_fields__.items()
    if f.default is not dataclasses.MISSING
}


def _check_fields(kind: str, given: dict[str, Any]) -> None:
    for name in given:
        if name not in _ALLOWED[kind]:
            users = [k for k in KINDS if name in _ALLOWED[k]]
            raise InvalidInput(
                f"{name} does not apply to a {kind} update: it is for {' and '.join(users)} updates"
            )
    for name in _REQUIRED[kind]:
        value = given.get(name, MISSING)
        if value is MISSING or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(f"a {kind} update needs {name}: {_HINTS[name]}")


_HINTS = {
    "text": "give the text (--text, --file or - for standard input)",
    "party": "name who made the statement (--party)",
    "key": "name the fact (--key, e.g. contract.status)",
    "value": "give the fact's JSON value (--value, e.g. '\"running\"'; null removes it)",
    "target": "give the id of the update it amends (--target)",
    "note": "say why (--note)",
}


_LIMITS = {"by": 200, "key": 200, "party": 2000, "headline": 2000, "note": 4000}


def _check_text(name: str, value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"{name} holds characters that are not valid Unicode: give it as UTF-8 text"
        ) from None
    limit = _LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise InvalidInput(f"{name} is {len(value)} characters long: at most {limit}, please")
    return value


MAX_DEPTH = 32  # levels of arrays and objects in a fact's value: diffs and digests recurse


def _check_value(value: Any) -> Any:
    """A fact's value, if the archive can keep it: no deeper than MAX_DEPTH, and every
    string in it (keys too) valid Unicode."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth == MAX_DEPTH:
                raise InvalidInput(
                    f"value is nested more than {MAX_DEPTH} levels deep: flatten it "
                    f"(at most {MAX_DEPTH} levels of arrays and objects)"
                )
            children = [*item, *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            _check_text("value", item)
    return value


def _normalise(given: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for name, value in given.items():
        if isinstance(value, str):
            _check_text(name, value)
        if name == "value":
            content[name] = _check_value(value)
        elif name == "issued_at":
            content[name] = (
                value if isinstance(value, When) else When.parse(str(value), "issued_at")
            )
        elif name == "text":
            content[name] = "\n\n".join(paragraphs(str(value)))
        elif name == "key":
            if not _FACT_KEY.fullmatch(str(value)):
                raise InvalidInput(
                    f"fact key {value!r} is not valid: use letters, digits, '.', '_' and '-', "
                    "e.g. contract.status"
                )
            content[name] = str(value)
        elif name == "target":  # ids are hex: accept them in either case
            content[name] = str(value).strip().lower()
        else:
            content[name] = " ".join(str(value).split())
    return content


def _check_captured_at(given: Any) -> datetime | None:
    """A capture's time: a real moment, with an offset, not in the future; in UTC."""
    if given is None or (isinstance(given, str) and not given.strip()):
        return None
    if isinstance(given, datetime):
        moment = given
    elif isinstance(given, str):
        if re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", given):
            raise InvalidInput(
                f"captured_at {given!r} is a day, not a moment: give the time with its "
                "offset, e.g. 2024-02-16T18:30:00Z"
            )
        try:
            moment = datetime.fromisoformat(given.strip())
        except ValueError:
            raise InvalidInput(
                f"captured_at {given!r} is not a moment: use ISO 8601 with an offset, "
                "e.g. 2024-02-16T18:30:00Z"
            ) from None
    else:
        raise InvalidInput(
            f"captured_at must be a moment, found {type(given).__name__}: give ISO 8601 "
            "text, e.g. 2024-02-16T18:30:00Z"
        )
    if moment.utcoffset() is None:
        raise InvalidInput(
            f"captured_at {moment.isoformat()!r} has no UTC offset: add one, e.g. "
            f"{moment.isoformat()}Z"
        )
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        moment = datetime.min.replace(tzinfo=UTC)  # out of range: refused below
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidInput(
            f"captured_at {given!s} is out of range: give a year from {FIRST_YEAR} to {LAST_YEAR}"
        )
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise InvalidInput(
            f"captured_at {utc_text(moment)} is in the future: check the capture's date "
            "(captured_at is when the page was captured)"
        )
    return moment


def _check_dated_by(given: Any, captured_at: datetime | None, reported_at: When) -> str | None:
    """Where a capture's reported_at came from; "capture" only with that very moment."""
    if given is None or given == "":
        return None
    if given not in DATED_BY:
        raise InvalidInput(
            f"dated_by {given!r} is unknown: use page (reported_at is the page's own date) "
            "or capture (reported_at is captured_at)"
        )
    if given == "capture":
        if captured_at is None:
            raise InvalidInput("dated_by capture needs captured_at: give the capture's time")
        if reported_at.moment != captured_at:
            raise InvalidInput(
                f"dated_by capture says reported_at is the capture's time, but reported_at "
                f"{reported_at} is not captured_at {utc_text(captured_at)}: give "
                "dated_by page, or reported_at the same moment"
            )
    return str(given)


def _check_source(source: str | None) -> str | None:
    if source is None or not source.strip():
        return None
    parts = urlsplit(source.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"source {source!r} is not a URL: give it as https://…")
    return source.strip()
