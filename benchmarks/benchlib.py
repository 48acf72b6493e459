"""Shared helpers for the benchmarks: synthetic stories, timing, tables, git repos.

Every figure is printed beside a baseline measured in the same process run, as a ratio
(story's cost / the baseline's cost, so 3.0x means story takes three times as long),
because absolute numbers on a small shared machine drift from run to run.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

# The tree whose code is measured: this checkout, or another one named by STORY_BENCH_TREE
# (ab.py runs these scripts against an older commit's worktree that way).
ROOT = Path(os.environ.get("STORY_BENCH_TREE") or Path(__file__).resolve().parent.parent)
if str(ROOT) not in sys.path:  # run as `python benchmarks/x.py` from anywhere
    sys.path.insert(0, str(ROOT))

from domain.application import chunked  # noqa: E402, F401  (re-exported for the benchmarks)
from domain.timeline import Cut, StoryVersion  # noqa: E402
from domain.updates import Update  # noqa: E402
from domain.when import When, utc_text  # noqa: E402

BY = "bench"
START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
T = TypeVar("T")

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
    slug: str, n: int, seed: int = 1, with_text: bool = False, start: datetime = START
) -> tuple[list[Update], list[str]]:
    """A realistic story of ``n`` updates and (if asked) the story's text after each.

    Mostly reports of 1-3 paragraphs, some facts and statements, a few corrections and
    retractions, and a full revision every ~500 updates so the body does not grow for
    ever. Each update is reported at a distinct datetime (``+00:00``), 3-40 minutes
    after the one before (the first 3-40 minutes after ``start``).
    """
    rng = random.Random(seed)
    updates: list[Update] = []
    texts: list[str] = []
    body = _Body()
    moment = start
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


STAGGER = timedelta(minutes=5)  # between the starts of consecutive stories of a mix


def story_start(n: int, stagger: timedelta = STAGGER) -> datetime:
    """When story number ``n`` of a mix starts: the stories of an archive overlap in time."""
    return START + n * stagger


def mix_story(n: int, per_story: int, stagger: timedelta = STAGGER) -> list[Update]:
    """Story number ``n`` of a mix (``mix-000042``): its own seed, start and updates."""
    slug = f"mix-{n:06d}"
    return make_story(slug, per_story, seed=1000 + n, start=story_start(n, stagger))[0]


def story_mix(
    stories: int, per_story: int, first: int = 0, stagger: timedelta = STAGGER
) -> Iterator[Update]:
    """Stories ``first .. first + stories - 1`` of a mix, one whole story after another.

    Each story is a ``make_story`` of its own (a 12-paragraph revision first, then the
    usual mix), started ``stagger`` after the one before, so a date in the middle of the
    archive's life finds the earlier stories complete, some under way, the rest unborn.
    """
    for n in range(first, first + stories):
        yield from mix_story(n, per_story, stagger)


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


# The columns the index reads for an update (storage.tables.FIELDS), for raw SELECTs, and
# the rows a cut ``reported by <date>`` admits (storage.index._admits: each update by its
# place on the timeline), for the placeholder from ``reported_by``.
INDEX_COLUMNS = (
    'update_id, story, kind, reported_at, "by", source, outlet, headline, text, party, '
    "issued_at, fact_key, fact_value, target, note, recorded_at, sort_utc, seq, digest"
)
REPORTED_BY = "sort_utc <= {p}"


def reported_by(when: When) -> tuple[str]:
    """The latest instant a cut as of ``when`` (read in UTC) admits, as the index compares."""
    limit = Cut(UTC, when).reported_by
    assert limit is not None
    return (utc_text(limit),)


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


CODE = ("domain", "storage", "cli", "pyproject.toml")


def revision() -> str:
    """The commit measured, and whether the code (domain, storage, cli) differs from it:
    the tree may move between runs."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %cI %s"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", *CODE],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" (+ uncommitted changes to the code)" if dirty else "")


# ---------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(
    items: Iterable[T],
    ours: Callable[[T], Any],
    base: Callable[[T], Any],
    before: Callable[[], None] = lambda: None,
) -> tuple[list[float], list[float]]:
    """Seconds of ``ours`` and of ``base`` on each item, one right after the other, so
    that drift hits both sides alike (``before`` runs ahead of each of ours, untimed)."""
    mine, theirs = [], []
    for item in items:
        before()
        start = time.perf_counter()
        ours(item)
        mine.append(time.perf_counter() - start)
        start = time.perf_counter()
        base(item)
        theirs.append(time.perf_counter() - start)
    return mine, theirs


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    return percentile(values, 0.95)


def percentile(values: Sequence[float], q: float) -> float:
    """The value at fraction ``q`` of the sorted values (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def row(what: str, ours: str, base_name: str, base: str, ratio: float) -> str:
    """One line of a figure: `what   story X   baseline Y   ratio R`."""
    return f"{what:<44} story {ours:>14}   {base_name} {base:>14}   ratio {ratio:6.2f}x"


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


def verdict(value: float, target: float, unit: str, higher_is_better: bool) -> str:
    """``target >= 8,000 upd/s: met`` (or ``NOT met``), for a figure with a target."""
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    return f"target {sign} {target:,g} {unit}: {'met' if met else 'NOT met'}"


# ---------------------------------------------------------------------------- PostgreSQL

POSTGRES_ENV = "STORY_BENCH_POSTGRES_URL"


def postgres_server() -> str | None:
    """The server URL the PostgreSQL figures use (``$STORY_BENCH_POSTGRES_URL``), if set."""
    import os

    return os.environ.get(POSTGRES_ENV) or None


def libpq(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as a libpq one, for raw psycopg."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_database(server: str, tag: str) -> Iterator[str]:
    """A fresh database ``story_bench_<tag>_<pid>`` on the server, dropped afterwards.

    Yields its SQLAlchemy URL. Only databases this makes are ever dropped.
    """
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"story_bench_{tag}_{os.getpid()}"
    admin = libpq(server)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def served_archives(
    tmp: Path, updates: Sequence[Any], tag: str
) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """An archive holding ``updates`` on each database, for the HTTP figures: (its name,
    its --db, the --workers to serve it with). SQLite in ``tmp``; PostgreSQL in a fresh
    database (dropped afterwards) when $STORY_BENCH_POSTGRES_URL is set."""
    from storage.archive import open_archive

    def filled(db: str) -> str:
        archive = open_archive(db)
        archive.record(updates)
        archive.close()
        return db

    yield "SQLite", filled(str(tmp / "archive.db")), (1, 2)
    server = postgres_server()
    if server is None:
        print(f"PostgreSQL: skipped (set {POSTGRES_ENV})")
        return
    with postgres_database(server, tag) as url:
        yield "PostgreSQL", filled(url), (2,)
