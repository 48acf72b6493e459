"""`story serve` for real: uvicorn on 127.0.0.1, read by Memento clients and urllib."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from web_helpers import IDS
from web_server import Server, serving

memento_client = pytest.importorskip("memento_client", reason="memento-client is not installed")

pytestmark = pytest.mark.slow


@pytest.fixture
def server(web_db: str) -> Iterator[Server]:
    with serving(web_db) as running:
        yield running


def test_it_prints_its_address_logs_a_line_per_request_and_stops_cleanly_on_ctrl_c(
    web_db: str,
) -> None:
    with serving(web_db) as running:
        for path in ("/", "/stories/shotspotter"):
            urllib.request.urlopen(running.url + path, timeout=5).close()
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(running.url + "/stories/nope", timeout=5)
        status, out, log = running.stop()

    assert status == 0
    assert f"at {running.url}/ (Ctrl-C stops)" in out
    requests = [line for line in out.splitlines() if '"GET ' in line]
    assert len(requests) == 4  # the readiness probe, then ours
    assert requests[-1].endswith('"GET /stories/nope HTTP/1.1" 404 Not Found')
    assert "Application shutdown complete" in log


def test_without_an_archive_it_says_so_in_one_line_and_does_not_listen(tmp_path: Path) -> None:
    story = Path(sys.executable).with_name("story")
    done = subprocess.run(
        [str(story), "serve", "--db", str(tmp_path / "none.db"), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: no archive at {tmp_path / 'none.db'}")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("moment", "closest", "first_prev_next"),
    [
        (datetime(2024, 2, 12, 0, 0, 0), 2, (0, 1, 3)),  # on a version: the day's last
        (datetime(2024, 2, 14, 9, 30, 0), 2, (0, 1, 3)),  # between versions
        (datetime(2024, 2, 16, 23, 0, 0), 8, (0, 7, None)),  # after the last
    ],
)
def test_memento_client_finds_our_memento_and_its_neighbours(
    server: Server, moment: datetime, closest: int, first_prev_next: tuple[int, int, int | None]
) -> None:
    from memento_client import MementoClient

    original = f"{server.url}/stories/shotspotter"
    with MementoClient() as client:
        info = client.get_memento_info(original, moment)

    mementos = info["mementos"]
    first, prev, next_ = first_prev_next
    url = f"{server.url}/stories/shotspotter/versions/"
    assert info["timegate_uri"] == f"{original}/timegate"
    assert mementos["closest"]["uri"] == [url + IDS[closest]]
    assert mementos["closest"]["http_status_code"] == 200
    assert mementos["first"]["uri"] == [url + IDS[first]]
    assert mementos["last"]["uri"] == [url + IDS[8]]
    assert mementos["prev"]["uri"] == [url + IDS[prev]]
    assert mementos.get("next", {}).get("uri") == ([url + IDS[next_]] if next_ else None)
    assert mementos["first"]["datetime"] == datetime(2024, 2, 12)


def test_memento_client_before_the_first_version_gets_no_memento(server: Server) -> None:
    from memento_client import MementoClient

    with MementoClient() as client:
        info = client.get_memento_info(f"{server.url}/stories/shotspotter", datetime(2020, 1, 1))

    assert "mementos" not in info
    assert info["timegate_uri"] == f"{server.url}/stories/shotspotter/timegate"


def test_memento_cli_lists_every_version_from_our_timemap(server: Server) -> None:
    memento = Path(sys.executable).with_name("memento")
    if not memento.exists():
        pytest.skip("memento-cli is not installed")

    done = subprocess.run(
        [str(memento), "list", f"{server.url}/stories/shotspotter"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = done.stdout.splitlines()
    assert len(lines) == 9
    assert lines[0] == f"2024-02-12 00:00:00 {server.url}/stories/shotspotter/versions/{IDS[0]}"
    assert lines[-1].endswith(IDS[8])
