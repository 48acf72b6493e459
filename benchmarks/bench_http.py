"""HTTP as-of replay through `story serve`, at 1, 8 and 32 concurrent clients.

story:    GET /api/stories/<slug>?as_of=<datetime> (what `story replay --as-of --json`
          prints) against a real `story serve` (uvicorn) on 127.0.0.1, over a story of
          10,000 updates (benchlib.make_story), warm (every date asked twice first, and
          each answer checked against the archive's own). Each client is a thread with a
          keep-alive connection of its own, asking the 50 dates in turn; p50, p99 and
          requests/s at each concurrency. On SQLite with --workers 1 and 2, and on
          PostgreSQL (STORY_BENCH_POSTGRES_URL) with --workers 2.
baseline: the same replay called in-process, ``Archive.replay(slug, UTC, When)`` on the
          same archive, the same 50 dates, warm: its median (timed before and after the
          HTTP runs, in this process).
floor:    the same uvicorn settings and workers, the same clients and concurrency, serving
          no archive at all (benchmarks/http_floor.py): each request's answer is the very
          bytes story serve sent for it (same size, application/json), looked up by an
          async Starlette endpoint. Run in the same measure as story's, level by level
          (story, then floor, at 1 client; then at 8; then at 32), so that load from
          elsewhere on the machine falls on both alike. By Little's law p99 at 32 clients
          cannot be much under 32 / (the floor's requests/s): if the floor's p99 is over
          the goal, no change to story can meet it on this machine.
also:     the same requests with If-None-Match naming each answer's ETag (taken after
          the warm-up): what a client that revalidates costs, each a 304 without a body.
goal:     p99 at 32 clients <= 5x the in-process median.

The clients run in this process, on the same two cores as the server: their time to send,
receive and parse is in the figures.

Usage: python benchmarks/bench_http.py [--quick]
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from benchlib import (
    make_story,
    median,
    ms,
    percentile,
    revision,
    served_archives,
    verdict,
    workdir,
)

from cli import render
from domain.application import Archive
from domain.updates import Update
from domain.when import When
from storage.archive import open_archive

STORY = Path(sys.executable).with_name("story")
FLOOR = Path(__file__).with_name("http_floor.py")
SLUG = "http-bench"
N = 10_000
QUERIES = 50
LEVELS = {1: 150, 8: 400, 32: 640}  # concurrent clients: requests answered in all
PATIENCE = 120.0  # seconds one level may take before its clients stop asking
GOAL = 5.0  # p99 at 32 clients, in in-process medians


def header(name: str) -> str:
    """The line that heads a results file: what was measured, when, and where."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{name}: commit {revision()}; {now}; {platform.node()} ({os.cpu_count()} cores)"


# ---------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], patience: float = 60.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} ended (status {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered at {url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, then a kill if it has not ended in 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def story_serve(db: str, workers: int = 1, story: Path = STORY) -> Iterator[str]:
    """A real `story serve --db DB --workers N` on a free loopback port: its base URL
    (``story``: the executable, another tree's for an A/B)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORY_")}
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(story), "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=log, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/api/stories", process)
            yield base
        finally:
            stop(process)


@contextmanager
def floor_serve(bodies: Mapping[str, bytes], workers: int, tmp: Path) -> Iterator[str]:
    """benchmarks/http_floor.py on a free loopback port, sending ``bodies`` (path with
    query → the bytes story serve answered): its base URL."""
    index = {}
    for n, (path, body) in enumerate(bodies.items()):
        file = tmp / f"floor-body-{n}.json"
        file.write_bytes(body)
        index[urlsplit(path).query] = str(file)
    listing = tmp / "floor-bodies.json"
    listing.write_text(json.dumps(index))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORY_")}
    env["PYTHONPATH"] = str(FLOOR.parent)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, str(FLOOR), str(listing), str(port), str(workers)],
            stdout=subprocess.DEVNULL, stderr=log, env=env,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + next(iter(bodies)), process)
            yield base
        finally:
            stop(process)


# ---------------------------------------------------------------------------- clients


@dataclass
class Load:
    """What a run of clients saw: each answer's seconds, the statuses, the wall time."""

    clients: int
    seconds: list[float]
    statuses: Counter[int]
    wall: float

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.wall

    def line(self, what: str, baseline: float | None = None) -> str:
        p50, p99 = percentile(self.seconds, 0.5), percentile(self.seconds, 0.99)
        bad = {s: n for s, n in self.statuses.items() if s >= 400}
        text = (
            f"{what:<34} {self.clients:>3} clients  p50 {ms(p50):>10}  p99 {ms(p99):>10}  "
            f"{self.per_second:7.1f} req/s  ({len(self.seconds)} answers"
            f"{f', errors {bad}' if bad else ''})"
        )
        if baseline is not None:
            text += f"  p50 {p50 / baseline:.1f}x, p99 {p99 / baseline:.1f}x in-process"
        return text


