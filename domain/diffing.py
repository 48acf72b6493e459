"""Diffs between two versions of a story, computed when read (never stored).

The body gets a unified text diff; the headline, each statement (by its update id) and
each fact (by its key) are compared one by one, as changes a person can read.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from domain.text import loosely, trivial_key
from domain.timeline import StoryVersion


@dataclass(frozen=True)
class Change:
    """One change to the headline, a statement or a fact."""

    path: str
    action: str  # "added", "removed" or "changed"
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class StoryDiff:
    """What changed from one version of a story to another."""

    old: StoryVersion
    new: StoryVersion
    text: tuple[str, ...]  # unified diff lines of the body, without line ends
    changes: tuple[Change, ...]
    hidden_changes: int = 0  # trivial headline/statement changes left out
    hidden_lines: int = 0  # trivial body lines left out of the text diff

    @property
    def unchanged(self) -> bool:
        return not self.text and not self.changes


def _body_lines(version: StoryVersion) -> list[str]:
    lines: list[str] = []
    for paragraph in version.paragraphs:
        if lines:
            lines.append("")
        lines.extend(paragraph.splitlines())
    return lines


def text_diff(
    old: StoryVersion, new: StoryVersion, context: int = 1, ignore_trivial: bool = False
) -> tuple[str, ...]:
    """The unified diff of the two bodies, one paragraph line per diff line."""
    a, b = _body_lines(old), _body_lines(new)
    if ignore_trivial:
        a, b = loosely(a), loosely(b)
    return tuple(
        str(line).rstrip("\n")
        for line in difflib.unified_diff(
            a,
            b,
            fromfile=f"{old.slug}@{old.version}",
            tofile=f"{new.slug}@{new.version}",
            n=context,
            lineterm="",
        )
    )


def structured_changes(old: StoryVersion, new: StoryVersion) -> tuple[Change, ...]:
    """Headline, fact and statement changes, one per headline, fact or statement, sorted.

    Statements are matched by update id and facts by key, so however few two versions
    share, each statement or fact added or removed is its own change; a statement whose
    party, text or date changed (a correction) is a change of that field.
    """
    changes: list[Change] = []
    if old.headline != new.headline:  # a headline is always there, if only as None
        changes.append(Change("headline", "changed", old.headline, new.headline))
    before = {s.update_id: _statement(s) for s in old.statements}
    after = {s.update_id: _statement(s) for s in new.statements}
    for update_id in sorted(before.keys() | after.keys()):
        was, now = before.get(update_id), after.get(update_id)
        if was is None or now is None:
            changes.append(_compare(f"statements.{update_id}", was, now))
            continue
        changes += [
            Change(f"statements.{update_id}.{field}", "changed", was[field], now[field])
            for field in was
            if was[field] != now[field]
        ]
    for key in sorted(old.facts.keys() | new.facts.keys()):
        was, now = old.facts.get(key, _ABSENT), new.facts.get(key, _ABSENT)
        if was is _ABSENT or now is _ABSENT:
            changes.append(_compare(f"facts.{key}", was, now))
        elif isinstance(was, dict | list) and type(was) is type(now):
            changes += _nested(f"facts.{key}", was, now)
        elif not _same(was, now):
            changes.append(Change(f"facts.{key}", "changed", was, now))
    return tuple(sorted(changes, key=lambda c: (c.path != "headline", c.path)))


_ABSENT: Any = object()


def _statement(s: Any) -> dict[str, Any]:
    return {"party": s.party, "text": s.text, "issued_at": s.issued_at}


def _compare(path: str, old: Any, new: Any) -> Change:
    if old is None or old is _ABSENT:
        return Change(path, "added", new=new)
    if new is None or new is _ABSENT:
        return Change(path, "removed", old=old)
    return Change(path, "changed", old, new)


def _nested(path: str, old: Any, new: Any) -> list[Change]:
    """The changes inside a fact whose value is a JSON object or array, one per field
    or item added, removed or changed (deepdiff finds them)."""
    from deepdiff import DeepDiff  # imported when needed: it costs ~40 ms at start-up

    changes = []
    for report, items in DeepDiff(old, new, view="tree", verbose_level=2).items():
        for item in items:
            where = ".".join([path, *(str(part) for part in item.path(output_format="list"))])
            if report.endswith("_added"):
                changes.append(Change(where, "added", new=item.t2))
            elif report.endswith("_removed"):
                changes.append(Change(where, "removed", old=item.t1))
            else:
                changes.append(Change(where, "changed", item.t1, item.t2))
    return changes


def _same(a: Any, b: Any) -> bool:
    """The same JSON (Python's == calls true and 1 equal)."""
    return a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def diff(old: StoryVersion, new: StoryVersion, ignore_trivial: bool = False) -> StoryDiff:
    """Everything that changed between two versions (trivial changes left out if asked)."""
    text = text_diff(old, new, ignore_trivial=ignore_trivial)
    changes = structured_changes(old, new)
    if not ignore_trivial:
        return StoryDiff(old, new, text, changes)

    def trivial(c: Change) -> bool:
        return (
            c.action == "changed"
            and isinstance(c.old, str)
            and isinstance(c.new, str)
            and trivial_key(c.old) == trivial_key(c.new)
        )

    kept = tuple(c for c in changes if not trivial(c))
    hidden_lines = _trivially_changed(_body_lines(old), _body_lines(new))
    if trivial_key(old.text) == trivial_key(new.text):  # e.g. a paragraph split in two
        text, hidden_lines = (), max(hidden_lines, int(old.text != new.text))
    return StoryDiff(old, new, text, kept, len(changes) - len(kept), hidden_lines)


def _trivially_changed(a: list[str], b: list[str]) -> int:
    """How many lines changed only in whitespace or punctuation."""
    matcher = difflib.SequenceMatcher(None, loosely(a), loosely(b), autojunk=False)
    return sum(
        a[i] != b[j]
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag == "equal"
        for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
    )


_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level changes between two lines: (op, text) with op in ' ', '-', '+'."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append((" ", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                segments.append(("-", "".join(a[i1:i2])))
            if j2 > j1:
                segments.append(("+", "".join(b[j1:j2])))
    return segments
