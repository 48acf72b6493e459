"""What the pages show, worked out from archive results: diff rows, change sizes, colours.

Pure functions over domain values; the templates only lay them out (and escape them).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.diffing import word_diff
from domain.provenance import SentenceDiff
from domain.text import trivial_key
from domain.timeline import StoryVersion
from domain.updates import Update

# A piece of a paragraph in a diff: "same", "deleted", "added" or "moved" text.
Piece = tuple[str, str]


@dataclass(frozen=True)
class Row:
    """One row of a body diff: a paragraph before (left) and after (right).

    ``kind`` is "same", "changed", "deleted" or "added"; ``inline`` is both sides merged
    for the inline view.
    """

    kind: str
    left: tuple[Piece, ...]
    right: tuple[Piece, ...]
    inline: tuple[Piece, ...]


PAIR_SIMILARITY = 0.3  # word similarity under which two paragraphs are not one edited


def body_rows(
    old: Sequence[str], new: Sequence[str], moved: Sequence[str] = (), ignore_trivial: bool = False
) -> list[Row]:
    """The two bodies paragraph by paragraph, changed paragraphs word by word.

    Sentences in ``moved`` (sentence diff's moved ones) are marked where they were
    deleted or added, rather than shown as deleted and added text.
    """
    keys_a = [trivial_key(p) if ignore_trivial else p for p in old]
    keys_b = [trivial_key(p) if ignore_trivial else p for p in new]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [_same(p) for p in new[j1:j2]]
            continue
        left, right = list(old[i1:i2]), list(new[j1:j2])
        while left and right:
            a, b = left.pop(0), right.pop(0)
            if _similar(a, b):
                rows.append(_changed(a, b, moved))
            else:
                rows += [_deleted(a, moved), _added(b, moved)]
        rows += [_deleted(a, moved) for a in left]
        rows += [_added(b, moved) for b in right]
    return rows


def changes_only(rows: Sequence[Row], context: int = 0) -> list[Row | None]:
    """The changed rows, with ``context`` unchanged rows around them; None marks a gap."""
    keep = {
        k
        for i, row in enumerate(rows)
        if row.kind != "same"
        for k in range(i - context, i + context + 1)
    }
    shown: list[Row | None] = []
    for i, row in enumerate(rows):
        if i in keep:
            shown.append(row)
        elif shown and shown[-1] is not None:
            shown.append(None)
    return shown


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a.split(), b.split()).ratio() >= PAIR_SIMILARITY


def _same(text: str) -> Row:
    piece = (("same", text),)
    return Row("same", piece, piece, piece)


def _deleted(text: str, moved: Sequence[str]) -> Row:
    pieces = _mark_moved(("deleted", text), moved)
    return Row("deleted", pieces, (), pieces)


def _added(text: str, moved: Sequence[str]) -> Row:
    pieces = _mark_moved(("added", text), moved)
    return Row("added", (), pieces, pieces)


def _changed(a: str, b: str, moved: Sequence[str]) -> Row:
    left: list[Piece] = []
    right: list[Piece] = []
    inline: list[Piece] = []
    for op, text in word_diff(a, b):
        if op == " ":
            left.append(("same", text))
            right.append(("same", text))
            inline.append(("same", text))
        elif op == "-":
            marked = _mark_moved(("deleted", text), moved)
            left += marked
            inline += marked
        else:
            marked = _mark_moved(("added", text), moved)
            right += marked
            inline += marked
    return Row("changed", tuple(left), tuple(right), tuple(inline))


def _mark_moved(piece: Piece, moved: Sequence[str]) -> tuple[Piece, ...]:
    """A deleted or added piece, with the moved sentences inside it marked as moved."""
    kind, text = piece
    for sentence in moved:
        at = text.find(sentence)
        if at >= 0 and sentence.strip():
            before, after = text[:at], text[at + len(sentence) :]
            return (
                *((_mark_moved((kind, before), moved)) if before.strip() else _space(before)),
                ("moved", sentence),
                *((_mark_moved((kind, after), moved)) if after.strip() else _space(after)),
            )
    return (piece,)


def _space(text: str) -> tuple[Piece, ...]:
    return (("same", text),) if text else ()


def moved_sentences(result: SentenceDiff) -> list[str]:
    return [c.new for c in result.changes if c.action == "moved" and c.new]


# The timeline


@dataclass(frozen=True)
class Entry:
    """A version on the story's timeline."""

    number: int
    update: Update
    size: int  # characters changed from the version before
    amended_by: tuple[Update, ...]  # corrections and retractions of this update


def sizes(history: Sequence[tuple[Update, StoryVersion]]) -> list[int]:
    """How much each version changed from the one before, in characters, counted by
    paragraph (a paragraph edited, added or removed counts whole), statement and fact."""
    found: list[int] = []
    previous: StoryVersion | None = None
    for _, version in history:
        found.append(_size(previous, version))
        previous = version
    return found


def _size(before: StoryVersion | None, after: StoryVersion) -> int:
    if before is None:
        return len(after.headline or "") + len(after.text) + _extras(after, None)
    old, new = set(before.paragraphs), set(after.paragraphs)
    size = sum(map(len, new - old)) + sum(map(len, old - new))
    if before.headline != after.headline:
        size += len(after.headline or "") + len(before.headline or "")
    return size + _extras(after, before)


def _extras(after: StoryVersion, before: StoryVersion | None) -> int:
    old_statements = set(before.statements) if before else set()
    old_facts = before.facts if before else {}
    size = sum(len(s.text) for s in set(after.statements) ^ old_statements)
    for key in set(after.facts) | set(old_facts):
        new, old = after.facts.get(key, _ABSENT), old_facts.get(key, _ABSENT)
        if new != old:
            size += len(key) + len(json_text(old if new is _ABSENT else new))
    return size


_ABSENT = object()


def entries(timeline: Sequence[Update], changed: Sequence[int]) -> list[Entry]:
    amenders: dict[str, list[Update]] = {}
    for u in timeline:
        if u.target and u.kind in ("correction", "retraction"):
            amenders.setdefault(u.target, []).append(u)
    return [
        Entry(n, u, size, tuple(amenders.get(u.id, ())))
        for n, (u, size) in enumerate(zip(timeline, changed, strict=True), start=1)
    ]


# Blame


PALETTE = 8  # colour classes u0 … u7 in the stylesheet


def colours(update_ids: Sequence[str]) -> dict[str, int]:
    """A colour class for each update, in order of first appearance."""
    found: dict[str, int] = {}
    for update_id in update_ids:
        if update_id not in found:
            found[update_id] = len(found) % PALETTE
    return found


def safe_url(url: str | None) -> str | None:
    """A link target only when it is an http(s) URL (never javascript: or data:)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
