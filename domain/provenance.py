"""Sentence-level provenance: blame, sentence diffs and phrase tracing.

All three walk a story's versions in order (one after each update). A sentence is
matched by its text, wherever it stands, so splitting or moving paragraphs is never
new text; with ``ignore_trivial`` two sentences that differ only in whitespace or
punctuation count as the same sentence.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.diffing import word_diff
from domain.text import sentences, trivial_key
from domain.timeline import StoryVersion
from domain.updates import Update


def _key(sentence: str, ignore_trivial: bool) -> str:
    return trivial_key(sentence) if ignore_trivial else sentence


# blame


@dataclass(frozen=True)
class Blamed:
    """A sentence of the story and the update that introduced it in its current form."""

    sentence: str
    update: Update
    kept_through_trivial: bool = False  # differs only trivially from its first form


@dataclass(frozen=True)
class Blame:
    """The story's text, sentence by sentence, each with its update."""

    headline: Blamed | None
    paragraphs: tuple[tuple[Blamed, ...], ...]

    @property
    def trivial(self) -> int:
        """How many sentences kept an older attribution through a trivial edit."""
        return sum(b.kept_through_trivial for p in self.paragraphs for b in p)


def blame(history: Sequence[tuple[Update, StoryVersion]], ignore_trivial: bool = False) -> Blame:
    """Attribute every sentence of the last version to the update that introduced it."""
    pool: dict[str, deque[Blamed]] = {}
    paragraphs: tuple[tuple[Blamed, ...], ...] = ()
    headline: Blamed | None = None
    previous: StoryVersion | None = None
    for update, version in history:
        if version.headline != (previous.headline if previous else None):
            headline = _headline(version.headline, headline, update, ignore_trivial)
        if previous is None or version.paragraphs != previous.paragraphs:
            paragraphs, pool = _attribute(version.paragraphs, pool, update, ignore_trivial)
        previous = version
    return Blame(headline, paragraphs)


def _headline(
    text: str | None, before: Blamed | None, update: Update, ignore_trivial: bool
) -> Blamed | None:
    if text is None:
        return None
    if before and _key(before.sentence, ignore_trivial) == _key(text, ignore_trivial):
        return Blamed(text, before.update, before.kept_through_trivial or before.sentence != text)
    return Blamed(text, update)


def _attribute(
    body: Sequence[str], pool: dict[str, deque[Blamed]], update: Update, ignore_trivial: bool
) -> tuple[tuple[tuple[Blamed, ...], ...], dict[str, deque[Blamed]]]:
    available = {key: deque(found) for key, found in pool.items()}
    kept: dict[str, deque[Blamed]] = defaultdict(deque)
    paragraphs = []
    for paragraph in body:
        blamed = []
        for sentence in sentences(paragraph):
            key = _key(sentence, ignore_trivial)
            if available.get(key):
                older = available[key].popleft()
                trivial = older.kept_through_trivial or older.sentence != sentence
                entry = Blamed(sentence, older.update, trivial)
            else:
                entry = Blamed(sentence, update)
            blamed.append(entry)
            kept[key].append(entry)
        paragraphs.append(tuple(blamed))
    return tuple(paragraphs), dict(kept)


# diff by sentence


@dataclass(frozen=True)
class SentenceChange:
    """One of the four edit actions on sentences: added, deleted, edited or moved."""

    action: str
    old: str | None
    new: str | None
    old_at: tuple[int, int] | None  # (paragraph, sentence), from 1
    new_at: tuple[int, int] | None
    words: tuple[tuple[str, str], ...] = ()  # word changes inside an edited sentence


@dataclass(frozen=True)
class SentenceDiff:
    changes: tuple[SentenceChange, ...]
    trivial: int  # sentence pairs that differ only in whitespace or punctuation, not shown


EDIT_SIMILARITY = 0.5  # word-level similarity above which a replaced sentence is an edit


def _located(paragraphs: Sequence[str]) -> list[tuple[tuple[int, int], str]]:
    return [
        ((p, s), sentence)
        for p, paragraph in enumerate(paragraphs, start=1)
        for s, sentence in enumerate(sentences(paragraph), start=1)
    ]


