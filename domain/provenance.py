"""Sentence-level provenance: blame, sentence diffs and phrase tracing.

All three walk a story's versions in order (one after each update). A sentence is
matched by its text, wherever it stands, so splitting or moving paragraphs is never
new text; with ``ignore_trivial`` two sentences that differ only in whitespace or
punctuation count as the same sentence.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict, deque
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
    """Attribute every sentence of the last version to the update that introduced it.

    A sentence is matched first among the previous version's sentences, then among every
    sentence the story ever had: text restored (say, by retracting a revision) keeps
    its first update. With ``ignore_trivial``, a body that differs from the previous one
    only in whitespace or punctuation (even where that joins or splits sentences)
    keeps every credit.
    """
    credits = _Credits(ignore_trivial)
    paragraphs: tuple[tuple[Blamed, ...], ...] = ()
    headline: Blamed | None = None
    previous: StoryVersion | None = None
    for update, version in history:
        if version.headline != (previous.headline if previous else None):
            headline = credits.headline(version.headline, headline, update)
        if previous is None or version.paragraphs != previous.paragraphs:
            if (
                ignore_trivial
                and previous is not None
                and _same_text(previous.paragraphs, version.paragraphs)
            ):
                paragraphs = credits.realign(paragraphs, version.paragraphs)
            elif previous is not None and _extends(version.paragraphs, previous.paragraphs):
                # A report adds paragraphs: only they can hold new sentences.
                tail = version.paragraphs[len(previous.paragraphs) :]
                paragraphs = paragraphs + credits.attribute(tail, update, keep=True)
            else:
                paragraphs = credits.attribute(version.paragraphs, update)
        previous = version
    return Blame(headline, paragraphs)


def _extends(new: Sequence[str], old: Sequence[str]) -> bool:
    return len(new) > len(old) and tuple(new[: len(old)]) == tuple(old)


def _same_text(old: Sequence[str], new: Sequence[str]) -> bool:
    return trivial_key("".join(old)) == trivial_key("".join(new))


class _Credits:
    """Who introduced each sentence: in the previous version, and ever."""

    def __init__(self, ignore_trivial: bool) -> None:
        self.ignore_trivial = ignore_trivial
        self.pool: dict[str, deque[Blamed]] = {}
        self.ever: dict[str, Blamed] = {}

    def _credit(self, sentence: str, older: Blamed) -> Blamed:
        trivial = older.kept_through_trivial or older.sentence != sentence
        return Blamed(sentence, older.update, trivial)

    def headline(self, text: str | None, before: Blamed | None, update: Update) -> Blamed | None:
        if text is None:
            return None
        key = _key(text, self.ignore_trivial)
        if before and _key(before.sentence, self.ignore_trivial) == key:
            return self._credit(text, before)
        older = self.ever.get("headline " + key)
        entry = self._credit(text, older) if older else Blamed(text, update)
        self.ever.setdefault("headline " + key, entry)
        return entry

    def attribute(
        self, body: Sequence[str], update: Update, keep: bool = False
    ) -> tuple[tuple[Blamed, ...], ...]:
        """Credit a body's sentences; with ``keep``, the body is added to the previous one,
        whose sentences all stay where they are (so none of them is free to match)."""
        available = {} if keep else {key: deque(found) for key, found in self.pool.items()}
        kept: dict[str, deque[Blamed]] = defaultdict(deque)
        if keep:
            kept.update((key, deque(found)) for key, found in self.pool.items())
        paragraphs = []
        for paragraph in body:
            blamed = []
            for sentence in sentences(paragraph):
                key = _key(sentence, self.ignore_trivial)
                if available.get(key):
                    entry = self._credit(sentence, available[key].popleft())
                elif key in self.ever and key not in self.pool:  # restored, not a new copy
                    entry = self._credit(sentence, self.ever[key])
                else:
                    entry = Blamed(sentence, update)
                self.ever.setdefault(key, entry)
                blamed.append(entry)
                kept[key].append(entry)
            paragraphs.append(tuple(blamed))
        self.pool = dict(kept)
        return tuple(paragraphs)

    def realign(
        self, before: tuple[tuple[Blamed, ...], ...], body: Sequence[str]
    ) -> tuple[tuple[Blamed, ...], ...]:
        """Credit re-punctuated text by where it starts in the old text's letters."""
        starts: list[tuple[int, Blamed]] = []
        offset = 0
        for old_paragraph in before:
            for old in old_paragraph:
                starts.append((offset, old))
                offset += len(trivial_key(old.sentence))
        kept: dict[str, deque[Blamed]] = defaultdict(deque)
        paragraphs, offset, n = [], 0, 0
        for paragraph in body:
            blamed = []
            for sentence in sentences(paragraph):
                while n + 1 < len(starts) and starts[n + 1][0] <= offset:
                    n += 1
                entry = self._credit(sentence, starts[n][1])
                blamed.append(entry)
                kept[_key(sentence, True)].append(entry)
                offset += len(trivial_key(sentence))
            paragraphs.append(tuple(blamed))
        self.pool = dict(kept)
        return tuple(paragraphs)


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
    if ignore_trivial and _same_text(old, new):
        # Only whitespace or punctuation changed, perhaps joining or splitting sentences.
        unchanged = Counter(sentence for _, sentence in a)
        changed = 0
        for _, sentence in b:
            if unchanged[sentence]:
                unchanged[sentence] -= 1
            else:
                changed += 1
        return SentenceDiff((), changed)
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
    return "\n".join(_parts(version))


def _parts(version: StoryVersion) -> list[str]:
    """The headline, each paragraph and each statement, whitespace collapsed."""
    return [" ".join(part.split()) for part in _raw_parts(version)]


def _raw_parts(version: StoryVersion) -> list[str]:
    return [version.headline or "", *version.paragraphs, *(s.text for s in version.statements)]


def trace(
    history: Iterable[tuple[Update, StoryVersion]], phrase: str, ignore_case: bool = False
) -> list[Sighting]:
    """Every change in the phrase's presence, in version order.

    A phrase is found within one part (the headline, a paragraph, a statement), never
    across two.
    """
    flags = re.IGNORECASE if ignore_case else 0
    pattern = re.compile(re.escape(" ".join(phrase.split())), flags)
    # Consecutive versions share nearly all their parts: each distinct part is read once.
    read: dict[str, list[str]] = {}

    def contexts(part: str) -> list[str]:
        found = read.get(part)
        if found is None:
            found = read[part] = _contexts(" ".join(part.split()), pattern)
        return found

    sightings: list[Sighting] = []
    before: list[str] = []
    had = 0
    for number, (update, version) in enumerate(history, start=1):
        parts = _raw_parts(version)
        count = sum(len(contexts(part)) for part in parts)
        if count != had:
            then = [c for part in before for c in contexts(part)]
            now = [c for part in parts for c in contexts(part)]
            sightings.append(Sighting(update, number, had, count, _changed(then, now)))
        before, had = parts, count
    return sightings


def _contexts(text: str, pattern: re.Pattern[str], width: int = 50) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        start, end = max(0, match.start() - width), min(len(text), match.end() + width)
        found.append(("…" if start else "") + text[start:end] + ("…" if end < len(text) else ""))
    return found


def _changed(before: list[str], now: list[str]) -> str:
    """The context of an occurrence that came (or, if fewer, went)."""
    more, fewer = list(now), list(before)
    for context in before:
        if context in more:
            more.remove(context)
    for context in now:
        if context in fewer:
            fewer.remove(context)
    changed = (more or fewer) if len(now) > len(before) else (fewer or more)
    return changed[0] if changed else ""
