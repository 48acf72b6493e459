"""pywb, a replay tool of its own, indexes `story export --format warc`; its Memento
TimeGate is asked for each story at a spread of dates and compared with `story replay
--as-of` there.

pywb 2.10's TimeGate asks its index for the memento *closest* to the Accept-Datetime
(pywb/apps/rewriterapp.py sends ``closest=``; pywb/warcserver/index/cdxops.py
``cdx_sort_closest`` orders by distance, the earlier first when two are as close), and
no setting or request parameter changes that. story answers the latest version at or
before the date, never a later one. So, as checked here:

- at a version's moment, a second after it, and in the first half of the gap to the next
  version (its midpoint included), pywb's memento is story's version;
- in the second half of a gap (just past the midpoint, three quarters in, a second before
  the next version), pywb answers the *later* version and story the earlier one;
- before the first version story has no version (an error), and pywb redirects to the
  first;
- long after the last, both answer the last.

Versions reported in the same second (date-only updates all start at midnight) are one
datetime to pywb, and a memento's URL names only its second: of them pywb serves the one
its index lists first (by payload digest), and story the last of them, the same version
only when the digests happen to sort so (they do at the three such seconds here). There
the Memento-Datetime is compared, and the version pywb serves is checked to be the first
by digest.

pywb's CDX API has an at-or-before query (``to=DATE&sort=reverse&limit=1``, documented
with the API): its answer has story's datetime at every date, and is empty before the
first version.

pywb runs from ``$PYWB_VENV`` (``benchmarks/pywb_peer.sh install`` makes it; .ci/run
does), started by the same script the benchmarks use.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from export_helpers import Story, filled

pytestmark = pytest.mark.slow

PEER = Path(__file__).resolve().parents[2] / "benchmarks" / "pywb_peer.sh"
ORIGIN = "http://localhost:8000"  # story export's default --base-url
SLUGS = ("council", "shotspotter")
SECOND = timedelta(seconds=1)

SAME = "same"  # pywb's memento is story's version
LATER = "later"  # pywb's is the next version; story's the one before the date
BEFORE = "before"  # story has none; pywb's is the first


@dataclass(frozen=True)
class Version:
    """A story's version as the WARC holds it."""

    update: str
    moment: datetime  # its WARC-Date
    digest: str  # its payload digest: pywb's index lists the versions of a second by it


@dataclass(frozen=True)
class Exported:
    cli: Story
    warc: Path
    versions: dict[str, list[Version]]  # by story, in version order (as the WARC has them)


@dataclass(frozen=True)
class Date:
    kind: str  # what the date is, for a failure's message
    expect: str  # SAME, LATER or BEFORE
    moment: datetime


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Pywb:
    """pywb's collection "story" on a loopback port."""

    def __init__(self, port: int) -> None:
        self.port = port

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """One GET; a redirect is answered, not followed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            answer = connection.getresponse()
            return Answer(answer.status, answer.msg, answer.read())
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _url(slug: str) -> str:
    return f"{ORIGIN}/stories/{slug}"


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


@pytest.fixture(scope="module")
def pywb_venv() -> Path:
    venv = os.environ.get("PYWB_VENV")
    if not venv:
        pytest.skip(
            "PYWB_VENV is not set: pywb runs from a virtual environment of its own "
            "(PYWB_VENV=/tmp/pywb-venv bash benchmarks/pywb_peer.sh install makes one)"
        )
    if not (Path(venv) / "bin" / "wayback").is_file():
        pytest.skip(
            f"PYWB_VENV={venv} has no bin/wayback "
            f"(PYWB_VENV={venv} bash benchmarks/pywb_peer.sh install makes it)"
        )
    return Path(venv)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    pytest.importorskip("warcio", reason="WARC export needs story[captures]")
    from warcio.archiveiterator import ArchiveIterator

    folder = tmp_path_factory.mktemp("archive")
    cli = filled(folder)
    warc = folder / "stories.warc.gz"
    cli.ok("export", "--format", "warc", "-o", str(warc))
    versions: dict[str, list[Version]] = {slug: [] for slug in SLUGS}
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            headers = record.rec_headers
            slug = headers.get_header("WARC-Target-URI").rsplit("/", 1)[1]
            versions[slug].append(
                Version(
                    headers.get_header("WARC-Story-Update"),
                    datetime.strptime(headers.get_header("WARC-Date"), "%Y-%m-%dT%H:%M:%S%z"),
                    headers.get_header("WARC-Payload-Digest").split(":", 1)[1],
                )
            )
    for slug in SLUGS:  # so version N of `story replay` is versions[slug][N - 1]
        assert [v.update for v in versions[slug]] == [e["id"] for e in cli.json("log", slug)]
    return Exported(cli, warc, versions)


@pytest.fixture(scope="module")
def pywb(
    pywb_venv: Path, exported: Exported, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pywb]:
    """benchmarks/pywb_peer.sh serving the exported WARC; stopped whatever happens."""
    folder = tmp_path_factory.mktemp("pywb")
    port = _free_port()
    log = folder / "pywb.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(PEER), str(folder / "pywb"), str(exported.warc), str(port)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYWB_VENV": str(pywb_venv)}, start_new_session=True,
        )  # fmt: skip
    try:
        server = Pywb(port)
        deadline = time.monotonic() + 40
        while True:
            if process.poll() is not None:
                pytest.fail(f"pywb ended (status {process.returncode}):\n{log.read_text()}")
            try:
                if server.get(f"/story/timemap/link/{_url('council')}").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"pywb did not answer on port {port} in 40 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def dates(versions: list[Version]) -> list[Date]:
    """Before the first version; each version's moment and a second after it; five points
    in each gap between two moments; long after the last."""
    moments = sorted({v.moment for v in versions})
    found = [Date("a day before the first version", BEFORE, moments[0] - timedelta(days=1))]
    for a, b in pairwise(moments):
        gap = int((b - a).total_seconds())
        found += [
            Date("a version's moment", SAME, a),
            Date("a second after a version", SAME, a + SECOND),
            Date("a quarter into a gap", SAME, a + gap // 4 * SECOND),
            Date("a gap's midpoint", SAME, a + gap // 2 * SECOND),
            Date("a second past a gap's midpoint", LATER, a + (gap // 2 + 1) * SECOND),
            Date("three quarters into a gap", LATER, a + 3 * gap // 4 * SECOND),
            Date("a second before the next version", LATER, b - SECOND),
        ]
    found += [
        Date("the last version's moment", SAME, moments[-1]),
        Date("a second after the last version", SAME, moments[-1] + SECOND),
        Date("a year after the last version", SAME, moments[-1] + timedelta(days=365)),
    ]
    return found


def story_says(exported: Exported, slug: str, moment: datetime) -> str | None:
    """The update of the version `story replay --as-of` shows; None when it has none."""
    result = exported.cli("replay", slug, "--as-of", moment.isoformat(), "--json")
    if result.exit_code == 1 and "had no update reported as of" in result.stderr:
        return None
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    number: int = json.loads(result.stdout)["version"]
    return exported.versions[slug][number - 1].update


def timegate_says(pywb: Pywb, slug: str, moment: datetime) -> tuple[datetime, str]:
    """The memento pywb's TimeGate redirects to: its Memento-Datetime and the update of
    the version in its body."""
    gate = pywb.get(f"/story/{_url(slug)}", {"Accept-Datetime": _http_date(moment)})
    assert gate.status == 307, (gate.status, gate.body[:300])
    location = gate.headers["Location"]
    link = re.search(r'<([^>]+)>; rel="memento"; datetime="([^"]+)"', gate.headers["Link"])
    assert link is not None, gate.headers["Link"]
    assert link[1] == location
    memento = pywb.get(location.removeprefix(f"http://127.0.0.1:{pywb.port}"))
    assert memento.status == 200, memento.status
    (datetime_,) = set(memento.headers.get_all("Memento-Datetime") or [])
    assert datetime_ == link[2]
    update = re.search(rb'<meta name="story-update" content="([0-9a-f]+)">', memento.body)
    assert update is not None, memento.body[:500]
    return parsedate_to_datetime(datetime_), update[1].decode()


def first_listed(versions: list[Version], moment: datetime) -> Version:
    """Of the versions at one second, the one pywb's index lists first."""
    return min((v for v in versions if v.moment == moment), key=lambda v: v.digest)


