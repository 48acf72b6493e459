"""Bad input: one `Error: ` line on stderr, a non-zero exit, and nothing written.

`cli.fails(...)` checks all three (it compares the archive's update count before and
after) and returns the message without its `Error: ` prefix; `cli.rejects(...)` also
checks exit 2, click's code for an option's bad value (a date, a zone, a kind).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import EXAMPLE_FILE, Cli

REPORT = ["--kind", "report", "--reported-at", "2024-03-01"]


def jsonl(path: Path, *records: object) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def report(text: str, day: str = "2024-03-01") -> dict[str, str]:
    return {"story": "budget", "kind": "report", "reported_at": day, "text": text}


# unknown stories and updates


@pytest.mark.parametrize(
    "args",
    [
        ["log", "nope"],
        ["replay", "nope"],
        ["diff", "nope", "--from", "2024-02-13"],
        ["show", "nope", "5af00ae05320"],
    ],
    ids=["log", "replay", "diff", "show"],
)
def test_an_unknown_slug_is_an_error(example: Cli, args: list[str]) -> None:
    assert example.fails(*args) == "no story 'nope' in this archive: see `story list`"


def test_show_of_an_unknown_update_id_is_an_error(example: Cli) -> None:
    assert example.fails("show", "shotspotter", "abcdefabcdef") == (
        "no update 'abcdefabcdef' in story 'shotspotter': see `story log shotspotter`"
    )


def test_show_of_an_update_of_another_story_names_that_story(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")

    message = example.fails("show", "budget", "5af00ae05320")

    assert "'shotspotter'" in message
    assert "story show shotspotter 5af00ae05320" in message


def test_diff_from_an_unknown_update_id_is_an_error(example: Cli) -> None:
    assert example.fails("diff", "shotspotter", "--from", "abcdefabcdef") == (
        "'abcdefabcdef' is neither an update of story 'shotspotter' nor a date: "
        "give an id from `story log shotspotter` or YYYY-MM-DD"
    )


# dates, times and zones


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2024-13-45", "is not a real day: check the month and day"),
        ("2024-02-30", "is not a real day: check the month and day"),
        ("tomorrow", "is not a date: use YYYY-MM-DD or 2024-02-16T18:30:00-06:00"),
        (
            "2024-02-16T10:00:00",
            "has no UTC offset: add one, e.g. 2024-02-16T10:00:00+00:00 "
            "or 2024-02-16T10:00:00-06:00",
        ),
    ],
    ids=["malformed", "impossible-day", "word", "no-offset"],
)
def test_a_bad_as_of_is_a_usage_error(example: Cli, value: str, problem: str) -> None:
    assert example.rejects("replay", "shotspotter", "--as-of", value) == (
        f"Invalid value for '--as-of': {value!r} {problem} (see `story replay --help`)"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2024-13-45", "is not a real day"),
        ("2024-02-30", "is not a real day"),
        ("tomorrow", "is not a date"),
        ("2024-02-16T10:00:00", "has no UTC offset"),
    ],
    ids=["malformed", "impossible-day", "word", "no-offset"],
)
def test_a_bad_reported_at_is_a_usage_error(example: Cli, value: str, problem: str) -> None:
    message = example.rejects(
        "append", "shotspotter", "--kind", "report", "--reported-at", value, "--text", "x"
    )

    assert message.startswith(f"Invalid value for '--reported-at': {value!r} {problem}")


def test_a_bad_known_at_is_a_usage_error(example: Cli) -> None:
    assert example.rejects("log", "shotspotter", "--known-at", "2024-02-16 noon") == (
        "Invalid value for '--known-at': '2024-02-16 noon' is not a date: "
        "use YYYY-MM-DD or 2024-02-16T18:30:00-06:00 (see `story log --help`)"
    )


def test_a_bad_issued_at_is_a_usage_error(example: Cli) -> None:
    message = example.rejects(
        "append", "shotspotter", "--kind", "statement", "--reported-at", "2024-02-17",
        "--party", "Mayor", "--text", "We will see.", "--issued-at", "2024-02-31",
    )  # fmt: skip

    assert message == (
        "Invalid value for '--issued-at': '2024-02-31' is not a real day: "
        "check the month and day (see `story append --help`)"
    )


def test_a_bad_blame_as_of_is_a_usage_error(example: Cli) -> None:
    message = example.rejects("blame", "shotspotter", "--as-of", "2024-02-16T10:00")

    assert message.startswith("Invalid value for '--as-of': '2024-02-16T10:00' has no UTC offset")


def test_a_bad_diff_to_is_an_error(example: Cli) -> None:
    message = example.fails("diff", "shotspotter", "--from", "2024-02-13", "--to", "2024-02-30")

    assert message.startswith("'2024-02-30' is neither an update of story 'shotspotter' nor a date")


def test_replay_before_the_first_update_is_an_error(example: Cli) -> None:
    assert example.fails("replay", "shotspotter", "--as-of", "2024-02-11") == (
        "story 'shotspotter' had no update reported as of 2024-02-11: "
        "choose a later date (see `story log`)"
    )


def test_replay_of_every_story_before_the_first_update_is_an_error(example: Cli) -> None:
    assert example.fails("replay", "--as-of", "2024-02-11") == (
        "no story had been reported as of 2024-02-11: choose a later date"
    )


def test_replay_of_every_story_known_before_anything_was_recorded_is_an_error(
    example: Cli,
) -> None:
    message = example.fails("replay", "--known-at", "2000-01-01")

    assert "None" not in message  # there is no --as-of to name
    assert "2000-01-01" in message


def test_log_known_before_anything_was_recorded_is_an_error(example: Cli) -> None:
    message = example.fails("log", "shotspotter", "--known-at", "2000-01-01")

    assert "2000-01-01" in message


def test_diff_known_before_anything_was_recorded_is_an_error(example: Cli) -> None:
    message = example.fails(
        "diff", "shotspotter", "--from", "2024-02-13", "--known-at", "2000-01-01"
    )

    assert "2000-01-01" in message


@pytest.mark.parametrize(
    "args",
    [
        ["replay", "shotspotter"],
        ["log", "shotspotter"],
        ["append", "shotspotter", *REPORT, "--text", "x"],
        ["diff", "shotspotter", "--from", "2024-02-13"],
        ["show", "shotspotter", "5af00ae05320"],
        ["blame", "shotspotter"],
        ["trace", "shotspotter", "extension"],
        ["serve", "--port", "1"],
    ],
    ids=["replay", "log", "append", "diff", "show", "blame", "trace", "serve"],
)
@pytest.mark.parametrize("zone", ["Mars/Olympus", "America"])  # America: a folder of zones
def test_an_unknown_time_zone_is_a_usage_error(example: Cli, args: list[str], zone: str) -> None:
    assert example.rejects(*args, "--tz", zone) == (
        f"Invalid value for '--tz': time zone {zone!r} is unknown: use an IANA name "
        f"such as UTC or America/Chicago (see `story {args[0]} --help`)"
    )


# append: kinds and fields


def test_an_unknown_kind_is_a_usage_error(cli: Cli) -> None:
    assert cli.rejects(
        "append", "budget", "--kind", "rumour", "--reported-at", "2024-03-01", "--text", "x"
    ) == (
        "Invalid value for '--kind': 'rumour' is not one of 'report', 'statement', 'fact', "
        "'correction', 'retraction', 'revision'. (see `story append --help`)"
    )


def test_append_takes_every_kind_the_domain_knows() -> None:
    from cli.options import KIND
    from domain.updates import KINDS

    assert tuple(KIND.choices) == KINDS


def test_a_missing_kind_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", "--reported-at", "2024-03-01", "--text", "x") == (
        "--kind is missing: use one of report, statement, fact, correction, retraction, revision"
    )


def test_a_report_without_text_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", *REPORT) == (
        "a report update needs text: give the text (--text, --file or - for standard input)"
    )


def test_a_report_with_blank_text_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", *REPORT, "--text", "  \n\n ").startswith(
        "a report update needs text"
    )


def test_a_missing_reported_at_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", "--kind", "report", "--text", "x") == (
        "reported_at is missing: give the date the update was published"
    )


def test_a_fact_without_a_key_is_an_error(cli: Cli) -> None:
    message = cli.fails(
        "append", "budget", "--kind", "fact", "--reported-at", "2024-03-01", "--value", "1"
    )

    assert message == "a fact update needs key: name the fact (--key, e.g. contract.status)"


def test_a_fact_value_that_is_not_json_is_an_error(cli: Cli) -> None:
    message = cli.fails(
        "append", "budget", "--kind", "fact", "--reported-at", "2024-03-01",
        "--key", "contract.status", "--value", "running",
    )  # fmt: skip

    assert message.startswith("--value 'running' is not JSON: quote text")


def test_a_field_of_another_kind_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", *REPORT, "--text", "x", "--party", "Mayor") == (
        "party does not apply to a report update: it is for statement updates"
    )


def test_an_invalid_slug_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "Bad Slug", *REPORT, "--text", "x") == (
        "story slug 'Bad Slug' is not valid: use lower-case letters, digits and hyphens, "
        "e.g. chicago-shotspotter"
    )


def test_an_invalid_slug_is_an_error_when_reading_too(example: Cli) -> None:
    assert example.fails("log", "Bad Slug").startswith("story slug 'Bad Slug' is not valid")


# corrections and retractions


def test_a_correction_of_an_unknown_update_is_an_error(example: Cli) -> None:
    message = example.fails(
        "append", "shotspotter", "--kind", "correction", "--reported-at", "2024-02-17",
        "--target", "abcdefabcdef", "--text", "Fixed.", "--note", "Typo",
    )  # fmt: skip

    assert message == (
        "correction target 'abcdefabcdef' is not an update of story 'shotspotter': "
        "see `story log shotspotter` for its ids"
    )


def test_a_retraction_of_an_unknown_update_is_an_error(example: Cli) -> None:
    message = example.fails(
        "append", "shotspotter", "--kind", "retraction", "--reported-at", "2024-02-17",
        "--target", "abcdefabcdef", "--note", "Wrong",
    )  # fmt: skip

    assert message.startswith("retraction target 'abcdefabcdef' is not an update of story")


@pytest.mark.parametrize("kind", ["correction", "retraction"])
def test_amending_an_update_of_another_story_names_that_story(example: Cli, kind: str) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")
    text = ["--text", "Fixed."] if kind == "correction" else []

    message = example.fails(
        "append", "budget", "--kind", kind, "--reported-at", "2024-03-02",
        "--target", "5af00ae05320", "--note", "Wrong story", *text,
    )  # fmt: skip

    assert message == (
        f"{kind} target 5af00ae05320 belongs to story 'shotspotter', not 'budget': "
        "amend it in its own story"
    )


def test_a_correction_as_the_first_update_of_a_new_story_names_the_target_story(
    example: Cli,
) -> None:
    message = example.fails(
        "append", "budget", "--kind", "correction", "--reported-at", "2024-03-02",
        "--target", "5af00ae05320", "--text", "Fixed.", "--note", "Wrong story",
    )  # fmt: skip

    assert "'shotspotter'" in message
    assert example.json("list") == [
        {"slug": "shotspotter", "updates": 9, "first_reported": "2024-02-12",
         "last_reported": "2024-02-16"},
    ]  # fmt: skip


def test_a_retraction_of_a_retraction_is_an_error(example: Cli) -> None:
    retraction = example.add(
        "shotspotter", "retraction", "2024-02-17", target="2ff7f8292fca", note="Unconfirmed"
    )

    message = example.fails(
        "append", "shotspotter", "--kind", "retraction", "--reported-at", "2024-02-18",
        "--target", retraction["id"], "--note", "Confirmed after all",
    )  # fmt: skip

    assert message == (
        f"a retraction cannot amend a retraction update ({retraction['id']}): "
        "target one of the kinds fact, report, revision, statement"
    )


def test_a_correction_reported_before_its_target_is_an_error(example: Cli) -> None:
    message = example.fails(
        "append", "shotspotter", "--kind", "correction", "--reported-at", "2024-02-11",
        "--target", "5af00ae05320", "--text", "Fixed.", "--note", "Typo",
    )  # fmt: skip

    assert message.startswith("correction reported at 2024-02-11 is earlier than its target")


# text from files and standard input


def test_text_given_two_ways_is_an_error(cli: Cli, tmp_path: Path) -> None:
    text = tmp_path / "report.txt"
    text.write_text("From the file.\n", encoding="utf-8")

    assert cli.fails("append", "budget", *REPORT, "--text", "x", "--file", str(text)) == (
        "give the text one way only: --text, --file or -"
    )
    assert cli.fails("append", "budget", *REPORT, "--text", "x", "-", input="y\n") == (
        "give the text one way only: --text, --file or -"
    )


def test_an_unexpected_argument_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", *REPORT, "--text", "x", "extra") == (
        "unexpected argument 'extra': give the text with --text, --file or -"
    )


def test_a_missing_text_file_is_an_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"

    assert cli.fails("append", "budget", *REPORT, "--file", str(missing)) == (
        f"{missing}: no such file"
    )


def test_a_folder_given_as_the_text_file_is_an_error(cli: Cli, tmp_path: Path) -> None:
    assert cli.fails("append", "budget", *REPORT, "--file", str(tmp_path)) == (
        f"{tmp_path}: is a folder, not a file"
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty: give it at least one update"),
        (b" \n\n", "the file is empty: give it at least one update"),
        (b"text\x00with a NUL", "this is a binary file, not text: import .txt or .jsonl files"),
        (
            b"caf\xe9",
            "not UTF-8 text (byte 0xe9 at offset 3): convert it to UTF-8, e.g. with iconv",
        ),
    ],
    ids=["empty", "blank", "binary", "latin-1"],
)
def test_an_unusable_text_file_is_an_error(
    cli: Cli, tmp_path: Path, data: bytes, problem: str
) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(data)

    assert cli.fails("append", "budget", *REPORT, "--file", str(path)) == f"{path}: {problem}"
    assert cli.fails("import", str(path)) == f"{path}: {problem}"


def test_unusable_standard_input_is_an_error(cli: Cli) -> None:
    assert cli.fails("append", "budget", *REPORT, "-", input=b"caf\xe9") == (
        "standard input: not UTF-8 text (byte 0xe9 at offset 3): convert it to UTF-8, "
        "e.g. with iconv"
    )
    assert cli.fails("append", "budget", *REPORT, "-", input=b"") == (
        "standard input: the file is empty: give it at least one update"
    )


# import


def test_importing_a_path_that_does_not_exist_is_an_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"

    assert cli.fails("import", str(missing)) == f"{missing}: no such file or folder"


def test_importing_a_folder_without_updates_is_an_error(cli: Cli, tmp_path: Path) -> None:
    assert cli.fails("import", str(tmp_path)) == (
        f"{tmp_path}: the folder has nothing to import: no captures (.txt, .html, .htm, .warc, "
        ".warc.gz) or .jsonl files"
    )


def test_a_text_capture_without_a_date_line_names_the_file_and_line(
    cli: Cli, tmp_path: Path
) -> None:
    capture = tmp_path / "capture.txt"
    capture.write_text("Budget passes\n\nThe council voted.\n", encoding="utf-8")

    assert cli.fails("import", str(capture)) == (
        f"{capture}:1: the first line must be 'date YYYY-MM-DD Headline', found 'Budget passes'"
    )


def test_a_jsonl_line_that_is_not_an_object_is_an_error(cli: Cli, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "updates.jsonl", report("One."), [1, 2])

    assert cli.fails("import", path) == f"{path}:2: expected a JSON object, found list"


def test_a_jsonl_record_without_kind_names_the_file_and_line(cli: Cli, tmp_path: Path) -> None:
    record = report("One.")
    del record["kind"]
    path = jsonl(tmp_path / "updates.jsonl", record)

    assert cli.fails("import", path) == f"{path}:1: the record lacks the field 'kind'"


def test_an_invalid_json_line_names_the_file_and_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "updates.jsonl"
    path.write_text(json.dumps(report("One.")) + "\n\n{not json\n", encoding="utf-8")

    message = cli.fails("import", str(path))

    assert message.startswith(f"{path}:3: not valid JSON (")


def test_a_jsonl_file_with_a_bad_third_line_imports_none_of_it(cli: Cli, tmp_path: Path) -> None:
    bad = {**report("Three."), "kind": "rumour"}
    path = jsonl(tmp_path / "updates.jsonl", report("One."), report("Two."), bad)

    message = cli.fails("import", path)

    assert message.startswith(f"{path}:3: kind 'rumour' is unknown")
    assert cli.updates() == 0


def test_a_jsonl_file_whose_third_line_targets_an_unknown_update_imports_none_of_it(
    cli: Cli, tmp_path: Path
) -> None:
    retraction = {
        "story": "budget", "kind": "retraction", "reported_at": "2024-03-02",
        "target": "abcdefabcdef", "note": "Wrong",
    }  # fmt: skip
    path = jsonl(tmp_path / "updates.jsonl", report("One."), report("Two."), retraction)

    message = cli.fails("import", path)

    assert "'abcdefabcdef'" in message
    assert cli.updates() == 0


def test_a_bad_file_among_several_stops_the_import_before_anything_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    good = jsonl(tmp_path / "a.jsonl", report("One."))
    bad = tmp_path / "b.jsonl"
    bad.write_bytes(b"caf\xe9")

    assert cli.fails("import", good, str(bad)).startswith(f"{bad}: not UTF-8 text")
    assert cli.updates() == 0


def test_a_jsonl_id_that_does_not_match_the_content_is_an_error(cli: Cli, tmp_path: Path) -> None:
    record = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8").splitlines()[1])
    record["text"] = record["text"].replace("Friday", "Saturday")
    path = jsonl(tmp_path / "tampered.jsonl", record)

    message = cli.fails("import", path)

    assert message.startswith(f"{path}:1: id '5af00ae05320' does not match the content")
