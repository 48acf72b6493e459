"""URLs tied to stories, so that one article found at several addresses is one story.

A capture names the URLs its article is at: its canonical URL (JSON-LD ``url``, the
``<link rel="canonical">``), its ``og:url``, the WARC's target URI, and the URLs that
redirect to any of these in the same WARC (its 3xx responses). Each is tied to
the capture's story the first time it is seen, and a later capture that names any tied
URL goes to that story: the same article captured at ``http://`` and ``https://``, at a
renamed address, or syndicated under an outlet's own URL with the original's canonical
link. An archivist ties a URL by hand (`story url tie`) and unties one.

A tie is an event (``domain.model.Address``), chained like an update: replay, verify and
checkpoints see it. A URL is tied to one story at a time; tying it to a second is an
error that names the first.

URLs are compared normalised: scheme, ``www.``, fragment, trailing ``/`` and tracking
parameters (``utm_*``, ``fbclid``, …) dropped, host in lower case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

from domain.errors import InvalidInput

HOWS = ("canonical", "og:url", "target-uri", "redirect", "by hand")
_TRACKING = re.compile(
    r"utm_[a-z_]*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga|_gl|cmpid|ocid|smid|igshid",
    re.IGNORECASE,
)


def normalise(url: str) -> str:
    """A URL as ties compare it; InvalidInput when it is no http(s) URL."""
    given = url.strip()
    try:
        parts = urlsplit(given)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"URL {given[:80]!r} is not an http or https URL: give one such as "
            "https://example.com/news/2024/03/story"
        )
    host = parts.hostname.lower().removeprefix("www.")
    if port and port not in (80, 443):
        host += f":{port}"
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING.fullmatch(k)
    ]  # fmt: skip
    query = "?" + urlencode(kept) if kept else ""
    return host + (parts.path.rstrip("/") or "") + query


@dataclass(frozen=True)
class Tie:
    """A URL tied to a story (``story`` None: untied), how, by whom, and when."""

    url: str  # normalised
    story: str | None
    how: str
    by: str
    recorded_at: datetime | None = None
    link: str = ""  # its link in the archive chain (domain.model.tie_link)
