"""URLs tied to stories (domain.urls): normalised, tied and untied as events in the
archive chain, listed, verified and rebuilt, on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import InvalidInput, UnknownStory
from domain.updates import Update
from domain.urls import normalise

BY = "tester"
URL = "https://www.example.org/news/2024/03/council-vote/"


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://www.example.org/news/a/", "example.org/news/a"),
        ("http://EXAMPLE.org/news/a#comments", "example.org/news/a"),
        ("https://example.org/news/a?utm_source=x&utm_medium=y&id=7&fbclid=z",
         "example.org/news/a?id=7"),
        ("https://example.org:8443/a", "example.org:8443/a"),
        ("https://example.org:443/a", "example.org/a"),
        ("https://example.org", "example.org"),
    ],
)  # fmt: skip
def test_a_url_is_compared_without_scheme_www_fragment_trailing_slash_or_tracking(
    given: str, normal: str
) -> None:
    assert normalise(given) == normal


@pytest.mark.parametrize("given", ["ftp://example.org/a", "example.org/a", "https://", "http://[x"])
def test_a_url_that_is_not_http_is_one_line_saying_what_to_give(given: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not an http or https URL: give one such as"):
        normalise(given)


def _story(app: Any, slug: str = "council-vote") -> None:
    app.append(Update.draft(slug, "report", "2024-03-01", BY, text="The council voted."))


def test_a_tie_is_listed_verified_and_a_link_of_the_archive_chain(app: Any) -> None:
    _story(app)
    links = app.verify().links

    tie, new = app.tie(URL, "council-vote", BY)

    assert new
    assert (tie.url, tie.story, tie.how, tie.by) == (
        "example.org/news/2024/03/council-vote", "council-vote", "by hand", BY,
    )  # fmt: skip
    assert app.ties("council-vote") == [tie]
    assert app.index.tied(["example.org/news/2024/03/council-vote"]) == {tie.url: "council-vote"}
    result = app.verify()
    assert result.ok, result.findings
    assert (result.links, result.ties) == (links + 1, 1)
    assert app.index.chain_rows()[-1].update_id == tie.link


def test_tying_again_to_the_same_story_records_nothing(app: Any) -> None:
    _story(app)
    first, _ = app.tie(URL, "council-vote", BY)

    again, new = app.tie("http://example.org/news/2024/03/council-vote", "council-vote", BY)

    assert (again, new) == (first, False)
    assert app.verify().ties == 1


def test_a_url_tied_to_another_story_is_an_error_naming_it_and_nothing_is_recorded(
    app: Any,
) -> None:
    _story(app)
    _story(app, "budget")
    app.tie(URL, "council-vote", BY)
    links = app.verify().links

    with pytest.raises(InvalidInput) as refused:
        app.tie(URL, "budget", BY)

    assert str(refused.value) == (
        "URL example.org/news/2024/03/council-vote is tied to story 'council-vote': untie "
        "it first (story url untie example.org/news/2024/03/council-vote)"
    )
    assert app.verify().links == links


def test_untying_keeps_the_tie_in_history_and_lets_the_url_be_tied_again(app: Any) -> None:
    _story(app)
    _story(app, "budget")
    app.tie(URL, "council-vote", BY)

    untied = app.untie(URL, BY)
    assert untied.story is None
    assert app.ties() == []
    retied, _ = app.tie(URL, "budget", BY)

    assert app.ties() == [retied]
    result = app.verify()
    assert result.ok, result.findings
    assert result.ties == 3


def test_untying_a_url_tied_to_nothing_and_tying_to_an_unknown_story_are_errors(
    app: Any,
) -> None:
    _story(app)
    with pytest.raises(InvalidInput, match=r"^URL example.org/x is tied to no story"):
        app.untie("https://example.org/x", BY)
    with pytest.raises(UnknownStory, match=r"^no story 'budget' in this archive"):
        app.tie(URL, "budget", BY)
    assert app.verify().ties == 0


def test_rebuild_derives_the_ties_again_from_their_events(app: Any) -> None:
    _story(app)
    _story(app, "budget")
    app.tie(URL, "council-vote", BY)
    app.tie("https://example.org/budget", "budget", BY)
    app.untie("https://example.org/budget", BY)
    before = app.ties()

    app.rebuild()

    assert app.ties() == before
    assert app.verify().ok


def test_the_clock_never_goes_back_after_a_tie(app: Any) -> None:
    _story(app)
    tie, _ = app.tie(URL, "council-vote", BY)

    appended = app.append(Update.draft("council-vote", "report", "2024-03-02", BY, text="Later."))

    assert appended.update.recorded_at >= tie.recorded_at
    assert app.verify().ok


def test_thousands_of_urls_are_looked_up_at_once(app: Any) -> None:
    """A crawl names a URL or more per capture: the lookup takes any number."""
    _story(app)
    tie, _ = app.tie(URL, "council-vote", BY)
    asked = [f"example.org/other/{n}" for n in range(70_000)] + [tie.url]  # PostgreSQL: 65,535

    assert app.index.tied(asked) == {tie.url: "council-vote"}
