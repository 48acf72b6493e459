"""`story export`'s text formats: JSON Lines, CSV, a Memento TimeMap, Markdown, and a
`git fast-import` stream. Each renders one story at a time, so an export of any size
holds one story's versions in memory.

URLs (TimeMap, Atom, WARC) are those `story serve` answers at ``base``: the same paths
as cli/web/pages.py, so an export's TimeMap is byte for byte what the service serves.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, tzinfo

from cli.render import update_fields
from cli.web import memento as mem
from domain.errors import InvalidInput
from domain.timeline import StoryVersion
from domain.updates import MISSING, Update
from domain.when import utc_text

CSV_COLUMNS = (
    "story", "version", "id", "kind", "reported_at", "recorded_at", "by", "digest",
    "outlet", "source", "target", "amended_by", "summary", "captured_at", "dated_by",
)  # fmt: skip


def story_urls(base: str, slug: str) -> dict[str, str]:
    """The story's Memento URLs as `story serve` at ``base`` names them."""
    story = f"{base.rstrip('/')}/stories/{slug}"
    return {
        "original": story,
        "timegate": f"{story}/timegate",
        "timemap": f"{story}/timemap/link",
        "versions": f"{story}/versions/",
    }


# JSON Lines: one update a line, as `story log --json` gives it (docs/json.md), importable


def jsonl(timeline: Sequence[Update]) -> Iterator[str]:
    for u in timeline:
        yield json.dumps(update_fields(u), ensure_ascii=False, allow_nan=False) + "\n"


# CSV: the log, for analysts


def csv_header() -> str:
    return _csv_line(CSV_COLUMNS)


def csv_rows(timeline: Sequence[Update]) -> Iterator[str]:
    amenders: dict[str, list[str]] = {}
    for u in timeline:
        if u.target:
            amenders.setdefault(u.target, []).append(u.id)
    for n, u in enumerate(timeline, start=1):
        recorded = u.recorded_at.astimezone(UTC).isoformat() if u.recorded_at else ""
        yield _csv_line(
            (
                u.story, str(n), u.id, u.kind, str(u.reported_at), recorded, u.by,
                u.digest or "", u.outlet or "", u.source or "", u.target or "",
                " ".join(amenders.get(u.id, ())), u.summary(200),
                utc_text(u.captured_at) if u.captured_at else "", u.dated_by or "",
            )
        )  # fmt: skip


def _csv_line(values: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


# TimeMap: exactly as /stories/SLUG/timemap/link serves it


def timemap(base: str, slug: str, timeline: Sequence[Update], home: tzinfo) -> str:
    """``home``: the archive's zone, where a date-only update was reported."""
    urls = story_urls(base, slug)
    found = mem.mementos(timeline, home)
    by_id = {m.update.id: urls["versions"] + m.update.id for m in found}
    return mem.timemap(urls["original"], urls["timegate"], urls["timemap"], by_id, found)


# Markdown: one version of a story, as `story replay` shows it (without the list of
# updates that made it: in git, that is the log)


def markdown(v: StoryVersion) -> str:
    out = [f"# {v.headline}", ""] if v.headline else []
    notes: dict[int, list[str]] = {}
    for note in v.notes:
        a = note.amendment
        verb = "Corrected" if a.kind == "correction" else "Retracted"
        notes.setdefault(note.at, []).append(
            f"> [{verb} {a.reported_at} by {a.update_id}: {a.note}]"
        )
    for n, paragraph in enumerate(v.paragraphs):
        out += [*_spaced(notes.get(n, [])), paragraph, ""]
    out += _spaced(notes.get(len(v.paragraphs), []))
    if v.statements:
        out += ["## Statements", ""]
        for s in v.statements:
            issued = f", issued {s.issued_at}" if s.issued_at else ""
            out += [f"**{s.party}**{issued} [{s.update_id}]:", "", s.text, ""]
    if v.facts:
        out += ["## Facts", ""]
        for key, value in sorted(v.facts.items()):
            out.append(f"- `{key}`: `{json.dumps(value, ensure_ascii=False)}`")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def _spaced(lines: list[str]) -> list[str]:
    return [part for line in lines for part in (line, "")]


# git fast-import: a branch per story (refs/heads/SLUG), a commit per version


def git_start() -> bytes:
    # With `done` at the end, git refuses a stream cut short instead of importing part.
    return b"feature done\n"


def git_end() -> bytes:
    return b"done\n"


def git_story(
    slug: str, history: Iterable[tuple[Update, StoryVersion]], home: tzinfo
) -> Iterator[bytes]:
    """One commit per version on ``refs/heads/SLUG``, the story as ``SLUG.md``: author
    date = when the update was reported, committer date = when it was recorded."""
    for n, (u, version) in enumerate(history, start=1):
        who = " ".join(u.by.replace("<", "").replace(">", "").split()) or "unknown"
        recorded = u.recorded_at or datetime.fromtimestamp(0, UTC)
        yield (
            f"commit refs/heads/{slug}\n"
            f"author {who} <> {_git_date(u.reported_at.start(home), u)}\n"
            f"committer {who} <> {_git_date(recorded, u)}\n"
        ).encode()
        yield _git_data(_commit_message(slug, n, u))
        yield f"M 100644 inline {slug}.md\n".encode()
        yield _git_data(markdown(version))
        yield b"\n"


def _git_date(moment: datetime, u: Update) -> str:
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise InvalidInput(
            f"update {u.id} of {u.story} is dated {moment.date()}, before 1970, which git "
            "cannot hold: export it in another format"
        )
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return f"{seconds} {sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _git_data(text: str) -> bytes:
    data = text.encode("utf-8")
    return f"data {len(data)}\n".encode() + data + b"\n"


def _commit_message(slug: str, number: int, u: Update) -> str:
    trailers = [
        f"Update: {u.id}",
        f"Kind: {u.kind}",
        f"Reported: {u.reported_at}",
        f"Recorded: {u.recorded_at.astimezone(UTC).isoformat() if u.recorded_at else '-'}",
        f"Digest: {u.digest or '-'}",
    ]
    if u.source:
        trailers.append(f"Source: {u.source}")
    if u.outlet:
        trailers.append(f"Outlet: {u.outlet}")
    if u.captured_at:
        trailers.append(f"Captured: {utc_text(u.captured_at)}")
    if u.dated_by:
        trailers.append(f"Dated-by: {u.dated_by}")
    if u.target:
        trailers.append(f"Amends: {u.target}")
    if u.kind == "fact" and u.value is not MISSING:
        trailers.append(f"Fact: {u.key} = {json.dumps(u.value, ensure_ascii=False)}")
    subject = f"{slug} version {number} ({u.kind}): {u.summary(60)}"
    return subject + "\n\n" + "\n".join(trailers) + "\n"
