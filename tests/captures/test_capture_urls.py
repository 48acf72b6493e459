"""One story across several URLs: `story import` ties each capture's URLs to its story,
and a capture naming a tied URL lands in that story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trafilatura", reason="importing captures needs story[captures]")
pytest.importorskip("warcio", reason="importing captures needs story[captures]")

from capture_pages import BODY, URL, page, warc
from click.testing import CliRunner, Result

from cli.main import story

SLUG = "2024-03-council-meets-tuesday"
RENAMED = "https://news.example.org/2024/03/council-vote-delayed"
WIRE = "https://wire.example.net/stories/8812"


def _story(db: Path, *args: str) -> Result:
    runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"})
    return runner.invoke(story, ["--db", str(db), *args])


def _json(db: Path, *args: str) -> object:
    done = _story(db, *args, "--json")
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_a_captured_article_ties_its_urls_to_its_story(tmp_path: Path) -> None:
    tracked = URL + "?utm_source=rss"
    crawl = warc(tmp_path / "a.warc.gz", [("2024-03-02T16:00:00Z", page(), tracked)])

    assert _story(tmp_path / "a.db", "import", str(crawl)).exit_code == 0

    assert [(t["url"], t["story"], t["how"]) for t in _json(tmp_path / "a.db", "url", "list")] == [
        ("news.example.org/2024/03/council-meets-tuesday", SLUG, "canonical"),
    ]  # type: ignore[union-attr]
    assert _story(tmp_path / "a.db", "verify").exit_code == 0


def test_an_article_renamed_at_the_address_it_was_captured_at_stays_one_story(
    tmp_path: Path,
) -> None:
    """Fetched again at its old address, the page now names a new canonical URL: without
    the tie its story would be made from the new URL, a second story."""
    edited = [*BODY[:2], "The vote was delayed by a week."]
    renamed = page(edited, modified="2024-03-03T01:00:00-06:00").replace(URL, RENAMED)
    crawl = warc(tmp_path / "a.warc.gz", [
        ("2024-03-02T16:00:00Z", page()),
        ("2024-03-03T08:00:00Z", renamed),
    ])  # fmt: skip

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 0, done.output
    assert [s["slug"] for s in _json(tmp_path / "a.db", "list")] == [SLUG]  # type: ignore[index]
    versions = _json(tmp_path / "a.db", "log", SLUG)
    assert [v["source"] for v in versions] == [URL, RENAMED]  # type: ignore[index]
    tied = {t["url"]: t["story"] for t in _json(tmp_path / "a.db", "url", "list")}  # type: ignore[union-attr]
    assert tied == {
        "news.example.org/2024/03/council-meets-tuesday": SLUG,
        "news.example.org/2024/03/council-vote-delayed": SLUG,
    }


def test_a_later_import_of_a_capture_at_a_tied_url_goes_to_that_story(tmp_path: Path) -> None:
    first = warc(tmp_path / "a.warc.gz", [("2024-03-02T16:00:00Z", page())])
    assert _story(tmp_path / "a.db", "import", str(first)).exit_code == 0
    edited = [*BODY[:2], "The vote was delayed by a week."]
    later = warc(tmp_path / "b.warc.gz", [("2024-03-03T08:00:00Z", page(
        edited, modified="2024-03-03T01:00:00-06:00").replace(URL, RENAMED), URL)])  # fmt: skip

    done = _story(tmp_path / "a.db", "import", str(later))

    assert done.exit_code == 0, done.output
    assert len(_json(tmp_path / "a.db", "log", SLUG)) == 2  # type: ignore[arg-type]
    assert [s["slug"] for s in _json(tmp_path / "a.db", "list")] == [SLUG]  # type: ignore[index]


def test_a_syndicated_copy_tied_by_hand_lands_in_the_story(tmp_path: Path) -> None:
    original = tmp_path / "council.html"
    original.write_text(page(), encoding="utf-8")
    assert _story(tmp_path / "a.db", "import", str(original)).exit_code == 0
    tie = _story(tmp_path / "a.db", "url", "tie", SLUG, WIRE)
    assert (tie.exit_code, tie.stdout) == (0, f"Tied wire.example.net/stories/8812 to {SLUG}.\n")
    copy = tmp_path / "wire.html"
    edited = [*BODY[:2], "Opponents have asked for a delay, the wire service reports."]
    copy.write_text(page(edited, modified="2024-03-02T12:00:00-06:00").replace(URL, WIRE))

    done = _story(tmp_path / "a.db", "import", str(copy))

    assert done.exit_code == 0, done.output
    assert [v["source"] for v in _json(tmp_path / "a.db", "log", SLUG)] == [URL, WIRE]  # type: ignore[index]


def test_with_story_every_capture_goes_there_and_its_untied_urls_are_tied_to_it(
    tmp_path: Path,
) -> None:
    crawl = warc(tmp_path / "a.warc.gz", [("2024-03-02T16:00:00Z", page(), WIRE)])

    done = _story(tmp_path / "a.db", "import", "--story", "council", str(crawl))

    assert done.exit_code == 0, done.output
    tied = {t["url"]: (t["story"], t["how"]) for t in _json(tmp_path / "a.db", "url", "list")}  # type: ignore[union-attr]
    assert tied == {
        "news.example.org/2024/03/council-meets-tuesday": ("council", "canonical"),
        "wire.example.net/stories/8812": ("council", "target-uri"),
    }


def test_url_commands_say_what_to_fix_and_write_nothing(tmp_path: Path) -> None:
    original = tmp_path / "council.html"
    original.write_text(page(), encoding="utf-8")
    assert _story(tmp_path / "a.db", "import", str(original)).exit_code == 0
    before = _json(tmp_path / "a.db", "url", "list")

    for args, error in (
        (("url", "tie", SLUG, "wire.example.net/8812"),
         "Error: URL 'wire.example.net/8812' is not an http or https URL: give one such as "
         "https://example.com/news/2024/03/story"),
        (("url", "tie", "budget", WIRE),
         "Error: no story 'budget' in this archive: see `story list`"),
        (("url", "tie", "Bad Slug", WIRE), "Error: story slug 'Bad Slug' is not valid: use "
         "lower-case letters, digits and hyphens, e.g. chicago-shotspotter"),
        (("url", "untie", WIRE), "Error: URL wire.example.net/stories/8812 is tied to no story: "
         "see `story url list`"),
        (("url", "list", "budget"), "Error: no story 'budget' in this archive: see `story list`"),
    ):  # fmt: skip
        done = _story(tmp_path / "a.db", *args)
        assert (done.exit_code, done.stderr, done.stdout) == (1, error + "\n", ""), args
    assert _json(tmp_path / "a.db", "url", "list") == before


def test_a_url_that_redirects_to_the_article_in_the_warc_is_tied_to_its_story(
    tmp_path: Path,
) -> None:
    from capture_pages import _record
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    short = "https://news.example.org/p/12345"
    crawl = tmp_path / "a.warc"
    with crawl.open("wb") as out:
        writer = WARCWriter(out, gzip=False)
        moved = StatusAndHeaders("301 Moved Permanently", [("Location", "/2024/03/council-"
                                 "meets-tuesday")], protocol="HTTP/1.1")  # fmt: skip
        writer.write_record(writer.create_warc_record(
            short, "response", http_headers=moved,
            warc_headers_dict={"WARC-Date": "2024-03-02T15:59:59Z"},
        ))  # fmt: skip
        _record(writer, URL, "text/html; charset=utf-8", page().encode(), "2024-03-02T16:00:00Z")

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 0, done.output
    tied = {t["url"]: (t["story"], t["how"]) for t in _json(tmp_path / "a.db", "url", "list")}  # type: ignore[union-attr]
    assert tied["news.example.org/p/12345"] == (SLUG, "redirect")
    edited = [*BODY[:2], "The vote was delayed by a week."]
    later = warc(tmp_path / "b.warc.gz", [("2024-03-03T08:00:00Z", page(
        edited, modified="2024-03-03T01:00:00-06:00").replace(URL, RENAMED), short)])  # fmt: skip
    assert _story(tmp_path / "a.db", "import", str(later)).exit_code == 0
    assert [s["slug"] for s in _json(tmp_path / "a.db", "list")] == [SLUG]  # type: ignore[index]
