"""One archive per process, shared by every request: reads and writes from many threads
at once get the answers one thread alone would get, and lose no write."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.testclient import TestClient
from web_helpers import IDS

from cli.web.app import Service, create_app
from domain.application import Archive
from domain.tokens import Tokens
from storage.archive import open_archive

READERS, WRITERS = 8, 4
READS, WRITES = 12, 6  # per thread
# Reads whose answers no write below can change: the example story as of its own days,
# its TimeMap, an update, the story list's first entry.
URLS = [
    *(f"/api/stories/shotspotter?as_of=2024-02-{day}" for day in (13, 14, 15, 16, 20)),
    "/api/stories/shotspotter/log",
    "/stories/shotspotter/timemap/link",
    f"/api/stories/shotspotter/updates/{IDS[3]}",
    f"/api/stories/shotspotter/diff?from={IDS[1]}&to={IDS[4]}",
]


def counting(opener: Callable[[], Archive]) -> tuple[Callable[[], Archive], list[Archive]]:
    opened: list[Archive] = []

    def open_and_count() -> Archive:
        opened.append(opener())
        return opened[-1]

    return open_and_count, opened


def test_reads_and_writes_from_many_threads_at_once_answer_as_one_thread_would(
    web_db: str, tokens: Tokens
) -> None:
    opener, opened = counting(lambda: open_archive(web_db, "UTC", create=False))
    app = create_app(Service(opener, tokens=tokens))
    token = {"Authorization": f"Bearer {tokens.create('desk', 'night-editor')}"}
    with TestClient(app, follow_redirects=False) as client:
        expected = {url: client.get(url).text for url in URLS}
        opened_before = len(opened)
        start = threading.Barrier(READERS + WRITERS)

        def read(n: int) -> list[tuple[str, int, str]]:
            start.wait()
            urls = [URLS[(n + i) % len(URLS)] for i in range(READS)]
            return [(url, (a := client.get(url)).status_code, a.text) for url in urls]

        def write(n: int) -> list[tuple[int, Any]]:
            start.wait()
            answers = []
            for i in range(WRITES):
                update = {
                    "kind": "fact",
                    "reported_at": f"2025-01-{n + 1:02d}T{i:02d}:00:00+00:00",
                    "key": f"writer.{n}",
                    "value": i,
                }
                answer = client.post("/api/stories/busy/updates", json=update, headers=token)
                answers.append((answer.status_code, answer.json()))
            return answers

        with ThreadPoolExecutor(READERS + WRITERS) as pool:
            reads = [pool.submit(read, n) for n in range(READERS)]
            writes = [pool.submit(write, n) for n in range(WRITERS)]
            read_answers = [a for f in reads for a in f.result()]
            write_answers = [a for f in writes for a in f.result()]

        log = client.get("/api/stories/busy/log").json()
        verified = client.get("/api/verify").json()

    assert len(read_answers) == READERS * READS
    assert [(url, status) for url, status, _ in read_answers if status != 200] == []
    assert [url for url, _, text in read_answers if text != expected[url]] == []
    assert {status for status, _ in write_answers} == {201}
    written = [body["id"] for _, body in write_answers]
    assert sorted(written) == sorted(u["id"] for u in log)
    assert len(set(written)) == WRITERS * WRITES
    # The story's versions are in reported order, whichever thread wrote first.
    assert [u["reported_at"] for u in log] == sorted(u["reported_at"] for u in log)
    assert (verified["ok"], verified["updates"]) == (True, len(IDS) + WRITERS * WRITES)
    assert opened_before == len(opened) == 1
