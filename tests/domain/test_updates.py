from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.updates import MISSING, Update


def report(**fields: object) -> Update:
    values: dict[str, object] = {"text": "The city has not commented."}
    values.update(fields)
    return Update.draft("shotspotter", "report", "2024-02-16", "alice", **values)


def test_the_id_depends_on_content_not_on_who_recorded_it() -> None:
    assert (
        report().id
        == Update.draft(
            "shotspotter", "report", "2024-02-16", "bob", text="The city has not commented."
        ).id
    )
    assert len(report().id) == 12


def test_any_change_of_content_changes_the_id() -> None:
    base = report().id
    assert report(text="The city has commented.").id != base
    assert report(headline="New").id != base
    assert report(source="https://abc7chicago.com/a").id != base
    assert (
        Update.draft(
            "other-story", "report", "2024-02-16", "a", text="The city has not commented."
        ).id
        != base
    )


def test_text_keeps_each_paragraphs_indentation_and_inner_lines() -> None:
    update = report(text="Run:\n\n    find . | xargs grep foo\n    cat file\n")
    assert update.paragraphs == ("Run:", "    find . | xargs grep foo\n    cat file")
    assert update.text == "Run:\n\n    find . | xargs grep foo\n    cat file"


def test_text_keeps_spaces_at_either_end_of_a_line() -> None:
    update = report(text="  First line.  \n\n Second.  ")
    assert update.paragraphs == ("  First line.  ", " Second.  ")
    assert update.id != report(text="First line.\n\nSecond.").id


def test_only_line_endings_blank_lines_and_the_final_newline_are_normalised() -> None:
    given = "\n \nFirst line.\r\nsame paragraph.\r\n\r\n\t\r\n\n  Second.\rthird line\n\n \n"
    update = report(text=given)
    assert update.paragraphs == ("First line.\nsame paragraph.", "  Second.\nthird line")
    assert update.id == report(text="First line.\nsame paragraph.\n\n  Second.\nthird line").id


def test_a_fact_value_of_null_is_kept_as_a_removal() -> None:
    fact = Update.draft("s", "fact", "2024-02-16", "a", key="contract.status", value=None)
    assert fact.value is None
    assert fact.summary() == "contract.status removed"


def test_a_fact_without_value_is_refused() -> None:
    with pytest.raises(InvalidInput, match="a fact update needs value"):
        Update.draft("s", "fact", "2024-02-16", "a", key="contract.status", value=MISSING)


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("report", {}, "a report update needs text"),
        ("report", {"text": "   "}, "a report update needs text"),
        ("statement", {"text": "We stand ready."}, "needs party"),
        ("correction", {"text": "x", "note": "typo"}, "needs target"),
        ("retraction", {"target": "abc"}, "needs note"),
        ("report", {"text": "x", "party": "City"}, "party does not apply to a report update"),
        ("fact", {"key": "bad key", "value": 1}, "fact key 'bad key' is not valid"),
        ("gossip", {"text": "x"}, "kind 'gossip' is unknown"),
    ],
)
def test_incomplete_or_misfit_updates_are_refused(
    kind: str, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        Update.draft("s", kind, "2024-02-16", "a", **fields)


@pytest.mark.parametrize("slug", ["Bad Slug", "-lead", "trail-", "", "a" * 101, "ünï"])
def test_slugs_are_lower_case_words_with_hyphens(slug: str) -> None:
    with pytest.raises(InvalidInput, match="story slug"):
        report().draft(slug, "report", "2024-02-16", "a", text="x")


def test_reported_at_is_required_and_must_be_a_date() -> None:
    with pytest.raises(InvalidInput, match="reported_at is missing"):
        Update.draft("s", "report", None, "a", text="x")
    with pytest.raises(InvalidInput, match="not a real day"):
        Update.draft("s", "report", "2024-02-30", "a", text="x")


def test_source_must_be_a_web_address() -> None:
    with pytest.raises(InvalidInput, match="is not a URL"):
        report(source="abc7chicago")


def test_a_record_round_trips_through_its_stored_form() -> None:
    update = Update.draft(
        "s",
        "statement",
        "2024-02-15T21:00:00-06:00",
        "a",
        party="SoundThinking",
        text="We stand ready.",
        issued_at="2024-02-15",
        outlet="ABC7",
        source="https://x.org/1",
    )
    assert Update.from_record(update.to_record()) == update
