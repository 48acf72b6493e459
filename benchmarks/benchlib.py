"""Shared helpers for the benchmarks: synthetic stories, timing, tables, git repos.

Every figure is printed beside a baseline measured in the same process run, as a ratio
(story's cost / the baseline's cost, so 3.0x means story takes three times as long),
because absolute numbers on a small shared machine drift from run to run.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(ROOT))

from domain.timeline import StoryVersion  # noqa: E402
from domain.updates import Update  # noqa: E402

BY = "bench"
START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------- text


_VOCABULARY = (
    "the city council police department contract mayor said officials residents "
    "neighborhood funding alderman budget vote hearing report data shooting alerts "
    "technology company spokesperson statement plan months extension review community "
    "groups public safety response officers calls audit inspector general findings "
    "millions dollars program sensors district south west side chicago critics support "
    "evidence analysis agreement renewal deadline friday week announced according to "
    "documents obtained by reporters interview earlier this year last month could would "
    "not a an of in on for with at from and but as it its their they was were has have"
)
_WORDS = tuple(_VOCABULARY.split())


def sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def paragraph(rng: random.Random, low: int = 2, high: int = 3) -> str:
    """A news paragraph: two or three sentences, roughly 30-50 words."""
    return " ".join(sentence(rng, rng.randint(10, 18)) for _ in range(rng.randint(low, high)))


# ---------------------------------------------------------------------------- stories


@dataclass
class _Body:
    """The incremental state of a generated story, mirroring domain.timeline.state."""

    headline: str | None = None
    segments: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    statements: list[tuple[str, str]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        paragraphs = [p for _, ps in self.segments for p in ps]
        return render_text(self.headline, paragraphs, self.statements, self.facts)


def render_text(
    headline: str | None,
    paragraphs: Sequence[str],
    statements: Sequence[tuple[str, str]],
    facts: dict[str, Any],
) -> str:
    """The story as a plain text file: headline, body, statements, facts."""
    out = [headline or "", ""]
    out += [p + "\n" for p in paragraphs]
    if statements:
        out.append("Statements")
        out += [f"{party}: {text}" for party, text in statements]
        out.append("")
    if facts:
        out.append("Facts")
        out += [f"{k} = {json.dumps(v)}" for k, v in sorted(facts.items())]
    return "\n".join(out) + "\n"


def version_text(v: StoryVersion) -> str:
    """The same plain text, from a replayed version (to check git holds the same story)."""
    statements = [(s.party, s.text) for s in v.statements]
    return render_text(v.headline, v.paragraphs, statements, v.facts)


_PARTIES = ("SoundThinking", "Mayor's office", "Chicago Police Department", "Ald. Lopez")
_FACT_KEYS = tuple(f"metric.{name}" for name in ("alerts", "budget", "sensors", "arrests")) + tuple(
    f"contract.{name}" for name in ("status", "ends_on", "value", "vendor")
)


def make_story(
    slug: str, n: int, seed: int = 1, with_text: bool = False
) -> tuple[list[Update], list[str]]:
    """A realistic story of ``n`` updates and (if asked) the story's text after each.

    Mostly reports of 1-3 paragraphs, some facts and statements, a few corrections and
    retractions, and a full revision every ~500 updates so the body does not grow for
    ever. Each update is reported at a distinct datetime (``+00:00``), 3-40 minutes
    after the one before.
    """
    rng = random.Random(seed)
    updates: list[Update] = []
    texts: list[str] = []
    body = _Body()
    moment = START
    reports: list[tuple[str, str]] = []  # (id, day) of reports in the current body
    for i in range(n):
        moment += timedelta(minutes=rng.randint(3, 40), seconds=rng.randint(0, 59))
        at = moment.isoformat()
        roll = rng.random()
        if i == 0 or i % 500 == 499:
            update = Update.draft(
                slug,
                "revision",
                at,
                BY,
                headline=sentence(rng, 9)[:-1],
                text="\n\n".join(paragraph(rng) for _ in range(12)),
            )
            body.headline = update.headline
            body.segments = [(update.id, update.paragraphs)]
            reports = []
        elif roll < 0.10:
            key = rng.choice(_FACT_KEYS)
            value: Any = None if rng.random() < 0.05 else rng.randint(0, 10**6)
            update = Update.draft(slug, "fact", at, BY, key=key, value=value)
            if value is None:
                body.facts.pop(key, None)
            else:
                body.facts[key] = value
        elif roll < 0.14:
            party = rng.choice(_PARTIES)
            update = Update.draft(
                slug, "statement", at, BY, party=party, text=sentence(rng, rng.randint(12, 30))
            )
            body.statements.append((party, update.text or ""))
        elif roll < 0.147 and reports:
            target, _ = reports.pop(rng.randrange(len(reports)))
            update = Update.draft(
                slug, "correction", at, BY, target=target, text=paragraph(rng), note="misquote"
            )
            body.segments = [
                (uid, update.paragraphs if uid == target else ps) for uid, ps in body.segments
            ]
        elif roll < 0.149 and reports:
            target, _ = reports.pop(rng.randrange(len(reports)))
            update = Update.draft(slug, "retraction", at, BY, target=target, note="unsourced")
            body.segments = [(uid, ps) for uid, ps in body.segments if uid != target]
        else:
            text = "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 3)))
            update = Update.draft(slug, "report", at, BY, text=text)
            body.segments.append((update.id, update.paragraphs))
            reports.append((update.id, update.reported_at.day.isoformat()))
        updates.append(update)
        if with_text:
            texts.append(body.text())
    return updates, texts


def index_row(update: Update) -> tuple[str, str, str, str, str, str]:
    """The row the archive's index stores for an update (its JSON record included)."""
    return (
        update.story,
        update.id,
        update.kind,
        update.reported_at.day.isoformat(),
        datetime.now(UTC).isoformat(timespec="microseconds"),
        json.dumps(update.to_record(), ensure_ascii=False, sort_keys=True),
    )


