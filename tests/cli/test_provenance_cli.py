"""Sentence-level provenance as a user sees it: `blame`, `trace`, `diff --by sentence`,
`--ignore-trivial` on `log` and `diff`, and amendment notes in `replay` and `log`."""

from __future__ import annotations

from typing import Any

import pytest
from cli_helpers import BY, EXAMPLE_IDS, Cli, section

RULE = "=" * 88
ABC7 = f"ABC7 Chicago      {BY:<12}"
REVISION = "c0fe46a40a38"  # the example's revision of 2024-02-16
REPORT = "5af00ae05320"  # its first report, 2024-02-12
SECOND_REPORT = "7c205d306ad4"  # its second report, 2024-02-15
STATEMENT = "3505fe888773"  # SoundThinking's statement


def credit(update_id: str, kind: str, reported: str, sentence: str, where: str = ABC7) -> str:
    """A line of `story blame`."""
    return f"{update_id}  {kind:<10}  {reported}  {where} │ {sentence}"


def local(update_id: str, kind: str, reported: str, sentence: str) -> str:
    """A line of `story blame` for an update with neither outlet nor source."""
    return credit(update_id, kind, reported, sentence, f"{'-':<16}  {BY:<12}")


def rows(out: str) -> list[str]:
    """The lines of `story trace` output without the context lines under each sighting."""
    return [line for line in out.splitlines() if not line.startswith(" " * 12)]


def fire(cli: Cli) -> dict[str, str]:
    """A story with a corrected report and a retracted one; the ids by role."""
    report = cli.add(
        "fire",
        "report",
        "2024-04-01",
        headline="Fire downtown",
        text="A fire broke out on State St. Monday. Two people were hurt.\n\n"
        "Crews arrived quickly. The cause is unknown.",
    )["id"]
    arrest = cli.add(
        "fire", "report", "2024-04-02", text="Police arrested a neighbor. He denied it."
    )["id"]
    rebuild = cli.add("fire", "report", "2024-04-03", text="The building will be rebuilt.")["id"]
    correction = cli.add(
        "fire",
        "correction",
        "2024-04-04",
        target=report,
        note="Three people were hurt, not two",
        text="A fire broke out on State St. Monday. Three people were hurt.\n\n"
        "Crews arrived quickly. The cause is unknown.",
    )["id"]
    retraction = cli.add(
        "fire", "retraction", "2024-04-05", target=arrest, note="The arrest was misreported"
    )["id"]
    return {
        "report": report,
        "arrest": arrest,
        "rebuild": rebuild,
        "correction": correction,
        "retraction": retraction,
    }


def story(cli: Cli, slug: str, *texts: str) -> list[str]:
    """A report, then a revision per further text, a day apart; their ids."""
    made = [cli.add(slug, "report", "2024-03-01", text=texts[0])["id"]]
    for day, text in enumerate(texts[1:], start=2):
        made.append(cli.add(slug, "revision", f"2024-03-{day:02}", text=text)["id"])
    return made


# blame


def test_blame_as_of_feb_16_credits_each_sentence_to_the_update_that_wrote_it(
    example: Cli,
) -> None:
    assert example.lines("blame", "shotspotter", "--as-of", "2024-02-16") == [
        "shotspotter — as of 2024-02-16 (version 9): 11 sentences from 3 updates",
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "Chicago ShotSpotter technology will not be turned off Friday night as "
            "negotiations continue: sources",
        ),
        "",
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "CHICAGO (WLS) -- Chicago ShotSpotter technology will not be turned off Friday "
            "night as the city and company continue to negotiate, sources told ABC7.",
        ),
        "",
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "The city's contract to use the gunshot detection program officially ends at midnight.",
        ),
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "ABC7 was told the two sides are still negotiating over a potential extension of "
            "the program and that the technology will remain on for now.",
        ),
        "",
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "No further information has been released, and the city has not yet made an "
            "official comment on any extension.",
        ),
        "",
        credit(
            REPORT,
            "report",
            "2024-02-12",
            "The contract with the company that owns the technology, SoundThinking, ends Friday.",
        ),
        credit(
            REPORT,
            "report",
            "2024-02-12",
            "Mayor Brandon Johnson wants to extend it for six months to provide police with "
            "time to adjust to doing their jobs without utilizing it.",
        ),
        "",
        credit(
            REPORT,
            "report",
            "2024-02-12",
            "\"Moving away and transitioning out is what I've made my commitment towards, and "
            'that commitment is still in place," Mayor Johnson said.',
        ),
        "",
        credit(
            SECOND_REPORT,
            "report",
            "2024-02-15",
            "While the mayor is committed to extending the contract, SoundThinking is "
            "apparently not.",
        ),
        "",
        credit(
            REPORT,
            "report",
            "2024-02-12",
            "Ending ShotSpotter was one of Mayor Johnson's campaign promises.",
        ),
        "",
        credit(
            REPORT,
            "report",
            "2024-02-12",
            "He said he would rather use the money to invest in prevention rather than tools "
            "that help officers just respond to crime.",
        ),
        "",
        credit(
            REVISION,
            "revision",
            "2024-02-16",
            "SoundThinking released a statement Thursday night that said:",
        ),
    ]


