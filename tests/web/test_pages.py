"""The HTML pages: what a reader sees of the story list, a story, a diff, blame, an update."""

from __future__ import annotations

import re

from starlette.testclient import TestClient
from web_helpers import IDS, edited_story, text_of


def test_the_story_list_shows_each_story_with_its_headline_now_and_counts(
    client: TestClient,
) -> None:
    page = client.get("/")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "1 story" in text
    assert "Chicago ShotSpotter technology will not be turned off Friday night" in text
    assert "continue: sources 9 2024-02-12 2024-02-16 ABC7 Chicago" in text


def test_the_search_box_finds_stories_by_text_and_says_when_nothing_matches(
    client: TestClient,
) -> None:
    found = text_of(client.get("/", params={"q": "acoustic GUNSHOT"}).text)
    missing = text_of(client.get("/", params={"q": "zebra crossing"}).text)

    assert "1 story" in found
    assert "sources 9 2024-02-12" in found
    assert "No story mentions “zebra crossing”" in missing


def test_a_story_page_shows_the_latest_text_statements_facts_and_every_version(
    client: TestClient,
) -> None:
    page = client.get("/stories/shotspotter")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "SoundThinking released a statement Thursday night that said:" in text
    assert "SoundThinking, issued 2024-02-15" in text
    assert 'negotiations.status "continuing"' in text
    assert [f"v{n}" for n in range(1, 10)] == re.findall(
        r'class="v" href="[^"]+">(v\d+)<', page.text
    )
    assert 'class="fact current' in page.text  # version 9 is the one shown


def test_the_as_of_view_shows_the_story_then_and_greys_out_later_versions(
    client: TestClient,
) -> None:
    page = client.get("/stories/shotspotter", params={"as_of": "2024-02-13"})

    text = text_of(page.text)
    assert page.status_code == 200
    assert "As of 2024-02-13 : version 3 of 9" in text
    assert "Mayor Johnson announces a ShotSpotter decommission plan" in text
    assert "SoundThinking released a statement" not in text
    assert page.text.count(" later") == 6


def test_before_the_first_update_the_as_of_view_says_no_version_yet_never_a_later_one(
    client: TestClient,
) -> None:
    page = client.get("/stories/shotspotter", params={"as_of": "2024-02-11"})

    assert page.status_code == 404
    text = text_of(page.text)
    assert (
        "No version yet as of 2024-02-11: the story's first update was reported 2024-02-12" in text
    )
    assert "decommission" not in text.split("Timeline")[0]


def test_a_diff_shows_both_versions_side_by_side_with_the_changed_words_marked(
    client: TestClient,
) -> None:
    page = client.get("/stories/shotspotter/diff", params={"from": IDS[1], "to": IDS[6]})

    assert page.status_code == 200
    assert '<table class="side-by-side">' in page.text
    assert (
        "<ins>CHICAGO (WLS) -- Chicago ShotSpotter technology will not be turned off" in page.text
    )
    text = text_of(page.text)
    assert "headline changed Mayor Johnson announces a ShotSpotter decommission plan" in text
    assert "facts.soundthinking.minimum_extension_months added 12" in text
    assert "statements.3505fe888773 added SoundThinking: ShotSpotter has been deployed" in text


def test_an_edited_paragraph_is_one_row_with_the_deleted_and_inserted_words_marked(
    client: TestClient, web_db: str
) -> None:
    old, new = edited_story(web_db)

    page = client.get("/stories/council-vote/diff", params={"from": old, "to": new})

    row = re.search(
        r'<tr class="changed"><td class="old">(.*?)</td><td class="new">(.*?)</td>', page.text
    )
    assert row is not None
    assert row.group(1) == "The council voted <del>7</del> to 3 on Tuesday."
    assert row.group(2) == "The council voted <ins>8</ins> to 3 on Tuesday."


def test_the_inline_diff_with_changes_only_leaves_out_the_unchanged_paragraphs(
    client: TestClient,
) -> None:
    every = client.get(
        "/stories/shotspotter/diff", params={"from": IDS[1], "to": IDS[6], "view": "inline"}
    )
    changed = client.get(
        "/stories/shotspotter/diff",
        params={"from": IDS[1], "to": IDS[6], "view": "inline", "changes_only": "1"},
    )

    assert '<div class="inline-diff">' in every.text
    assert '<p class="same">' in every.text
    assert '<p class="same">' not in changed.text
    assert '<p class="gap">' in changed.text
    assert "<ins>" in changed.text


