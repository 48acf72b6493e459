"""What a user of each `story` command sees: exact output lines and exit codes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import BY, EXAMPLE, EXAMPLE_FILE, EXAMPLE_IDS, Cli, section, stamp

RULE = "=" * 88

# What made the example as of 2024-02-16: the two reports were replaced by the revision.
EXAMPLE_MADE_BY = [
    '  dac7ab932221  fact        2024-02-12  contract.ends_on = "2024-02-16"',
    '  3f3429aff8e4  fact        2024-02-12  city.extension_through = "2024-09-22"',
    "  3505fe888773  statement   2024-02-15  SoundThinking: ShotSpotter has been deployed in the…",
    "  d3ba59caa150  fact        2024-02-15  soundthinking.minimum_extension_months = 12",
    "  c0fe46a40a38  revision    2024-02-16  Chicago ShotSpotter technology will not be turned o…",
    '  2ff7f8292fca  fact        2024-02-16  contract.status = "running"',
    '  c1ac78d23477  fact        2024-02-16  negotiations.status = "continuing"',
]
FIRST_HEADLINE = "Mayor Johnson announces a ShotSpotter decommission plan"
LAST_HEADLINE = (
    "Chicago ShotSpotter technology will not be turned off Friday night as negotiations "
    "continue: sources"
)
LAST_PARAGRAPH = "SoundThinking released a statement Thursday night that said:"
CAMPAIGN_PARAGRAPH = "Ending ShotSpotter was one of Mayor Johnson's campaign promises."

NOT_CAPTURE = "not a capture (.txt, .html, .htm, .warc, .warc.gz) or a .jsonl file"


def ids(cli: Cli, slug: str, *options: str) -> list[str]:
    return [u["id"] for u in cli.json("log", slug, *options)]


# append


def test_append_prints_the_new_id_and_the_version_it_made(cli: Cli) -> None:
    out = cli.ok(
        "append", "city-budget", "--kind", "report", "--reported-at", "2024-03-01",
        "--text", "The council met.",
    )  # fmt: skip

    match = re.fullmatch(
        r"Appended ([0-9a-f]{12}): version 1 of 1 of city-budget "
        r"\(report, reported 2024-03-01\)\n",
        out,
    )
    assert match, out
    assert ids(cli, "city-budget") == [match[1]]


def test_appending_identical_content_again_appends_nothing(cli: Cli) -> None:
    first = cli.add("city-budget", "report", "2024-03-01", text="The council met.")
    second = cli.add("city-budget", "report", "2024-03-02", text="The vote is due.")

    out = cli.ok(
        "append", "city-budget", "--kind", "report", "--reported-at", "2024-03-01",
        "--text", "The council met.", "--by", "someone-else",
    )  # fmt: skip

    assert out == (
        f"Already present: {first['id']} is version 1 of 2 of city-budget (nothing appended)\n"
    )
    assert ids(cli, "city-budget") == [first["id"], second["id"]]
    assert cli.updates() == 2


def test_a_backfilled_update_takes_its_place_in_reported_order(example: Cli) -> None:
    out = example.ok(
        "append", "shotspotter", "--kind", "fact", "--reported-at", "2024-02-13",
        "--key", "council.hearing", "--value", '"scheduled"',
    )  # fmt: skip

    new_id = out.split()[1].rstrip(":")
    assert out == (
        f"Appended {new_id}: version 4 of 10 of shotspotter (fact, reported 2024-02-13)\n"
    )
    assert ids(example, "shotspotter") == [*EXAMPLE_IDS[:3], new_id, *EXAMPLE_IDS[3:]]
    assert [u["version"] for u in example.json("log", "shotspotter")] == list(range(1, 11))
    # The statement was version 4; the back-filled fact pushed it to 5, its id unchanged.
    assert example.json("show", "shotspotter", "3505fe888773")["version"] == 5


def test_append_reads_the_text_from_standard_input_given_as_dash(cli: Cli) -> None:
    cli.ok(
        "append", "city-budget", "--kind", "report", "--reported-at", "2024-03-01", "-",
        input="The council met.\n\nThe vote is due.\n",
    )  # fmt: skip

    replay = cli.json("replay", "city-budget")
    assert replay["paragraphs"] == ["The council met.", "The vote is due."]


def test_append_reads_the_text_from_standard_input_given_as_file_dash(cli: Cli) -> None:
    cli.ok(
        "append", "city-budget", "--kind", "report", "--reported-at", "2024-03-01",
        "--file", "-", input="The council met.\n",
    )  # fmt: skip

    assert cli.json("replay", "city-budget")["text"] == "The council met."


def test_append_reads_the_text_from_a_file(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "report.txt"
    text.write_text("Le café a fermé.\n\nThe vote is due.\n", encoding="utf-8")

    cli.ok(
        "append", "city-budget", "--kind", "report", "--reported-at", "2024-03-01",
        "--file", str(text),
    )  # fmt: skip

    assert cli.json("replay", "city-budget")["text"] == "Le café a fermé.\n\nThe vote is due."


# import


def test_import_of_the_example_appends_its_nine_updates(cli: Cli) -> None:
    assert cli.lines("import", str(EXAMPLE)) == [
        f"{EXAMPLE_FILE}: 9 new, 0 already present",
        f"Skipped {EXAMPLE / 'README.md'}: {NOT_CAPTURE}",
        "Imported 9 new updates (0 already present) from 1 file",
    ]
    assert ids(cli, "shotspotter") == EXAMPLE_IDS


def test_importing_the_example_again_finds_all_nine_already_present(example: Cli) -> None:
    assert example.lines("import", str(EXAMPLE)) == [
        f"{EXAMPLE_FILE}: 0 new, 9 already present",
        f"Skipped {EXAMPLE / 'README.md'}: {NOT_CAPTURE}",
        "Imported 0 new updates (9 already present) from 1 file",
    ]
    assert example.updates() == 9


def test_import_of_a_text_capture_makes_a_revision_in_a_story_named_by_its_headline(
    cli: Cli, tmp_path: Path
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text(
        "date 2024-03-01 Budget Passes, At Last\n\nThe council voted.\n\nIt was close.\n",
        encoding="utf-8",
    )

    assert cli.lines("import", str(capture)) == [
        f"{capture}: 1 new, 0 already present (story budget-passes-at-last)",
        "Imported 1 new update (0 already present) from 1 file",
    ]
    assert cli.json("import", str(capture))["files"][0]["story"] == "budget-passes-at-last"
    replay = cli.json("replay", "budget-passes-at-last")
    assert (replay["headline"], replay["text"]) == (
        "Budget Passes, At Last",
        "The council voted.\n\nIt was close.",
    )
    assert replay["updates"][0]["kind"] == "revision"


def test_import_story_puts_a_text_capture_in_the_story_named(cli: Cli, tmp_path: Path) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("date 2024-03-01 Budget Passes\n\nThe council voted.\n", encoding="utf-8")

    cli.ok("import", "--story", "budget", str(capture))

    assert [s["slug"] for s in cli.json("list")] == ["budget"]


def budget_folder(tmp_path: Path, capture: str, jsonl: str) -> Path:
    """A folder holding a text capture and a JSON Lines file of story "budget", so named."""
    folder = tmp_path / "updates"
    folder.mkdir()
    (folder / capture).write_text("date 2024-03-02 Budget\n\nIt passed.\n", encoding="utf-8")
    (folder / jsonl).write_text(
        '{"story": "budget", "kind": "report", "reported_at": "2024-03-01", "text": "Vote due."}\n',
        encoding="utf-8",
    )
    return folder


def test_import_of_a_folder_reads_its_jsonl_and_text_files_by_name(
    cli: Cli, tmp_path: Path
) -> None:
    folder = budget_folder(tmp_path, "b.txt", "a.jsonl")
    (folder / "notes.md").write_text("not imported", encoding="utf-8")
    (folder / "feed.json").write_text('{"not": "imported"}', encoding="utf-8")
    (folder / "inner").mkdir()

    assert cli.lines("import", "--story", "budget", str(folder)) == [
        f"{folder / 'a.jsonl'}: 1 new, 0 already present",
        f"{folder / 'b.txt'}: 1 new, 0 already present (story budget)",
        f"Skipped {folder / 'feed.json'}: {NOT_CAPTURE}",
        f"Skipped {folder / 'inner'}: a folder (folders inside are not searched)",
        f"Skipped {folder / 'notes.md'}: {NOT_CAPTURE}",
        "Imported 2 new updates (0 already present) from 2 files",
    ]
    assert cli.json("import", str(folder))["skipped"][1] == {
        "file": str(folder / "inner"), "why": "a folder (folders inside are not searched)",
    }  # fmt: skip


def test_an_import_tells_files_apart_by_suffix_in_any_case(cli: Cli, tmp_path: Path) -> None:
    """As it does web pages (.HTML): a .TXT or .JSONL file saved elsewhere is one too."""
    folder = budget_folder(tmp_path, "B.TXT", "A.JSONL")

    assert cli.lines("import", "--story", "budget", str(folder)) == [
        f"{folder / 'A.JSONL'}: 1 new, 0 already present",
        f"{folder / 'B.TXT'}: 1 new, 0 already present (story budget)",
        "Imported 2 new updates (0 already present) from 2 files",
    ]
    assert cli.lines("import", str(folder / "A.JSONL"))[0].endswith(": 0 new, 1 already present")


@pytest.mark.parametrize("name", ["story.json", "feed.xml", "notes"])
def test_import_of_a_file_named_that_is_neither_capture_nor_jsonl_is_refused(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text('date 2024-03-01 Looks like a capture\n\n{"but": "is not"}\n', encoding="utf-8")

    assert cli.fails("import", str(path)) == (f"{path}: {NOT_CAPTURE}: story imports those only")


def test_import_dash_reads_json_lines_from_standard_input(cli: Cli) -> None:
    lines = EXAMPLE_FILE.read_text(encoding="utf-8")

    assert cli.lines("import", "-", input=lines) == [
        "standard input: 9 new, 0 already present",
        "Imported 9 new updates (0 already present) from 1 file",
    ]


def test_import_dash_reads_a_text_capture_from_standard_input(cli: Cli) -> None:
    capture = "date 2024-03-01 Budget Passes\n\nThe council voted.\n"

    assert cli.lines("import", "-", input=capture)[0] == (
        "standard input: 1 new, 0 already present (story budget-passes)"
    )


def test_import_dash_names_standard_input_in_an_error(cli: Cli) -> None:
    assert cli.fails("import", "-", input='{"story": "s"}\n') == (
        "standard input:1: the record lacks the field 'kind'"
    )


# list


def test_list_of_an_empty_archive_says_how_to_add_a_story(cli: Cli) -> None:
    cli.start_empty()
    assert cli.lines("list") == ["No stories yet: add one with `story append` or `story import`."]


@pytest.mark.parametrize("command", [["list"], ["info"], ["replay", "x"], ["verify"], ["rebuild"]])
def test_reading_where_there_is_no_archive_says_how_to_start_one_and_creates_nothing(
    cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    starts_one = "`story import` or `story append` starts one"
    if "://" in cli.db:  # PostgreSQL: the database is there, the archive's tables are not
        assert cli.fails(*command).endswith(f": {starts_one}")
        return
    cli.db = str(tmp_path / "typo" / "archive.db")
    message = cli.fails(*command)
    assert message == f"no archive at {cli.db}: {starts_one} (or check --db / STORY_DB)"
    assert not (tmp_path / "typo").exists()


def test_list_shows_each_story_with_its_update_count_and_reported_days(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")
    example.add("budget", "report", "2024-03-05", text="The vote is due.")

    assert example.lines("list") == [
        "STORY        UPDATES  FIRST       LAST",
        "budget             2  2024-03-01  2024-03-05",
        "shotspotter        9  2024-02-12  2024-02-16",
    ]


# log


def test_log_prints_version_id_kind_reported_recorded_by_and_summary(example: Cli) -> None:
    log = example.json("log", "shotspotter")
    recorded = [stamp(u["recorded_at"]) for u in log]
    digest = [u["digest"][:12] for u in log]

    assert example.lines("log", "shotspotter") == [
        f"#  UPDATE        KIND       REPORTED    RECORDED (UTC)        {'BY':<{len(BY)}}  "
        "DIGEST        SUMMARY",
        f"1  dac7ab932221  fact       2024-02-12  {recorded[0]}  {BY}  {digest[0]}  "
        'contract.ends_on = "2024-02-16"',
        f"2  5af00ae05320  report     2024-02-12  {recorded[1]}  {BY}  {digest[1]}  "
        "Mayor Johnson announces a ShotSpotter decommission plan",
        f"3  3f3429aff8e4  fact       2024-02-12  {recorded[2]}  {BY}  {digest[2]}  "
        'city.extension_through = "2024-09-22"',
        f"4  3505fe888773  statement  2024-02-15  {recorded[3]}  {BY}  {digest[3]}  "
        "SoundThinking: ShotSpotter has been deployed in the City of…",
        f"5  7c205d306ad4  report     2024-02-15  {recorded[4]}  {BY}  {digest[4]}  "
        "Chicago ShotSpotter use could end early after company rejec…",
        f"6  d3ba59caa150  fact       2024-02-15  {recorded[5]}  {BY}  {digest[5]}  "
        "soundthinking.minimum_extension_months = 12",
        f"7  c0fe46a40a38  revision   2024-02-16  {recorded[6]}  {BY}  {digest[6]}  "
        "Chicago ShotSpotter technology will not be turned off Frida…",
        f"8  2ff7f8292fca  fact       2024-02-16  {recorded[7]}  {BY}  {digest[7]}  "
        'contract.status = "running"',
        f"9  c1ac78d23477  fact       2024-02-16  {recorded[8]}  {BY}  {digest[8]}  "
        'negotiations.status = "continuing"',
    ]
    assert len(set(digest)) == 9


# replay


def test_replay_as_of_feb_16_shows_the_revised_story(example: Cli) -> None:
    lines = example.lines("replay", "shotspotter", "--as-of", "2024-02-16")

    assert lines[:3] == ["shotspotter — as of 2024-02-16 (version 9)", RULE, LAST_HEADLINE]
    assert LAST_PARAGRAPH in lines
    assert CAMPAIGN_PARAGRAPH in lines
    assert section(lines, "Statements")[0] == "  SoundThinking, issued 2024-02-15 [3505fe888773]:"
    assert section(lines, "Facts") == [
        '  city.extension_through                  "2024-09-22"',
        '  contract.ends_on                        "2024-02-16"',
        '  contract.status                         "running"',
        '  negotiations.status                     "continuing"',
        "  soundthinking.minimum_extension_months  12",
    ]
    assert section(lines, "Made by") == EXAMPLE_MADE_BY


def test_replay_as_of_feb_13_shows_the_story_as_first_reported(example: Cli) -> None:
    lines = example.lines("replay", "shotspotter", "--as-of", "2024-02-13")

    assert lines[:3] == ["shotspotter — as of 2024-02-13 (version 3)", RULE, FIRST_HEADLINE]
    assert CAMPAIGN_PARAGRAPH in lines
    assert LAST_PARAGRAPH not in lines
    assert "Statements" not in lines
    assert section(lines, "Facts") == [
        '  city.extension_through  "2024-09-22"',
        '  contract.ends_on        "2024-02-16"',
    ]
    assert section(lines, "Made by") == [
        '  dac7ab932221  fact        2024-02-12  contract.ends_on = "2024-02-16"',
        "  5af00ae05320  report      2024-02-12  "
        "Mayor Johnson announces a ShotSpotter decommission…",
        '  3f3429aff8e4  fact        2024-02-12  city.extension_through = "2024-09-22"',
    ]


def test_replay_without_as_of_shows_the_latest_version(example: Cli) -> None:
    lines = example.lines("replay", "shotspotter")

    assert lines[:3] == ["shotspotter — latest (version 9)", RULE, LAST_HEADLINE]


def test_replay_without_slug_shows_every_story_that_existed_then(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", headline="Budget passes", text="It passed.")

    feb = example.lines("replay", "--as-of", "2024-02-16")
    march = example.lines("replay", "--as-of", "2024-03-01")

    assert [line for line in feb if " — " in line] == ["shotspotter — as of 2024-02-16 (version 9)"]
    assert [line for line in march if " — " in line] == [
        "budget — as of 2024-03-01 (version 1)",
        "shotspotter — as of 2024-03-01 (version 9)",
    ]
    assert "Budget passes" in march
    assert "Budget passes" not in feb


def test_replay_known_at_hides_an_update_recorded_after_it(example: Cli) -> None:
    late = example.add(
        "shotspotter", "fact", "2024-02-14", key="council.hearing", value='"scheduled"'
    )
    recorded = datetime.fromisoformat(late["recorded_at"])
    known_at = (recorded - timedelta(microseconds=1)).isoformat()
    assert all(
        datetime.fromisoformat(u["recorded_at"]) <= recorded - timedelta(microseconds=1)
        for u in example.json("log", "shotspotter")
        if u["id"] != late["id"]
    )

    then = example.lines("replay", "shotspotter", "--as-of", "2024-02-16", "--known-at", known_at)
    now = example.lines("replay", "shotspotter", "--as-of", "2024-02-16")

    assert then[0] == f"shotspotter — as of 2024-02-16, as known at {known_at} (version 9)"
    assert '  council.hearing                         "scheduled"' not in then
    assert section(then, "Made by") == EXAMPLE_MADE_BY
    assert now[0] == "shotspotter — as of 2024-02-16 (version 10)"
    assert '  council.hearing                         "scheduled"' in now
    assert ids(example, "shotspotter", "--known-at", known_at) == EXAMPLE_IDS


def test_tz_decides_the_day_of_an_update_reported_at_a_time(cli: Cli) -> None:
    cli.add("late-night", "report", "2024-02-16", text="Evening edition.")
    cli.add("late-night", "report", "2024-02-17T03:00:00+00:00", text="Past midnight in UTC.")

    utc = cli.lines("replay", "late-night", "--as-of", "2024-02-16")
    chicago = cli.lines("replay", "late-night", "--as-of", "2024-02-16", "--tz", "America/Chicago")

    assert utc[0] == "late-night — as of 2024-02-16 (version 1)"
    assert "Past midnight in UTC." not in utc
    assert chicago[0] == "late-night — as of 2024-02-16 (version 2)"
    assert "Past midnight in UTC." in chicago


# diff


def test_diff_between_two_dates_shows_headline_facts_and_text_changes(example: Cli) -> None:
    lines = example.lines("diff", "shotspotter", "--from", "2024-02-13", "--to", "2024-02-16")

    assert lines[0] == (
        "shotspotter: 2024-02-13 (version 3, 3f3429aff8e4) → 2024-02-16 (version 9, c1ac78d23477)"
    )
    assert section(lines, "Headline") == [f"  - {FIRST_HEADLINE}", f"  + {LAST_HEADLINE}"]
    assert section(lines, "Statements") == [
        "  + SoundThinking, issued 2024-02-15 [3505fe888773]: "
        "ShotSpotter has been deployed in the City of Chicago for 7 …"
    ]
    assert section(lines, "Facts") == [
        '  + contract.status = "running"',
        '  + negotiations.status = "continuing"',
        "  + soundthinking.minimum_extension_months = 12",
    ]
    text = lines[lines.index("Text") + 1 :]
    assert text[:3] == ["--- shotspotter@3", "+++ shotspotter@9", "@@ -1 +1,7 @@"]
    assert f"+{LAST_PARAGRAPH}" in text
    assert (
        "+While the mayor is committed to extending the contract, SoundThinking is apparently not."
        in text
    )
    assert f" {CAMPAIGN_PARAGRAPH}" in text


def test_diff_between_two_update_ids(example: Cli) -> None:
    lines = example.lines("diff", "shotspotter", "--from", "5af00ae05320", "--to", "7c205d306ad4")

    assert lines[0] == "shotspotter: 5af00ae05320 (version 2) → 7c205d306ad4 (version 5)"
    assert section(lines, "Facts") == ['  + city.extension_through = "2024-09-22"']
    assert lines[lines.index("Text") + 1 :] == [
        "--- shotspotter@2",
        "+++ shotspotter@5",
        "@@ -7 +7,3 @@",
        " He said he would rather use the money to invest in prevention rather than tools that "
        "help officers just respond to crime.",
        "+",
        "+While the mayor is committed to extending the contract, SoundThinking is apparently not.",
    ]


def test_diff_from_the_latest_update_to_the_default_shows_no_changes(example: Cli) -> None:
    assert example.lines("diff", "shotspotter", "--from", "c1ac78d23477") == [
        "shotspotter: c1ac78d23477 (version 9) → latest (version 9, c1ac78d23477)",
        "No changes.",
    ]


def test_diff_names_versions_by_number_or_id_prefix_and_starts_at_the_first(
    example: Cli,
) -> None:
    by_number = example.lines("diff", "shotspotter", "--from", "2", "--to", "5")
    by_prefix = example.lines("diff", "shotspotter", "--from", "5af00a", "--to", "7C205D")
    from_first = example.lines("diff", "shotspotter", "--to", "3")

    assert by_number[0] == "shotspotter: version 2 (5af00ae05320) → version 5 (7c205d306ad4)"
    assert by_prefix[0] == "shotspotter: 5af00ae05320 (version 2) → 7c205d306ad4 (version 5)"
    assert by_number[1:] == by_prefix[1:]
    assert from_first[0] == (
        "shotspotter: first (version 1, dac7ab932221) → version 3 (3f3429aff8e4)"
    )
    assert example.json("diff", "shotspotter", "--to", "3")["from"] == {
        "ref": "dac7ab932221", "version": 1, "update": "dac7ab932221",
    }  # fmt: skip


def test_diff_by_a_version_number_the_story_lacks_says_how_many_it_has(example: Cli) -> None:
    assert example.fails("diff", "shotspotter", "--from", "10") == (
        "story 'shotspotter' has no version 10: it has 9 (see `story log shotspotter`)"
    )


def test_diff_by_an_id_prefix_of_digits_only_names_that_update(example: Cli) -> None:
    # 3505fe888773 is version 4: its first four digits are no version of the story.
    assert example.json("diff", "shotspotter", "--from", "3505")["from"] == {
        "ref": "3505", "version": 4, "update": "3505fe888773",
    }  # fmt: skip
    assert example.json("diff", "shotspotter", "--to", "3505")["to"]["update"] == "3505fe888773"


def test_diff_by_digits_that_are_no_version_and_begin_no_id_names_both_readings(
    example: Cli,
) -> None:
    assert example.fails("diff", "shotspotter", "--from", "9999") == (
        "story 'shotspotter' has no version 9999 (it has 9) and no update whose id begins "
        "9999: see `story log shotspotter`"
    )


def test_diff_of_versions_sharing_no_statement_or_fact_lists_each_one(cli: Cli) -> None:
    cli.add("s", "fact", "2024-03-01", key="one", value="1")
    old = cli.add("s", "statement", "2024-03-01", party="Mayor", text="We will vote.")
    cli.add("s", "fact", "2024-03-02", key="one", value="null")
    cli.add("s", "fact", "2024-03-02", key="two", value='{"a": [1]}')
    cli.add("s", "fact", "2024-03-02", key="three", value="3")
    cli.add("s", "retraction", "2024-03-02", target=old["id"], note="Never said")
    new = cli.add("s", "statement", "2024-03-02", party="Council", text="We voted.")

    lines = cli.lines("diff", "s", "--from", "2024-03-01", "--to", "2024-03-02")
    data = cli.json("diff", "s", "--from", "2024-03-01", "--to", "2024-03-02")

    assert section(lines, "Statements") == sorted(
        [
            f"  - Mayor [{old['id']}]: We will vote.",
            f"  + Council [{new['id']}]: We voted.",
        ],
        key=lambda line: line.split("[")[1],
    )
    assert section(lines, "Facts") == [
        "  - one (was 1)",
        "  + three = 3",
        '  + two = {"a": [1]}',
    ]
    assert [(c["path"], c["action"]) for c in data["changes"]] == [
        ("facts.one", "removed"),
        ("facts.three", "added"),
        ("facts.two", "added"),
        *sorted([(f"statements.{old['id']}", "removed"), (f"statements.{new['id']}", "added")]),
    ]


def test_diff_of_a_corrected_statement_shows_its_old_and_new_text(cli: Cli) -> None:
    said = cli.add("s", "statement", "2024-03-01", party="Mayor", text="We will cut 10%.")
    cli.add("s", "correction", "2024-03-02", target=said["id"], text="We will cut 1%.", note="n")

    lines = cli.lines("diff", "s", "--from", "1")

    assert section(lines, "Statements") == [
        f'  ~ Mayor [{said["id"]}] text: "We will cut 10%." → "We will cut 1%."'
    ]


# corrections and retractions


def test_a_correction_replaces_the_text_from_its_reported_date_on(cli: Cli) -> None:
    report = cli.add(
        "budget", "report", "2024-03-01", headline="Budget delayed", text="The vote is in May."
    )
    fix = cli.add(
        "budget", "correction", "2024-03-03", target=report["id"],
        headline="Budget vote set", text="The vote is in June.", note="Wrong month",
    )  # fmt: skip

    before = cli.lines("replay", "budget", "--as-of", "2024-03-02")
    after = cli.lines("replay", "budget", "--as-of", "2024-03-03")

    assert before[2:5] == ["Budget delayed", "", "The vote is in May."]
    assert "The vote is in June." not in before
    assert after[2:5] == ["Budget vote set", "", "The vote is in June."]
    assert "The vote is in May." not in after
    assert section(after, "Made by") == [
        f"  {report['id']}  report      2024-03-01  Budget delayed  [corrected by {fix['id']}]",
        f"  {fix['id']}  correction  2024-03-03  corrects {report['id']}: Wrong month",
    ]


def test_a_retracted_fact_reverts_to_its_previous_value_from_the_retraction_on(cli: Cli) -> None:
    cli.add("budget", "fact", "2024-03-01", key="budget.total", value="100")
    wrong = cli.add("budget", "fact", "2024-03-02", key="budget.total", value="999")
    cli.add("budget", "fact", "2024-03-02", key="budget.vote", value='"pending"')
    vote = cli.json("log", "budget")[-1]
    cli.add("budget", "retraction", "2024-03-04", target=wrong["id"], note="Typo")
    cli.add("budget", "retraction", "2024-03-04", target=vote["id"], note="Unconfirmed")

    before = cli.lines("replay", "budget", "--as-of", "2024-03-03")
    after = cli.lines("replay", "budget", "--as-of", "2024-03-04")

    assert section(before, "Facts") == ["  budget.total  999", '  budget.vote   "pending"']
    assert section(after, "Facts") == ["  budget.total  100"]


def test_a_retracted_report_leaves_the_text_from_the_retraction_on(cli: Cli) -> None:
    cli.add("budget", "report", "2024-03-01", text="The council met.")
    rumour = cli.add("budget", "report", "2024-03-02", text="The mayor may resign.")
    retraction = cli.add("budget", "retraction", "2024-03-05", target=rumour["id"], note="False")

    before = cli.json("replay", "budget", "--as-of", "2024-03-04")
    after = cli.json("replay", "budget", "--as-of", "2024-03-05")
    lines = cli.lines("replay", "budget", "--as-of", "2024-03-05")

    assert before["paragraphs"] == ["The council met.", "The mayor may resign."]
    assert after["paragraphs"] == ["The council met."]
    made_by = section(lines, "Made by")
    assert made_by[-1] == (
        f"  {retraction['id']}  retraction  2024-03-05  retracts {rumour['id']}: False"
    )
    assert not any(line.startswith(f"  {rumour['id']}") for line in made_by)


def test_a_fact_valued_null_is_removed_from_its_reported_date_on(cli: Cli) -> None:
    cli.add("budget", "fact", "2024-03-01", key="budget.total", value="100")
    removal = cli.add("budget", "fact", "2024-03-02", key="budget.total", value="null")

    assert cli.json("replay", "budget", "--as-of", "2024-03-01")["facts"] == {"budget.total": 100}
    assert cli.json("replay", "budget", "--as-of", "2024-03-02")["facts"] == {}
    assert cli.lines("log", "budget")[2].endswith(f"{removal['digest'][:12]}  budget.total removed")
    assert removal["value"] is None


def test_a_correction_of_a_statement_replaces_its_text(cli: Cli) -> None:
    statement = cli.add("budget", "statement", "2024-03-01", party="Mayor", text="We will cut 10%.")
    cli.add(
        "budget", "correction", "2024-03-02", target=statement["id"],
        text="We will cut 1%.", note="Misquoted",
    )  # fmt: skip

    before = cli.json("replay", "budget", "--as-of", "2024-03-01")["statements"]
    after = cli.json("replay", "budget", "--as-of", "2024-03-02")["statements"]

    assert [s["text"] for s in before] == ["We will cut 10%."]
    assert [s["text"] for s in after] == ["We will cut 1%."]


# show


def test_show_prints_every_field_of_a_statement(cli: Cli) -> None:
    statement = cli.add(
        "budget", "statement", "2024-03-02", party="City Council",
        issued_at="2024-03-01T17:00:00-06:00", text="We will vote.\n\nSoon.",
        source="https://example.com/council", outlet="City Desk",
    )  # fmt: skip

    assert cli.lines("show", "budget", statement["id"]) == [
        f"id           {statement['id']}",
        "story        budget",
        "version      1",
        "kind         statement",
        "reported_at  2024-03-02",
        f"recorded_at  {statement['recorded_at']}",
        f"by           {BY}",
        f"digest       {statement['digest']}",
        "source       https://example.com/council",
        "outlet       City Desk",
        "party        City Council",
        "issued_at    2024-03-01T17:00:00-06:00",
        "text",
        "  We will vote.",
        "",
        "  Soon.",
    ]


def test_show_prints_a_fact_and_the_correction_fields(cli: Cli) -> None:
    fact = cli.add("budget", "fact", "2024-03-01", key="budget.total", value='{"usd": 100}')
    report = cli.add("budget", "report", "2024-03-01", headline="Budget", text="In May.")
    fix = cli.add(
        "budget", "correction", "2024-03-02", target=report["id"], headline="Budget set",
        text="In June.", note="Wrong month",
    )  # fmt: skip

    fact_lines = cli.lines("show", "budget", fact["id"])
    fix_lines = cli.lines("show", "budget", fix["id"])

    assert fact_lines[-2:] == ["key          budget.total", 'value        {"usd": 100}']
    assert fix_lines[10:] == [
        "headline     Budget set",
        f"target       {report['id']}",
        "note         Wrong month",
        "text",
        "  In June.",
    ]


def test_show_of_an_amended_update_names_the_correction_and_retraction(cli: Cli) -> None:
    report = cli.add("budget", "report", "2024-03-01", text="In May.")
    fix = cli.add(
        "budget", "correction", "2024-03-02", target=report["id"], text="In June.", note="Month"
    )
    withdrawal = cli.add(
        "budget", "retraction", "2024-03-03", target=report["id"], note="No vote at all"
    )

    assert cli.lines("show", "budget", report["id"])[-2:] == [
        f"corrected by {fix['id']} (reported 2024-03-02): Month",
        f"retracted by {withdrawal['id']} (reported 2024-03-03): No vote at all",
    ]


# info


def test_info_names_the_archive_and_counts_stories_and_updates(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")
    url = f"sqlite:///{Path(example.db).resolve()}" if "://" not in example.db else example.db

    assert example.lines("info") == [f"archive  {url}", "zone     UTC", "stories  2", "updates  10"]


# what was given comes back


CODE = "Run:\n\n    find . | xargs grep foo\n    cat file\n\n> quoted\n>   and indented\n"


def test_replay_gives_back_each_paragraph_as_appended_indentation_and_lines_kept(
    cli: Cli,
) -> None:
    cli.add("howto", "report", "2024-03-01", text=CODE)

    data = cli.json("replay", "howto")
    lines = cli.lines("replay", "howto")

    assert data["paragraphs"] == [
        "Run:",
        "    find . | xargs grep foo\n    cat file",
        "> quoted\n>   and indented",
    ]
    assert data["text"] + "\n" == CODE
    assert lines[2 : lines.index("Made by")] == [
        "Run:",
        "",
        "    find . | xargs grep foo",
        "    cat file",
        "",
        "> quoted",
        ">   and indented",
        "",
    ]


def test_show_gives_back_the_text_as_appended(cli: Cli) -> None:
    report = cli.add("howto", "report", "2024-03-01", text=CODE)

    lines = cli.lines("show", "howto", report["id"])

    assert report["text"] + "\n" == CODE
    assert lines[lines.index("text") + 1 :] == [
        "  Run:",
        "",
        "      find . | xargs grep foo",
        "      cat file",
        "",
        "  > quoted",
        "  >   and indented",
    ]


# one update, one story: no plural slips


def test_one_update_is_counted_in_the_singular(cli: Cli, tmp_path: Path) -> None:
    one = tmp_path / "one.jsonl"
    one.write_text(
        '{"story": "s", "kind": "report", "reported_at": "2024-03-01", "text": "One."}\n',
        encoding="utf-8",
    )

    imported = cli.lines("import", str(one))
    verified = cli.lines("verify")
    rebuilt = cli.lines("rebuild")

    assert imported[-1] == "Imported 1 new update (0 already present) from 1 file"
    assert verified[0].startswith("Verified 1 update in 1 story: ")
    assert verified[1].startswith("Head: 1 update, ")
    assert rebuilt == ["Rebuilt the index: 1 update in 1 story"]
