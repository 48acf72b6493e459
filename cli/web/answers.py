"""What an as-of answer depends on, read cheaply: the archive's head. From it, the
answer's ETag (conditional GET) and the web service's cache of answers.

An as-of answer (``/api/stories/SLUG?as_of=…``) is a function of what was asked and of
what the archive holds; what it holds changes only by a write, and every write (an
update, a URL's tie) adds a link to the archive chain. ``Archive.head()`` reads the last
link (one indexed row) from the database with every request, so a write through this
process, another ``--workers`` process or the CLI is seen by the next request: no answer
is kept or confirmed past the state it was worked out from. A rebuild of the index
(``story rebuild``, the cure for an index changed behind story's back) moves the head
too.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

Head = tuple[int, str]  # Archive.head(): the chain's last (position, digest)

LIMIT = 64_000_000  # bytes of answers a process keeps (an as-of answer: about 0.5 MB)


def etag(head: Head, asked: Hashable) -> str:
    """A strong ETag for the answer to ``asked`` while the archive's head is ``head``."""
    digest = hashlib.sha256(repr((head, asked)).encode()).hexdigest()[:32]
    return f'"{digest}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names this ETag (or is ``*``)."""
    if if_none_match is None:
        return False
    named = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return tag in named or "*" in named


class Answers:
    """Encoded answers at the archive's latest head, by what was asked: the web
    service's cache of answers (benchmarks/results/ab_http_cache.txt).

    A process keeps the answers worked out at the newest head it has seen. A request
    that reads another head, not an older one, drops them all (they may be stale); one
    that read an older head (a write came between) gets its answer worked out and not
    kept. Past ``limit`` bytes the least recently asked go first. Each ``story serve``
    worker has its own.
    """

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._head: Head = (-1, "")
        self._kept: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    def answer(self, head: Head, asked: Hashable, make: Callable[[], bytes]) -> bytes:
        """The answer to ``asked`` at ``head``: kept, or made now (and kept)."""
        with self._lock:
            if head != self._head and head[0] >= self._head[0]:
                self._head, self._size = head, 0
                self._kept.clear()
            elif head == self._head and asked in self._kept:
                self._kept.move_to_end(asked)
                return self._kept[asked]
        body = make()
        if len(body) > self.limit // 4:
            return body
        with self._lock:
            if head == self._head and asked not in self._kept:
                self._kept[asked] = body
                self._size += len(body)
                while self._size > self.limit:
                    _, dropped = self._kept.popitem(last=False)
                    self._size -= len(dropped)
        return body
