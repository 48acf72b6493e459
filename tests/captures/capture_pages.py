"""Small article pages the tests write themselves, and WARC files built from them."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

URL = "https://news.example.org/2024/03/council-meets-tuesday"
BODY = [
    "The city council will meet on Tuesday to vote on the new transport plan, which would "
    "add three bus lines and close two car parks in the centre.",
    "The mayor said the plan had been discussed with residents for more than a year and that "
    "the vote would be open to the public, with seats for one hundred and twenty people.",
    "Opponents say the car parks are needed by shop owners, and have asked the council to "
    "postpone the vote until an independent study of traffic is published.",
]


def page(
    body: list[str] = BODY,
    headline: str = "Council meets on Tuesday",
    modified: str | None = "2024-03-02T09:30:00-06:00",
    aside: str = "Most read: ten things to do this weekend",
    charset: str = "utf-8",
) -> str:
    dated = f'"dateModified": "{modified}",' if modified else ""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body)
    return f"""<!doctype html>
<html><head><meta charset="{charset}"><title>{headline} | Example News</title>
<link rel="canonical" href="{URL}">
<script type="application/ld+json">
{{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "{headline}",
  {dated} "datePublished": "2024-03-01T18:00:00-06:00", "url": "{URL}",
  "publisher": {{"@type": "Organization", "name": "Example News"}}}}
</script></head>
<body><nav><a href="/">Home</a> <a href="/politics">Politics</a></nav>
<article><h1>{headline}</h1>
{paragraphs}
</article>
<aside>{aside}</aside><footer>Copyright Example News</footer></body></html>
"""


def warc(
    path: Path, pages: list[tuple[str, str]] | list[tuple[str, str, str]], extras: bool = True
) -> Path:
    """A WARC of (WARC-Date, page[, its target URI]) captures (of URL unless given), with
    an image and robots.txt."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=path.name.endswith(".gz"))
        if extras:
            _record(writer, "https://news.example.org/robots.txt", "text/plain",
                    b"User-agent: *\nDisallow:\n", "2024-03-02T10:00:00Z")  # fmt: skip
            _record(writer, "https://news.example.org/logo.png", "image/png",
                    b"\x89PNG\r\n\x1a\n" + bytes(64), "2024-03-02T10:00:01Z")  # fmt: skip
        for date, html, *at in pages:
            _record(writer, at[0] if at else URL, "text/html; charset=utf-8", html.encode(), date)
    return path


def _record(writer: WARCWriter, url: str, content_type: str, body: bytes, date: str) -> None:
    headers = StatusAndHeaders(
        "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )  # fmt: skip
    writer.write_record(
        writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": date},
        )
    )
