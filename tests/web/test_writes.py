"""Writing over HTTP: a bearer token, one JSONL-style update, and the CLI's answers."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient
from web_helpers import count_updates

from domain.tokens import Tokens

UPDATE = {"kind": "fact", "reported_at": "2024-02-17", "key": "contract.status", "value": "ended"}
URL = "/api/stories/shotspotter/updates"


@pytest.fixture
def token(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.create('desk', 'night-editor')}"}


def test_a_new_update_is_201_and_answers_like_story_append_json(
    client: TestClient, token: dict[str, str], web_db: str
) -> None:
    answer = client.post(URL, json=UPDATE, headers=token)

    assert answer.status_code == 201
    body = answer.json()
    assert (body["new"], body["version"], body["versions"]) == (True, 10, 10)
    assert (body["story"], body["by"], body["value"]) == ("shotspotter", "night-editor", "ended")
    assert count_updates(web_db) == 10
    assert client.get("/api/stories/shotspotter").json()["facts"]["contract.status"] == "ended"


def test_the_same_content_again_is_200_and_appends_nothing(
    client: TestClient, token: dict[str, str], web_db: str
) -> None:
    first = client.post(URL, json=UPDATE, headers=token)
    again = client.post(URL, json={**UPDATE, "story": "shotspotter"}, headers=token)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["new"] is False
    assert again.json()["id"] == first.json()["id"]
    assert count_updates(web_db) == 10


def test_without_a_token_it_is_401_and_with_a_wrong_or_revoked_one_403(
    client: TestClient, tokens: Tokens, token: dict[str, str], web_db: str
) -> None:
    none = client.post(URL, json=UPDATE)
    wrong = client.post(URL, json=UPDATE, headers={"Authorization": "Bearer story_not-a-token"})
    tokens.revoke("desk")
    revoked = client.post(URL, json=UPDATE, headers=token)

    assert none.status_code == 401
    assert none.headers["www-authenticate"] == 'Bearer realm="story"'
    assert none.json()["error"].startswith("writing needs a token")
    assert (wrong.status_code, revoked.status_code) == (403, 403)
    assert revoked.json() == {"error": "token 'desk' was revoked: ask for a new one"}
    assert count_updates(web_db) == 9


def test_only_the_token_s_hash_is_kept(tokens: Tokens) -> None:
    secret = tokens.create("wire", "wire-desk")

    (kept,) = tokens.store.tokens()
    assert secret not in repr(kept)
    assert len(kept.digest) == 64
    assert tokens.archivist(f"Bearer {secret}") == "wire-desk"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"kind": "fact", "reported_at": "2024-02-30", "key": "k", "value": 1},
            "the request body: reported_at '2024-02-30' is not a real day: check the month and day",
        ),
        (
            {"reported_at": "2024-02-17", "text": "x"},
            "the request body: the record lacks the field 'kind'",
        ),
        (
            {"kind": "report", "reported_at": "2024-02-17"},
            "the request body: a report update needs text: "
            "give the text (--text, --file or - for standard input)",
        ),
        (
            {**UPDATE, "story": "other-story"},
            "the update is for story 'other-story', but was sent to 'shotspotter': "
            "post it to /api/stories/other-story/updates",
        ),
        (
            {**UPDATE, "by": "someone-else"},
            "by is 'someone-else', but this token writes as 'night-editor': leave by out",
        ),
        (
            {
                "kind": "correction",
                "reported_at": "2024-02-17",
                "target": "000000000000",
                "text": "x",
                "note": "y",
            },
            None,
        ),
        ([UPDATE], "the request body must be a JSON object, found list"),
    ],
)
def test_bad_input_is_400_with_one_line_and_nothing_written(
    client: TestClient, token: dict[str, str], web_db: str, body: object, message: str | None
) -> None:
    answer = client.post(URL, content=json.dumps(body), headers=token)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "\n" not in error
    if message is not None:
        assert error == message
    assert count_updates(web_db) == 9


def test_a_body_that_is_not_json_is_400(client: TestClient, token: dict[str, str]) -> None:
    answer = client.post(URL, content=b'{"kind": "fact",', headers=token)

    assert answer.status_code == 400
    assert answer.json()["error"].startswith("the request body is not valid JSON")


def test_a_body_over_the_limit_is_413_and_nothing_is_written(
    client: TestClient, token: dict[str, str], web_db: str
) -> None:
    huge = {**UPDATE, "kind": "report", "text": "word " * 300_000}
    del huge["key"], huge["value"]

    answer = client.post(URL, json=huge, headers=token)

    assert answer.status_code == 413
    assert answer.json()["error"].startswith("the update is ")
    assert count_updates(web_db) == 9


def test_an_update_to_a_new_story_starts_it(client: TestClient, token: dict[str, str]) -> None:
    answer = client.post(
        "/api/stories/budget-2025/updates",
        json={"kind": "report", "reported_at": "2024-03-01", "text": "The budget passed."},
        headers=token,
    )

    assert answer.status_code == 201
    assert client.get("/api/stories/budget-2025").json()["text"] == "The budget passed."
