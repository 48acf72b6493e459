"""Sentence-level provenance, without a database: sentences, blame, sentence diffs,
trivial updates and phrase traces, over versions folded from hand-made updates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.provenance import (
    Blame,
    SentenceChange,
    Sighting,
    blame,
    is_trivial,
    sentence_diff,
    trace,
    trivial_updates,
)
from domain.text import sentences, trivial_key
from domain.timeline import Amendment, Note, StoryVersion, state
from domain.updates import Update
from domain.updates import paragraphs as split_paragraphs

RECORDED = datetime(2026, 1, 1, tzinfo=UTC)
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter" / "timeline.jsonl"


class Desk:
    """Records updates of story "s" as the archive would, each a second after the last.

    Updates must be added in version order (reported dates never going back).
    """

    def __init__(self) -> None:
        self.updates: list[Update] = []

    def add(self, kind: str, reported_at: str, **fields: Any) -> Update:
        draft = Update.draft("s", kind, reported_at, "alice", **fields)
        update = replace(draft, recorded_at=RECORDED + timedelta(seconds=len(self.updates)))
        self.updates.append(update)
        return update

    def history(self) -> list[tuple[Update, StoryVersion]]:
        """The story after each update: state() folded over every prefix."""
        return [
            (update, state("s", self.updates[:n])) for n, update in enumerate(self.updates, start=1)
        ]

    def latest(self) -> StoryVersion:
        return state("s", self.updates)

    def blame(self, ignore_trivial: bool = False) -> Blame:
        return blame(self.history(), ignore_trivial)

    def trace(self, phrase: str, ignore_case: bool = False) -> list[Sighting]:
        return trace(self.history(), phrase, ignore_case)


def credits(result: Blame) -> list[list[tuple[str, str]]]:
    """Each paragraph's (sentence, update id) pairs."""
    return [[(b.sentence, b.update.id) for b in paragraph] for paragraph in result.paragraphs]


def sightings(found: list[Sighting]) -> list[tuple[str, int, int, int, str]]:
    return [(s.action, s.version, s.before, s.after, s.update.id) for s in found]


def example_record(update_id: str) -> dict[str, Any]:
    for line in EXAMPLE_FILE.read_text(encoding="utf-8").splitlines():
        record: dict[str, Any] = json.loads(line)
        if record["id"] == update_id:
            return record
    raise AssertionError(f"{update_id} is not in the example")


# sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("The vote is set. It passed!", ["The vote is set.", "It passed!"]),
        ("Is it over? Nobody knows.", ["Is it over?", "Nobody knows."]),
        (
            "He said no. \u201cNever,\u201d he added.",
            ["He said no.", "\u201cNever,\u201d he added."],
        ),
        ('It ended. "We are done," she said.', ["It ended.", '"We are done," she said.']),
        ("It ended in 2024. 12 people were hurt.", ["It ended in 2024.", "12 people were hurt."]),
    ],
)
def test_a_paragraph_splits_after_a_full_stop_question_or_exclamation_before_a_capital(
    paragraph: str, expected: list[str]
) -> None:
    assert sentences(paragraph) == expected


@pytest.mark.parametrize(
    "paragraph",
    [
        "Ald. Jones voted no.",
        "Mr. Smith went to the U.S. Capitol on Monday.",
        "The contract ends Feb. 16 at midnight.",
        "Sen. Dick Durbin and Mrs. Durbin met Gov. Pritzker.",
        "It was written by J. Smith of the Tribune.",
    ],
)
def test_a_paragraph_is_not_split_after_an_abbreviation_or_an_initial(paragraph: str) -> None:
    assert sentences(paragraph) == [paragraph]


def test_a_paragraph_is_not_split_after_initials_written_together() -> None:
    # Chicago's governor signs as "J.B. Pritzker": a reader sees one sentence, then another.
    assert sentences("Gov. J.B. Pritzker signed the bill. It takes effect in June.") == [
        "Gov. J.B. Pritzker signed the bill.",
        "It takes effect in June.",
    ]


def test_a_sentence_ending_in_a_single_digit_ends_there() -> None:
    assert sentences("The council voted 48 to 2. Ald. Jones objected.") == [
        "The council voted 48 to 2.",
        "Ald. Jones objected.",
    ]


def test_a_question_ending_in_a_single_letter_ends_there() -> None:
    assert sentences("Was it plan B? No, it was plan A.") == [
        "Was it plan B?",
        "No, it was plan A.",
    ]


