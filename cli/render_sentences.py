"""Rendering `story diff --by sentence`: each change to the body, labelled."""

from __future__ import annotations

from typing import Any

import click

from domain.provenance import SentenceDiff

_MARKS = {"added": ("+", "green"), "deleted": ("-", "red"), "edited": ("~", "yellow"),
          "moved": (">", "cyan")}  # fmt: skip


def _at(place: tuple[int, int] | None) -> str:
    return f"¶{place[0]}.{place[1]}" if place else ""


def sentence_diff(result: SentenceDiff) -> list[str]:
    out: list[str] = []
    for c in result.changes:
        mark, colour = _MARKS[c.action]
        if c.action == "edited":
            # [-removed-]{+added+}, as git's --word-diff: readable without colour too.
            words = "".join(
                click.style(f"[-{t}-]", fg="red", reverse=True) if op == "-"
                else click.style(f"{{+{t}+}}", fg="green", reverse=True) if op == "+" else t
                for op, t in c.words
            )  # fmt: skip
            out.append(click.style(f"{mark} edited   {_at(c.new_at):<7} ", fg=colour) + words)
        elif c.action == "moved":
            out.append(
                click.style(f"{mark} moved    {_at(c.old_at)} → {_at(c.new_at)} ", fg=colour)
                + (c.new or "")
            )
        else:
            text = c.new if c.action == "added" else c.old
            place = c.new_at if c.action == "added" else c.old_at
            out.append(click.style(f"{mark} {c.action:<8} {_at(place):<7} {text}", fg=colour))
    if not out:
        out.append("No sentence changed.")
    return out


def sentence_diff_json(result: SentenceDiff) -> list[dict[str, Any]]:
    return [
        {
            "action": c.action,
            "old": c.old,
            "new": c.new,
            "old_at": list(c.old_at) if c.old_at else None,
            "new_at": list(c.new_at) if c.new_at else None,
            "words": [
                {"op": {" ": "same", "-": "deleted", "+": "added"}[op], "text": t}
                for op, t in c.words
            ],
        }
        for c in result.changes
    ]
