"""`story verify` covers a capture's time and what dated it: in the event, its digest
covers them; in the read-side index, they are compared with the event's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tamper import EXAMPLE_IDS, SLUG, Attacker, Cli, finding

CAPTURE = {
    "story": SLUG, "kind": "revision", "reported_at": "2024-02-17T09:00:00-06:00",
    "headline": "ShotSpotter stays", "text": "The contract runs to September.",
    "captured_at": "2024-02-17T18:30:00Z", "dated_by": "page",
}  # fmt: skip
STORED = "2024-02-17T18:30:00.000000+00:00"
INDEX_DIFFERS = "the read-side index differs from the event (run `story rebuild`)"


@pytest.fixture
def capture_id(archive: Cli, tmp_path: Path) -> str:
    """The example, and a capture after it: the capture's id."""
    path = tmp_path / "capture.jsonl"
    path.write_text(json.dumps(CAPTURE) + "\n", encoding="utf-8")
    archive.ok("import", str(path))
    archive.verifies()
    found: str = json.loads(archive.ok("log", SLUG, "--json"))[-1]["id"]
    return found


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("captured_at", "2024-02-10T08:00:00.000000+00:00"),
        ("captured_at", None),
        ("dated_by", "capture"),
        ("dated_by", None),
    ],
)
def test_changing_the_capture_time_or_dating_in_the_index_alone_is_an_index_mismatch(
    archive: Cli, attacker: Attacker, capture_id: str, column: str, value: str | None
) -> None:
    with attacker.tampering() as execute:
        execute(f"UPDATE story_updates SET {column} = ? WHERE update_id = ?", value, capture_id)

    lines, _ = archive.verify_fails()

    assert lines == [finding(capture_id, "index mismatch", INDEX_DIFFERS)]
    archive.ok("rebuild")
    archive.verifies()
    shown = json.loads(archive.ok("show", SLUG, capture_id, "--json"))
    assert (shown["captured_at"], shown["dated_by"]) == (STORED, "page")


def test_giving_an_update_a_capture_time_in_the_index_is_an_index_mismatch(
    archive: Cli, attacker: Attacker, capture_id: str
) -> None:
    with attacker.tampering() as execute:
        execute("UPDATE story_updates SET captured_at = ? WHERE update_id = ?", STORED,
                EXAMPLE_IDS[2])  # fmt: skip

    lines, _ = archive.verify_fails()

    assert lines == [finding(EXAMPLE_IDS[2], "index mismatch", INDEX_DIFFERS)]


def _shifted(record: dict[str, Any]) -> None:
    record["captured_at"] = "2024-02-10T08:00:00.000000+00:00"


def _removed(record: dict[str, Any]) -> None:
    del record["captured_at"], record["dated_by"]


def _added(record: dict[str, Any]) -> None:
    record["captured_at"] = STORED


@pytest.mark.parametrize("change", [_shifted, _removed])
def test_changing_the_capture_time_in_the_event_is_changed_content(
    archive: Cli, attacker: Attacker, capture_id: str, change: Any
) -> None:
    event = attacker.event(capture_id)
    digest = event.state["digest"]

    attacker.change_update(capture_id, change)

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        capture_id, "changed content", f"it no longer matches its digest "
        f"{digest[:12]}"
    )  # fmt: skip
    assert lines[1:] == [
        finding(capture_id, "index mismatch", "the read-side index differs from the event")
    ]


def test_giving_an_older_update_a_capture_time_in_its_event_is_changed_content(
    archive: Cli, attacker: Attacker
) -> None:
    event = attacker.event(EXAMPLE_IDS[1])

    attacker.change_update(EXAMPLE_IDS[1], _added)

    lines, _ = archive.verify_fails()
    assert lines[0] == finding(
        EXAMPLE_IDS[1], "changed content",
        f"it no longer matches its digest {event.state['digest'][:12]}",
    )  # fmt: skip
