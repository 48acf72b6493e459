"""Tamper evidence: every update's digest, chained per story and across the archive.

The canonical form of an update is its stored record plus ``recorded_at``, as JSON with
sorted keys, no insignificant whitespace, UTF-8 (not ASCII-escaped)::

    {"by":"…","id":"…","kind":"report","recorded_at":"2026-11-26T07:50:50.570957+00:00",
     "reported_at":"2024-02-12","story":"shotspotter","text":"…",…}

An update's digest is ``sha256(previous + "\\n" + canonical)`` in hex, where ``previous``
is the digest of the story's previous update (64 zeros for its first). The archive's
chain runs over every update in recorded order: ``chain = sha256(previous_chain + "\\n"
+ digest)``, starting from 64 zeros. Changing, removing, reordering or inserting any
update changes every link after it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64

# One encoder, made once: json.dumps with options builds a new one per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys, no insignificant whitespace, not ASCII-escaped."""
    return _CANONICAL.encode(value)


def canonical(record: dict[str, Any], recorded_at: str) -> bytes:
    """The bytes an update's digest is computed over."""
    return canonical_json({**record, "recorded_at": recorded_at}).encode()


def update_digest(record: dict[str, Any], recorded_at: str, previous: str) -> str:
    """The digest of an update, chained to the digest of its story's previous update."""
    return digest_of(canonical(record, recorded_at), previous)


def digest_of(canonical_bytes: bytes, previous: str) -> str:
    """``update_digest``, from the update's canonical bytes."""
    return hashlib.sha256(previous.encode() + b"\n" + canonical_bytes).hexdigest()


def chain_digest(previous: str, digest: str) -> str:
    """The next link of the archive's chain."""
    return hashlib.sha256(f"{previous}\n{digest}".encode()).hexdigest()