def test_blame_as_of_feb_13_shows_only_the_first_reports_sentences(example: Cli) -> None:
    lines = example.lines("blame", "shotspotter", "--as-of", "2024-02-13")
    assert lines[0] == "shotspotter — as of 2024-02-13 (version 3): 5 sentences from 1 update"
    assert lines[1] == credit(
        REPORT, "report", "2024-02-12", "Mayor Johnson announces a ShotSpotter decommission plan"
    )
    credited = [line for line in lines[1:] if line]
    assert len(credited) == 6
    assert all(line.startswith(f"{REPORT}  report      2024-02-12  ") for line in credited)
    assert credited[-1].endswith(
        "│ He said he would rather use the money to invest in prevention rather than tools "
        "that help officers just respond to crime."
    )


def test_blame_json_gives_each_sentence_with_the_update_that_introduced_it(
    example: Cli,
) -> None:
    data = example.json("blame", "shotspotter", "--as-of", "2024-02-16")
    assert sorted(data) == ["as_of", "headline", "paragraphs", "slug", "trivial_kept", "version"]
    assert (data["slug"], data["as_of"], data["version"], data["trivial_kept"]) == (
        "shotspotter",
        "2024-02-16",
        9,
        0,
    )
    assert data["headline"]["text"] == (
        "Chicago ShotSpotter technology will not be turned off Friday night as negotiations "
        "continue: sources"
    )
    headline_update = data["headline"]["update"]
    assert sorted(headline_update) == [
        "by",
        "id",
        "kind",
        "outlet",
        "recorded_at",
        "reported_at",
        "source",
        "target",
    ]
    assert {k: v for k, v in headline_update.items() if k != "recorded_at"} == {
        "id": REVISION,
        "kind": "revision",
        "reported_at": "2024-02-16",
        "by": BY,
        "outlet": "ABC7 Chicago",
        "source": None,
        "target": None,
    }
    assert headline_update["recorded_at"].startswith("20")
    assert [len(p) for p in data["paragraphs"]] == [1, 2, 1, 2, 1, 1, 1, 1, 1]
    credited = [(s["sentence"][:24], s["update"]["id"]) for p in data["paragraphs"] for s in p]
    assert credited == [
        ("CHICAGO (WLS) -- Chicago", REVISION),
        ("The city's contract to u", REVISION),
        ("ABC7 was told the two si", REVISION),
        ("No further information h", REVISION),
        ("The contract with the co", REPORT),
        ("Mayor Brandon Johnson wa", REPORT),
        ('"Moving away and transit', REPORT),
        ("While the mayor is commi", SECOND_REPORT),
        ("Ending ShotSpotter was o", REPORT),
        ("He said he would rather ", REPORT),
        ("SoundThinking released a", REVISION),
    ]


def test_blame_credits_a_correction_and_shows_the_notes_where_amended_text_stands(
    cli: Cli,
) -> None:
    made = fire(cli)
    assert cli.lines("blame", "fire") == [
        "fire — latest (version 5): 5 sentences from 3 updates",
        local(made["report"], "report", "2024-04-01", "Fire downtown"),
        "",
        local(made["report"], "report", "2024-04-01", "A fire broke out on State St. Monday."),
        local(made["correction"], "correction", "2024-04-04", "Three people were hurt."),
        "",
        local(made["report"], "report", "2024-04-01", "Crews arrived quickly."),
        local(made["report"], "report", "2024-04-01", "The cause is unknown."),
        "",
        f"[Corrected 2024-04-04 by {made['correction']}: Three people were hurt, not two]",
        f"[Retracted 2024-04-05 by {made['retraction']}: The arrest was misreported]",
        local(made["rebuild"], "report", "2024-04-03", "The building will be rebuilt."),
        "",
        "Corrections and retractions",
        f"  {made['correction']}  correction  2024-04-04  corrects {made['report']}: "
        "Three people were hurt, not two",
        f"  {made['retraction']}  retraction  2024-04-05  retracts {made['arrest']}: "
        "The arrest was misreported",
    ]