@pytest.mark.parametrize("slug", SLUGS)
def test_pywb_lists_every_version_of_the_story(pywb: Pywb, exported: Exported, slug: str) -> None:
    timemap = pywb.get(f"/story/timemap/link/{_url(slug)}")

    assert timemap.status == 200
    listed = re.findall(rb'datetime="([^"]+)"', timemap.body)
    versions = exported.versions[slug]
    assert [parsedate_to_datetime(d.decode()) for d in listed] == sorted(v.moment for v in versions)
    assert len(listed) == len(versions) == {"council": 7, "shotspotter": 11}[slug]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_timegate_picks_storys_version_up_to_a_gaps_midpoint_and_the_next_after_it(
    pywb: Pywb, exported: Exported, slug: str
) -> None:
    versions = exported.versions[slug]
    by_update = {v.update: v for v in versions}
    moments = sorted({v.moment for v in versions})
    wrong: list[tuple[Any, ...]] = []
    for date in dates(versions):
        story = story_says(exported, slug, date.moment)
        picked, served = timegate_says(pywb, slug, date.moment)
        if date.expect == BEFORE:
            expected, ok_story = moments[0], story is None
        else:
            assert story is not None, date
            mine = by_update[story].moment
            assert mine == max(m for m in moments if m <= date.moment), date
            if date.expect == SAME:
                expected, ok_story = mine, True
            else:
                expected = min(m for m in moments if m > date.moment)
                ok_story = mine < date.moment < expected
        single = sum(v.moment == picked for v in versions) == 1
        ok = (
            ok_story
            and picked == expected
            and served == first_listed(versions, picked).update
            and (not single or date.expect != SAME or served == story)
        )
        if not ok:
            wrong.append((date.kind, date.moment.isoformat(), story, picked.isoformat(), served))
    assert wrong == []


@pytest.mark.parametrize("slug", SLUGS)
def test_the_cdx_api_asked_at_or_before_answers_storys_datetime_at_every_date(
    pywb: Pywb, exported: Exported, slug: str
) -> None:
    versions = exported.versions[slug]
    by_update = {v.update: v for v in versions}
    wrong: list[tuple[Any, ...]] = []
    for date in dates(versions):
        story = story_says(exported, slug, date.moment)
        query = f"url={_url(slug)}&to={_stamp(date.moment)}&sort=reverse&limit=1&output=json"
        answer = pywb.get(f"/story/cdx?{query}")
        assert answer.status == 200, answer.status
        stamps = [json.loads(line)["timestamp"] for line in answer.body.splitlines()]
        expected = [] if story is None else [_stamp(by_update[story].moment)]
        if stamps != expected:
            wrong.append((date.kind, date.moment.isoformat(), story, stamps))
    assert wrong == []