def fetch(
    connection: http.client.HTTPConnection, path: str, headers: Mapping[str, str] = {}
) -> tuple[int, dict[str, str], bytes]:
    connection.request("GET", path, headers=dict(headers))
    answer = connection.getresponse()
    body = answer.read()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def load(
    base: str,
    requests: Sequence[tuple[str, Mapping[str, str]]],
    clients: int,
    total: int,
    patience: float = PATIENCE,
) -> Load:
    """``clients`` threads, each on a keep-alive connection of its own, send the
    (path, headers) requests in turn until ``total`` have been answered in all, or
    ``patience`` seconds have passed."""
    where = urlsplit(base)
    start = threading.Barrier(clients)
    deadline = time.monotonic() + patience

    def client(n: int) -> tuple[list[float], Counter[int], float, float]:
        connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=60)
        seconds, statuses = [], Counter[int]()
        start.wait()
        began = time.perf_counter()
        for i in range(total // clients):
            if time.monotonic() > deadline:
                break
            path, headers = requests[(n * 7 + i) % len(requests)]
            t = time.perf_counter()
            status, _, _ = fetch(connection, path, headers)
            seconds.append(time.perf_counter() - t)
            statuses[status] += 1
        connection.close()
        return seconds, statuses, began, time.perf_counter()

    with ThreadPoolExecutor(clients) as pool:
        done = list(pool.map(client, range(clients)))
    wall = max(d[3] for d in done) - min(d[2] for d in done)
    return Load(
        clients,
        [s for d in done for s in d[0]],
        sum((d[1] for d in done), Counter[int]()),
        wall,
    )


# ---------------------------------------------------------------------------- the figure


def dates(updates: Sequence[Update], count: int = QUERIES) -> list[str]:
    """``count`` datetimes spread over the story's life (as bench_replay.py asks)."""
    first, last = updates[0].reported_at.start(UTC), updates[-1].reported_at.start(UTC)
    step = (last - first) / count
    return [(first + step * (i + 0.5)).replace(microsecond=0).isoformat() for i in range(count)]


def in_process(archive: Archive, moments: Sequence[str]) -> list[float]:
    seconds = []
    for moment in moments:
        when = When.parse(moment)
        t = time.perf_counter()
        archive.replay(SLUG, UTC, when)
        seconds.append(time.perf_counter() - t)
    return seconds


def expected(archive: Archive, moment: str) -> Any:
    when = When.parse(moment)
    return json.loads(json.dumps(render.version_json(archive.replay(SLUG, UTC, when), when, None)))


def as_of_path(moment: str) -> str:
    return f"/api/stories/{SLUG}?as_of={quote(moment)}"


def warm_and_check(base: str, archive: Archive, moments: Sequence[str]) -> dict[str, bytes]:
    """Every date asked twice per connection (each worker warms), each answer checked:
    the answers' bytes, by path."""
    where = urlsplit(base)
    answers = {}
    for _ in range(4):
        connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=60)
        for moment in moments:
            status, _, body = fetch(connection, as_of_path(moment))
            assert status == 200, (moment, status, body[:200])
            assert json.loads(body) == expected(archive, moment), moment
            answers[as_of_path(moment)] = body
        connection.close()
    return answers


