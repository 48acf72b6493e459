from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from domain.diffing import Change, diff, word_diff
from domain.timeline import state
from domain.updates import Update

RECORDED = datetime(2026, 1, 1, tzinfo=UTC)


def version(*updates: Update) -> object:
    return state("s", [replace(u, recorded_at=RECORDED) for u in updates])


def draft(kind: str, **fields: object) -> Update:
    return Update.draft("s", kind, "2024-02-16", "a", **fields)


def test_headline_facts_and_statements_are_diffed_by_meaning() -> None:
    old = draft("report", text="Same.", headline="Old")
    status = draft("fact", key="contract.status", value="ending")
    new_status = draft("fact", key="contract.status", value="running")
    ends = draft("fact", key="contract.ends_on", value="2024-02-16")
    gone = draft("fact", key="contract.ends_on", value=None)
    said = draft("statement", party="City", text="No comment.")
    a = version(old, status, ends)
    b = version(old, draft("report", text="More.", headline="New"), new_status, gone, said)
    changes = diff(a, b).changes  # type: ignore[arg-type]
    assert changes == (
        Change("headline", "changed", "Old", "New"),
        Change("facts.contract.ends_on", "removed", old="2024-02-16"),
        Change("facts.contract.status", "changed", "ending", "running"),
        Change(
            f"statements.{said.id}",
            "added",
            new={"party": "City", "text": "No comment.", "issued_at": None},
        ),
    )


def test_the_body_diff_is_unified_with_paragraph_lines() -> None:
    a = version(draft("revision", text="One.\n\nTwo."))
    b = version(draft("revision", text="One.\n\nTwo, changed."))
    lines = diff(a, b).text  # type: ignore[arg-type]
    assert lines[:2] == ("--- s@1", "+++ s@1")
    assert "-Two." in lines
    assert "+Two, changed." in lines


def test_identical_versions_have_no_changes() -> None:
    a = version(draft("report", text="One."))
    assert diff(a, a).unchanged  # type: ignore[arg-type]


def test_word_diff_marks_only_the_changed_words() -> None:
    assert word_diff("extend it for six months", "extend it for nine months") == [
        (" ", "extend it for "),
        ("-", "six"),
        ("+", "nine"),
        (" ", " months"),
    ]