def test_blame_before_the_correction_credits_the_report_and_the_retracted_text(cli: Cli) -> None:
    made = fire(cli)
    lines = cli.lines("blame", "fire", "--as-of", "2024-04-03")
    assert lines[0] == "fire — as of 2024-04-03 (version 3): 7 sentences from 3 updates"
    assert local(made["report"], "report", "2024-04-01", "Two people were hurt.") in lines
    assert local(made["arrest"], "report", "2024-04-02", "He denied it.") in lines
    assert not any(line.startswith("[") for line in lines)


def test_blame_ignore_trivial_keeps_the_credit_through_a_punctuation_revision(cli: Cli) -> None:
    report, revision = story(
        cli,
        "greet",
        "Hello, world. Bye, now. The end.",
        "Hello world. Bye now. The end.",
    )
    assert cli.lines("blame", "greet") == [
        "greet — latest (version 2): 3 sentences from 2 updates",
        "",
        local(revision, "revision", "2024-03-02", "Hello world."),
        local(revision, "revision", "2024-03-02", "Bye now."),
        local(report, "report", "2024-03-01", "The end."),
    ]
    assert cli.lines("blame", "greet", "--ignore-trivial") == [
        "greet — latest (version 2): 3 sentences from 1 update",
        "",
        local(report, "report", "2024-03-01", "Hello world."),
        local(report, "report", "2024-03-01", "Bye now."),
        local(report, "report", "2024-03-01", "The end."),
        "",
        "(2 sentences kept their attribution through whitespace or punctuation edits: "
        "--ignore-trivial)",
    ]
    assert cli.json("blame", "greet", "--ignore-trivial")["trivial_kept"] == 2
    assert cli.json("blame", "greet")["trivial_kept"] == 0


def test_blame_of_an_unknown_story_is_an_error(example: Cli) -> None:
    assert example.fails("blame", "nosuch") == "no story 'nosuch' in this archive: see `story list`"


# diff --by sentence

EXAMPLE_SENTENCE_CHANGES = [
    "+ added    ¶1.1    CHICAGO (WLS) -- Chicago ShotSpotter technology will not be turned off "
    "Friday night as the city and company continue to negotiate, sources told ABC7.",
    "+ added    ¶2.1    The city's contract to use the gunshot detection program officially "
    "ends at midnight.",
    "+ added    ¶2.2    ABC7 was told the two sides are still negotiating over a potential "
    "extension of the program and that the technology will remain on for now.",
    "+ added    ¶3.1    No further information has been released, and the city has not yet "
    "made an official comment on any extension.",
    "> moved    ¶5.1 → ¶6.1 While the mayor is committed to extending the contract, "
    "SoundThinking is apparently not.",
    "+ added    ¶9.1    SoundThinking released a statement Thursday night that said:",
]


def test_diff_by_sentence_labels_the_revisions_new_and_moved_sentences(example: Cli) -> None:
    lines = example.lines(
        "diff", "shotspotter", "--from", "2024-02-15", "--to", "2024-02-16", "--by", "sentence"
    )
    assert lines[0] == (
        "shotspotter: 2024-02-15 (version 6, d3ba59caa150) → 2024-02-16 (version 9, c1ac78d23477)"
    )
    assert section(lines, "Sentences") == EXAMPLE_SENTENCE_CHANGES
    assert "Text" not in lines
    assert section(lines, "Headline")[0] == (
        "  - Chicago ShotSpotter use could end early after company rejects brief extension, "
        "aldermen say"
    )


