"""`story export --format timemap|atom|warc`: what `story serve` serves, and WARC records
warcio reads."""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import pytest
from export_helpers import filled


def _served(db: str, path: str) -> bytes:
    pytest.importorskip("starlette", reason="comparing with story serve needs story[serve]")
    from starlette.testclient import TestClient

    from cli.web.app import Service, create_app
    from domain.tokens import MemoryTokens, Tokens
    from storage.archive import open_archive

    opener = lambda: open_archive(db, "UTC", create=False)  # noqa: E731
    app = create_app(Service(opener, tokens=Tokens(MemoryTokens())))
    with TestClient(app) as client:
        answer = client.get(path)
    assert answer.status_code == 200
    return answer.content


def test_the_timemap_is_byte_for_byte_what_story_serve_serves(tmp_path: Path) -> None:
    cli = filled(tmp_path)

    exported = cli.raw(
        "export", "shotspotter", "--format", "timemap", "--base-url", "http://testserver"
    )

    assert exported == _served(cli.db, "/stories/shotspotter/timemap/link")
    assert exported.count(b'rel="memento"') == 11


def test_atom_has_an_entry_per_version_as_the_feed_has_them(tmp_path: Path) -> None:
    cli = filled(tmp_path)

    exported = feedparser.parse(
        cli.raw("export", "--format", "atom", "--base-url", "http://testserver")
    )

    assert not exported.bozo, exported.get("bozo_exception")
    assert exported.version == "atom10"
    assert len(exported.entries) == 18
    served = feedparser.parse(_served(cli.db, "/stories/shotspotter/feed"))
    mine = [e for e in exported.entries if "/stories/shotspotter/" in e.id]
    fields = ("id", "title", "published", "updated", "author", "summary")
    assert [{f: e[f] for f in fields} for e in mine] == [
        {f: e[f] for f in fields} for e in served.entries
    ]
    assert mine[0].title.startswith("Retraction: shotspotter version 11 (retraction)")


def test_warc_has_a_record_per_version_at_the_story_url_dated_when_reported(
    tmp_path: Path,
) -> None:
    pytest.importorskip("warcio", reason="WARC export needs story[captures]")
    from warcio.archiveiterator import ArchiveIterator

    cli = filled(tmp_path, "America/Chicago")
    path = tmp_path / "council.warc.gz"
    cli.ok("export", "council", "--format", "warc", "-o", str(path))

    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            body = record.content_stream().read().decode()
            assert record.digest_checker.passed is not False
            records.append((record.rec_type, record.rec_headers, body))

    assert [r[0] for r in records] == ["warcinfo"] + ["response"] * 7
    log = cli.json("log", "council")
    for (_, headers, body), entry in zip(records[1:], log, strict=True):
        assert headers.get_header("WARC-Target-URI") == "http://localhost:8000/stories/council"
        reported = entry["reported_at"]  # a datetime with offset, in this story
        from datetime import UTC, datetime

        moment = datetime.fromisoformat(reported).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert headers.get_header("WARC-Date") == moment
        assert headers.get_header("WARC-Story-Update") == entry["id"]
        shown = cli.json("replay", "council", "--as-of", reported)
        for paragraph in shown["paragraphs"]:
            assert f"<p>{paragraph}</p>" in body


def test_a_plain_warc_when_the_path_ends_in_warc(tmp_path: Path) -> None:
    pytest.importorskip("warcio", reason="WARC export needs story[captures]")
    cli = filled(tmp_path)
    path = tmp_path / "council.warc"

    cli.ok("export", "council", "--format", "warc", "-o", str(path))

    assert path.read_bytes().startswith(b"WARC/1.")
    assert not list(tmp_path.glob("*.partial"))


def test_warc_to_standard_output_is_gzipped(tmp_path: Path) -> None:
    pytest.importorskip("warcio", reason="WARC export needs story[captures]")
    from warcio.archiveiterator import ArchiveIterator

    cli = filled(tmp_path)
    data = cli.raw("export", "council", "--format", "warc")

    assert data[:2] == b"\x1f\x8b"
    assert sum(1 for r in ArchiveIterator(io.BytesIO(data)) if r.rec_type == "response") == 7
