"""Rendering: archive results as text for people and JSON for scripts.

The JSON shapes are a contract, documented in docs/json.md; change them only by adding.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

from cli.render_sentences import sentence_diff, sentence_diff_json
from domain.application import Appended, Imported, StorySummary
from domain.diffing import StoryDiff, word_diff
from domain.provenance import SentenceDiff
from domain.text import counted
from domain.timeline import Amendment, StoryVersion
from domain.updates import MISSING, Update
from domain.when import When, utc_text

WIDTH = 88


def stamp(moment: datetime | None) -> str:
    """A recorded time as people read it: UTC, to the second."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# append / import


def appended(result: Appended) -> str:
    u = result.update
    where = f"version {result.version} of {result.versions} of {u.story}"
    if not result.new:
        return f"Already present: {u.id} is {where} (nothing appended)"
    return f"Appended {u.id}: {where} ({u.kind}, reported {u.reported_at})"


def appended_json(result: Appended) -> dict[str, Any]:
    return {
        **update_fields(result.update),
        "version": result.version,
        "versions": result.versions,
        "new": result.new,
    }


def imported_file(name: str, result: Imported, story: str | None = None) -> str:
    """One file's line; a text capture's names its story (it may come from the headline)."""
    where = f" (story {story})" if story else ""
    line = f"{name}: {len(result.new)} new, {len(result.present)} already present{where}"
    if result.unchanged:
        line += f", {counted(result.unchanged, 'capture')} with the article unchanged"
    if result.skipped:
        line += f", {counted(result.skipped, 'record')} skipped (no article page)"
    return line


def imported_total(results: Sequence[tuple[str, Imported, str | None]]) -> str:
    new = sum(len(r.new) for _, r, _ in results)
    present = sum(len(r.present) for _, r, _ in results)
    files = counted(len(results), "file")
    return f"Imported {counted(new, 'new update')} ({present} already present) from {files}"


def imported_json(
    results: Sequence[tuple[str, Imported, str | None]], skipped: Sequence[tuple[Any, str]] = ()
) -> dict[str, Any]:
    return {
        "files": [
            {
                "file": name,
                "new": r.new,
                "already_present": r.present,
                **({"story": story} if story else {}),
                "unchanged": r.unchanged,
                "skipped": r.skipped,
            }
            for name, r, story in results
        ],
        "new": sum(len(r.new) for _, r, _ in results),
        "already_present": sum(len(r.present) for _, r, _ in results),
        "skipped": [{"file": str(path), "why": why} for path, why in skipped],
    }


# list / log


def stories(summaries: Sequence[StorySummary]) -> str:
    if not summaries:
        return "No stories yet: add one with `story append` or `story import`."
    width = max(len("STORY"), *(len(s.slug) for s in summaries))
    lines = [f"{'STORY':<{width}}  UPDATES  FIRST       LAST"]
    lines += [
        f"{s.slug:<{width}}  {s.updates:>7}  {s.first_reported}  {s.last_reported}"
        for s in summaries
    ]
    return "\n".join(lines)


def summary_json(s: StorySummary) -> dict[str, Any]:
    return {
        "slug": s.slug,
        "updates": s.updates,
        "first_reported": s.first_reported,
        "last_reported": s.last_reported,
    }


def log(timeline: Sequence[Update], trivial: set[str] | None = None) -> str:
    kind_width = max(len("KIND"), *(len(u.kind) for u in timeline))
    reported_width = max(len("REPORTED"), *(len(str(u.reported_at)) for u in timeline))
    by_width = max(len("BY"), *(len(u.by) for u in timeline))
    number_width = len(str(len(timeline)))
    amended = _amended_by(timeline)
    header = (
        f"{'#':>{number_width}}  {'UPDATE':<12}  {'KIND':<{kind_width}}  "
        f"{'REPORTED':<{reported_width}}  {'RECORDED (UTC)':<20}  {'BY':<{by_width}}  "
        f"{'DIGEST':<12}  SUMMARY"
    )
    lines = [header] + [
        f"{n:>{number_width}}  {u.id}  {u.kind:<{kind_width}}  "
        f"{u.reported_at!s:<{reported_width}}  {stamp(u.recorded_at)}  "
        f"{u.by:<{by_width}}  {(u.digest or '-')[:12]}  {u.summary()}{amended.get(u.id, '')}"
        for n, u in enumerate(timeline, start=1)
        if not trivial or u.id not in trivial
    ]
    if trivial:
        hidden = counted(len(trivial), "trivial update")
        lines.append(f"({hidden} hidden: whitespace or punctuation only)")
    return "\n".join(lines)