def test_a_diff_of_a_fact_only_change_says_the_text_did_not_change(client: TestClient) -> None:
    page = client.get("/stories/shotspotter/diff")  # the latest version against the one before

    text = text_of(page.text)
    assert "Version 8 ( 2ff7f8292fca ) → version 9 ( c1ac78d23477 )" in text
    assert 'facts.negotiations.status added "continuing"' in text
    assert "The text did not change." in text


def test_blame_links_each_sentence_to_the_update_that_brought_it(client: TestClient) -> None:
    page = client.get("/stories/shotspotter/blame")

    assert page.status_code == 200
    sentence = re.search(
        r'<a class="blamed u(\d)" data-update="(\w+)" href="([^"]+)"[^>]*>'
        r"Ending ShotSpotter was one of Mayor Johnson's campaign promises.</a>",
        page.text.replace("&#39;", "'"),
    )
    assert sentence is not None
    assert sentence.group(2) == "5af00ae05320"
    assert sentence.group(3) == "/stories/shotspotter/updates/5af00ae05320"
    assert "ABC7 Chicago" in text_of(page.text)


def test_the_update_page_shows_its_fields_digest_and_place_in_the_chain(
    client: TestClient,
) -> None:
    page = client.get(f"/stories/shotspotter/updates/{IDS[3]}")

    text = text_of(page.text)
    assert page.status_code == 200
    assert "statement · version 4" in text
    assert "Party SoundThinking" in text
    assert "Issued 2024-02-15" in text
    assert re.search(r"Digest [0-9a-f]{64}", text)
    assert f"link 4 (recorded order); follows {IDS[2]}" in text


def test_trace_shows_when_a_phrase_appeared_and_how_its_count_changed(client: TestClient) -> None:
    page = client.get("/stories/shotspotter/trace", params={"phrase": "decommission plan"})

    text = text_of(page.text)
    assert "appeared version 2 · 2024-02-12 · 5af00ae05320 report · 0 → 1 occurrence" in text
    assert "more version 4" in text
    assert "fewer version 5" in text
    assert "Now: 1 occurrence" in text


def test_unknown_stories_updates_and_pages_are_404_with_one_line_that_says_what_to_do(
    client: TestClient,
) -> None:
    story = client.get("/stories/nope")
    update = client.get("/stories/shotspotter/updates/000000000000")
    nothing = client.get("/no/such/page")

    assert story.status_code == update.status_code == nothing.status_code == 404
    assert "no story &#39;nope&#39; in this archive: see `story list`" in story.text
    assert "no update &#39;000000000000&#39; in story &#39;shotspotter&#39;" in update.text
    assert "no page at /no/such/page" in nothing.text


def test_bad_input_is_400_with_the_cli_s_message(client: TestClient) -> None:
    bad_date = client.get("/stories/shotspotter", params={"as_of": "2024-02-30"})
    bad_slug = client.get("/stories/Not_A_Slug")

    assert (bad_date.status_code, bad_slug.status_code) == (400, 400)
    assert "as_of &#39;2024-02-30&#39; is not a real day: check the month and day" in bad_date.text
    assert "story slug &#39;Not_A_Slug&#39; is not valid" in bad_slug.text


def test_the_stylesheet_is_served(client: TestClient) -> None:
    css = client.get("/static/story.css")

    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_a_story_page_and_the_api_name_the_urls_tied_to_it(client: TestClient, web_db: str) -> None:
    from storage.archive import open_archive

    archive = open_archive(web_db, "UTC", create=False)
    try:
        archive.tie("https://www.wbez.org/2024/02/16/shotspotter/", "shotspotter", "tester")
    finally:
        archive.close()

    page = client.get("/stories/shotspotter")
    api = client.get("/api/stories/shotspotter/urls")

    assert "<code>wbez.org/2024/02/16/shotspotter</code>" in page.text
    assert [(t["url"], t["how"], t["by"]) for t in api.json()] == [
        ("wbez.org/2024/02/16/shotspotter", "by hand", "tester")
    ]
    assert client.get("/api/stories/nope/urls").status_code == 404
