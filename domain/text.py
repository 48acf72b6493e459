"""Text in the newsroom's units: sentences, and what counts as a trivial difference."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_ABBREVIATIONS = frozenset(
    ("mr", "mrs", "ms", "dr", "prof", "ald", "st", "jr", "sr", "gov", "sen", "rep", "gen",
     "lt", "col", "sgt", "capt", "cmdr", "supt", "det", "vs", "etc", "inc", "corp", "co",
     "ltd", "dept", "univ", "ave", "blvd", "rd", "mt", "ft", "jan", "feb", "mar", "apr", "jun",
     "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "a.m", "p.m", "e.g",
     "i.e")
)  # fmt: skip
_CLOSE = '"\u201d\u2019)\\]'  # closing quotes and brackets after a full stop
_OPEN = '"\u201c\u2018(\\['  # opening ones before the next sentence
_BOUNDARY = re.compile(f"([.!?][{_CLOSE}]*)\\s+(?=[{_OPEN}]?[A-Z0-9])")
_LAST_WORD = re.compile(f"([\\w.]+?)\\.?[.!?][{_CLOSE}]*$")


_INITIALS = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")  # J, J.B, U.S


def sentences(paragraph: str) -> list[str]:
    """The sentences of a paragraph (not split after abbreviations or initials)."""
    return list(_sentences(paragraph))


def _sentences(paragraph: str) -> tuple[str, ...]:
    text = " ".join(paragraph.split())
    found, start = [], 0
    for match in _BOUNDARY.finditer(text):
        head = text[start : match.end(1)]
        if match.group(1)[0] == "." and _abbreviated(head):
            continue
        found.append(head)
        start = match.end()
    if text[start:]:
        found.append(text[start:])
    return tuple(found)


def _abbreviated(head: str) -> bool:
    """Whether a full stop ends an abbreviation or initials rather than a sentence."""
    word = _LAST_WORD.search(head)
    if word is None:
        return False
    token = word.group(1)
    return token.lower() in _ABBREVIATIONS or bool(_INITIALS.match(token))


def trivial_key(text: str) -> str:
    """Text without its whitespace and punctuation: equal keys, trivial difference.

    Punctuation between two digits stays: 5.5 and 55 are different figures.
    """
    kept = []
    for n, ch in enumerate(text):
        if ch.isspace():
            continue
        if unicodedata.category(ch).startswith("P"):
            between_digits = (
                0 < n < len(text) - 1 and text[n - 1].isdigit() and text[n + 1].isdigit()
            )
            if not between_digits:
                continue
        kept.append(ch)
    return "".join(kept)


class _Loose(str):
    """A line that equals another when they differ only in whitespace or punctuation."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and trivial_key(self) == trivial_key(other)

    def __hash__(self) -> int:
        return hash(trivial_key(self))


def loosely(lines: Sequence[str]) -> list[str]:
    """Lines that compare (in difflib) ignoring whitespace and punctuation."""
    return [_Loose(line) for line in lines]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 update`, `2 updates`: a count with its noun in the right number."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
