"""Imported text made safe to print: control characters shown as escapes, not obeyed.

A story's text comes from outside (captures, feeds). Printed raw, an escape sequence in
it could recolour a diff, retitle the terminal or hide a line; so text output shows each
control character as ``\\x1b``, ``\\r``, ``\\u202e``…, and ``--json`` keeps it exact.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

T = TypeVar("T")

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides
# and isolates (which reorder what a reader sees).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def text(value: str) -> str:
    """The string with its control characters written as escapes."""
    return _CONTROL.sub(_escape, value) if _CONTROL.search(value) else value


def shown(value: T) -> T:
    """A copy of a value to render (an update, a version, a diff, or lists and dicts of
    them) whose every string has its control characters escaped; the value itself when
    it has none."""
    return _shown(value)  # type: ignore[no-any-return]


def _shown(value: Any) -> Any:
    if isinstance(value, str):
        return text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            if field.init:
                old = getattr(value, field.name)
                new = _shown(old)
                if new is not old:
                    changes[field.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_shown(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items) if not _is_namedtuple(value) else type(value)(*items)
    if isinstance(value, dict):
        pairs = [(_shown(k), _shown(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return type(value)(pairs)
    return value


def _is_namedtuple(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_fields")