def test_diff_by_sentence_json_lists_the_sentence_changes(example: Cli) -> None:
    data = example.json(
        "diff", "shotspotter", "--from", "2024-02-15", "--to", "2024-02-16", "--by", "sentence"
    )
    assert data["hidden"] == 0
    assert [(s["action"], s["old_at"], s["new_at"]) for s in data["sentences"]] == [
        ("added", None, [1, 1]),
        ("added", None, [2, 1]),
        ("added", None, [2, 2]),
        ("added", None, [3, 1]),
        ("moved", [5, 1], [6, 1]),
        ("added", None, [9, 1]),
    ]
    moved = data["sentences"][4]
    assert moved == {
        "action": "moved",
        "old": "While the mayor is committed to extending the contract, SoundThinking is "
        "apparently not.",
        "new": "While the mayor is committed to extending the contract, SoundThinking is "
        "apparently not.",
        "old_at": [5, 1],
        "new_at": [6, 1],
        "words": [],
    }
    assert data["sentences"][-1]["new"] == (
        "SoundThinking released a statement Thursday night that said:"
    )


def test_diff_by_sentence_without_body_changes_says_no_sentence_changed(example: Cli) -> None:
    lines = example.lines(
        "diff", "shotspotter", "--from", REPORT, "--to", EXAMPLE_IDS[2], "--by", "sentence"
    )
    assert section(lines, "Sentences") == ["No sentence changed."]
    assert section(lines, "Facts") == ['  + city.extension_through = "2024-09-22"']


def test_diff_by_sentence_labels_added_deleted_edited_and_moved(cli: Cli) -> None:
    old, new = story(
        cli,
        "vote",
        "Alpha came first. Beta came second. Gamma came third.\n\n"
        "Delta spoke. Epsilon wants six months.",
        "Beta came second. Gamma came third. Alpha came first.\n\n"
        "Epsilon wants eight months. Zeta arrived.",
    )
    lines = cli.lines("diff", "vote", "--from", old, "--to", new, "--by", "sentence")
    changes = section(lines, "Sentences")
    assert len(changes) == 4
    edited = [line for line in changes if line.startswith("~ edited   ¶2.1    ")]
    assert len(edited) == 1
    assert sorted(line for line in changes if line not in edited) == [
        "+ added    ¶2.2    Zeta arrived.",
        "- deleted  ¶2.1    Delta spoke.",
        "> moved    ¶1.1 → ¶1.3 Alpha came first.",
    ]
    data = cli.json("diff", "vote", "--from", old, "--to", new, "--by", "sentence")
    assert sorted(
        (c["action"], c["old"], c["new"], c["old_at"], c["new_at"]) for c in data["sentences"]
    ) == [
        ("added", None, "Zeta arrived.", None, [2, 2]),
        ("deleted", "Delta spoke.", None, [2, 1], None),
        ("edited", "Epsilon wants six months.", "Epsilon wants eight months.", [2, 2], [2, 1]),
        ("moved", "Alpha came first.", "Alpha came first.", [1, 1], [1, 3]),
    ]
    [edit] = [c for c in data["sentences"] if c["action"] == "edited"]
    assert edit["words"] == [
        {"op": "same", "text": "Epsilon wants "},
        {"op": "deleted", "text": "six"},
        {"op": "added", "text": "eight"},
        {"op": "same", "text": " months."},
    ]


def test_diff_by_sentence_shows_old_and_new_words_apart_without_colour(cli: Cli) -> None:
    # Piped output has no colour: "six" and "eight" must not run together as "sixeight".
    old, new = story(cli, "vote", "He wants six months.", "He wants eight months.")
    changes = section(
        cli.lines("diff", "vote", "--from", old, "--to", new, "--by", "sentence"), "Sentences"
    )
    assert len(changes) == 1
    assert changes[0].startswith("~ edited   ¶1.1    ")
    assert "sixeight" not in changes[0]
    assert "six" in changes[0]
    assert "eight" in changes[0]


def test_diff_by_sentence_ignore_trivial_hides_a_punctuation_only_edit(cli: Cli) -> None:
    old, new = story(cli, "greet", "Hello, world. Bye now.", "Hello world. Bye now.")
    args = ("diff", "greet", "--from", old, "--to", new, "--by", "sentence")
    assert section(cli.lines(*args), "Sentences")[0].startswith("~ edited   ¶1.1    ")
    [edit] = cli.json(*args)["sentences"]
    assert (edit["action"], edit["old"], edit["new"]) == ("edited", "Hello, world.", "Hello world.")
    assert edit["words"] == [
        {"op": "deleted", "text": "Hello,"},
        {"op": "added", "text": "Hello"},
        {"op": "same", "text": " world."},
    ]
    hidden = cli.lines(*args, "--ignore-trivial")
    assert hidden[1] == "No changes."
    assert "Sentences" not in hidden
    assert hidden[-1].endswith("trivial change hidden: whitespace or punctuation only)")
    data = cli.json(*args, "--ignore-trivial")
    assert (data["sentences"], data["text"], data["changes"]) == ([], [], [])
    assert data["hidden"] >= 1


