"""Load: 32 clients reading and 4 writing for 60 s, on PostgreSQL, against a real
`story serve --workers 2` on 127.0.0.1.

The writers append in-process (``Archive.append``, each with an archive of its own), beside
the HTTP readers: `story serve` refuses every write until the archive can keep tokens
(docs/http.md). STORY_LOAD_SECONDS shortens the run while working on it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from web_helpers import BY, IDS, load_example
from web_server import serving

from cli.main import story
from domain.updates import Update
from storage.archive import open_archive

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("STORY_LOAD_SECONDS") or 60)
READERS, WRITERS = 32, 4
SHARED = "load-shared"  # every writer appends to it, and to a story of its own
# Reads whose answers the writes cannot change (the writes are reported in 2025).
FIXED = [
    *(f"/api/stories/shotspotter?as_of=2024-02-{day}" for day in (12, 13, 15, 16)),
    "/stories/shotspotter/timemap/link",
    f"/stories/shotspotter/versions/{IDS[4]}",
]
# Reads of what the writers are writing: they must answer, and never go back in time.
MOVING = ["/api/stories", "/feed", "/stories/load-0", f"/stories/{SHARED}/timemap/json"]
GATE = ("/stories/shotspotter/timegate", "Thu, 15 Feb 2024 12:00:00 GMT")


def cli(db: str, *args: str) -> Any:
    result = CliRunner(env={"STORY_DB": None, "STORY_TZ": None}).invoke(
        story, [*args, "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def ask(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> tuple[http.client.HTTPResponse, bytes]:
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    return answer, answer.read()


def reader(base: str, expected: dict[str, bytes], until: float) -> Callable[[int], Counter[str]]:
    where = urlsplit(base)

    def read(n: int) -> Counter[str]:
        seen: Counter[str] = Counter()
        connection = http.client.HTTPConnection("127.0.0.1", where.port, timeout=60)
        versions = 0  # of the shared story, as this client last saw it
        i = n
        while time.monotonic() < until:
            i += 1
            headers, path = {}, (FIXED + MOVING + [GATE[0]])[i % (len(FIXED) + len(MOVING) + 1)]
            if path == GATE[0]:
                headers["Accept-Datetime"] = GATE[1]
            try:
                answer, body = ask(connection, path, headers)
            except (ConnectionResetError, http.client.RemoteDisconnected):
                # The server closed this keep-alive connection as the request went out
                # (RFC 9112 9.3.1): ask again on a new one, as browsers do, and count it.
                seen["asked again"] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", where.port, timeout=60)
                answer, body = ask(connection, path, headers)
            seen[f"{answer.status}"] += 1
            if answer.status >= 400:
                seen[f"{answer.status} {path}: {body[:200]!r}"] += 1
            elif path == GATE[0]:
                seen["wrong memento"] += answer.headers["location"] != expected[path].decode()
            elif path in expected and body != expected[path]:
                seen[f"wrong answer: {path}"] += 1
            elif path.endswith("/timemap/json"):
                now = len(json.loads(body)["mementos"]["list"])
                seen["went back in time"] += now < versions
                versions = now
        connection.close()
        return seen

    return read


def writer(db: str, until: float) -> Callable[[int], list[str]]:
    def write(n: int) -> list[str]:
        archive = open_archive(db, "UTC", create=False)
        new = []
        try:
            i = 0
            while time.monotonic() < until:
                i += 1
                slug = SHARED if i % 2 else f"load-{n}"
                # each writer in a month of its own, each update a second later
                at = datetime(2025, 1 + n, 1, tzinfo=UTC) + timedelta(seconds=i)
                update = Update.draft(slug, "fact", at.isoformat(), BY, key=f"writer.{n}", value=i)
                appended = archive.append(update)
                if appended.new:
                    new.append(update.id)
                time.sleep(0.01)  # a newsroom tool, not a bulk import: let readers in
        finally:
            archive.close()
        return new

    return write


def test_32_readers_and_4_writers_for_a_minute_lose_nothing_and_never_fail(
    postgres_db: str, tmp_path: Path
) -> None:
    db = postgres_db
    load_example(db)
    archive = open_archive(db, "UTC", create=False)
    archive.append(Update.draft(SHARED, "report", "2025-01-01", BY, text="Started."))
    archive.append(Update.draft("load-0", "report", "2025-01-01", BY, text="Started."))
    archive.close()
    with serving(db, "--workers", "2", logs=tmp_path) as server:
        where = urlsplit(server.url)
        connection = http.client.HTTPConnection("127.0.0.1", where.port, timeout=60)
        expected = {path: ask(connection, path, {})[1] for path in FIXED}
        gate = ask(connection, GATE[0], {"Accept-Datetime": GATE[1]})[0]
        expected[GATE[0]] = gate.headers["location"].encode()
        connection.close()
        until = time.monotonic() + SECONDS
        with ThreadPoolExecutor(READERS + WRITERS) as pool:
            reads = [pool.submit(reader(server.url, expected, until), n) for n in range(READERS)]
            writes = [pool.submit(writer(db, until), n) for n in range(WRITERS)]
            seen = sum((f.result() for f in reads), Counter[str]())
            written = [i for f in writes for i in f.result()]
        status, out, _ = server.stop()

    print(f"answers {dict(seen)}; {len(written)} updates appended")  # shown with -s
    problems = {
        k: v
        for k, v in seen.items()
        if v and k != "asked again" and (not k.isdigit() or int(k) >= 400)
    }
    assert seen["asked again"] <= seen["200"] // 100, seen  # a rare race, not a habit
    assert problems == {}
    assert seen["200"] + seen["302"] > READERS * 10  # the readers did read
    assert status == 0
    assert re.findall(r'" 5[0-9][0-9] ', out) == []  # uvicorn's access log agrees: no 5xx
    logged = {u["id"] for slug in [SHARED, *(f"load-{n}" for n in range(WRITERS))]
              for u in cli(db, "log", slug)}  # fmt: skip
    assert len(written) > WRITERS * 10
    assert set(written) <= logged
    verified = cli(db, "verify")
    assert verified["ok"] is True
    assert verified["updates"] == len(IDS) + 2 + len(written)
