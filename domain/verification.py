"""Verification: recompute every digest and both chains from the stored events.

The auditor reads the event store in recorded order (notification order) and says
exactly what is wrong: which story, which update, and what was found — changed content,
a missing update, a reordering, a forged insertion, a broken chain — or that all is
well. It also checks the archive's chain table and the read-side index against the
events, since both are written beside them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from domain.checkpoints import Checkpoint
from domain.digests import GENESIS, canonical, chain_digest, digest_of
from domain.errors import StoryError
from domain.updates import Update


@dataclass(frozen=True)
class Finding:
    """One thing found wrong."""

    story: str | None  # None: the archive as a whole
    update_id: str | None
    what: str  # changed content, missing update, reordered, forged insertion, broken chain…
    detail: str

    def __str__(self) -> str:
        where = f"story {self.story!r}" if self.story else "archive"
        if self.update_id:
            where += f", update {self.update_id}"
        return f"{where}: {self.what}: {self.detail}"


@dataclass(frozen=True, slots=True)
class ChainRow:
    """A row of the archive's chain table."""

    position: int
    update_id: str
    story: str
    digest: str
    chain: str


@dataclass(frozen=True)
class StoredUpdate:
    """An update event as read back from the event store."""

    notification_id: int
    story: str
    version: int
    record: dict[str, Any]
    recorded_at: str
    digest: str
    previous: str


@dataclass
class _Story:
    slug: str
    version: int = 1  # the Started event
    head: str = GENESIS
    links: dict[str, int] = field(default_factory=dict)  # digest -> version
    summary: tuple[int, str, str] = (0, "", "")  # updates, first and last reported day


@dataclass
class Verification:
    """What a verification found."""

    stories: int
    updates: int
    head: str  # the archive chain recomputed over every update (all stories only)
    findings: list[Finding]
    digests: list[str]  # every update's digest, in recorded order

    def check_against(self, checkpoint: Checkpoint) -> None:
        """Add a finding unless the archive extends the checkpointed one."""
        if self.updates < checkpoint.updates:
            self.findings.append(
                Finding(
                    None,
                    None,
                    "missing update",
                    f"the archive has {self.updates} updates; the "
                    f"checkpoint vouches for {checkpoint.updates}",
                )
            )
        elif self.chain_after(checkpoint.updates) != checkpoint.head:
            self.findings.append(Finding(None, None, "rewritten history",
                                         f"its first {checkpoint.updates} updates no longer hash "
                                         f"to the checkpoint's head {checkpoint.head[:12]}: "
                                         "history before the checkpoint was changed"))  # fmt: skip

    def chain_after(self, count: int) -> str:
        """The archive chain over the first ``count`` updates."""
        link = GENESIS
        for digest in self.digests[:count]:
            link = chain_digest(link, digest)
        return link

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(frozen=True, slots=True)
class _Seen:
    """What verification keeps of each update once its record was checked."""

    story: str
    id: str
    version: int
    digest: str
    previous: str


def fingerprint(record: dict[str, Any], recorded_at: str, digest: str) -> str:
    """A short hash of everything the index must agree with the event on."""
    return fingerprint_of(canonical(record, recorded_at), digest)


def fingerprint_of(canonical_bytes: bytes, digest: str) -> str:
    """``fingerprint``, from the update's canonical bytes."""
    return hashlib.sha1(canonical_bytes + digest.encode()).hexdigest()[:16]


def verify(
    events: Iterable[StoredUpdate | Finding],
    chain_rows: Iterable[ChainRow],
    index: dict[str, tuple[str, str]],
    only: str | None = None,
    summaries: dict[str, tuple[int, str, str]] | None = None,
) -> Verification:
    """Check a stream of stored updates (in recorded order) against the chain and index.

    ``index`` maps each update id in the read-side index to (story, fingerprint);
    ``summaries`` each story in the story list to (updates, first and last reported
    day). Only a few fields of each update are kept once it is checked, so memory stays
    small.
    """
    findings: list[Finding] = []
    stories: dict[str, _Story] = {}
    seen: list[_Seen] = []
    index_findings: list[Finding] = []
    for item in events:
        if isinstance(item, Finding):
            findings.append(item)
            continue
        if only is not None and item.story != only:
            continue
        story = stories.setdefault(item.story, _Story(item.story))
        canonical_bytes = canonical(item.record, item.recorded_at)  # for digest and index
        findings.extend(_check_update(story, item, canonical_bytes))
        day = str(item.record.get("reported_at", ""))[:10]  # When.text starts with its day
        count, first, last = story.summary
        story.summary = (count + 1, min(first, day) if count else day, max(last, day))
        index_findings.extend(_check_index(item, index, canonical_bytes))
        uid = str(item.record.get("id"))
        seen.append(_Seen(item.story, uid, item.version, item.digest, item.previous))
    _check_reordering(stories, seen, findings)  # story chains only: before the others
    head, chain_findings = _check_chain(seen, list(chain_rows), only)
    findings.extend(chain_findings)
    findings.extend(index_findings)
    findings.extend(
        Finding(
            story, uid, "index mismatch", "the read-side index lists it, the event store does not"
        )
        for uid, (story, _) in index.items()
        if only is None or story == only
    )
    if summaries is not None:
        findings.extend(_check_summaries(stories, summaries))
    return Verification(len(stories), len(seen), head, findings, [s.digest for s in seen])


