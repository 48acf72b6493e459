"""Odd input found in review: each a one-line error with nothing written, or handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import EXAMPLE_IDS, Cli

from domain.sources import slugify


def jsonl(path: Path, *records: dict[str, object]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01T00:00:00+05:00"])
def test_days_at_the_ends_of_the_calendar_are_refused(example: Cli, when: str) -> None:
    assert "is out of range: give a year from 2 to 9998" in example.fails(
        "replay", "shotspotter", "--as-of", when
    )
    assert "is out of range" in example.fails(
        "append", "shotspotter", "--kind", "fact", "--reported-at", when, "--key", "k",
        "--value", "1",
    )  # fmt: skip


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999", "[" * 50000])
def test_a_fact_value_that_json_cannot_carry_is_refused(cli: Cli, value: str) -> None:
    message = cli.fails(
        "append", "s", "--kind", "fact", "--reported-at", "2024-02-16", "--key", "k",
        "--value", value,
    )  # fmt: skip
    assert message.startswith("--value")


def test_text_that_is_not_valid_unicode_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"story": "s", "kind": "report", "reported_at": "2024-02-16", "text": "caf\\ud800"}\n'
    )
    assert cli.fails("import", str(path)) == (
        f"{path}:1: text holds characters that are not valid Unicode: give it as UTF-8 text"
    )


def test_an_archivist_name_too_long_for_the_archive_is_refused(cli: Cli) -> None:
    assert cli.fails(
        "append", "s", "--kind", "report", "--reported-at", "2024-02-16", "--text", "x",
        "--by", "x" * 201,
    ) == "by is 201 characters long: at most 200, please"  # fmt: skip


def test_an_empty_archivist_name_is_refused_not_replaced(cli: Cli) -> None:
    assert (
        cli.fails(
            "append",
            "s",
            "--kind",
            "report",
            "--reported-at",
            "2024-02-16",
            "--text",
            "x",
            "--by",
            "",
        )
        == "by is empty: give the archivist's name"
    )


def test_a_correction_cannot_sort_before_its_target(cli: Cli) -> None:
    report = cli.add("s", "report", "2024-03-01T10:00:00+00:00", text="In May.")
    message = cli.fails(
        "append", "s", "--kind", "correction", "--reported-at", "2024-03-01T00:30:00+05:00",
        "--target", report["id"], "--text", "In June.", "--note", "Month",
    )  # fmt: skip
    assert "is earlier than its target" in message


def test_a_later_file_may_amend_an_update_of_an_earlier_one(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    report = {"story": "s", "kind": "report", "reported_at": "2024-03-01", "text": "In May."}
    jsonl(folder / "1.jsonl", report)
    target = _id_of(cli, folder / "1.jsonl")
    fix = {"story": "s", "kind": "correction", "reported_at": "2024-03-03",
           "target": target, "text": "In June.", "note": "Month"}  # fmt: skip
    jsonl(folder / "2.jsonl", fix)

    lines = cli.lines("import", str(folder))

    assert lines[-1] == "Imported 2 new updates (0 already present) from 2 files"
    assert cli.json("replay", "s")["text"] == "In June."


def _id_of(cli: Cli, path: Path) -> str:
    from domain.sources import jsonl_updates

    with path.open("rb") as lines:
        return next(jsonl_updates(lines, str(path), "tester")).id


def test_a_mistake_only_the_archive_sees_names_its_file(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    fact = {"story": "s", "kind": "fact", "reported_at": "2024-03-01", "key": "k", "value": 1}
    jsonl(folder / "1.jsonl", fact)
    fact_id = _id_of(cli, folder / "1.jsonl")
    jsonl(folder / "2.jsonl", {"story": "s", "kind": "correction", "reported_at": "2024-03-03",
                               "target": fact_id, "text": "x", "note": "y"})  # fmt: skip

    result = cli("import", str(folder))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {folder / '2.jsonl'}: a correction cannot amend a fact update ({fact_id}): "
        "target one of the kinds report, revision, statement: nothing of it was written; "
        "1 earlier file was imported"
    ]


def test_ids_are_accepted_in_capitals(example: Cli) -> None:
    shown = example.lines("show", "shotspotter", EXAMPLE_IDS[0].upper())
    assert shown[0] == f"id           {EXAMPLE_IDS[0]}"


def test_an_empty_slug_is_not_every_story(example: Cli) -> None:
    assert example.fails("replay", "").startswith("story slug '' is not valid")


def test_slugs_from_headlines_drop_accents_and_need_some_letters() -> None:
    assert slugify("Ünïcode Ĥeadline — café") == "unicode-headline-cafe"
    assert slugify("中文标题") == ""
