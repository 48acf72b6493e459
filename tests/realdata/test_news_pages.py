"""Real article pages (../shared/data/news-pages/, read in place, never copied): each
capture gives its article, and two captures of one article give one story."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

pytest.importorskip("trafilatura", reason="importing captures needs story[captures]")

from click.testing import CliRunner

from cli.main import story

# STORY_NEWS_PAGES names the folder; else it is looked for beside the repository.
PAGES = Path(
    os.environ.get("STORY_NEWS_PAGES")
    or Path(__file__).resolve().parents[3] / "shared" / "data" / "news-pages"
)
# (earlier, later, versions, a phrase only the later version's text has, or None). One
# version: the later capture's article is the earlier's, around it a redesigned site.
PAIRS = [
    # BBC updated both stories: Clinton's declaration, and the tax plan without its box.
    ("bbc_news/32271505.html", "bbc_news/32271505-2020.html", 2, None),
    ("bbc_news/32275608.html", "bbc_news/32275608-2020.html", 2,
     "has formally entered the 2016 race"),
    ("guardian/anger-grows-rbs-chiefs-bonus.html",
     "guardian/anger-grows-rbs-chiefs-bonus-with-explainer.html", 1, None),
    ("guardian/boris-johnson-apologises.html", "guardian/boris-johnson-apologises-2022.html", 1,
     None),
    ("new_york_times/show-banned-french-comedian-has-new-one.html",
     "new_york_times/show-banned-french-comedian-has-new-one-2018.html", 1, None),
    # The earlier page holds the first paragraph in a "teaser" block trafilatura leaves
    # out, so the later capture adds it: a version the extractor makes, not the Post.
    ("washingtonpost/beto-orourke-quits.html", "washingtonpost/beto-orourke-quits-2024.html", 2,
     "literally came bounding into the presidential race"),
    ("washingtonpost/sgt-bowe-bergdahls-capture-remains-amystery.html",
     "washingtonpost/sgt-bowe-bergdahls-capture-remains-amystery-2018.html", 2, None),
    ("washingtonpost/will-a-bust-follow-the-boom-in-britain.html",
     "washingtonpost/will-a-bust-follow-the-boom-in-britain-2018.html", 2,
     "LONDON — For decades, the modest two-bedroom apartment"),
]  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not PAGES.is_dir(), reason=f"the real pages are not at {PAGES} (set STORY_NEWS_PAGES)"
    ),
]


def _run(db: Path, *args: str) -> str:
    runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester"})
    done = runner.invoke(story, [args[0], "--db", str(db), *args[1:]])
    assert done.exit_code == 0, done.output
    return done.stdout


@pytest.mark.parametrize("name", sorted(str(p.relative_to(PAGES)) for p in PAGES.glob("*/*.html")))
def test_every_page_gives_a_headline_and_an_article(tmp_path: Path, name: str) -> None:
    _run(tmp_path / "a.db", "import", "--story", "page", str(PAGES / name))

    (update,) = json.loads(_run(tmp_path / "a.db", "log", "page", "--json"))
    assert update["headline"]
    assert len(update["text"]) >= 200
    assert update["source"] is None or update["source"].startswith("http")


@pytest.mark.parametrize(("earlier", "later", "versions", "added"), PAIRS)
def test_two_captures_of_one_article_are_one_story_with_a_version_per_real_change(
    tmp_path: Path, earlier: str, later: str, versions: int, added: str | None
) -> None:
    _run(tmp_path / "a.db", "import", str(PAGES / earlier), str(PAGES / later))

    stories = json.loads(_run(tmp_path / "a.db", "list", "--json"))
    assert len(stories) == 1, [s["slug"] for s in stories]
    assert stories[0]["updates"] == versions
    if added is not None:
        diff = _run(tmp_path / "a.db", "diff", stories[0]["slug"])
        assert any(line.startswith("+") and added in line for line in diff.splitlines())


@pytest.mark.parametrize(("earlier", "later", "versions", "added"), PAIRS)
def test_a_crawl_of_both_captures_gives_the_same_story_as_the_pages(
    tmp_path: Path, earlier: str, later: str, versions: int, added: str | None
) -> None:
    """Both captures at one URL in a WARC, with an image and robots.txt, as a crawler
    writes them: the same versions, each carrying its capture time."""
    pytest.importorskip("warcio", reason="reading WARC files needs story[captures]")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def _record(writer: WARCWriter, url: str, kind: str, body: bytes, date: str) -> None:
        headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=headers,
            warc_headers_dict={"WARC-Date": date},
        ))  # fmt: skip

    url = "https://news.example.org/article"
    crawl = tmp_path / "crawl.warc.gz"
    with crawl.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        _record(writer, "https://news.example.org/robots.txt", "text/plain",
                b"User-agent: *\n", "2024-01-01T00:00:00Z")  # fmt: skip
        _record(writer, "https://news.example.org/logo.png", "image/png",
                b"\x89PNG\r\n\x1a\n" + bytes(32), "2024-01-01T00:00:01Z")  # fmt: skip
        for n, name in enumerate((earlier, later)):
            _record(writer, url, "text/html", (PAGES / name).read_bytes(),
                    f"2024-01-0{n + 2}T00:00:00Z")  # fmt: skip
    _run(tmp_path / "pages.db", "import", str(PAGES / earlier), str(PAGES / later))

    done = json.loads(_run(tmp_path / "warc.db", "import", str(crawl), "--json"))

    assert done["files"][0]["skipped"] == 2
    (story,) = json.loads(_run(tmp_path / "warc.db", "list", "--json"))
    (from_pages,) = json.loads(_run(tmp_path / "pages.db", "list", "--json"))
    assert story["updates"] == from_pages["updates"] == versions
    texts = [
        [(u["headline"], u["text"]) for u in json.loads(_run(db, "log", s["slug"], "--json"))]
        for db, s in ((tmp_path / "warc.db", story), (tmp_path / "pages.db", from_pages))
    ]
    assert texts[0] == texts[1]
    logged = json.loads(_run(tmp_path / "warc.db", "log", story["slug"], "--json"))
    assert all(u["captured_at"].startswith("2024-01-0") for u in logged)


def test_a_crawl_of_every_page_gives_one_story_per_article_and_a_version_per_change(
    tmp_path: Path,
) -> None:
    """All 62 pages in one WARC, each at an address of its own (the two captures of an
    article at two addresses): 54 articles, and the 8 captured twice get the versions
    PAIRS names."""
    pytest.importorskip("warcio", reason="reading WARC files needs story[captures]")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    crawl = tmp_path / "crawl.warc.gz"
    pages = sorted(PAGES.glob("*/*.html"))
    with crawl.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n, page in enumerate(pages):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                       protocol="HTTP/1.1")  # fmt: skip
            writer.write_record(writer.create_warc_record(
                f"https://crawl.example/{page.parent.name}/{page.name}", "response",
                payload=io.BytesIO(page.read_bytes()), http_headers=headers,
                warc_headers_dict={"WARC-Date": f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}Z"},
            ))  # fmt: skip

    _run(tmp_path / "a.db", "import", str(crawl))

    stories = json.loads(_run(tmp_path / "a.db", "list", "--json"))
    assert len(pages) - len(PAIRS) == len(stories) == 54
    assert sum(s["updates"] for s in stories) == len(stories) + sum(v - 1 for *_, v, _ in PAIRS)
    _run(tmp_path / "a.db", "verify")
