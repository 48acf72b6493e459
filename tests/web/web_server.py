"""A real `story serve` on 127.0.0.1, for the tests that need one (clients, browsers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

STORY = Path(sys.executable).with_name("story")


@dataclass
class Server:
    """A running `story serve`: its address, and what it has logged so far."""

    url: str
    process: subprocess.Popen[str]
    logs: Path | None = None  # where its output and log go, if not to pipes

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C, as a person would: the exit status, its output and its log."""
        self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        if self.logs is not None:
            out, err = ((self.logs / name).read_text() for name in ("out.txt", "err.txt"))
        return self.process.returncode, out, err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(db: str, *options: str, logs: Path | None = None) -> Iterator[Server]:
    """`story serve --db DB` on a free loopback port, stopped (Ctrl-C) at the end.

    Its output goes to pipes, read when it stops, or with ``logs`` to files in that
    folder (a server logging more than a pipe holds would otherwise wait for a reader)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORY_")}
    with ExitStack() as files:
        out, err = (
            (files.enter_context(open(logs / name, "w")) for name in ("out.txt", "err.txt"))
            if logs is not None
            else (subprocess.PIPE, subprocess.PIPE)
        )
        process = subprocess.Popen(
            [str(STORY), "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port),
             *options],
            stdout=out, stderr=err, text=True, env=env,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, logs)
    try:
        _wait_for(server)
        yield server
    finally:
        if process.poll() is None:
            server.stop()


def _wait_for(server: Server, patience: float = 20.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"story serve ended: {server.process.communicate()}")
        try:
            with urllib.request.urlopen(server.url + "/api/stories", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"story serve did not answer at {server.url}")