def test_closing_quotes_stay_with_the_sentence_they_close() -> None:
    assert sentences('"It is over." Then silence. "Is it?" he asked. "Yes!" She left.') == [
        '"It is over."',
        "Then silence.",
        '"Is it?" he asked.',
        '"Yes!"',
        "She left.",
    ]
    assert sentences("He said: \u201cNo.\u201d She said: \u201cYes.\u201d") == [
        "He said: \u201cNo.\u201d",
        "She said: \u201cYes.\u201d",
    ]


def test_a_decimal_point_or_a_lower_case_word_after_a_full_stop_ends_no_sentence() -> None:
    assert sentences("It costs $5.5 million, i.e. a lot. Fine.") == [
        "It costs $5.5 million, i.e. a lot.",
        "Fine.",
    ]
    assert sentences("He left. then he came back.") == ["He left. then he came back."]


def test_line_breaks_and_runs_of_spaces_inside_a_paragraph_become_single_spaces() -> None:
    assert sentences("  One   sentence\nhere.   Two.  ") == ["One sentence here.", "Two."]
    assert sentences("") == []


def test_the_soundthinking_statement_splits_as_a_reader_would() -> None:
    text = example_record("3505fe888773")["text"]
    assert [sentences(p) for p in split_paragraphs(text)] == [
        [
            "ShotSpotter has been deployed in the City of Chicago for 7 years and has been "
            "aware of the pending contract expiration on February 16, 2024."
        ],
        [
            "Throughout much of 2023, SoundThinking attempted to engage the City of Chicago "
            "regarding an extension of the ShotSpotter service.",
            "As recently as December, 2023, a Memorandum of Understanding (MOU) was presented "
            "to the city for a 12-month extension.",
        ],
        [
            "This same MOU was recently presented to the city.",
            "This resulted in preliminary discussions regarding a concept proposed by the city "
            "of an 8-9 month extension, enabling the city to complete a formalized RFP and "
            "evaluation for acoustic gunshot detection.",
        ],
        [
            "Contrary to those discussions and without consultation with SoundThinking, on "
            "February 12, 2024, Mayor Johnson announced a decommission plan, involving an "
            "extension of ShotSpotter through September 22,2024, one month after the "
            "Democratic National Convention in Chicago."
        ],
        [
            "We believe the shared goal of an extension period must provide the best possible "
            "data and analysis to the residents of the City of Chicago through greater "
            "transparency and reporting standards.",
            "The way this is secured is through a minimum 12-month extension and modifications "
            "to the city's current data and reporting protocols.",
        ],
        [
            "SoundThinking stands ready to continue its partnership with the City of Chicago "
            "to help address the tragic plague of gun violence."
        ],
    ]


def test_the_seed_story_paragraphs_split_as_a_reader_would(seed: Path) -> None:
    by_paragraph = {p[:30]: sentences(p) for p in split_paragraphs(seed.read_text("utf-8"))}
    assert by_paragraph["CHICAGO (WLS) -- Chicago ShotS"] == [
        "CHICAGO (WLS) -- Chicago ShotSpotter technology will not be turned off Friday night "
        "as the city and company continue to negotiate, sources told ABC7."
    ]
    assert by_paragraph["The city's contract to use the"] == [
        "The city's contract to use the gunshot detection program officially ends at midnight.",
        "ABC7 was told the two sides are still negotiating over a potential extension of the "
        "program and that the technology will remain on for now.",
    ]
    assert by_paragraph['"Moving away and transitioning'] == [
        "\"Moving away and transitioning out is what I've made my commitment towards, and that "
        'commitment is still in place," Mayor Johnson said.'
    ]
    # The statement's paragraphs open with a quotation mark that a paragraph never closes.
    assert by_paragraph['"This same MOU was recently pr'] == [
        '"This same MOU was recently presented to the city.',
        "This resulted in preliminary discussions regarding a concept proposed by the city of "
        "an 8-9 month extension, enabling the city to complete a formalized RFP and evaluation "
        "for acoustic gunshot detection.",
    ]
    assert by_paragraph['"SoundThinking stands ready to'] == [
        '"SoundThinking stands ready to continue its partnership with the City of Chicago to '
        'help address the tragic plague of gun violence."'
    ]