def test_diff_by_sentence_ignore_trivial_counts_one_punctuation_edit_once(cli: Cli) -> None:
    old, new = story(cli, "greet", "Hello, world. Bye now.", "Hello world. Bye now.")
    args = ("diff", "greet", "--from", old, "--to", new, "--by", "sentence", "--ignore-trivial")
    assert cli.lines(*args)[-1] == "(1 trivial change hidden: whitespace or punctuation only)"
    assert cli.json(*args)["hidden"] == 1


# trace


def test_trace_shows_when_a_phrase_appeared_and_how_often_it_stood(example: Cli) -> None:
    assert rows(example.ok("trace", "shotspotter", "decommission plan")) == [
        "'decommission plan' in shotspotter",
        f"  appeared  version 2    2024-02-12  {REPORT} report     0 → 1 occurrence",
        f"  more      version 4    2024-02-15  {STATEMENT} statement  1 → 2 occurrences",
        f"  fewer     version 5    2024-02-15  {SECOND_REPORT} report     2 → 1 occurrence",
        "  now: 1 occurrence",
    ]


def test_trace_context_shows_the_phrase_in_the_text_that_holds_it(example: Cli) -> None:
    lines = example.lines("trace", "shotspotter", "(WLS)")
    assert (
        lines[1] == f"  appeared  version 7    2024-02-16  {REVISION} revision   0 → 1 occurrence"
    )
    # The context is the paragraph that holds it, not glued to the headline before it.
    assert lines[2].startswith(" " * 12 + "CHICAGO (WLS) -- Chicago ShotSpotter technology")


def test_trace_is_case_sensitive_unless_given_ignore_case(example: Cli) -> None:
    assert example.ok("trace", "shotspotter", "soundthinking") == (
        "'soundthinking' never appeared in shotspotter.\n"
    )
    assert rows(example.ok("trace", "shotspotter", "-i", "soundthinking")) == [
        "'soundthinking' in shotspotter",
        f"  appeared  version 2    2024-02-12  {REPORT} report     0 → 1 occurrence",
        f"  more      version 4    2024-02-15  {STATEMENT} statement  1 → 4 occurrences",
        f"  more      version 5    2024-02-15  {SECOND_REPORT} report     4 → 5 occurrences",
        f"  more      version 7    2024-02-16  {REVISION} revision   5 → 6 occurrences",
        "  now: 6 occurrences",
    ]


def test_trace_shows_a_phrase_vanishing_with_the_retraction_that_withdrew_it(cli: Cli) -> None:
    made = fire(cli)
    assert rows(cli.ok("trace", "fire", "arrested")) == [
        "'arrested' in fire",
        f"  appeared  version 2    2024-04-02  {made['arrest']} report     0 → 1 occurrence",
        f"  vanished  version 5    2024-04-05  {made['retraction']} retraction 1 → 0 occurrences",
        f"  now: gone since {made['retraction']}",
    ]


def test_trace_all_follows_a_phrase_across_stories(example: Cli) -> None:
    made = fire(example)
    assert rows(example.ok("trace", "--all", "-i", "fire")) == [
        "'fire' in fire",
        f"  appeared  version 1    2024-04-01  {made['report']} report     0 → 2 occurrences",
        "  now: 2 occurrences",
    ]
    story(example, "council", "Aldermen debated ShotSpotter on Monday.")
    out = rows(example.ok("trace", "--all", "ShotSpotter"))
    assert out[0] == "'ShotSpotter' in council"
    assert out[1].startswith("  appeared  version 1    2024-03-01  ")
    assert out[2:] == [
        "  now: 1 occurrence",
        "",
        "'ShotSpotter' in shotspotter",
        f"  appeared  version 2    2024-02-12  {REPORT} report     0 → 2 occurrences",
        f"  more      version 4    2024-02-15  {STATEMENT} statement  2 → 5 occurrences",
        f"  more      version 7    2024-02-16  {REVISION} revision   5 → 6 occurrences",
        "  now: 6 occurrences",
    ]


