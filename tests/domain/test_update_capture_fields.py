"""A capture's time and what dated it (docs/captures.md, "The captured time"): in the
update's record, so its digest covers them; never in its id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from domain.digests import GENESIS, canonical_json, update_digest
from domain.errors import InvalidInput
from domain.updates import Update
from domain.verification import _content_id

CAPTURED = "2024-02-16T18:30:00Z"
RECORDED = "2026-01-05T10:00:00.000000+00:00"


def capture(reported_at: str = "2024-02-15", **fields: Any) -> Update:
    return Update.draft(
        "shotspotter", "revision", reported_at, "alice",
        headline="ShotSpotter stays", text="The contract runs to September.", **fields,
    )  # fmt: skip


def test_the_capture_time_and_dating_leave_the_id_as_it_was() -> None:
    plain = capture()
    captured = capture(captured_at=CAPTURED, dated_by="page")
    later = capture(captured_at="2024-03-01T08:00:00Z", dated_by="page")

    assert captured.id == plain.id == later.id
    assert captured.content() == plain.content()


def test_the_record_holds_them_so_the_digest_covers_them() -> None:
    captured = capture(captured_at=CAPTURED, dated_by="page")
    later = capture(captured_at="2024-03-01T08:00:00Z", dated_by="page")
    record = captured.to_record()

    assert record["captured_at"] == "2024-02-16T18:30:00.000000+00:00"
    assert record["dated_by"] == "page"
    digests = {
        update_digest(u.to_record(), RECORDED, GENESIS)
        for u in (capture(), captured, later, capture(captured_at=CAPTURED))
    }
    assert len(digests) == 4


def test_a_record_without_them_is_as_records_were_before_them() -> None:
    plain = capture()

    assert plain.captured_at is None
    assert plain.dated_by is None
    assert plain.to_record() == {
        "id": plain.id, "by": "alice", "story": "shotspotter", "kind": "revision",
        "reported_at": "2024-02-15", "source": None, "outlet": None,
        "headline": "ShotSpotter stays", "text": "The contract runs to September.",
    }  # fmt: skip


def test_a_record_reads_back_as_the_same_update() -> None:
    captured = capture(captured_at=CAPTURED, dated_by="page")

    back = Update.from_record(captured.to_record())

    assert back == captured
    assert back.captured_at == datetime(2024, 2, 16, 18, 30, tzinfo=UTC)
    assert back.dated_by == "page"
    assert Update.from_record(capture().to_record()) == capture()


def test_the_capture_time_is_kept_in_utc_whatever_offset_it_came_with() -> None:
    moment = datetime(2024, 2, 16, 12, 30, tzinfo=timezone(timedelta(hours=-6)))

    from_text = capture(captured_at="2024-02-16T12:30:00-06:00")
    from_datetime = capture(captured_at=moment)

    assert from_text.captured_at == from_datetime.captured_at == moment
    assert from_text.captured_at is not None
    assert from_text.captured_at.utcoffset() == timedelta(0)
    assert from_text.to_record() == from_datetime.to_record()


def test_a_page_with_no_date_of_its_own_is_dated_by_its_capture() -> None:
    update = capture(CAPTURED, captured_at=CAPTURED, dated_by="capture")

    assert update.dated_by == "capture"
    assert capture("2024-02-16T12:30:00-06:00", captured_at=CAPTURED, dated_by="capture")


def test_a_saved_page_with_no_capture_time_may_still_say_its_page_dated_it() -> None:
    assert capture(dated_by="page").to_record()["dated_by"] == "page"


def test_verification_finds_the_id_of_a_capture_without_the_long_way() -> None:
    captured = capture(captured_at=CAPTURED, dated_by="capture", reported_at=CAPTURED)
    record = captured.to_record()
    text = canonical_json({**record, "recorded_at": RECORDED})

    assert _content_id(text, record, RECORDED) == captured.id


FUTURE = (datetime.now(UTC) + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"captured_at": "2024-02-16"},
         "captured_at '2024-02-16' is a day, not a moment: give the time with its offset, "
         "e.g. 2024-02-16T18:30:00Z"),
        ({"captured_at": "last Tuesday"},
         "captured_at 'last Tuesday' is not a moment: use ISO 8601 with an offset, "
         "e.g. 2024-02-16T18:30:00Z"),
        ({"captured_at": "2024-02-16T18:30:00"},
         "captured_at '2024-02-16T18:30:00' has no UTC offset: add one, e.g. "
         "2024-02-16T18:30:00Z"),
        ({"captured_at": datetime(2024, 2, 16, 18, 30)},
         "captured_at '2024-02-16T18:30:00' has no UTC offset: add one, e.g. "
         "2024-02-16T18:30:00Z"),
        ({"captured_at": "2024-02-30T18:30:00Z"},
         "captured_at '2024-02-30T18:30:00Z' is not a moment"),
        ({"captured_at": "0001-01-01T00:30:00+01:00"},
         "captured_at 0001-01-01T00:30:00+01:00 is out of range: give a year from 2 to 9998"),
        ({"captured_at": FUTURE},
         "is in the future: check the capture's date (captured_at is when the page was "
         "captured)"),
        ({"captured_at": 1708108200},
         "captured_at must be a moment, found int: give ISO 8601 text, "
         "e.g. 2024-02-16T18:30:00Z"),
        ({"dated_by": "html"},
         "dated_by 'html' is unknown: use page (reported_at is the page's own date) or "
         "capture (reported_at is captured_at)"),
        ({"dated_by": "Page"}, "dated_by 'Page' is unknown"),
        ({"dated_by": "capture"},
         "dated_by capture needs captured_at: give the capture's time"),
        ({"dated_by": "capture", "captured_at": CAPTURED},
         "dated_by capture says reported_at is the capture's time, but reported_at "
         "2024-02-15 is not captured_at 2024-02-16T18:30:00.000000+00:00: give dated_by "
         "page, or reported_at the same moment"),
    ],
)  # fmt: skip
def test_a_bad_capture_time_or_dating_is_one_line_that_says_what_to_do(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        capture(**fields)

    assert message in str(error.value)
    assert "\n" not in str(error.value)