def test_trivial_key_drops_whitespace_and_punctuation_only() -> None:
    assert trivial_key("Mayor Johnson's plan, \u201cfor now.\u201d") == "MayorJohnsonsplanfornow"
    assert trivial_key("Six months") != trivial_key("six months")


# blame


def test_a_sentence_surviving_a_revision_unchanged_keeps_its_first_update() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="The contract ends Friday. The mayor agrees.")
    revision = desk.add(
        "revision", "2024-02-13", text="The contract ends Friday. The company does not agree."
    )
    assert credits(desk.blame()) == [
        [("The contract ends Friday.", report.id), ("The company does not agree.", revision.id)]
    ]


def test_an_edited_sentence_is_credited_to_the_revision_that_edited_it() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="It ends Friday. He wants six months.")
    revision = desk.add("revision", "2024-02-13", text="It ends Friday. He wants eight months.")
    assert credits(desk.blame()) == [
        [("It ends Friday.", report.id), ("He wants eight months.", revision.id)]
    ]


def test_an_edited_sentence_is_credited_to_the_correction_that_edited_it() -> None:
    desk = Desk()
    report = desk.add(
        "report", "2024-04-01", text="A fire broke out Monday. Two people were hurt.\n\nIt spread."
    )
    correction = desk.add(
        "correction",
        "2024-04-02",
        target=report.id,
        note="Three were hurt, not two",
        text="A fire broke out Monday. Three people were hurt.\n\nIt spread.",
    )
    assert credits(desk.blame()) == [
        [("A fire broke out Monday.", report.id), ("Three people were hurt.", correction.id)],
        [("It spread.", report.id)],
    ]


def test_a_sentence_moved_to_another_paragraph_keeps_its_update() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="First point. Second point.\n\nThird point.")
    revision = desk.add(
        "revision", "2024-02-13", text="First point.\n\nNew lead. Third point. Second point."
    )
    assert credits(desk.blame()) == [
        [("First point.", report.id)],
        [("New lead.", revision.id), ("Third point.", report.id), ("Second point.", report.id)],
    ]


def test_splitting_a_paragraph_in_two_is_not_new_text() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="One thing. Another thing. A third thing.")
    desk.add("revision", "2024-02-13", text="One thing.\n\nAnother thing. A third thing.")
    assert credits(desk.blame()) == [
        [("One thing.", report.id)],
        [("Another thing.", report.id), ("A third thing.", report.id)],
    ]


def test_a_sentence_appearing_once_more_credits_only_the_new_copy_to_the_revision() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="Yes. The vote is set. Yes.")
    revision = desk.add("revision", "2024-02-13", text="Yes. The vote is set. Yes.\n\nYes.")
    assert credits(desk.blame()) == [
        [("Yes.", report.id), ("The vote is set.", report.id), ("Yes.", report.id)],
        [("Yes.", revision.id)],
    ]


def test_a_duplicate_sentence_added_by_a_revision_is_credited_to_it_where_it_stands() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="Police arrived. Nobody was hurt.")
    revision = desk.add(
        "revision", "2024-02-13", text="Nobody was hurt. Police arrived. Nobody was hurt."
    )
    # The first copy is the report's (now moved); the second is the revision's.
    assert credits(desk.blame()) == [
        [
            ("Nobody was hurt.", report.id),
            ("Police arrived.", report.id),
            ("Nobody was hurt.", revision.id),
        ]
    ]


def test_a_retracted_report_loses_its_sentences_and_a_note_stands_where_they_stood() -> None:
    desk = Desk()
    first = desk.add("report", "2024-04-01", text="A fire broke out. Crews came.")
    arrest = desk.add("report", "2024-04-02", text="Police arrested a neighbor.\n\nHe denied it.")
    last = desk.add("report", "2024-04-03", text="The building will be rebuilt.")
    retraction = desk.add(
        "retraction", "2024-04-04", target=arrest.id, note="The arrest was misreported"
    )
    assert credits(desk.blame()) == [
        [("A fire broke out.", first.id), ("Crews came.", first.id)],
        [("The building will be rebuilt.", last.id)],
    ]
    assert desk.latest().notes == (
        Note(
            1,
            Amendment(
                retraction.id, "retraction", arrest.id, "The arrest was misreported", "2024-04-04"
            ),
        ),
    )


