"""Checkpoints: the archive's head, in a small document an auditor keeps elsewhere.

A checkpoint holds how many updates the archive had and the archive chain's digest over
them (domain.digests). Verifying the archive against it later proves the archive is an
append-only extension of what was checkpointed: rewriting any earlier update changes
that digest, however many digests after it were recomputed. Signed with Ed25519, it
also proves who made it.

    {"format": "story-checkpoint/1", "archive": "…", "made_at": "…", "stories": 2,
     "updates": 12, "head": "<64 hex>",
     "signature": {"algorithm": "ed25519", "public_key": "<64 hex>", "value": "<128 hex>"}}

The signature is over the document without "signature", as JSON with sorted keys and no
insignificant whitespace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from domain.digests import canonical_json
from domain.errors import InvalidInput

FORMAT = "story-checkpoint/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read back from its file."""

    document: dict[str, Any]

    @property
    def updates(self) -> int:
        return int(self.document["updates"])

    @property
    def links(self) -> int:
        """The archive chain's links it covers: its updates, and the recorded zone
        (a checkpoint made before the zone was recorded has no "links")."""
        return int(self.document.get("links", self.updates))

    @property
    def head(self) -> str:
        return str(self.document["head"])

    @property
    def signer(self) -> str | None:
        """The signing key's fingerprint, if the checkpoint is signed."""
        signature = self.document.get("signature")
        return fingerprint(bytes.fromhex(signature["public_key"])) if signature else None


def make(
    archive: str, made_at: str, stories: int, updates: int, head: str, links: int | None = None
) -> dict[str, Any]:
    document = {
        "format": FORMAT,
        "archive": archive,
        "made_at": made_at,
        "stories": stories,
        "updates": updates,
        "head": head,
    }
    if links is not None and links != updates:
        document["links"] = links
    return document


def _payload(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return canonical_json(body).encode()


def fingerprint(public_key: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    import hashlib

    return hashlib.sha256(public_key).hexdigest()[:16]


def sign(document: dict[str, Any], private_pem: bytes, name: str) -> dict[str, Any]:
    """The document with an Ed25519 signature made with a PEM private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError):
        raise InvalidInput(
            f"{name}: not an unencrypted PEM private key: make one with `story keygen`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{name}: not an Ed25519 key: make one with `story keygen`")
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    signature = {
        "algorithm": "ed25519",
        "public_key": public.hex(),
        "value": key.sign(_payload(document)).hex(),
    }
    return {**document, "signature": signature}


def read(text: str, name: str) -> Checkpoint:
    """A checkpoint from its file's text; an error that says what is wrong with it."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: nested too deeply
        raise InvalidInput(f"{name}: not a story checkpoint (not JSON)") from None
    if not isinstance(document, dict):
        raise InvalidInput(f"{name}: not a story checkpoint (not a JSON object)")
    if document.get("format") != FORMAT:
        found = document.get("format")
        raise InvalidInput(
            f"{name}: not a story checkpoint (format {found!r}, expected {FORMAT!r})"
        )
    updates, head = document.get("updates"), document.get("head")
    if type(updates) is not int or updates < 0 or not isinstance(head, str):
        raise InvalidInput(f"{name}: corrupt checkpoint: 'updates' or 'head' is missing or wrong")
    if not _HEX64.match(head):
        raise InvalidInput(f"{name}: corrupt checkpoint: 'head' is not 64 hex digits")
    checkpoint = Checkpoint(document)
    if "signature" in document:
        _check_signature(checkpoint, name)
    return checkpoint


def _check_signature(checkpoint: Checkpoint, name: str) -> None:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signature = checkpoint.document["signature"]
    try:
        if signature["algorithm"] != "ed25519":
            raise InvalidInput(f"{name}: unknown signature algorithm {signature['algorithm']!r}")
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature["public_key"]))
        public.verify(bytes.fromhex(signature["value"]), _payload(checkpoint.document))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(f"{name}: corrupt checkpoint: its signature is malformed") from None
    except InvalidSignature:
        raise InvalidInput(
            f"{name}: the signature does not match the checkpoint: it was altered after signing"
        ) from None


def check_signer(checkpoint: Checkpoint, public_pem: bytes, name: str, key_name: str) -> None:
    """Require that the checkpoint was signed with the given public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError):
        raise InvalidInput(f"{key_name}: not a PEM public key (see `story keygen`)") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{key_name}: not an Ed25519 public key")
    expected = fingerprint(
        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    if checkpoint.signer is None:
        raise InvalidInput(f"{name}: the checkpoint is not signed, so it cannot prove who made it")
    if checkpoint.signer != expected:
        raise InvalidInput(
            f"{name}: signed by key {checkpoint.signer}, not by the key in {key_name} ({expected})"
        )


def new_key() -> tuple[bytes, bytes, str]:
    """A new Ed25519 key pair: (private PEM, public PEM, fingerprint)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return private, public_pem, fingerprint(raw)