def _check_summaries(
    stories: dict[str, _Story], summaries: dict[str, tuple[int, str, str]]
) -> Iterator[Finding]:
    """The story list (version numbers come from it) against the events."""
    for slug in sorted(summaries.keys() | stories.keys()):
        story, listed = stories.get(slug), summaries.get(slug)
        if story is None:
            detail = "the story list has it, the event store does not"
        elif listed is None:
            detail = "the event store has it, the story list does not"
        elif listed != story.summary:
            detail = f"the story list says {_summary(listed)}, its events {_summary(story.summary)}"
        else:
            continue
        yield Finding(slug, None, "index mismatch", f"{detail} (run `story rebuild`)")


def _summary(summary: tuple[int, str, str]) -> str:
    count, first, last = summary
    return f"{count} update{'' if count == 1 else 's'} reported {first} to {last}"


def _check_update(story: _Story, item: StoredUpdate, canonical_bytes: bytes) -> list[Finding]:
    """One update's record against its digest and id, and its place in its story."""
    found: list[Finding] = []
    uid = item.record.get("id")
    if digest_of(canonical_bytes, item.previous) != item.digest:
        found.append(
            Finding(
                story.slug,
                uid,
                "changed content",
                f"version {item.version} no longer matches its digest {item.digest[:12]}",
            )
        )
    else:
        try:
            if Update.from_record(item.record).content_id() != uid:
                found.append(
                    Finding(
                        story.slug,
                        uid,
                        "changed content",
                        "its id no longer matches its content (digest recomputed)",
                    )
                )
        except (KeyError, ValueError, StoryError) as error:
            found.append(Finding(story.slug, uid, "changed content", f"unreadable record: {error}"))
    if item.version > story.version + 1:
        missing = ", ".join(str(v) for v in range(story.version + 1, item.version))
        found.append(
            Finding(
                story.slug,
                uid,
                "missing update",
                f"version(s) {missing} before version {item.version} are gone",
            )
        )
    elif item.version <= story.version:
        found.append(
            Finding(
                story.slug,
                uid,
                "reordered",
                f"version {item.version} was recorded after version {story.version}",
            )
        )
    elif item.previous != story.head:
        found.append(
            Finding(
                story.slug,
                uid,
                "broken chain",
                f"version {item.version} links to {item.previous[:12]}, "
                f"but the update before it has digest {story.head[:12]}",
            )
        )
    story.version = max(story.version, item.version)
    story.head = item.digest
    story.links[item.digest] = item.version
    return found


def _check_reordering(
    stories: dict[str, _Story], seen: list[_Seen], findings: list[Finding]
) -> None:
    """Name a broken link 'reordered' when it points at an update that comes later."""
    for n, finding in enumerate(findings):
        if finding.what != "broken chain" or finding.story not in stories:
            continue
        item = next((s for s in seen if s.id == finding.update_id), None)
        if item is None:
            continue
        later = stories[finding.story].links.get(item.previous)
        if later is not None and later > item.version:
            findings[n] = Finding(finding.story, finding.update_id, "reordered",
                                  f"version {item.version} links to version {later}, "
                                  "which should come after it")  # fmt: skip


def _check_chain(
    seen: list[_Seen], rows: list[ChainRow], only: str | None
) -> tuple[str, list[Finding]]:
    found: list[Finding] = []
    by_id = {row.update_id: row for row in rows}
    present = {item.id for item in seen}
    previous = GENESIS
    for row in rows:
        if (only is None or row.story == only) and row.update_id not in present:
            found.append(
                Finding(
                    row.story,
                    row.update_id,
                    "missing update",
                    f"the archive chain records it at position {row.position}, "
                    "but the event store no longer has it",
                )
            )
    position, broken, first = 0, 0, ""
    for item in seen:
        uid = item.id
        link = by_id.get(uid)
        if link is None:
            found.append(
                Finding(
                    item.story,
                    uid,
                    "forged insertion",
                    "it is in the event store but not in the archive's chain",
                )
            )
        elif link.digest != item.digest:
            found.append(
                Finding(
                    item.story,
                    uid,
                    "broken chain",
                    f"the archive chain holds digest {link.digest[:12]} for it, "
                    f"the event {item.digest[:12]}",
                )
            )
        if only is None:
            position += 1
            previous = chain_digest(previous, item.digest)
            if link is not None and (link.position != position or link.chain != previous):
                broken += 1
                first = first or f"{item.story}/{uid}/{link.position}"
    if broken:
        story, uid, at = first.split("/")
        found.append(Finding(story, uid, "broken chain",
                             f"the archive chain stops following from the events at link {at} "
                             f"({broken} links from there on)"))  # fmt: skip
    return previous, found


def _check_index(
    item: StoredUpdate, index: dict[str, tuple[str, str]], canonical_bytes: bytes
) -> list[Finding]:
    """Compare one update's event with its index row (and forget the row)."""
    uid = str(item.record.get("id"))
    found = index.pop(uid, None)
    if found is None:
        why = "the read-side index lacks it (run `story rebuild`)"
    elif found[1] != fingerprint_of(canonical_bytes, item.digest):
        why = "the read-side index differs from the event (run `story rebuild`)"
    else:
        return []
    return [Finding(item.story, uid, "index mismatch", why)]
