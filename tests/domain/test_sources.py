from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from domain.sources import decode, read_jsonl, read_seed, slugify


def test_the_seed_file_becomes_one_revision_with_its_headline_and_date(seed: Path) -> None:
    update = read_seed(decode(seed.read_bytes(), seed.name), seed.name, "shotspotter", "alice")
    assert (update.kind, str(update.reported_at)) == ("revision", "2024-02-16")
    assert update.headline == (
        "Chicago ShotSpotter technology will not be turned off Friday night as negotiations "
        "continue: sources"
    )
    assert update.paragraphs[0].startswith("CHICAGO (WLS) -- Chicago ShotSpotter technology")
    assert (
        update.paragraphs[-1]
        == "INTERACTIVE SAFETY TRACKER | Track crime and safety in your neighborhood"
    )


def test_without_a_story_the_slug_comes_from_the_headline() -> None:
    update = read_seed("date 2024-02-16 ShotSpotter: talks go on!\n\nText.", "a.txt", None, "al")
    assert update.story == "shotspotter-talks-go-on"
    assert len(slugify("word " * 40)) <= 60


def test_a_seed_without_its_date_line_names_the_file_and_line() -> None:
    with pytest.raises(InvalidInput, match=r"^a\.txt:1: the first line must be 'date YYYY-MM-DD"):
        read_seed("ShotSpotter\n\nText.", "a.txt", None, "al")


def test_a_seed_with_an_impossible_date_names_the_file() -> None:
    with pytest.raises(InvalidInput, match=r"^a\.txt:1: .*not a real day"):
        read_seed("date 2024-02-30 Headline\n\nText.", "a.txt", None, "al")


def line(**record: object) -> str:
    return json.dumps(record)


def test_json_lines_become_updates_with_the_default_archivist() -> None:
    text = "\n".join(
        [
            line(story="s", kind="fact", reported_at="2024-02-16", key="k", value=None),
            "",
            line(story="s", kind="report", reported_at="2024-02-16", text="x", by="bob"),
        ]
    )
    fact, report = read_jsonl(text, "u.jsonl", "alice")
    assert (fact.value, fact.by, report.by) == (None, "alice", "bob")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("[1, 2]", "u.jsonl:2: expected a JSON object, found list"),
        (
            '{"story": "s", "reported_at": "2024-02-16"}',
            "u.jsonl:2: the record lacks the field 'kind'",
        ),
        ('{"story": "s", "kind": "report"', "u.jsonl:2: not valid JSON"),
        (
            line(story="s", kind="report", reported_at="2024-02-16", txt="x"),
            "u.jsonl:2: unknown field 'txt'",
        ),
        (
            line(story="s", kind="report", reported_at="2024-02-16", text=5),
            "u.jsonl:2: field 'text' must be a string",
        ),
        (
            line(story="s", kind="report", reported_at="2024-02-16"),
            "u.jsonl:2: a report update needs text",
        ),
        (
            line(id="000000000000", story="s", kind="report", reported_at="2024-02-16", text="x"),
            "u.jsonl:2: id '000000000000' does not match the content",
        ),
    ],
)
def test_a_bad_record_names_the_file_and_line(bad: str, message: str) -> None:
    text = line(story="s", kind="report", reported_at="2024-02-16", text="fine") + "\n" + bad
    with pytest.raises(InvalidInput) as caught:
        list(read_jsonl(text, "u.jsonl", "alice"))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f: the file is empty"),
        (b"  \n\n", "f: the file is empty"),
        (b"date 2024-02-16 x\x00\x01", "f: this is a binary file"),
        (b"caf\xe9", "f: not UTF-8 text (byte 0xe9 at offset 3)"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode(data, "f")
    assert str(caught.value).startswith(message)