def _amended_by(timeline: Sequence[Update]) -> dict[str, str]:
    marks: dict[str, str] = {}
    for u in timeline:
        if u.target and u.kind in ("correction", "retraction"):
            verb = "corrected" if u.kind == "correction" else "retracted"
            marks[u.target] = marks.get(u.target, "") + f"  [{verb} by {u.id}]"
    return marks


def log_json(timeline: Sequence[Update], trivial: set[str] | None = None) -> list[dict[str, Any]]:
    entries = []
    for n, u in enumerate(timeline, start=1):
        entry = {"version": n, **update_fields(u), "summary": u.summary(WIDTH)}
        if trivial is not None:
            entry["trivial"] = u.id in trivial
        entries.append(entry)
    return entries


# replay


def version(v: StoryVersion, as_of: When | None, known_at: When | None) -> str:
    moment = f"as of {as_of}" if as_of else "latest"
    known = f", as known at {known_at}" if known_at else ""
    out = [f"{v.slug} — {moment}{known} (version {v.version})", "=" * WIDTH]
    if v.headline:
        out += [click.style(v.headline, bold=True), ""]
    notes = {
        n: [note.amendment for note in v.notes if note.at == n]
        for n in range(len(v.paragraphs) + 1)
    }
    for n, paragraph in enumerate(v.paragraphs):
        out += [amendment_note(a) + "\n" for a in notes[n]]
        out.append(_wrap(paragraph) + "\n")
    out += [amendment_note(a) + "\n" for a in notes[len(v.paragraphs)]]
    if v.statements:
        out.append("Statements")
        for s in v.statements:
            issued = f", issued {s.issued_at}" if s.issued_at else ""
            out.append(f"  {s.party}{issued} [{s.update_id}]:")
            out += [_wrap(p, indent="    ") + "\n" for p in s.text.split("\n\n")]
            if s.correction:
                out.append(amendment_note(s.correction, indent="    ") + "\n")
    if v.facts:
        out.append("Facts")
        key_width = max(len(k) for k in v.facts)
        out += [f"  {k:<{key_width}}  {_json_value(val)}" for k, val in sorted(v.facts.items())]
        out.append("")
    out.append("Made by")
    amended = {a.target: a for a in v.amendments}
    for u in v.updates:
        mark = ""
        if u.id in amended:
            a = amended[u.id]
            mark = f"  [{'corrected' if a.kind == 'correction' else 'retracted'} by {a.update_id}]"
        out.append(f"  {u.id}  {u.kind:<10}  {u.reported_at!s:<10}  {u.summary(52)}{mark}")
    return "\n".join(out)


def amendment_note(a: Amendment, indent: str = "") -> str:
    verb = "Corrected" if a.kind == "correction" else "Retracted"
    note = f"[{verb} {a.reported_at} by {a.update_id}: {a.note}]"
    return click.style(_wrap(note, indent=indent), dim=True)


def version_json(v: StoryVersion, as_of: When | None, known_at: When | None) -> dict[str, Any]:
    return {
        "slug": v.slug,
        "as_of": str(as_of) if as_of else None,
        "known_at": str(known_at) if known_at else None,
        "version": v.version,
        "headline": v.headline,
        "text": v.text,
        "paragraphs": list(v.paragraphs),
        "statements": [
            {
                "update": s.update_id,
                "party": s.party,
                "text": s.text,
                "issued_at": s.issued_at,
                "correction": _amendment_json(s.correction) if s.correction else None,
            }
            for s in v.statements
        ],
        "facts": dict(sorted(v.facts.items())),
        "amendments": [_amendment_json(a) for a in v.amendments],
        "notes": [{"before_paragraph": n.at, **_amendment_json(n.amendment)} for n in v.notes],
        "updates": [update_fields(u) for u in v.updates],
    }


