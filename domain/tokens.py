"""Bearer tokens for writing over HTTP: only a token's hash is ever kept.

A token names the archivist its writes are recorded as (``by``). The secret is shown
once, when the token is created; the archive keeps its SHA-256, so a copy of the
archive lets nobody write as anyone. Where the records live is a ``TokenStore``: the
archive's database (storage.token_tables), or ``MemoryTokens`` for one process (tests).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from domain.errors import InvalidInput, StoryError

PREFIX = "story_"  # makes a leaked token easy to recognise (and to scan for)


class Unauthorised(StoryError):
    """A write came without a token (HTTP 401)."""


class Forbidden(StoryError):
    """A write came with a token that is wrong or revoked (HTTP 403)."""


@dataclass(frozen=True)
class Token:
    """A token as stored: its name, archivist, hash and dates (never the secret)."""

    name: str
    by: str
    digest: str
    created_at: datetime
    revoked_at: datetime | None = None


class TokenStore(Protocol):
    """Where token records are kept."""

    def add(self, token: Token) -> None: ...

    def tokens(self) -> list[Token]: ...

    def revoke(self, name: str, at: datetime) -> None: ...


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Tokens:
    """Issue, list, revoke and check tokens over a store."""

    def __init__(self, store: TokenStore) -> None:
        self.store = store

    def create(self, name: str, by: str) -> str:
        """A new token's secret (shown once); only its hash is stored."""
        if not name.strip() or not by.strip():
            raise InvalidInput("a token needs a name and an archivist: story token create NAME")
        if any(t.name == name for t in self.store.tokens()):
            raise InvalidInput(f"a token named {name!r} exists: choose another name")
        secret = PREFIX + secrets.token_urlsafe(32)
        self.store.add(Token(name, by.strip(), digest(secret), datetime.now(UTC)))
        return secret

    def revoke(self, name: str) -> None:
        if not any(t.name == name and t.revoked_at is None for t in self.store.tokens()):
            raise InvalidInput(f"no live token named {name!r}: see `story token list`")
        self.store.revoke(name, datetime.now(UTC))

    def archivist(self, authorization: str | None) -> str:
        """The archivist a request's ``Authorization: Bearer …`` header writes as."""
        if not authorization:
            raise Unauthorised(
                "writing needs a token: send 'Authorization: Bearer TOKEN' "
                "(an administrator makes one with `story token create NAME`)"
            )
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorised("the Authorization header must be 'Bearer TOKEN'")
        wanted = digest(secret.strip())
        for token in self.store.tokens():
            if hmac.compare_digest(token.digest, wanted):
                if token.revoked_at is not None:
                    raise Forbidden(f"token {token.name!r} was revoked: ask for a new one")
                return token.by
        raise Forbidden("this token is not one of the archive's: check it, or ask for a new one")


class MemoryTokens:
    """A token store in memory, for one process (tests)."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    def add(self, token: Token) -> None:
        self._tokens[token.name] = token

    def tokens(self) -> list[Token]:
        return list(self._tokens.values())

    def revoke(self, name: str, at: datetime) -> None:
        self._tokens[name] = replace(self._tokens[name], revoked_at=at)
