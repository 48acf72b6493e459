"""Reading updates from files: seed-style text captures and JSON Lines.

These functions take the file's bytes and name, so every error can say which file and
line to fix; nothing here touches the archive.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from domain.errors import InvalidInput, StoryError
from domain.updates import CAPTURE_FIELDS, CONTENT_FIELDS, MISSING, Update

_SEED_FIRST_LINE = re.compile(r"^\s*date\s+(\S+)\s+(.+?)\s*$")
# Where an update was recorded before (`story export` writes them): read, not kept; the
# archive importing it records it anew, and its own digest chains it there.
_PROVENANCE = frozenset({"recorded_at", "digest"})
_JSONL_FIELDS = (
    frozenset({"id", "story", "kind", "reported_at", "source", "outlet", "by"})
    | set(CONTENT_FIELDS)
    | set(CAPTURE_FIELDS)  # kept: a capture's time is part of its record
    | _PROVENANCE
)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large a number")
    return number


def strict_json(text: str) -> Any:
    """JSON as the standard has it: no NaN or Infinity, no endless nesting."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def decode(data: bytes, name: str) -> str:
    """The text of a file, or an error saying why it is not usable text."""
    if not data.strip():
        raise InvalidInput(f"{name}: the file is empty: give it at least one update")
    if b"\x00" in data:
        raise InvalidInput(f"{name}: this is a binary file, not text: import .txt or .jsonl files")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): "
            "convert it to UTF-8, e.g. with iconv"
        ) from None


def slugify(headline: str, limit: int = 60) -> str:
    """A slug from a headline: lower case, accents dropped, hyphenated, cut at a word."""
    plain = unicodedata.normalize("NFKD", headline)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = re.findall(r"[a-z0-9]+", plain.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            break
        slug = candidate
    return slug


def is_capture(first_line: str) -> bool:
    """Whether a text's first line opens a seed-style capture (``date YYYY-MM-DD Headline``)."""
    return _SEED_FIRST_LINE.match(first_line) is not None


def read_seed(text: str, name: str, story: str | None, by: str) -> Update:
    """A seed-style capture (first line ``date YYYY-MM-DD Headline``) as a revision."""
    first, _, body = text.lstrip("\ufeff").partition("\n")
    match = _SEED_FIRST_LINE.match(first)
    if not match:
        raise InvalidInput(
            f"{name}:1: the first line must be 'date YYYY-MM-DD Headline', found {first[:40]!r}"
        )
    reported_at, headline = match.groups()
    slug = story or slugify(headline)
    if not slug:
        raise InvalidInput(f"{name}:1: no story name can be made from the headline: give --story")
    try:
        return Update.draft(slug, "revision", reported_at, by, headline=headline, text=body)
    except StoryError as error:
        line = 2 if "text" in str(error) else 1
        raise InvalidInput(f"{name}:{line}: {error}") from None


def read_jsonl(text: str, name: str, by: str) -> Iterator[Update]:
    """Updates from JSON Lines text, one object per line; blank lines are skipped."""
    return jsonl_updates((line.encode() for line in text.splitlines()), name, by)


def jsonl_updates(lines: Iterable[bytes], name: str, by: str) -> Iterator[Update]:
    """Updates from the raw lines of a JSON Lines file, read one at a time.

    Memory stays bounded however big the file; a file with no update is an error.
    """
    offset, seen = 0, False
    for number, raw in enumerate(lines, start=1):
        if b"\x00" in raw:
            raise InvalidInput(
                f"{name}: this is a binary file, not text: import .txt or .jsonl files"
            )
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInput(
                f"{name}: not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
                f"{offset + error.start}): convert it to UTF-8, e.g. with iconv"
            ) from None
        offset += len(raw)
        if not line.strip():
            continue
        seen = True
        try:
            yield _from_object(strict_json(line), by)
        except json.JSONDecodeError as error:
            raise InvalidInput(f"{name}:{number}: not valid JSON ({error.msg})") from None
        except ValueError as error:
            raise InvalidInput(f"{name}:{number}: not valid JSON ({error})") from None
        except StoryError as error:
            raise InvalidInput(f"{name}:{number}: {error}") from None
    if not seen:
        raise InvalidInput(f"{name}: the file is empty: give it at least one update")


def _from_object(record: Any, by: str) -> Update:
    if not isinstance(record, dict):
        raise InvalidInput(f"expected a JSON object, found {type(record).__name__}")
    for name in ("story", "kind", "reported_at"):
        if record.get(name) is None:
            raise InvalidInput(f"the record lacks the field {name!r}")
    unknown = sorted(set(record) - _JSONL_FIELDS)
    if unknown:
        raise InvalidInput(
            f"unknown field {unknown[0]!r}: the fields are {', '.join(sorted(_JSONL_FIELDS))}"
        )
    for name, value in record.items():
        if name != "value" and value is not None and not isinstance(value, str):
            raise InvalidInput(f"field {name!r} must be a string, found {type(value).__name__}")
        if isinstance(value, str) and "\x00" in value:
            # PostgreSQL cannot store it in text and SQLite can: refused on both alike.
            raise InvalidInput(f"field {name!r} holds a NUL character (\\u0000): remove it")
    fields = {
        k: v
        for k, v in record.items()
        if k not in ("id", "story", "kind", "reported_at", "by") and k not in _PROVENANCE
    }
    if "value" in record:
        fields["value"] = record["value"]
    else:
        fields["value"] = MISSING
    update = Update.draft(
        record["story"], record["kind"], record["reported_at"], record.get("by") or by, **fields
    )
    if record.get("id") not in (None, update.id):
        raise InvalidInput(
            f"id {record['id']!r} does not match the content (its id is {update.id}): "
            "remove the id or restore the content"
        )
    return update
