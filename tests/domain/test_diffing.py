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


def test_versions_sharing_no_statements_or_facts_list_each_one_added_or_removed() -> None:
    one, two, three = (draft("fact", key=k, value=n) for n, k in enumerate(("one", "two", "3"), 1))
    old_said = draft("statement", party="P", text="Old.")
    q, r = draft("statement", party="Q", text="New."), draft("statement", party="R", text="Newer.")
    a = version(one, old_said)
    b = version(two, three, q, r)
    changes = diff(a, b).changes  # type: ignore[arg-type]
    assert [(c.path, c.action) for c in changes] == [
        ("facts.3", "added"),
        ("facts.one", "removed"),
        ("facts.two", "added"),
        *sorted(
            [
                (f"statements.{old_said.id}", "removed"),
                (f"statements.{q.id}", "added"),
                (f"statements.{r.id}", "added"),
            ]
        ),
    ]
    assert changes[0].new == 3


def test_a_fact_holding_an_object_lists_each_field_that_changed() -> None:
    a = version(draft("fact", key="budget", value={"total": 1, "spent": 0, "items": ["a"]}))
    b = version(draft("fact", key="budget", value={"total": 2, "spent": 0, "items": ["a", "b"],
                                                  "audited": True}))  # fmt: skip
    assert diff(a, b).changes == (  # type: ignore[arg-type]
        Change("facts.budget.audited", "added", new=True),
        Change("facts.budget.items.1", "added", new="b"),
        Change("facts.budget.total", "changed", 1, 2),
    )


def test_a_fact_whose_value_changes_kind_is_one_change_of_its_whole_value() -> None:
    a = version(draft("fact", key="budget", value={"total": 1}))
    b = version(draft("fact", key="budget", value=[1]))
    assert diff(a, b).changes == (  # type: ignore[arg-type]
        Change("facts.budget", "changed", {"total": 1}, [1]),
    )


def test_a_corrected_statement_is_a_change_of_its_text() -> None:
    said = draft("statement", party="City", text="No comment.")
    fixed = Update.draft(
        "s", "correction", "2024-02-17", "a", target=said.id, text="No comment yet.", note="n"
    )
    a, b = version(said), version(said, fixed)
    assert diff(a, b).changes == (  # type: ignore[arg-type]
        Change(f"statements.{said.id}.text", "changed", "No comment.", "No comment yet."),
    )
