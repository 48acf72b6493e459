"""`story import` of saved pages and WARC files: a revision per real change of the article."""

from __future__ import annotations

import io
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
    assert update["dated_by"] == "page"
    assert "captured_at" not in update  # a saved page says nothing of when it was saved


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
    assert [(v["captured_at"], v["dated_by"]) for v in versions] == [
        ("2024-03-02T16:00:00.000000+00:00", "page"), ("2024-03-03T08:00:00.000000+00:00", "page"),
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
    (update,) = _log(tmp_path / "a.db")
    assert update["reported_at"] == "2024-03-05T07:08:09+00:00"
    assert (update["captured_at"], update["dated_by"]) == (
        "2024-03-05T07:08:09.000000+00:00", "capture",
    )  # fmt: skip


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
        f"{tmp_path / 'pages' / 'b.warc.gz'}: 0 new, 0 already present, 1 capture with the "
        "article unchanged, 2 records skipped (no article page)",
        "Imported 1 new update (0 already present) from 2 files",
    ]


def test_a_capture_of_an_article_the_archive_already_holds_unchanged_is_no_new_version(
    tmp_path: Path,
) -> None:
    first = tmp_path / "monday.html"
    first.write_text(page(), encoding="utf-8")
    assert _story(tmp_path / "a.db", "import", str(first)).exit_code == 0
    later = page(modified="2024-03-03T12:00:00-06:00", aside="Most read: the weekend's games")
    crawl = warc(tmp_path / "week.warc.gz", [("2024-03-04T08:00:00Z", later)])

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0] == (
        f"{crawl}: 0 new, 0 already present, 1 capture with the article unchanged, "
        "2 records skipped (no article page)"
    )
    assert len(_log(tmp_path / "a.db")) == 1


def test_importing_the_same_captures_again_finds_them_already_present(tmp_path: Path) -> None:
    edited = [*BODY[:2], BODY[2] + " The study is due in May."]
    crawl = warc(tmp_path / "crawl.warc.gz", [
        ("2024-03-02T16:00:00Z", page()),
        ("2024-03-03T08:00:00Z", page(edited, modified="2024-03-03T01:00:00-06:00")),
    ])  # fmt: skip
    assert _story(tmp_path / "a.db", "import", str(crawl)).exit_code == 0

    again = _story(tmp_path / "a.db", "import", "--json", str(crawl))

    assert again.exit_code == 0, again.output
    (file,) = json.loads(again.stdout)["files"]
    assert (len(file["new"]), len(file["already_present"])) == (0, 2)
    assert (file["unchanged"], file["skipped"]) == (0, 2)


def test_an_article_changed_back_is_a_new_version_after_the_change(tmp_path: Path) -> None:
    edited = [*BODY[:2], "Opponents have dropped their objections."]
    crawl = warc(tmp_path / "first.warc.gz", [
        ("2024-03-02T16:00:00Z", page()),
        ("2024-03-03T08:00:00Z", page(edited, modified="2024-03-03T01:00:00-06:00")),
    ])  # fmt: skip
    assert _story(tmp_path / "a.db", "import", str(crawl)).exit_code == 0
    reverted = warc(tmp_path / "later.warc.gz", [
        ("2024-03-05T08:00:00Z", page(modified="2024-03-04T09:00:00-06:00")),
    ])  # fmt: skip

    done = _story(tmp_path / "a.db", "import", str(reverted))

    assert done.exit_code == 0, done.output
    assert [v["reported_at"] for v in _log(tmp_path / "a.db")] == [
        "2024-03-02T09:30:00-06:00", "2024-03-03T01:00:00-06:00", "2024-03-04T09:00:00-06:00",
    ]  # fmt: skip


def test_a_resource_record_holding_a_page_is_a_capture(tmp_path: Path) -> None:
    from warcio.warcwriter import WARCWriter

    crawl = tmp_path / "saved.warc"
    with crawl.open("wb") as out:
        writer = WARCWriter(out, gzip=False)
        writer.write_record(writer.create_warc_record(
            URL, "resource", payload=io.BytesIO(page().encode()),
            warc_content_type="text/html; charset=utf-8",
            warc_headers_dict={"WARC-Date": "2024-03-02T16:00:00Z"},
        ))  # fmt: skip

    done = _story(tmp_path / "a.db", "import", str(crawl))

    assert done.exit_code == 0, done.output
    assert _log(tmp_path / "a.db")[0]["headline"] == "Council meets on Tuesday"


def test_reading_a_warc_reports_progress_by_its_bytes(tmp_path: Path) -> None:
    from domain import captures

    crawl = warc(tmp_path / "crawl.warc.gz", [("2024-03-02T16:00:00Z", page())] * 3)
    steps: list[int] = []

    found = captures.scan(crawl, None, "tester", steps.append)

    assert sum(steps) == crawl.stat().st_size
    assert len([step for step in steps if step]) == 5  # robots.txt, the image, three captures
    assert (found.updates, found.skipped) == (3, 2)


@pytest.mark.slow
def test_a_large_warc_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """A WARC of 120 captures of 200 kB pages (about 24 MB of HTML): the scan holds one
    record at a time and spools the revisions, so Python's peak is a small part of it."""
    import tracemalloc

    from domain import captures

    padding = "<!-- " + "x" * 200_000 + " -->"
    pages = [
        (f"2024-03-{2 + n // 24:02d}T{n % 24:02d}:00:00Z",
         page([*BODY, f"Update number {n}."], modified=None).replace("<nav>", padding + "<nav>"))
        for n in range(120)
    ]  # fmt: skip
    crawl = warc(tmp_path / "big.warc", pages)
    captures.scan(warc(tmp_path / "small.warc", pages[:1]), "council", "tester")  # imports
    tracemalloc.start()
    try:
        found = captures.scan(crawl, "council", "tester")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert found.updates == 120
    assert crawl.stat().st_size > 24_000_000
    assert peak < crawl.stat().st_size / 8, f"peak {peak:,} bytes"
