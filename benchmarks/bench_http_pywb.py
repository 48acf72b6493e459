"""Memento TimeGate and TimeMap of a 10,000-update story: story serve beside pywb.

story:    `story serve` (uvicorn, --workers 1, SQLite) on 127.0.0.1 over a story of 10,000
          updates (benchlib.make_story): ``GET /stories/<slug>/timegate`` with an
          ``Accept-Datetime`` (a 302 to the memento, with its Link header) at 50 datetimes
          spread over the story's life, and ``GET /stories/<slug>/timemap/link`` (all
          10,000 mementos), warm.
baseline: pywb 2.10 (its own virtual environment, benchmarks/pywb_peer.sh) on 127.0.0.1
          over a WARC of the same 10,000 versions, written by `story export --format
          warc` (warcio: one response record per version, dated as its memento) and indexed
          by `wb-manager add`: ``GET /story/<url>`` with the same ``Accept-Datetime`` (a
          307 to the memento, with its Link header: ``redirect_to_exact``) and ``GET
          /story/timemap/link/<url>``.

Both sides are asked the same requests one after the other (interleaved), one client at
a time; then 8 clients at once, each side on its own. The script checks that both
TimeGates pick the same version for every datetime and that both TimeMaps list 10,000.

Usage: python benchmarks/bench_http_pywb.py [--quick]   (PYWB_VENV: where pywb is, or is
put; default /tmp/pywb-venv)
"""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench_http import STORY, dates, fetch, free_port, header, load, stop, story_serve, wait_for
from benchlib import interleaved, make_story, median, ms, p95, row, workdir

from storage.archive import open_archive

SLUG = "memento-bench"
N = 10_000
ORIGIN = "http://story.example"  # the story's URL in the WARC: pywb's original resource
PEER = Path(__file__).resolve().with_name("pywb_peer.sh")


@contextmanager
def pywb(folder: Path, warc: Path) -> Iterator[str]:
    """pywb serving the WARC on a free loopback port: its base URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            ["bash", str(PEER), str(folder), str(warc), str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/story/timemap/link/{ORIGIN}/stories/{SLUG}", process, 600)
            yield base
        finally:
            stop(process)


class Client:
    """One keep-alive connection to a server."""

    def __init__(self, base: str) -> None:
        where = urlsplit(base)
        self.connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)

    def get(self, path: str, headers: Mapping[str, str] = {}) -> tuple[int, dict[str, str], bytes]:
        return fetch(self.connection, path, headers)


def http_date(moment: str) -> str:
    return format_datetime(datetime.fromisoformat(moment).astimezone(UTC), usegmt=True)


def main() -> None:
    n = 1_000 if "--quick" in sys.argv[1:] else N
    updates, _ = make_story(SLUG, n, seed=3)
    moments = [http_date(m) for m in dates(updates)]
    stamp_of = {u.id: u.reported_at.start(UTC).strftime("%Y%m%d%H%M%S") for u in updates}
    print(header("bench_http_pywb.py"))
    with workdir("pywb") as tmp:
        db, warc = tmp / "archive.db", tmp / "story.warc.gz"
        archive = open_archive(str(db))
        archive.record(updates)
        archive.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("STORY_")}
        subprocess.run(
            [str(STORY), "export", SLUG, "--db", str(db), "--format", "warc",
             "--base-url", ORIGIN, "-o", str(warc)],
            check=True, env=env,
        )  # fmt: skip
        print(f"WARC of {n:,} versions: {warc.stat().st_size / 2**20:,.0f} MiB (gzipped)")
        with story_serve(str(db)) as ours, pywb(tmp / "pywb", warc) as theirs:
            figures(ours, theirs, moments, stamp_of, n)


def figures(ours: str, theirs: str, moments: list[str], stamp_of: dict[str, str], n: int) -> None:
    story, peer = Client(ours), Client(theirs)
    gate, timemap = f"/stories/{SLUG}/timegate", f"/stories/{SLUG}/timemap/link"
    peer_gate, peer_map = (
        f"/story/{ORIGIN}/stories/{SLUG}",
        f"/story/timemap/link/{ORIGIN}/stories/{SLUG}",
    )

    # Warm both, and check each picks as it says: story the latest version at or before
    # the datetime, pywb the closest one (which may be later).
    stamps = sorted(stamp_of.values())
    later = 0
    for moment in moments:
        status, headers, _ = story.get(gate, {"Accept-Datetime": moment})
        peer_status, peer_headers, _ = peer.get(peer_gate, {"Accept-Datetime": moment})
        assert (status, peer_status) == (302, 307), (status, peer_status)
        asked = datetime.strptime(moment, "%a, %d %b %Y %H:%M:%S GMT").strftime("%Y%m%d%H%M%S")
        before = [s for s in stamps if s <= asked]
        assert stamp_of[headers["location"].rsplit("/", 1)[1]] == before[-1], moment
        picked = peer_headers["location"].split("/story/", 1)[1].split("/", 1)[0]
        assert picked in stamps, (moment, picked)
        later += picked > asked
    listed = story.get(timemap)[2].count(b'rel="memento"')
    peer_listed = len(re.findall(rb'rel="[^"]*memento"', peer.get(peer_map)[2]))
    assert listed == peer_listed == n, (listed, peer_listed)

    ask = {"Accept-Datetime": ""}
    gates = interleaved(
        moments,
        lambda m: story.get(gate, {**ask, "Accept-Datetime": m}),
        lambda m: peer.get(peer_gate, {**ask, "Accept-Datetime": m}),
    )
    maps = interleaved(range(10), lambda _: story.get(timemap), lambda _: peer.get(peer_map))
    print(f"pywb's TimeGate chose a version reported after the datetime asked for {later} "
          f"of {len(moments)} (it picks the closest; story never a later one)")  # fmt: skip
    print(f"Memento of a {n:,}-update story, one client (ratio = story ms / pywb ms; "
          f"{len(moments)} TimeGate datetimes, 10 TimeMaps, interleaved, warm)")  # fmt: skip
    for what, (mine, base) in (
        ("TimeGate (302 + Link)", gates),
        (f"TimeMap, {n:,} mementos", maps),
    ):
        print(row(f"{what}, median", ms(median(mine)), "pywb", ms(median(base)),
                  median(mine) / median(base)))  # fmt: skip
        print(row(f"{what}, p95", ms(p95(mine)), "pywb", ms(p95(base)), p95(mine) / p95(base)))

    requests = [(gate, {"Accept-Datetime": m}) for m in moments]
    peer_requests = [(peer_gate, {"Accept-Datetime": m}) for m in moments]
    print("TimeGate, 8 clients at once (400 requests), each server on its own")
    print("  story " + load(ours, requests, 8, 400).line("TimeGate"))
    print("  pywb  " + load(theirs, peer_requests, 8, 400).line("TimeGate"))


if __name__ == "__main__":
    main()
