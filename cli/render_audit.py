"""Rendering for auditors: verification, blame and phrase traces."""

from __future__ import annotations

from typing import Any

import click

from cli.render import amendment_note, update_fields
from domain.checkpoints import Checkpoint
from domain.provenance import Blame, Blamed, Sighting
from domain.text import counted
from domain.timeline import StoryVersion
from domain.verification import Verification
from domain.when import When

# verify


def verification(result: Verification, checkpoint: Checkpoint | None, slug: str | None) -> str:
    if not result.ok:
        return "\n".join(str(finding) for finding in result.findings)
    stories = counted(result.stories, "story", "stories")
    updates = counted(result.updates, "update")
    chains = "its story chain" if slug else "every story chain and the archive chain"
    tied = f" and {counted(result.ties, 'URL tie')}" if result.ties else ""
    lines = [f"Verified {updates} in {stories}{tied}: every digest, {chains} check out."]
    if slug is None:
        lines.append(f"Head: {updates}, {result.head}")
    if checkpoint is not None:
        signed = f", signed by key {checkpoint.signer}" if checkpoint.signer else " (unsigned)"
        lines.append(
            f"It extends the checkpoint made {checkpoint.document.get('made_at', '?')} "
            f"({checkpoint.updates} updates, head {checkpoint.head[:12]}){signed}."
        )
    return "\n".join(lines)


def verification_json(result: Verification, checkpoint: Checkpoint | None) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "stories": result.stories,
        "updates": result.updates,
        "head": result.head,
        "findings": [
            {"story": f.story, "update": f.update_id, "what": f.what, "detail": f.detail}
            for f in result.findings
        ],
        "checkpoint": None
        if checkpoint is None
        else {"updates": checkpoint.updates, "head": checkpoint.head, "signer": checkpoint.signer},
    }


# blame


def _source(b: Blamed) -> str:
    u = b.update
    where = u.outlet or u.source or "-"
    where = where if len(where) <= 16 else where[:15] + "…"
    by = u.by if len(u.by) <= 12 else u.by[:11] + "…"
    return f"{u.id}  {u.kind:<10}  {str(u.reported_at)[:10]}  {where:<16}  {by:<12}"


def blame(v: StoryVersion, result: Blame, as_of: When | None, trivial_hidden: bool) -> str:
    updates = {b.update.id for p in result.paragraphs for b in p}
    if result.headline:
        updates.add(result.headline.update.id)
    count = sum(len(p) for p in result.paragraphs)
    moment = f"as of {as_of}" if as_of else "latest"
    sentences = f"{count} sentence" + ("" if count == 1 else "s")
    plural = f"{len(updates)} update" + ("" if len(updates) == 1 else "s")
    out = [f"{v.slug} — {moment} (version {v.version}): {sentences} from {plural}"]
    if result.headline:
        out.append(
            f"{_source(result.headline)} │ {click.style(result.headline.sentence, bold=True)}"
        )
    notes = {
        n: [note.amendment for note in v.notes if note.at == n]
        for n in range(len(v.paragraphs) + 1)
    }
    for n, paragraph in enumerate(result.paragraphs):
        out.append("")
        out += [amendment_note(a) for a in notes.get(n, [])]
        out += [f"{_source(b)} │ {b.sentence}" for b in paragraph]
    out += [amendment_note(a) for a in notes.get(len(result.paragraphs), [])]
    fixes = list(v.amendments)
    if fixes:
        out += ["", "Corrections and retractions"]
        out += [
            f"  {a.update_id}  {a.kind:<10}  {a.reported_at[:10]}  "
            f"{'corrects' if a.kind == 'correction' else 'retracts'} {a.target}: {a.note}"
            for a in fixes
        ]
    if trivial_hidden:
        noun = "sentence" if result.trivial == 1 else "sentences"
        out += [
            "",
            f"({result.trivial} {noun} kept their attribution through "
            "whitespace or punctuation edits: --ignore-trivial)",
        ]
    return "\n".join(out)


def _who(b: Blamed) -> dict[str, Any]:
    u = b.update
    return {
        "id": u.id, "kind": u.kind, "reported_at": str(u.reported_at),
        "recorded_at": u.recorded_at.isoformat() if u.recorded_at else None,
        "by": u.by, "outlet": u.outlet, "source": u.source, "target": u.target,
    }  # fmt: skip


def blame_json(v: StoryVersion, result: Blame, as_of: When | None) -> dict[str, Any]:
    return {
        "slug": v.slug,
        "as_of": str(as_of) if as_of else None,
        "version": v.version,
        "headline": {"text": result.headline.sentence, "update": _who(result.headline)}
        if result.headline
        else None,
        "paragraphs": [
            [{"sentence": b.sentence, "update": _who(b)} for b in paragraph]
            for paragraph in result.paragraphs
        ],
        "trivial_kept": result.trivial,
    }


# trace


def trace(phrase: str, found: dict[str, list[Sighting]], as_of: When | None = None) -> str:
    then = f"as of {as_of}" if as_of else "now"
    out: list[str] = []
    for slug, sightings in found.items():
        if not sightings:
            continue
        out.append(f"{phrase!r} in {slug}")
        for s in sightings:
            times = "occurrence" if s.after == 1 else "occurrences"
            out.append(
                f"  {s.action:<9} version {s.version:<4} {str(s.update.reported_at)[:10]}  "
                f"{s.update.id} {s.update.kind:<10} {s.before} → {s.after} {times}"
            )
            if s.context:
                out.append(f"            {s.context}")
        last = sightings[-1]
        out.append(
            f"  {then}: {last.after} occurrence{'s' if last.after != 1 else ''}"
            if last.after else f"  {then}: gone since {last.update.id}"
        )  # fmt: skip
        out.append("")
    if not out:
        where = "any story" if len(found) != 1 else next(iter(found))
        return f"{phrase!r} never appeared in {where}."
    return "\n".join(out).rstrip()


def trace_json(
    phrase: str,
    found: dict[str, list[Sighting]],
    as_of: When | None = None,
    known_at: When | None = None,
) -> dict[str, Any]:
    return {
        "phrase": phrase,
        "as_of": str(as_of) if as_of else None,
        "known_at": str(known_at) if known_at else None,
        "stories": [
            {
                "slug": slug,
                "now": sightings[-1].after if sightings else 0,
                "sightings": [
                    {
                        "action": s.action,
                        "version": s.version,
                        "before": s.before,
                        "after": s.after,
                        "context": s.context,
                        "update": update_fields(s.update),
                    }
                    for s in sightings
                ],
            }
            for slug, sightings in found.items()
        ],
    }