def test_trace_of_a_phrase_that_never_appeared_says_so_and_succeeds(example: Cli) -> None:
    assert example.ok("trace", "shotspotter", "zebra crossing") == (
        "'zebra crossing' never appeared in shotspotter.\n"
    )
    fire(example)
    assert example.ok("trace", "--all", "zebra crossing") == (
        "'zebra crossing' never appeared in any story.\n"
    )


def test_trace_json_gives_each_sighting_with_its_update(example: Cli) -> None:
    data = example.json("trace", "shotspotter", "decommission plan")
    assert data["phrase"] == "decommission plan"
    [found] = data["stories"]
    assert (found["slug"], found["now"]) == ("shotspotter", 1)
    assert [
        (s["action"], s["version"], s["before"], s["after"], s["update"]["id"])
        for s in found["sightings"]
    ] == [
        ("appeared", 2, 0, 1, REPORT),
        ("more", 4, 1, 2, STATEMENT),
        ("fewer", 5, 2, 1, SECOND_REPORT),
    ]
    assert found["sightings"][1]["update"]["party"] == "SoundThinking"
    # A sighting's context is the occurrence that came or, when fewer, the one that went.
    assert "Mayor Johnson announced a decommission plan" in found["sightings"][1]["context"]
    assert found["sightings"][2]["context"] == (
        "Mayor Johnson announces a ShotSpotter decommission plan"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("shotspotter", ""),
            'the phrase is empty: give the words to trace, e.g. "extension"',
        ),
        (
            ("--all", "   "),
            'the phrase is empty: give the words to trace, e.g. "extension"',
        ),
        (
            ("--all", "shotspotter", "extension"),
            'with --all give only the phrase, e.g. story trace --all "extension"',
        ),
        (
            ("shotspotter",),
            'give a story and a phrase, e.g. story trace shotspotter "extension"',
        ),
        (
            (),
            'give a story and a phrase, e.g. story trace shotspotter "extension"',
        ),
        (
            ("nosuch", "extension"),
            "no story 'nosuch' in this archive: see `story list`",
        ),
    ],
)
def test_trace_with_bad_input_fails_with_one_error_line(
    example: Cli, args: tuple[str, ...], message: str
) -> None:
    assert example.fails("trace", *args) == message


# log --ignore-trivial and amendment marks


def _whitespace_story(cli: Cli) -> list[str]:
    return story(
        cli,
        "council",
        "The council met Monday.  Ald. Jones voted no.",
        "The council met Monday. Ald. Jones voted no.",
        "The council met Monday. Ald. Jones voted yes.",
    )


def test_log_lists_a_whitespace_only_revision_without_ignore_trivial(cli: Cli) -> None:
    made = _whitespace_story(cli)
    lines = cli.lines("log", "council")[1:]
    assert [line.split()[:3] for line in lines] == [
        ["1", made[0], "report"],
        ["2", made[1], "revision"],
        ["3", made[2], "revision"],
    ]


def test_log_ignore_trivial_hides_a_whitespace_only_revision_and_says_so(cli: Cli) -> None:
    made = _whitespace_story(cli)
    lines = cli.lines("log", "council", "--ignore-trivial")[1:]
    assert [line.split()[:3] for line in lines[:-1]] == [
        ["1", made[0], "report"],
        ["3", made[2], "revision"],
    ]
    assert lines[-1] == "(1 trivial update hidden: whitespace or punctuation only)"


def test_log_json_ignore_trivial_marks_the_trivial_update(cli: Cli) -> None:
    made = _whitespace_story(cli)
    entries = cli.json("log", "council", "--ignore-trivial")
    assert [(e["version"], e["id"], e["trivial"]) for e in entries] == [
        (1, made[0], False),
        (2, made[1], True),
        (3, made[2], False),
    ]
    assert all("trivial" not in e for e in cli.json("log", "council"))