def test_a_correction_note_stands_after_the_paragraphs_it_corrected() -> None:
    desk = Desk()
    report = desk.add("report", "2024-04-01", text="Two were hurt.\n\nIt spread.")
    desk.add("report", "2024-04-02", text="It is out.")
    correction = desk.add(
        "correction", "2024-04-03", target=report.id, note="Three", text="Three were hurt."
    )
    latest = desk.latest()
    assert latest.paragraphs == ("Three were hurt.", "It is out.")
    assert latest.notes == (
        Note(1, Amendment(correction.id, "correction", report.id, "Three", "2024-04-03")),
    )


def test_the_headline_is_credited_to_the_update_that_last_changed_it() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", headline="Mayor plans exit", text="It ends.")
    desk.add("revision", "2024-02-13", text="It ends Friday.")
    headline = desk.blame().headline
    assert headline is not None
    assert (headline.sentence, headline.update.id) == ("Mayor plans exit", report.id)
    revision = desk.add("revision", "2024-02-14", headline="Talks go on", text="It goes on.")
    headline = desk.blame().headline
    assert headline is not None
    assert (headline.sentence, headline.update.id) == ("Talks go on", revision.id)
    correction = desk.add(
        "correction",
        "2024-02-15",
        target=revision.id,
        note="Talks resumed",
        headline="Talks resume",
        text="It goes on.",
    )
    headline = desk.blame().headline
    assert headline is not None
    assert (headline.sentence, headline.update.id) == ("Talks resume", correction.id)
    assert credits(desk.blame()) == [[("It goes on.", revision.id)]]


def test_a_story_without_a_headline_has_no_headline_credit() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="It ends.")
    assert desk.blame().headline is None


def test_without_ignore_trivial_a_punctuation_edit_takes_the_credit() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="Hello, world. Bye now.")
    revision = desk.add("revision", "2024-02-13", text="Hello world. Bye now.")
    result = desk.blame()
    assert credits(result)[0][0] == ("Hello world.", revision.id)
    assert result.trivial == 0


def test_ignore_trivial_keeps_the_credit_through_a_punctuation_edit_and_counts_it() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", headline="Mayor's plan", text="Hello, world. Bye.")
    desk.add("revision", "2024-02-13", headline="Mayors plan", text="Hello world. Bye.")
    result = desk.blame(ignore_trivial=True)
    assert credits(result) == [[("Hello world.", report.id), ("Bye.", report.id)]]
    assert [b.kept_through_trivial for b in result.paragraphs[0]] == [True, False]
    assert result.trivial == 1
    assert result.headline is not None
    assert (result.headline.sentence, result.headline.update.id) == ("Mayors plan", report.id)


def test_ignore_trivial_keeps_the_credit_through_a_whitespace_only_revision() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="One thing.  Another thing.")
    desk.add("revision", "2024-02-13", text="One thing.\n\nAnother thing.")
    revision = desk.add("revision", "2024-02-14", text="One thing.\n\nAnother thing!")
    assert credits(desk.blame(ignore_trivial=True)) == [
        [("One thing.", report.id)],
        [("Another thing!", report.id)],
    ]
    assert desk.blame(ignore_trivial=True).trivial == 1
    assert credits(desk.blame()) == [[("One thing.", report.id)], [("Another thing!", revision.id)]]


def test_ignore_trivial_keeps_the_credit_when_punctuation_joins_two_sentences() -> None:
    # A period turned into a semicolon: the revision is punctuation-only (trivial_updates
    # says so), so with --ignore-trivial the text stays the report's.
    desk = Desk()
    report = desk.add("report", "2024-03-01", text="The council met Monday. Jones voted no.")
    revision = desk.add("revision", "2024-03-02", text="The council met Monday; Jones voted no.")
    assert trivial_updates(desk.history()) == {revision.id}
    assert credits(desk.blame(ignore_trivial=True)) == [
        [("The council met Monday; Jones voted no.", report.id)]
    ]


def test_text_restored_by_retracting_a_revision_is_credited_to_its_report() -> None:
    # A retraction writes no text: what reappears when a revision is withdrawn is the
    # report's own text and headline.
    desk = Desk()
    report = desk.add("report", "2024-02-12", headline="Deal near", text="One. Two. Three.")
    revision = desk.add("revision", "2024-02-13", headline="Deal off", text="One. Three.")
    desk.add("retraction", "2024-02-14", target=revision.id, note="The deal was not off")
    result = desk.blame()
    assert credits(result) == [[("One.", report.id), ("Two.", report.id), ("Three.", report.id)]]
    assert result.headline is not None
    assert result.headline.update.id == report.id