def etags(base: str, moments: Sequence[str]) -> dict[str, str]:
    """Each date's ETag, as story serve sends it (none from a server that sends none)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=60)
    found = {}
    for moment in moments:
        _, headers, _ = fetch(connection, as_of_path(moment))
        if "etag" in headers:
            found[as_of_path(moment)] = headers["etag"]
    connection.close()
    return found


def warm_floor(base: str, answers: Mapping[str, bytes]) -> None:
    """Each path asked on four connections; the floor sends the bytes story sent."""
    where = urlsplit(base)
    for _ in range(4):
        connection = http.client.HTTPConnection(str(where.hostname), where.port, timeout=60)
        for path, expected_body in answers.items():
            status, headers, body = fetch(connection, path)
            assert status == 200, (path, status)
            assert body == expected_body, path
            assert headers["content-type"] == "application/json", headers
        connection.close()


def measure(
    name: str, db: str, workers: int, moments: Sequence[str], levels: dict[int, int], tmp: Path
) -> None:
    archive = open_archive(db, create=False)
    runs, floors, revalidations = [], [], []
    try:
        in_process(archive, moments)  # warm
        before = in_process(archive, moments)
        with story_serve(db, workers) as base:
            answers = warm_and_check(base, archive, moments)
            tags = etags(base, moments)
            with floor_serve(answers, workers, tmp) as floor:
                warm_floor(floor, answers)
                requests: list[tuple[str, Mapping[str, str]]] = [
                    (as_of_path(m), {}) for m in moments
                ]
                conditional: list[tuple[str, Mapping[str, str]]] = [
                    (path, {"If-None-Match": tag}) for path, tag in tags.items()
                ]
                for clients, total in levels.items():  # story, then the floor, each level
                    runs.append(load(base, requests, clients, total))
                    floors.append(load(floor, requests, clients, total))
                    if conditional:
                        revalidations.append(load(base, conditional, clients, total))
        after = in_process(archive, moments)
    finally:
        archive.close()
    baseline = median(before + after)
    size = median([len(b) for b in answers.values()]) / 1000
    print(f"{name}, story serve --workers {workers} "
          f"(answers: median {size:.0f} KB, application/json)")  # fmt: skip
    print(f"  {'in-process Archive.replay, median':<34} {ms(baseline):>10}  (baseline)")
    for n, (run, floor_run) in enumerate(zip(runs, floors, strict=True)):
        print("  " + run.line("HTTP as-of", baseline))
        print("  " + floor_run.line("floor (same bytes, no archive)", baseline))
        if revalidations:
            print("  " + revalidations[n].line("HTTP as-of, If-None-Match: 304", baseline))
    for what, top in (("story", runs[-1]), ("floor", floors[-1])):
        p99 = percentile(top.seconds, 0.99)
        print(f"  {what}: p99 at {top.clients} clients / in-process median = "
              f"{p99 / baseline:.1f}x: "
              f"{verdict(p99 / baseline, GOAL, 'x', higher_is_better=False)}")  # fmt: skip
    sys.stdout.flush()


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    n = 1_000 if quick else N
    levels = {c: max(c * 4, t // 10) for c, t in LEVELS.items()} if quick else LEVELS
    updates, _ = make_story(SLUG, n, seed=3)
    moments = dates(updates)
    print(header("bench_http.py"))
    print(f"HTTP as-of of a {n:,}-update story, {len(moments)} dates, warm; "
          "ratio = HTTP latency / in-process Archive.replay median")  # fmt: skip
    with workdir("http") as tmp:
        for name, db, workers in served_archives(tmp, updates, "http"):
            for count in workers:
                measure(name, db, count, moments, levels, tmp)


if __name__ == "__main__":
    main()
