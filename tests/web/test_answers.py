"""An as-of answer's ETag and the answers a process keeps (cli.web.answers): never stale
after a write, whoever wrote it, however many workers serve."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient
from web_helpers import BY, IDS
from web_server import serving

from cli.web.answers import Answers
from domain.updates import Update
from storage.archive import open_archive

AS_OF = "/api/stories/shotspotter?as_of=2030-01-01"  # after every update: a write shows
LATEST = "/api/stories/shotspotter"


def append_fact(db: str, value: int) -> str:
    """An update appended in-process (as the CLI or another worker would): its id."""
    archive = open_archive(db, "UTC", create=False)
    try:
        update = Update.draft(
            "shotspotter", "fact", "2025-06-01T12:00:00+00:00", BY, key="cost", value=value
        )
        archive.append(update)
        return update.id
    finally:
        archive.close()


def update_ids(body: bytes) -> list[str]:
    return [u["id"] for u in json.loads(body)["updates"]]


def test_an_as_of_answer_has_an_etag_and_asked_again_with_it_is_a_304_without_a_body(
    client: TestClient,
) -> None:
    first = client.get(AS_OF)
    again = client.get(AS_OF, headers={"If-None-Match": first.headers["etag"]})
    other = client.get("/api/stories/shotspotter?as_of=2024-02-13")

    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-cache"
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    assert other.headers["etag"] != first.headers["etag"]
    assert client.get(AS_OF, headers={"If-None-Match": '"other"'}).status_code == 200


def test_after_a_write_the_next_answer_shows_it_and_the_old_etag_no_longer_matches(
    client: TestClient, web_db: str
) -> None:
    before, latest = client.get(AS_OF), client.get(LATEST)
    assert client.get(AS_OF).content == before.content  # kept, and the same

    new = append_fact(web_db, 1)
    after = client.get(AS_OF, headers={"If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert update_ids(after.content) == [*update_ids(before.content), new]
    assert after.json()["facts"]["cost"] == 1
    assert after.headers["etag"] != before.headers["etag"]
    assert new in update_ids(client.get(LATEST).content)
    assert new not in update_ids(latest.content)
    assert (
        client.get("/api/stories/shotspotter?as_of=2024-02-13").json()["updates"][-1]["id"] in IDS
    )  # an answer the write cannot change is still right


def test_after_a_rebuild_cures_a_damaged_index_the_next_answer_is_the_rebuilt_one(
    client: TestClient, web_db: str
) -> None:
    """Someone changes the index behind story's back and the service answers from it
    (replays read the index, and the answer is kept), until `story rebuild` puts it
    right: from then on it answers as the events say, though no update was written."""
    from sqlalchemy import create_engine, text

    from storage import guard
    from storage.locate import archive_url

    engine = create_engine(archive_url(web_db))
    with engine.begin() as connection, guard.lifted(connection, "story_updates"):
        connection.execute(text("UPDATE story_updates SET headline = 'Forged' "
                                "WHERE headline IS NOT NULL"))  # fmt: skip
    engine.dispose()
    forged = client.get(LATEST)
    assert json.loads(forged.content)["headline"] == "Forged"

    archive = open_archive(web_db, "UTC", create=False)
    try:
        archive.rebuild()
    finally:
        archive.close()
    cured = client.get(LATEST, headers={"If-None-Match": forged.headers["etag"]})

    assert cured.status_code == 200
    assert json.loads(cured.content)["headline"].startswith("Chicago ShotSpotter technology")


@pytest.fixture
def two_workers(web_db: str) -> Iterator[str]:
    with serving(web_db, "--workers", "2") as server:
        yield server.url


def ask(base: str, path: str, connections: int) -> list[bytes]:
    """``path`` asked once on each of ``connections`` new connections (the kernel
    spreads them over the workers)."""
    port = urlsplit(base).port
    bodies = []
    for _ in range(connections):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", path)
        answer = connection.getresponse()
        assert answer.status == 200
        bodies.append(answer.read())
        connection.close()
    return bodies


@pytest.mark.slow
def test_with_two_workers_each_keeping_answers_a_write_shows_in_every_next_answer(
    two_workers: str, web_db: str
) -> None:
    for value in (1, 2, 3):
        ask(two_workers, AS_OF, 12)  # both workers work the answer out and keep it
        new = append_fact(web_db, value)
        for body in ask(two_workers, AS_OF, 12):
            assert update_ids(body)[-1] == new
            assert json.loads(body)["facts"]["cost"] == value


def test_answers_are_kept_per_head_and_dropped_when_the_head_moves() -> None:
    answers, made = Answers(limit=100), []

    def make(body: bytes) -> bytes:
        made.append(body)
        return body

    assert answers.answer((1, "a"), "x", lambda: make(b"x1")) == b"x1"
    assert answers.answer((1, "a"), "x", lambda: make(b"other")) == b"x1"  # kept
    assert answers.answer((2, "b"), "x", lambda: make(b"x2")) == b"x2"  # a write: afresh
    assert answers.answer((1, "a"), "x", lambda: make(b"x1 again")) == b"x1 again"  # older
    assert answers.answer((2, "b"), "x", lambda: make(b"no")) == b"x2"  # not dropped by it
    assert answers.answer((2, "c"), "x", lambda: make(b"x2c")) == b"x2c"  # another archive
    assert made == [b"x1", b"x2", b"x1 again", b"x2c"]


def test_answers_keep_at_most_their_limit_dropping_the_least_recently_asked() -> None:
    answers = Answers(limit=100)
    head = (1, "a")
    for name in "abcd":
        answers.answer(head, name, lambda: b"." * 25)
    answers.answer(head, "a", lambda: b"new")  # a asked again: b is now the oldest
    answers.answer(head, "e", lambda: b"." * 25)

    assert answers.answer(head, "b", lambda: b"made") == b"made"
    assert answers.answer(head, "a", lambda: b"made") == b"." * 25
    assert answers.answer(head, "big", lambda: b"." * 26) == b"." * 26  # over a quarter
    assert answers.answer(head, "big", lambda: b"made") == b"made"  # not kept