# sentence diff


def test_a_new_sentence_is_added_at_its_place() -> None:
    result = sentence_diff(["One here. Two here."], ["One here. Two here. Three here."])
    assert result.changes == (SentenceChange("added", None, "Three here.", None, (1, 3)),)
    assert result.trivial == 0


def test_a_removed_sentence_is_deleted_from_its_old_place() -> None:
    result = sentence_diff(["One here.", "Two here. Three here."], ["One here.", "Three here."])
    assert result.changes == (SentenceChange("deleted", "Two here.", None, (2, 1), None),)


def test_a_changed_word_makes_an_edited_sentence_with_its_word_changes() -> None:
    result = sentence_diff(
        ["It ends Friday. The mayor wants six months."],
        ["It ends Friday. The mayor wants eight months."],
    )
    assert result.changes == (
        SentenceChange(
            "edited",
            "The mayor wants six months.",
            "The mayor wants eight months.",
            (1, 2),
            (1, 2),
            ((" ", "The mayor wants "), ("-", "six"), ("+", "eight"), (" ", " months.")),
        ),
    )


def test_a_sentence_taken_out_of_order_is_moved() -> None:
    result = sentence_diff(
        ["Alpha one. Beta two.", "Gamma three."], ["Beta two.", "Alpha one. Gamma three."]
    )
    assert result.changes == (SentenceChange("moved", "Beta two.", "Beta two.", (1, 2), (1, 1)),)


def test_a_sentence_replaced_by_a_different_one_is_deleted_then_added() -> None:
    result = sentence_diff(
        ["Alpha beta gamma delta. Other."], ["Completely different words here. Other."]
    )
    assert [(c.action, c.old, c.new) for c in result.changes] == [
        ("deleted", "Alpha beta gamma delta.", None),
        ("added", None, "Completely different words here."),
    ]


def test_unchanged_text_has_no_sentence_changes() -> None:
    body = ["The contract ends Friday. The mayor wants six months.", "Fine."]
    result = sentence_diff(body, list(body))
    assert (result.changes, result.trivial) == ((), 0)


def test_splitting_or_joining_paragraphs_changes_no_sentence() -> None:
    assert sentence_diff(["One. Two. Three."], ["One.", "Two. Three."]).changes == ()
    assert sentence_diff(["One.", "Two. Three."], ["One. Two. Three."]).changes == ()


def test_a_punctuation_edit_is_an_edit_unless_trivial_changes_are_ignored() -> None:
    old, new = ["Hello, world. Bye now."], ["Hello world. Bye now!"]
    shown = sentence_diff(old, new)
    assert [(c.action, c.old, c.new) for c in shown.changes] == [
        ("edited", "Hello, world.", "Hello world."),
        ("edited", "Bye now.", "Bye now!"),
    ]
    assert shown.trivial == 0
    hidden = sentence_diff(old, new, ignore_trivial=True)
    assert (hidden.changes, hidden.trivial) == ((), 2)


def test_a_moved_sentence_with_a_punctuation_edit_is_moved_and_counted_when_ignored() -> None:
    result = sentence_diff(["Alpha one. Beta two."], ["Beta two! Alpha one."], ignore_trivial=True)
    assert result.changes == (SentenceChange("moved", "Beta two.", "Beta two!", (1, 2), (1, 1)),)
    assert result.trivial == 1


def test_punctuation_joining_two_sentences_is_hidden_when_trivial_changes_are_ignored() -> None:
    result = sentence_diff(
        ["The council met Monday. Jones voted no."],
        ["The council met Monday; Jones voted no."],
        ignore_trivial=True,
    )
    assert result.changes == ()
    assert result.trivial == 1


# trivial updates


def test_a_whitespace_or_punctuation_only_revision_is_trivial() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", headline="Vote set", text="One thing.  Another thing.")
    spaces = desk.add("revision", "2024-02-13", text="One thing.\n\nAnother thing.")
    stops = desk.add("revision", "2024-02-14", text="One thing; Another thing!")
    desk.add("revision", "2024-02-15", text="One new thing; Another thing!")
    history = desk.history()
    assert trivial_updates(history) == {spaces.id, stops.id}
    assert not is_trivial(None, history[0][1])
    assert is_trivial(history[0][1], history[1][1])
    assert not is_trivial(history[2][1], history[3][1])