def _amendment_json(a: Amendment) -> dict[str, Any]:
    return {
        "update": a.update_id,
        "kind": a.kind,
        "target": a.target,
        "note": a.note,
        "reported_at": a.reported_at,
    }


def _wrap(paragraph: str, indent: str = "") -> str:
    """A paragraph filled to the width; one with its own line breaks or indentation
    (code, verse, a quoted block) keeps its shape, line by line."""
    if "\n" in paragraph or paragraph[:1].isspace():
        return "\n".join(indent + line if line else line for line in paragraph.split("\n"))
    return textwrap.fill(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent)


# diff


def _ref(v: StoryVersion, ref: str | None, default: str) -> str:
    """A diff's end as the user named it, with the version and update not yet said."""
    if ref is None:
        return f"{default} (version {v.version}, {v.last.id})"
    if ref.isdigit() and len(ref) < len(v.last.id):
        return f"version {v.version} ({v.last.id})"
    if v.last.id.startswith(ref.lower()):
        return f"{v.last.id} (version {v.version})"
    return f"{ref} (version {v.version}, {v.last.id})"


def diff(
    d: StoryDiff, old: str | None, new: str | None, by_sentence: SentenceDiff | None = None
) -> str:
    """The diff for people: `old` and `new` as the user gave them (None: left out)."""
    out = [f"{d.old.slug}: {_ref(d.old, old, 'first')} → {_ref(d.new, new, 'latest')}"]
    hidden = d.hidden_changes + (by_sentence.trivial if by_sentence else d.hidden_lines)
    note = f"({counted(hidden, 'trivial change')} hidden: whitespace or punctuation only)"
    note = note if hidden else ""
    if d.unchanged and not (by_sentence and by_sentence.changes):
        return "\n".join([out[0], "No changes.", note]).rstrip()
    sections: dict[str, list[str]] = {}
    parties = {s.update_id: s.party for s in (*d.old.statements, *d.new.statements)}
    for c in d.changes:
        section, _, rest = c.path.partition(".")
        line = _change(section, rest, c.action, c.old, c.new, parties)
        sections.setdefault(section, []).append(line)
    for section in ("headline", "statements", "facts"):
        if section in sections:
            out += ["", section.capitalize(), *sections[section]]
    if by_sentence is not None:
        out += ["", "Sentences", *sentence_diff(by_sentence)]
    elif d.text:
        out += ["", "Text", *_colour_diff(d.text)]
    if note:
        out += ["", note]
    return "\n".join(out)


def _change(
    section: str, name: str, action: str, old: Any, new: Any, parties: dict[str, str]
) -> str:
    if section == "headline":
        lines = []
        if old is not None:
            lines.append(click.style(f"  - {old}", fg="red"))
        if new is not None:
            lines.append(click.style(f"  + {new}", fg="green"))
        return "\n".join(lines)
    if section == "statements":
        return _statement_change(name, action, old, new, parties)
    label = name or section
    if action == "added":
        return click.style(f"  + {label} = {_json_value(new)}", fg="green")
    if action == "removed":
        return click.style(f"  - {label} (was {_json_value(old)})", fg="red")
    return click.style(f"  ~ {label}: {_json_value(old)} → {_json_value(new)}", fg="yellow")


def _statement_change(name: str, action: str, old: Any, new: Any, parties: dict[str, str]) -> str:
    if action in ("added", "removed"):
        s = new if action == "added" else old
        sign, colour = ("+", "green") if action == "added" else ("-", "red")
        issued = f", issued {s['issued_at']}" if s.get("issued_at") else ""
        return click.style(f"  {sign} {s['party']}{issued} [{name}]: {_head(s['text'])}", fg=colour)
    update_id, _, field = name.partition(".")
    was, now = (_json_value(_head(x) if isinstance(x, str) else x) for x in (old, new))
    party = parties.get(update_id, "")
    return click.style(f"  ~ {party} [{update_id}] {field}: {was} → {now}", fg="yellow")


def _head(text: str, width: int = 60) -> str:
    """The start of a text, on one line."""
    head = " ".join(text.split())
    return head if len(head) <= width else head[: width - 1] + "…"


