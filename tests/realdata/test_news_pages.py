"""Real article pages (../shared/data/news-pages/, read in place, never copied): each
capture gives its article, and two captures of one article give one story."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("trafilatura", reason="importing captures needs story[captures]")

from click.testing import CliRunner

from cli.main import story

PAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "news-pages"
PAIRS = [
    ("bbc_news/32271505.html", "bbc_news/32271505-2020.html"),
    ("bbc_news/32275608.html", "bbc_news/32275608-2020.html"),
    ("guardian/anger-grows-rbs-chiefs-bonus.html",
     "guardian/anger-grows-rbs-chiefs-bonus-with-explainer.html"),
    ("guardian/boris-johnson-apologises.html", "guardian/boris-johnson-apologises-2022.html"),
    ("new_york_times/show-banned-french-comedian-has-new-one.html",
     "new_york_times/show-banned-french-comedian-has-new-one-2018.html"),
    ("washingtonpost/beto-orourke-quits.html", "washingtonpost/beto-orourke-quits-2024.html"),
    ("washingtonpost/sgt-bowe-bergdahls-capture-remains-amystery.html",
     "washingtonpost/sgt-bowe-bergdahls-capture-remains-amystery-2018.html"),
    ("washingtonpost/will-a-bust-follow-the-boom-in-britain.html",
     "washingtonpost/will-a-bust-follow-the-boom-in-britain-2018.html"),
]  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PAGES.is_dir(), reason=f"the real pages are not at {PAGES}"),
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


@pytest.mark.parametrize(("earlier", "later"), PAIRS)
def test_two_captures_of_one_article_are_one_story(
    tmp_path: Path, earlier: str, later: str
) -> None:
    _run(tmp_path / "a.db", "import", str(PAGES / earlier), str(PAGES / later))

    stories = json.loads(_run(tmp_path / "a.db", "list", "--json"))
    assert len(stories) == 1, [s["slug"] for s in stories]
    assert 1 <= stories[0]["updates"] <= 2