def test_a_punctuation_only_correction_is_trivial_but_a_new_report_never_is() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="Hello, world.")
    correction = desk.add(
        "correction", "2024-02-13", target=report.id, note="comma", text="Hello world."
    )
    desk.add("report", "2024-02-14", text="...")
    assert trivial_updates(desk.history()) == {correction.id}


def test_a_headline_or_fact_change_is_not_trivial() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", headline="Vote set", text="It passed.")
    desk.add("revision", "2024-02-13", headline="Vote held", text="It passed.")
    desk.add("fact", "2024-02-14", key="votes.for", value=48)
    assert trivial_updates(desk.history()) == set()


def test_changing_a_figure_by_its_decimal_point_is_not_trivial() -> None:
    # "$5.5 million" and "$55 million" differ by one full stop, but not trivially.
    desk = Desk()
    desk.add("report", "2024-02-12", text="The contract costs $5.5 million.")
    revision = desk.add("revision", "2024-02-13", text="The contract costs $55 million.")
    assert revision.id not in trivial_updates(desk.history())


# trace


def test_trace_records_when_a_phrase_appeared_grew_shrank_and_vanished() -> None:
    desk = Desk()
    first = desk.add("report", "2024-02-12", headline="Plan out", text="The decommission plan.")
    desk.add("fact", "2024-02-12", key="k", value=1)
    more = desk.add("report", "2024-02-13", text="A second decommission plan.")
    fewer = desk.add("revision", "2024-02-14", text="The decommission plan is set.")
    gone = desk.add("revision", "2024-02-15", text="Nothing is left.")
    assert sightings(desk.trace("decommission plan")) == [
        ("appeared", 1, 0, 1, first.id),
        ("more", 3, 1, 2, more.id),
        ("fewer", 4, 2, 1, fewer.id),
        ("vanished", 5, 1, 0, gone.id),
    ]


def test_the_context_of_a_vanished_phrase_is_where_it_was() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="The decommission plan is set.")
    desk.add("revision", "2024-02-13", text="Nothing is left.")
    found = desk.trace("decommission plan")
    assert [s.context for s in found] == [
        "The decommission plan is set.",
        "The decommission plan is set.",
    ]


def test_the_context_of_more_occurrences_shows_the_new_one() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="The decommission plan is set.")
    desk.add("report", "2024-02-13", text="Aldermen fought over the decommission plan today.")
    more = desk.trace("decommission plan")[1]
    assert more.action == "more"
    assert "Aldermen fought over the decommission plan today." in more.context


def test_trace_is_case_sensitive_unless_asked_to_ignore_case() -> None:
    desk = Desk()
    report = desk.add("report", "2024-02-12", text="SoundThinking said no. Soundthinking agreed.")
    assert sightings(desk.trace("soundthinking")) == []
    assert sightings(desk.trace("Soundthinking")) == [("appeared", 1, 0, 1, report.id)]
    assert sightings(desk.trace("soundthinking", ignore_case=True)) == [
        ("appeared", 1, 0, 2, report.id)
    ]


def test_trace_reads_statements_and_spacing_in_the_phrase_does_not_matter() -> None:
    desk = Desk()
    desk.add("report", "2024-02-12", text="The contract ends.")
    statement = desk.add(
        "statement", "2024-02-13", party="SoundThinking", text="We want a 12-month\nextension."
    )
    assert sightings(desk.trace("12-month   extension")) == [("appeared", 2, 0, 1, statement.id)]


def test_a_phrase_withdrawn_by_a_retraction_vanishes_with_the_retraction() -> None:
    desk = Desk()
    desk.add("report", "2024-04-01", text="A fire broke out.")
    arrest = desk.add("report", "2024-04-02", text="Police arrested a neighbor.")
    retraction = desk.add("retraction", "2024-04-03", target=arrest.id, note="misreported")
    assert sightings(desk.trace("arrested")) == [
        ("appeared", 2, 0, 1, arrest.id),
        ("vanished", 3, 1, 0, retraction.id),
    ]


def test_a_phrase_is_not_found_across_the_headline_and_the_text() -> None:
    # The reader sees "Plan announced" above "The plan is set."; never "announced The".
    desk = Desk()
    desk.add("report", "2024-02-12", headline="Plan announced", text="The plan is set.")
    assert desk.trace("announced The") == []
