from __future__ import annotations

import pytest

from domain.errors import InvalidInput, UnknownUpdate
from domain.model import Story, story_id
from domain.updates import Update


def update(kind: str, reported_at: str = "2024-02-16", **fields: object) -> Update:
    return Update.draft("shotspotter", kind, reported_at, "alice", **fields)


def test_a_story_id_is_derived_from_its_slug() -> None:
    assert Story(slug="shotspotter").id == story_id("shotspotter") != story_id("other")


def test_each_kind_is_recorded_as_its_own_past_tense_event() -> None:
    story = Story(slug="shotspotter")
    report = update("report", text="x")
    story.record(report)
    story.record(update("retraction", target=report.id, note="wrong"), target=report)
    events = story.collect_events()
    assert [type(e).__name__ for e in events] == ["Started", "Reported", "Retracted"]
    assert events[1].update["text"] == "x"  # type: ignore[attr-defined]


def test_a_story_resumes_from_its_first_and_last_events_alone() -> None:
    story = Story(slug="shotspotter")
    for n in range(5):
        story.record(update("report", f"2024-02-1{n}", text=f"paragraph {n}"))
    events = story.collect_events()
    resumed = Story.resume(events[0], events[-1])  # type: ignore[arg-type]
    assert (resumed.slug, resumed.version, resumed.head) == ("shotspotter", 6, story.head)
    resumed.record(update("report", "2024-02-16", text="next"))
    (following,) = resumed.collect_events()
    assert following.originator_version == 7
    assert following.previous == story.head  # type: ignore[attr-defined]
    fresh = Story.resume(events[0], None)  # type: ignore[arg-type]
    assert (fresh.version, fresh.head) == (1, Story(slug="shotspotter").head)


def test_a_correction_must_name_an_update_of_this_story_not_another() -> None:
    story = Story(slug="shotspotter")
    elsewhere = Update.draft("other", "report", "2024-02-16", "alice", text="x")
    with pytest.raises(UnknownUpdate, match="belongs to story 'other'"):
        story.record(
            update("correction", target=elsewhere.id, text="y", note="z"),
            target=elsewhere,
        )


def test_a_correction_must_name_an_update_of_this_story() -> None:
    story = Story(slug="shotspotter")
    with pytest.raises(UnknownUpdate, match="is not an update of story 'shotspotter'"):
        story.record(update("correction", target="0123456789ab", text="y", note="z"))


def test_a_retraction_cannot_amend_a_retraction() -> None:
    story = Story(slug="shotspotter")
    report = update("report", text="x")
    story.record(report)
    retraction = update("retraction", target=report.id, note="wrong")
    story.record(retraction, target=report)
    with pytest.raises(InvalidInput, match="cannot amend a retraction"):
        story.record(update("retraction", target=retraction.id, note="oops"), target=retraction)


def test_a_fact_is_retracted_not_corrected() -> None:
    story = Story(slug="shotspotter")
    fact = update("fact", key="contract.status", value="running")
    story.record(fact)
    with pytest.raises(InvalidInput, match="cannot amend a fact"):
        story.record(update("correction", target=fact.id, text="y", note="z"), target=fact)


def test_an_amendment_cannot_be_reported_before_what_it_amends() -> None:
    story = Story(slug="shotspotter")
    report = update("report", text="x")
    story.record(report)
    with pytest.raises(InvalidInput, match="is earlier than its target"):
        story.record(
            update("correction", "2024-02-15", target=report.id, text="y", note="z"),
            target=report,
        )


def test_an_update_for_another_story_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot go in story"):
        Story(slug="other").record(update("report", text="x"))
