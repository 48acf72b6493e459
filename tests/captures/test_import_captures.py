"""`story import` of saved pages and WARC files: a revision per real change of the article."""

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


def _story(db: Path, *args: str) -> Result:
    runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"})
    return runner.invoke(story, [args[0], "--db", str(db), *args[1:]])


def _log(db: Path, slug: str = SLUG) -> list[dict[str, object]]:
    done = _story(db, "log", slug, "--json")
    assert done.exit_code == 0, done.output
    logged: list[dict[str, object]] = json.loads(done.stdout)
    return logged


def test_a_saved_page_becomes_a_revision_dated_by_the_page_with_its_time_and_zone(
    tmp_path: Path,
) -> None:
    saved = tmp_path / "council.html"
    saved.write_text(page(), encoding="utf-8")

    done = _story(tmp_path / "a.db", "import", str(saved))

    assert done.exit_code == 0, done.output
    (update,) = _log(tmp_path / "a.db")
    assert update["kind"] == "revision"
    assert update["reported_at"] == "2024-03-02T09:30:00-06:00"  # dateModified
    assert update["headline"] == "Council meets on Tuesday"
    assert update["outlet"] == "Example News"
    assert update["source"] == URL
    assert update["text"] == "\n\n".join(BODY)  # no navigation, aside or footer


def test_the_page_around_an_unchanged_article_makes_no_new_version(tmp_path: Path) -> None:
    first = tmp_path / "a.html"
    first.write_text(page(), encoding="utf-8")
    later = tmp_path / "b.html"
    later.write_text(page(modified="2024-03-02T11:00:00-06:00", aside="Most read: a new list"))

    done = _story(tmp_path / "a.db", "import", str(first), str(later))

    assert done.exit_code == 0, done.output
    assert len(_log(tmp_path / "a.db")) == 1


def test_a_warc_gives_a_version_per_real_change_and_skips_and_counts_the_rest(
    tmp_path: Path,
) -> None:
    edited = [*BODY[:2], BODY[2].replace("independent study", "independent survey")]
    crawl = warc(tmp_path / "crawl.warc.gz", [
        ("2024-03-02T16:00:00Z", page()),
        ("2024-03-02T18:00:00Z", page(aside="Most read: something else entirely")),
        ("2024-03-03T08:00:00Z", page(edited, modified="2024-03-03T01:00:00-06:00")),
    ])  # fmt: skip

    done = _story(tmp_path / "a.db", "import", "--story", "council", str(crawl))

    assert done.exit_code == 0, done.output
    versions = _log(tmp_path / "a.db", "council")
    assert [v["reported_at"] for v in versions] == [
        "2024-03-02T09:30:00-06:00", "2024-03-03T01:00:00-06:00",
    ]  # fmt: skip
    diff = _story(tmp_path / "a.db", "diff", "council", "--from", str(versions[0]["id"]))
    assert "-Opponents say" in diff.stdout
    assert "independent survey" in diff.stdout


def test_a_page_with_no_date_of_its_own_in_a_warc_is_dated_by_its_capture(
    tmp_path: Path,
) -> None:
    crawl = warc(tmp_path / "crawl.warc", [("2024-03-05T07:08:09Z", page(modified=None)
        .replace('"datePublished": "2024-03-01T18:00:00-06:00",', ""))])  # fmt: skip

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 0, done.output
    assert _log(tmp_path / "a.db")[0]["reported_at"] == "2024-03-05T07:08:09+00:00"


def test_a_truncated_warc_gz_is_one_line_with_the_record_offset_and_nothing_written(
    tmp_path: Path,
) -> None:
    crawl = warc(tmp_path / "crawl.warc.gz", [("2024-03-02T16:00:00Z", page())])
    data = crawl.read_bytes()
    crawl.write_bytes(data[: len(data) - 200])

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 1
    assert done.stderr.startswith(f"Error: {crawl} (record at offset ")
    assert "the file ends in the middle of a record" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "a.db").exists()


def test_a_page_with_no_article_is_one_line_naming_the_file(tmp_path: Path) -> None:
    saved = tmp_path / "home.html"
    saved.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")

    done = _story(tmp_path / "a.db", "import", str(saved))

    assert (done.exit_code, done.stderr) == (
        1, f"Error: {saved}: no article found in the page: is it an article page?\n",
    )  # fmt: skip


def test_a_page_whose_charset_is_wrong_is_one_line(tmp_path: Path) -> None:
    saved = tmp_path / "latin.html"
    saved.write_bytes(page(body=[p + " Café." for p in BODY]).encode("latin-1"))

    done = _story(tmp_path / "a.db", "import", str(saved))

    assert done.exit_code == 1
    assert done.stderr.startswith(f"Error: {saved}: the page declares charset utf-8, but byte 0xe9")


def test_a_folder_gives_its_pages_and_warc_files(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "a.html").write_text(page(), encoding="utf-8")
    warc(tmp_path / "pages" / "b.warc.gz", [("2024-03-02T16:00:00Z", page())])

    done = _story(tmp_path / "a.db", "import", str(tmp_path / "pages"))

    assert done.exit_code == 0, done.output
    # The WARC's capture is the page's article unchanged: no new version, nothing present.
    assert done.stdout.splitlines()[-2:] == [
        f"{tmp_path / 'pages' / 'b.warc.gz'}: 0 new, 0 already present",
        "Imported 1 new update (0 already present) from 2 files",
    ]