# ---------------------------------------------------------------------------- git


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": _path()}
    return subprocess.run(
        ["git", *args], cwd=repo, input=data, env=env, check=True, capture_output=True
    ).stdout


def _path() -> str:
    import os

    return os.environ.get("PATH", "/usr/bin:/bin")


def build_git_repo(repo: Path, updates: Sequence[Update], texts: Sequence[str]) -> None:
    """One commit per version, dated by its reported time, holding story.txt (fast-import)."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet"],
        cwd=repo,
        stdin=subprocess.PIPE,
        env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": _path()},
    )
    assert proc.stdin is not None
    for n, (update, text) in enumerate(zip(updates, texts, strict=True), start=1):
        stamp = int(update.reported_at.start(UTC).timestamp())
        message = f"{update.kind} {update.id}".encode()
        content = text.encode()
        parent = f"from :{n - 1}\n".encode() if n > 1 else b""
        proc.stdin.write(
            b"commit refs/heads/main\nmark :%d\ncommitter Bench <b@x> %d +0000\n" % (n, stamp)
            + b"data %d\n%s\n" % (len(message), message)
            + parent
            + b"M 100644 inline story.txt\ndata %d\n%s\n" % (len(content), content)
        )
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    git(repo, "commit-graph", "write", "--reachable")


# ---------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(what: str, ours: str, base_name: str, base: str, ratio: float) -> str:
    """One line of a figure: `what   story X   baseline Y   ratio R`."""
    return f"{what:<44} story {ours:>14}   {base_name} {base:>14}   ratio {ratio:6.1f}x"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} upd/s"


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=f"story-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def profile(fn: Callable[[], Any], limit: int = 18) -> None:
    """Run fn under cProfile and print where its time goes (with --profile)."""
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    print(out.getvalue())


def wants_profile() -> bool:
    return "--profile" in sys.argv[1:]
