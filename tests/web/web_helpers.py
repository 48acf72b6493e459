"""Shared by the web tests: the ShotSpotter example, and small readers of pages and archives."""

from __future__ import annotations

import html
import re
from pathlib import Path

from domain.sources import read_jsonl
from domain.updates import Update
from storage.archive import open_archive

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter" / "timeline.jsonl"
BY = "tester"
# The example's update ids, in version order.
IDS = [
    "dac7ab932221", "5af00ae05320", "3f3429aff8e4", "3505fe888773", "7c205d306ad4",
    "d3ba59caa150", "c0fe46a40a38", "2ff7f8292fca", "c1ac78d23477",
]  # fmt: skip


def load_example(db: str) -> None:
    archive = open_archive(db, "UTC", create=True)
    try:
        archive.record(read_jsonl(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name, BY))
    finally:
        archive.close()


def count_updates(db: str) -> int:
    archive = open_archive(db, "UTC", create=False)
    try:
        return archive.counts()[1]
    finally:
        archive.close()


def text_of(page: str) -> str:
    """A page's text without its tags, entities decoded and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def edited_story(db: str) -> tuple[str, str]:
    """A story whose second revision changes one word of the first: their ids."""
    first = Update.draft(
        "council-vote", "revision", "2024-03-01", BY,
        headline="Council votes", text="The council voted 7 to 3 on Tuesday.\n\nIt was close.",
    )  # fmt: skip
    second = Update.draft(
        "council-vote", "revision", "2024-03-02", BY,
        headline="Council votes", text="The council voted 8 to 3 on Tuesday.\n\nIt was close.",
    )  # fmt: skip
    archive = open_archive(db, "UTC", create=False)
    try:
        archive.record([first, second])
    finally:
        archive.close()
    return first.id, second.id
