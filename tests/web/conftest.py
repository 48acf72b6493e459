"""Fixtures for the web service: the ShotSpotter example served in-process (TestClient).

The service runs on SQLite, and on PostgreSQL once more among the slow tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web service needs the serve extra: story[serve]")

from starlette.testclient import TestClient

from cli.web.app import Service, create_app
from cli.web.tokens import MemoryTokens, Tokens
from domain.sources import read_jsonl
from storage.archive import open_archive

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter" / "timeline.jsonl"
BY = "tester"
# The example's update ids, in version order.
IDS = [
    "dac7ab932221", "5af00ae05320", "3f3429aff8e4", "3505fe888773", "7c205d306ad4",
    "d3ba59caa150", "c0fe46a40a38", "2ff7f8292fca", "c1ac78d23477",
]  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def web_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An archive holding the ShotSpotter example: its --db value."""
    db = str(tmp_path / "archive.db") if request.param == "sqlite" else _postgres(request)
    load_example(db)
    return db


def _postgres(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_db")
    return url


def load_example(db: str) -> None:
    archive = open_archive(db, "UTC", create=True)
    try:
        archive.record(read_jsonl(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name, BY))
    finally:
        archive.close()


@pytest.fixture
def tokens() -> Tokens:
    return Tokens(MemoryTokens())


@pytest.fixture
def client(web_db: str, tokens: Tokens) -> Iterator[TestClient]:
    """The service over the example archive, with an in-memory token store."""
    app = create_app(Service(lambda create: open_archive(web_db, "UTC", create), tokens=tokens))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def text_of(html: str) -> str:
    """A page's text without its tags, entities decoded and whitespace collapsed."""
    import html as entities
    import re

    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def count_updates(db: str) -> int:
    archive = open_archive(db, "UTC", create=False)
    try:
        return archive.counts()[1]
    finally:
        archive.close()


def edited_story(db: str) -> tuple[str, str]:
    """A story whose second revision changes one word of the first: their ids."""
    from domain.updates import Update

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