def _colour_diff(lines: Sequence[str]) -> list[str]:
    """Unified diff lines, coloured, with changed words highlighted in paired lines."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("-") and not line.startswith("---"):
            minus = _run(lines, i, "-")
            plus = _run(lines, i + len(minus), "+")
            if len(minus) == len(plus):
                for a, b in zip(minus, plus, strict=True):
                    out += _word_pair(a[1:], b[1:])
            else:
                out += [click.style(x, fg="red") for x in minus]
                out += [click.style(x, fg="green") for x in plus]
            i += len(minus) + len(plus)
            continue
        if line.startswith("+") and not line.startswith("+++"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("@@"):
            out.append(click.style(line, fg="cyan"))
        else:
            out.append(line)
        i += 1
    return out


def _run(lines: Sequence[str], start: int, sign: str) -> list[str]:
    run = []
    for line in lines[start:]:
        if not line.startswith(sign) or line.startswith(sign * 3):
            break
        run.append(line)
    return run


def _word_pair(old: str, new: str) -> list[str]:
    minus, plus = [click.style("-", fg="red")], [click.style("+", fg="green")]
    for op, text in word_diff(old, new):
        if op == " ":
            minus.append(click.style(text, fg="red"))
            plus.append(click.style(text, fg="green"))
        elif op == "-":
            minus.append(click.style(text, fg="red", reverse=True))
        else:
            plus.append(click.style(text, fg="green", reverse=True))
    return ["".join(minus), "".join(plus)]


def diff_json(
    d: StoryDiff, old: str | None, new: str | None, by_sentence: SentenceDiff | None = None
) -> dict[str, Any]:
    data = {
        "slug": d.old.slug,
        "from": {"ref": old or d.old.last.id, "version": d.old.version, "update": d.old.last.id},
        "to": {"ref": new or d.new.last.id, "version": d.new.version, "update": d.new.last.id},
        "text": list(d.text),
        "changes": [
            {"path": c.path, "action": c.action, "old": c.old, "new": c.new} for c in d.changes
        ],
        "hidden": d.hidden_changes + (by_sentence.trivial if by_sentence else d.hidden_lines),
    }
    if by_sentence is not None:
        data["sentences"] = sentence_diff_json(by_sentence)
    return data


# show


def update_fields(u: Update) -> dict[str, Any]:
    record = u.to_record()
    record["recorded_at"] = u.recorded_at.isoformat() if u.recorded_at else None
    record["digest"] = u.digest
    return record


def update(u: Update, position: int, amended_by: Sequence[Update]) -> str:
    rows: list[tuple[str, Any]] = [
        ("id", u.id),
        ("story", u.story),
        ("version", position),
        ("kind", u.kind),
        ("reported_at", u.reported_at),
        ("recorded_at", u.recorded_at.isoformat() if u.recorded_at else "-"),
        ("by", u.by),
        ("digest", u.digest or "-"),
        ("source", u.source or "-"),
        ("outlet", u.outlet or "-"),
    ]
    if u.captured_at is not None:
        rows.append(("captured_at", utc_text(u.captured_at)))
    if u.dated_by is not None:
        rows.append(("dated_by", u.dated_by))
    for name in ("headline", "party", "issued_at", "key", "target", "note"):
        if getattr(u, name) is not None:
            rows.append((name, getattr(u, name)))
    if u.value is not MISSING:
        rows.append(("value", _json_value(u.value)))
    out = [f"{name:<12} {value}" for name, value in rows]
    if u.text is not None:
        out += ["text", *[_wrap(p, indent="  ") + "\n" for p in u.paragraphs]]
    for a in amended_by:
        label = "corrected by" if a.kind == "correction" else "retracted by"
        out.append(f"{label} {a.id} (reported {a.reported_at}): {a.note}")
    return "\n".join(out).rstrip()


def update_json(u: Update, position: int, amended_by: Sequence[Update]) -> dict[str, Any]:
    return {
        **update_fields(u),
        "version": position,
        "amended_by": [{"id": a.id, "kind": a.kind, "note": a.note} for a in amended_by],
    }


def ties_json(ties: Sequence[Any]) -> list[dict[str, Any]]:
    """`story url list --json`: the URLs tied now, by URL."""
    return [
        {"url": t.url, "story": t.story, "how": t.how, "by": t.by,
         "tied_at": utc_text(t.recorded_at) if t.recorded_at else None}
        for t in ties
    ]  # fmt: skip