def test_log_marks_the_corrected_and_the_retracted_updates(cli: Cli) -> None:
    made = fire(cli)
    lines = cli.lines("log", "fire")[1:]
    assert lines[0].endswith(f"  Fire downtown  [corrected by {made['correction']}]")
    assert lines[1].endswith(
        f"  Police arrested a neighbor. He denied it.  [retracted by {made['retraction']}]"
    )
    assert lines[2].endswith("  The building will be rebuilt.")
    assert lines[3].endswith(f"corrects {made['report']}: Three people were hurt, not two")
    assert lines[4].endswith(f"retracts {made['arrest']}: The arrest was misreported")


# diff --ignore-trivial (line mode)


def test_diff_ignore_trivial_hides_a_punctuation_only_change_and_counts_it(cli: Cli) -> None:
    old, new = story(cli, "greet", "Hello, world. Bye now.", "Hello world. Bye now.")
    assert cli.lines("diff", "greet", "--from", old, "--to", new) == [
        f"greet: {old} (version 1) → {new} (version 2)",
        "",
        "Text",
        "--- greet@1",
        "+++ greet@2",
        "@@ -1 +1 @@",
        "-Hello, world. Bye now.",
        "+Hello world. Bye now.",
    ]
    assert cli.lines("diff", "greet", "--from", old, "--to", new, "--ignore-trivial") == [
        f"greet: {old} (version 1) → {new} (version 2)",
        "No changes.",
        "(1 trivial change hidden: whitespace or punctuation only)",
    ]
    data: dict[str, Any] = cli.json("diff", "greet", "--from", old, "--to", new, "--ignore-trivial")
    assert (data["text"], data["changes"], data["hidden"]) == ([], [], 1)
    assert cli.json("diff", "greet", "--from", old, "--to", new)["hidden"] == 0


def test_diff_ignore_trivial_keeps_a_word_change_next_to_a_punctuation_change(cli: Cli) -> None:
    old, new = story(cli, "greet", "Hello, world.\n\nBye now.", "Hello world.\n\nBye for now.")
    lines = cli.lines("diff", "greet", "--from", old, "--to", new, "--ignore-trivial")
    assert section(lines, "Text") == [
        "--- greet@1",
        "+++ greet@2",
        "@@ -2,2 +2,2 @@",
        " ",
        "-Bye now.",
        "+Bye for now.",
    ]
    assert lines[-1] == "(1 trivial change hidden: whitespace or punctuation only)"


def test_diff_ignore_trivial_hides_a_paragraph_split_as_log_does(cli: Cli) -> None:
    # Splitting a paragraph changes whitespace only: log --ignore-trivial hides the revision.
    old, new = story(cli, "split", "One thing. Another thing.", "One thing.\n\nAnother thing.")
    assert cli.json("log", "split", "--ignore-trivial")[1]["trivial"] is True
    assert cli.lines("diff", "split", "--from", old, "--to", new, "--ignore-trivial")[1:] == [
        "No changes.",
        "(1 trivial change hidden: whitespace or punctuation only)",
    ]


# replay notes


def test_replay_shows_the_correction_note_after_the_corrected_paragraphs(cli: Cli) -> None:
    made = fire(cli)
    lines = cli.lines("replay", "fire")
    body = lines[: lines.index("Made by")]
    assert body == [
        "fire — latest (version 5)",
        RULE,
        "Fire downtown",
        "",
        "A fire broke out on State St. Monday. Three people were hurt.",
        "",
        "Crews arrived quickly. The cause is unknown.",
        "",
        f"[Corrected 2024-04-04 by {made['correction']}: Three people were hurt, not two]",
        "",
        f"[Retracted 2024-04-05 by {made['retraction']}: The arrest was misreported]",
        "",
        "The building will be rebuilt.",
        "",
    ]


def test_replay_before_the_retraction_shows_the_text_it_later_withdrew(cli: Cli) -> None:
    made = fire(cli)
    lines = cli.lines("replay", "fire", "--as-of", "2024-04-04")
    body = lines[: lines.index("Made by")]
    assert body[6:] == [
        "Crews arrived quickly. The cause is unknown.",
        "",
        f"[Corrected 2024-04-04 by {made['correction']}: Three people were hurt, not two]",
        "",
        "Police arrested a neighbor. He denied it.",
        "",
        "The building will be rebuilt.",
        "",
    ]
    notes = cli.json("replay", "fire")["notes"]
    assert [(n["before_paragraph"], n["kind"], n["update"]) for n in notes] == [
        (2, "correction", made["correction"]),
        (2, "retraction", made["retraction"]),
    ]
