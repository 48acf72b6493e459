"""Figure 9: importing a WARC of real news pages, against extraction alone (the floor).

The WARC: the 62 real article pages of ``$STORY_BENCH_PAGES`` (default
/work/shared/data/news-pages: seven outlets, saved as a browser received them; read from
there, never copied into the project), repeated as a crawl revisits them (16 rounds, 992
captures): one gzipped ``response`` record per capture (warcio), with HTTP headers (200,
``Content-Type: text/html; charset=`` the page's own, ``text/html`` pages only), the
page's URL (its ``og:url``, else a URL made from its file name) as ``WARC-Target-URI``,
and a distinct ``WARC-Date`` (round *r* is *r* days after the first, page *i* *i*
minutes into its round). A repeated page is extracted again; its article is the same,
so story records it once (later captures of an unchanged article are no new version).

story:    the import of that file into a fresh SQLite archive, in-process:
          ``domain.importing.scan`` + ``Archive.import_files`` (what ``story import``
          calls; how bench_import.py measures the archive, without the CLI), and
          ``story import crawl.warc.gz`` itself through click's ``CliRunner``.
baseline: the extraction floor, on the same records: warcio reading the file
          (``ArchiveIterator``, each ``response`` record's payload), decoding it by its
          HTTP charset, and the two extractions domain/captures.py makes of every
          page, ``trafilatura.bare_extraction(html, url=..., with_metadata=True,
          include_comments=False, include_tables=False, favor_precision=True)`` (its
          ``extraction_options(url)``, read from the code measured; without
          favor_precision before it had them) and ``extruct.extract(html,
          base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)``. A second
          trafilatura call, which story makes where precision finds no article, is
          story's cost, not the floor's.

The floor and the import run one after the other in each round (the order reversed
every other round; the CLI once, in the middle round), median of 5 rounds, in wall-clock
seconds and in CPU seconds of the process (which other processes on the machine move
less), after one untimed pass of each over the pages once (imports, and a check that
both read every page). Goal (issue 14): the import within 1.3x the floor. When it is not
(or with --profile), cProfile (timing CPU seconds) says where the import's extra time
goes: the cumulative seconds and calls of the named suspects on each side, then the
import's top functions.

Usage: python benchmarks/bench_captures.py [--quick] [--profile]
       (--quick: 2 rounds of pages, 124 captures, for a smoke test)
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchlib import median, wants_profile, workdir

PAGES = Path(os.environ.get("STORY_BENCH_PAGES") or "/work/shared/data/news-pages")
ROUNDS_OF_PAGES = 2 if "--quick" in sys.argv[1:] else 16  # 62 pages x 16 = 992 captures
RUNS = 5
GOAL = 1.3
CRAWL_START = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
BY = "bench"

_OG_URL = re.compile(
    rb"""<meta[^>]+(?:property|name)=["']og:url["'][^>]+content=["']([^"']+)"""
    rb"""|<meta[^>]+content=["']([^"']+)["'][^>]+(?:property|name)=["']og:url["']""",
    re.IGNORECASE,
)
_CANONICAL = re.compile(rb"""<link[^>]+rel=["']canonical["'][^>]+href=["']([^"']+)""", re.I)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HOSTS = {  # for a page that names no URL of its own
    "bbc_news": "news.bbc.co.uk",
    "guardian": "www.theguardian.com",
    "independent": "www.independent.co.uk",
    "new_york_times": "www.nytimes.com",
    "rt": "www.rt.com",
    "theintercept": "theintercept.com",
    "washingtonpost": "www.washingtonpost.com",
}


@dataclass(frozen=True)
class Page:
    body: bytes
    url: str
    charset: str


def pages() -> list[Page]:
    """The real pages, by path: their bytes, URL and charset (the page's, else UTF-8)."""
    found = []
    for path in sorted(PAGES.rglob("*.html")):
        body = path.read_bytes()
        named = _OG_URL.search(body) or _CANONICAL.search(body)
        url = next((g for g in named.groups() if g), b"").decode() if named else ""
        if not url.startswith(("http://", "https://")):
            host = _HOSTS.get(path.parent.name, f"{path.parent.name}.example")
            url = f"https://{host}/news/{path.stem}"
        declared = _CHARSET.search(body[:4096])
        found.append(Page(body, url, declared.group(1).decode().lower() if declared else "utf-8"))
    return found


def build_warc(path: Path, found: list[Page], rounds: int) -> int:
    """The crawl as a gzipped WARC: every page once per round; how many captures."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    count = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for r in range(rounds):
            for i, page in enumerate(found):
                date = CRAWL_START + timedelta(days=r, minutes=i)
                http = StatusAndHeaders(
                    "200 OK",
                    [
                        ("Content-Type", f"text/html; charset={page.charset}"),
                        ("Content-Length", str(len(page.body))),
                    ],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    page.url,
                    "response",
                    payload=BytesIO(page.body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
                )
                writer.write_record(record)
                count += 1
    return count


# ---------------------------------------------------------------------------- the floor


def extraction(url: str | None) -> dict[str, Any]:
    """trafilatura's options, as domain/captures.py gives them in its first call (its
    ``extraction_options``, where the code measured has it: favor_precision=True)."""
    try:
        from domain.captures import extraction_options
    except ImportError:  # before it (commit f5ce645): these
        return {"url": url, "with_metadata": True, "include_comments": False,
                "include_tables": False}  # fmt: skip
    return extraction_options(url, True)


def floor(warc: Path) -> tuple[int, int]:
    """warcio reading + decoding + trafilatura + extruct over every page record:
    (records read, pages in which trafilatura found a document)."""
    import extruct
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    records = documents = 0
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            body = record.content_stream().read()
            url = record.rec_headers.get_header("WARC-Target-URI")
            content_type = record.http_headers.get_header("Content-Type") or ""
            html = body.decode(content_type.partition("charset=")[2].strip() or "utf-8")
            document = trafilatura.bare_extraction(html, **extraction(url))
            extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
            records += 1
            documents += document is not None
    return records, documents


# ---------------------------------------------------------------------------- story


@dataclass
class Outcome:
    new: int  # versions recorded
    present: int  # updates already in the archive
    unchanged: int | None  # captures whose article had not changed (dropped)
    skipped: int | None  # records that are no article page


def story_import(warc: Path, db: Path) -> Outcome:
    """What `story import` does with the file, without click: scan it, then record it."""
    from domain.importing import scan
    from storage.archive import open_archive

    sources = scan((str(warc),), None, BY)
    archive = open_archive(str(db))
    try:
        done = archive.import_files(sources)
    finally:
        archive.close()
    (source,) = sources
    ((_, result),) = done
    unchanged = getattr(result, "unchanged", None) or getattr(source, "unchanged", None)
    skipped = getattr(result, "skipped", None) or getattr(source, "skipped", None)
    return Outcome(len(result.new), len(result.present), unchanged, skipped)


def cli_import(warc: Path, db: Path) -> str:
    """`story import FILE --db DB --by bench`, in-process; what it printed."""
    from click.testing import CliRunner

    from cli.main import story

    result = CliRunner().invoke(
        story, ["import", str(warc), "--db", str(db), "--by", BY], catch_exceptions=False
    )
    if result.exit_code != 0:
        raise RuntimeError(f"story import failed ({result.exit_code}): {result.output}")
    return result.output


# ---------------------------------------------------------------------------- profile

# (what, file the function is in, function): the cumulative seconds of each, per side.
SUSPECTS = (
    ("trafilatura.bare_extraction", "trafilatura/core.py", "bare_extraction"),
    ("extruct.extract", "extruct/_extruct.py", "extract"),
    ("htmldate.find_date", "htmldate/core.py", "find_date"),
    ("decoding (captures._decode)", "domain/captures.py", "_decode"),
    ("gzip check pass (_whole_gzip)", "domain/captures.py", "_whole_gzip"),
    ("WARC reading (captures._warc)", "domain/captures.py", "_warc"),
    ("warcio reading (ArchiveIterator)", "warcio/archiveiterator.py", "_iterate_records"),
    ("warcio digest check (_update)", "warcio/digestverifyingreader.py", "_update"),
    ("captures.revision (per capture)", "domain/captures.py", "revision"),
    ("Update.draft", "domain/updates.py", "draft"),
    ("scan: read, extract, spool (_spooled)", "domain/captures.py", "_spooled"),
    ("unchanged_dropped", "domain/captures.py", "unchanged_dropped"),
    ("CaptureSource.settled", "domain/captures.py", "settled"),
    ("Archive.article_before", "domain/application.py", "article_before"),
    ("spool read back (CaptureSource.read)", "domain/captures.py", "read"),
    ("Archive.import_files (all of it)", "domain/application.py", "import_files"),
    ("Archive.record_stream (writing)", "domain/application.py", "record_stream"),
)


def profiled(fn: Callable[[], Any]) -> pstats.Stats:
    profiler = cProfile.Profile(time.process_time)  # CPU time: other processes move it less
    profiler.enable()
    fn()
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def cumulative(stats: pstats.Stats, file: str, function: str) -> tuple[float, int] | None:
    """The cumulative seconds in a function, and how many calls (not recursive ones)."""
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    found = [
        (float(value[3]), int(value[1]))
        for (path, _, name), value in entries.items()
        if name == function and path.replace(os.sep, "/").endswith(file)
    ]
    return max(found) if found else None


def total(stats: pstats.Stats) -> float:
    return float(stats.total_tt)  # type: ignore[attr-defined]


def profile_both(warc: Path, tmp: Path) -> None:
    ours = profiled(lambda: story_import(warc, tmp / "profile.db"))
    base = profiled(lambda: floor(warc))
    print(f"--- profile (cProfile timing CPU seconds; its overhead inflates both): import "
          f"{total(ours):.1f} s, floor {total(base):.1f} s, "
          f"ratio {total(ours) / total(base):.2f}x")  # fmt: skip
    print(f"{'cumulative CPU seconds in (calls)':<38} {'import':>16} {'floor':>16}")
    for what, file, function in SUSPECTS:
        show = [
            f"{t[0]:8.2f} ({t[1]:>5})" if t is not None else f"{'-':>16}"
            for t in (cumulative(ours, file, function), cumulative(base, file, function))
        ]
        print(f"{what:<38} {show[0]} {show[1]}")
    out = io.StringIO()
    ours.stream = out  # type: ignore[attr-defined]
    ours.sort_stats("cumulative").print_stats(r"domain|storage|cli|htmldate", 30)
    print("--- the import's own functions (and htmldate), by cumulative time")
    print(out.getvalue())
    out = io.StringIO()
    ours.stream = out  # type: ignore[attr-defined]
    ours.sort_stats("tottime").print_stats(25)
    print("--- the import's top functions by own time")
    print(out.getvalue())


# ---------------------------------------------------------------------------- main


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.1f} capt/s"


def line(what: str, ours: str, base: str, ratio: float) -> str:
    return f"{what:<44} story {ours:>14}   floor {base:>14}   ratio {ratio:6.2f}x"


def main() -> None:
    if not PAGES.is_dir():
        print(f"Figure 9: skipped, no pages at {PAGES} (set STORY_BENCH_PAGES)")
        return
    found = pages()
    with workdir("captures") as tmp:
        warc = tmp / "crawl.warc.gz"
        captures = build_warc(warc, found, ROUNDS_OF_PAGES)
        once = tmp / "once.warc.gz"
        build_warc(once, found, 1)
        # untimed: the imports of both sides, and a check that both read every page
        records, documents = floor(once)
        first = story_import(once, tmp / "once.db")
        assert records == len(found), (records, len(found))
        if wants_profile():
            profile_both(warc, tmp)
            return

        times: dict[str, list[float]] = {"floor": [], "api": [], "cli": []}
        cpu: dict[str, list[float]] = {"floor": [], "api": [], "cli": []}
        outcome: Outcome | None = None
        printed = ""
        for n in range(RUNS):
            order = ["floor", "api"] if n % 2 == 0 else ["api", "floor"]
            if n == RUNS // 2:  # the command itself, once: what click adds is no figure
                order.append("cli")
            for side in order:
                db = tmp / f"{side}-{n}.db"
                start, used = time.perf_counter(), time.process_time()
                if side == "floor":
                    floor(warc)
                elif side == "api":
                    outcome = story_import(warc, db)
                else:
                    printed = cli_import(warc, db)
                times[side].append(time.perf_counter() - start)
                cpu[side].append(time.process_time() - used)
                for stale in tmp.glob(f"{side}-{n}.db*"):
                    stale.unlink()
        (cli,), (cli_cpu,) = times.pop("cli"), cpu.pop("cli")
        base, api = (median(times[k]) for k in ("floor", "api"))
        assert outcome is not None
        size = warc.stat().st_size
        print(
            f"Figure 9: import of a WARC of real pages (ratio = story s / floor s; {captures:,} "
            f"captures of {len(found)} pages, {size / 2**20:.0f} MB gzipped; median of {RUNS})"
        )
        print(line("import (scan + Archive.import_files)", rate(captures, api),
                   rate(captures, base), api / base))  # fmt: skip
        print(line("story import crawl.warc.gz (CLI, one run)", rate(captures, cli),
                   rate(captures, base), cli / base))  # fmt: skip
        base_cpu, api_cpu = (median(cpu[k]) for k in ("floor", "api"))
        verdicts = [
            f"{'met' if ratio <= GOAL else 'NOT met'} by {what} ({ratio:.2f}x)"
            for what, ratio in (("wall clock", api / base), ("CPU time", api_cpu / base_cpu))
        ]
        print(f"  goal: import within {GOAL}x the floor: {', '.join(verdicts)}")
        print(f"  (seconds, each round: floor {_runs(times['floor'])}; import "
              f"{_runs(times['api'])}; CLI {cli:.1f})")  # fmt: skip
        rounds = [a / f for a, f in zip(times["api"], times["floor"], strict=True)]
        print(f"  (import / floor, each round: {', '.join(f'{r:.2f}x' for r in rounds)})")
        print(f"  (CPU seconds of this process, median: floor {base_cpu:.1f}, import "
              f"{api_cpu:.1f} ({api_cpu / base_cpu:.2f}x), CLI {cli_cpu:.1f} "
              f"({cli_cpu / base_cpu:.2f}x): less moved by other processes than the "
              "wall-clock figures above)")  # fmt: skip
        print(f"  (floor's trafilatura options: {extraction(None)})")
        print(f"  (the pages once: trafilatura found a document in {documents} of {records}; "
              f"story recorded {first.new} versions, {first.skipped} records skipped)")  # fmt: skip
        print(f"  (the crawl: story recorded {outcome.new} versions; {outcome.unchanged} "
              f"captures dropped as unchanged, {outcome.skipped} skipped)")  # fmt: skip
        print(f"  (the CLI said: {' / '.join(printed.strip().splitlines()[-2:])})")
        if max(api / base, api_cpu / base_cpu) > GOAL:
            print()
            profile_both(warc, tmp)


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