def sentence_diff(
    old: Sequence[str], new: Sequence[str], ignore_trivial: bool = False
) -> SentenceDiff:
    """Label each change between two bodies as added, deleted, edited or moved."""
    a, b = _located(old), _located(new)
    keys_a = [_key(s, ignore_trivial) for _, s in a]
    keys_b = [_key(s, ignore_trivial) for _, s in b]
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    unmatched_a: list[int] = []
    unmatched_b: list[int] = []
    trivial = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            trivial += sum(
                a[i][1] != b[j][1] for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        else:
            unmatched_a.extend(range(i1, i2))
            unmatched_b.extend(range(j1, j2))
    changes: list[tuple[float, SentenceChange]] = []
    # Moved: the same sentence, out of order.
    waiting: dict[str, deque[int]] = defaultdict(deque)
    for i in unmatched_a:
        waiting[keys_a[i]].append(i)
    still_b = []
    for j in unmatched_b:
        if waiting.get(keys_b[j]):
            i = waiting[keys_b[j]].popleft()
            trivial += a[i][1] != b[j][1]
            changes.append((j, SentenceChange("moved", a[i][1], b[j][1], a[i][0], b[j][0])))
        else:
            still_b.append(j)
    still_a = [i for queue in waiting.values() for i in queue]
    # Edited: the most similar remaining pairs.
    scored = sorted(
        (-difflib.SequenceMatcher(None, a[i][1].split(), b[j][1].split()).ratio(), i, j)
        for i in still_a
        for j in still_b
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for score, i, j in scored:
        if -score < EDIT_SIMILARITY or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        words = tuple(word_diff(a[i][1], b[j][1]))
        changes.append((j, SentenceChange("edited", a[i][1], b[j][1], a[i][0], b[j][0], words)))
    for j in still_b:
        if j not in used_b:
            changes.append((j, SentenceChange("added", None, b[j][1], None, b[j][0])))
    for i in still_a:
        if i not in used_a:
            # A deleted sentence is shown where it would have been in the new text.
            place = _new_place(matcher, i)
            changes.append((place - 0.5, SentenceChange("deleted", a[i][1], None, a[i][0], None)))
    ordered = tuple(change for _, change in sorted(changes, key=lambda c: c[0]))
    return SentenceDiff(ordered, trivial)


def _new_place(matcher: difflib.SequenceMatcher[str], i: int) -> float:
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if i1 <= i < i2 or (tag == "insert" and i1 == i):
            return j1 + (i - i1 if tag == "equal" else 0)
    return float("inf")


# trivial updates


def is_trivial(before: StoryVersion | None, after: StoryVersion) -> bool:
    """Whether a version differs from the one before only in whitespace or punctuation."""
    if before is None:
        return False

    def view(v: StoryVersion) -> tuple[object, ...]:
        text = trivial_key(searchable(v))
        return (text, v.facts, [(s.update_id, s.party, s.issued_at) for s in v.statements])

    return view(before) == view(after)


def trivial_updates(history: Sequence[tuple[Update, StoryVersion]]) -> set[str]:
    """The ids of updates that changed only whitespace or punctuation."""
    found, previous = set(), None
    for update, version in history:
        if update.kind in ("revision", "correction") and is_trivial(previous, version):
            found.add(update.id)
        previous = version
    return found


# trace


@dataclass(frozen=True)
class Sighting:
    """A change in how often a phrase occurs, and the update that made it."""

    update: Update
    version: int
    before: int
    after: int
    context: str  # the phrase in its sentence, or where it was

    @property
    def action(self) -> str:
        if self.before == 0:
            return "appeared"
        if self.after == 0:
            return "vanished"
        return "more" if self.after > self.before else "fewer"


def searchable(version: StoryVersion) -> str:
    """Everything a reader sees: headline, body and statements."""
    parts = [version.headline or "", *version.paragraphs]
    parts += [s.text for s in version.statements]
    return "\n".join(parts)


def trace(
    history: Iterable[tuple[Update, StoryVersion]], phrase: str, ignore_case: bool = False
) -> list[Sighting]:
    """Every change in the phrase's presence, in version order."""
    flags = re.IGNORECASE if ignore_case else 0
    pattern = re.compile(re.escape(" ".join(phrase.split())), flags)
    sightings: list[Sighting] = []
    count, last_text = 0, ""
    for number, (update, version) in enumerate(history, start=1):
        text = " ".join(searchable(version).split())
        found = len(pattern.findall(text))
        if found != count:
            where = text if found else last_text
            sightings.append(Sighting(update, number, count, found, _context(where, pattern)))
        count, last_text = found, text
    return sightings


def _context(text: str, pattern: re.Pattern[str], width: int = 50) -> str:
    match = pattern.search(text)
    if match is None:
        return ""
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
