"""Verification: recompute every digest and both chains from the stored events.

The auditor reads the event store in recorded order (notification order) and says
exactly what is wrong: which story, which update, and what was found — changed content,
a missing update, a reordering, a forged insertion, a broken chain, a malformed story or
event, time running backwards — or that all is well. It also re-derives from the events
everything the read-side index holds that a read uses (each update's row, its place on
the timeline, the order of its story's rows, the story list) and compares, since replays
read the index, not the events.

Bad data never stops it: a row that cannot be read is a finding with its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from domain.checkpoints import Checkpoint
from domain.digests import GENESIS, canonical_json, chain_digest, digest_of
from domain.errors import StoryError
from domain.model import (
    REGISTERED_TOPIC,
    SETTINGS_ID,
    STARTED_TOPIC,
    TIE_MARK,
    TIED_TOPIC,
    UPDATE_TOPICS,
    ZONE_LINK,
    ZONE_TOPIC,
    address_id,
    story_id,
    tie_digest,
    tie_link,
    zone_digest,
)
from domain.text import counted
from domain.updates import CAPTURE_FIELDS, ID_LENGTH, Update
from domain.when import When, utc_text

# What reading a malformed row can raise; anything else is a bug, not bad data.
MALFORMED = (KeyError, ValueError, TypeError, AttributeError, IndexError, StoryError)
INDEX = "index mismatch"
_REBUILD = " (run `story rebuild`)"
_NOT_YET = ""  # rebuilding from events that do not verify would bless them


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


# The records below are built once per event or link: slotted and not frozen, as a frozen
# dataclass costs ten times as much to make.


@dataclass(slots=True)
class ChainRow:
    """A row of the archive's chain table."""

    position: int
    update_id: str
    story: str
    digest: str
    chain: str


@dataclass(slots=True)
class StoredUpdate:
    """An update event as read back from the event store."""

    notification_id: int
    story: str
    version: int
    record: dict[str, Any]
    recorded_at: str
    digest: str
    previous: str
    originator: Any = None


@dataclass(slots=True)
class StoredStart:
    """A story's start event as read back from the event store."""

    notification_id: int
    originator: Any
    version: int
    slug: str


@dataclass(slots=True)
class StoredZone:
    """The archive's recorded time zone, as read back from the event store."""

    notification_id: int
    zone: str
    digest: str
    originator: Any = SETTINGS_ID
    version: int = 1


@dataclass(slots=True)
class StoredAddress:
    """A URL's first event (Address.Registered), as read back from the event store."""

    notification_id: int
    originator: Any
    version: int
    url: str


@dataclass(slots=True)
class StoredTie:
    """A URL's tie to a story (or untie: ``story`` None), as read back."""

    notification_id: int
    originator: Any
    version: int
    story: str | None
    how: str
    by: str
    recorded_at: str
    digest: str
    previous: str


Stored = StoredUpdate | StoredStart | StoredZone | StoredAddress | StoredTie | Finding
Decode = Callable[[bytes], Any]
# A row of the event store as stored: (notification id, the story's UUID, its version,
# topic, state), its topic and state not yet trusted (a state may not even be bytes).
EventRow = tuple[int, Any, int, str, Any]


def read_event(raw: EventRow, decode: Decode, slugs: dict[Any, str]) -> Any:
    """A raw event as a StoredStart, StoredZone, StoredUpdate, StoredAddress, StoredTie
    or Finding (never an exception).

    Only the project's own event topics are accepted: a topic is a key of
    ``domain.model``'s table, never a module to import. ``slugs`` maps each story's
    UUID to its slug, from the start events read so far.
    """
    notification_id, originator, version, topic, state_ = raw
    try:
        if not isinstance(version, int):
            raise TypeError(f"its version {str(version)[:20]!r} is not a number")
        if not isinstance(state_, bytes | bytearray | memoryview):
            raise TypeError(f"its state is stored as {type(state_).__name__}, not bytes")
        if topic == STARTED_TOPIC:
            slug = decode(bytes(state_))["slug"]
            if not isinstance(slug, str):
                raise TypeError("its slug is not text")
            slugs.setdefault(originator, slug)
            return StoredStart(notification_id, originator, version, slug)
        if topic == ZONE_TOPIC:
            state = decode(bytes(state_))
            zone, digest = state["time_zone"], state["digest"]
            if not isinstance(zone, str) or not isinstance(digest, str):
                raise TypeError("its zone or digest is not text")
            return StoredZone(notification_id, zone, digest, originator, version)
        if topic == REGISTERED_TOPIC:
            url = decode(bytes(state_))["url"]
            if not isinstance(url, str):
                raise TypeError("its URL is not text")
            return StoredAddress(notification_id, originator, version, url)
        if topic == TIED_TOPIC:
            state = decode(bytes(state_))
            story, how, by = state["story"], state["how"], state["by"]
            digest, previous, timestamp = state["digest"], state["previous"], state["timestamp"]
            if not all(isinstance(v, str) for v in (how, by, digest, previous)) or not (
                story is None or isinstance(story, str)
            ):
                raise TypeError("its story, how, by or digests are not text")
            if not isinstance(timestamp, datetime):
                raise TypeError("its timestamp is malformed")
            return StoredTie(notification_id, originator, version, story, how, by,
                             utc_text(timestamp), digest, previous)  # fmt: skip
        if topic not in UPDATE_TOPICS:
            return Finding(slugs.get(originator, str(originator)), None, "changed content",
                           f"event {notification_id} has topic {str(topic)[:60]!r}, "
                           "which is none of story's events")  # fmt: skip
        state = decode(bytes(state_))
        record, timestamp = state["update"], state["timestamp"]
        digest, previous = state["digest"], state["previous"]
        if not isinstance(record, dict) or not isinstance(timestamp, datetime):
            raise TypeError("its update or timestamp is malformed")
        if not isinstance(digest, str) or not isinstance(previous, str):
            raise TypeError("its digest or previous digest is not text")
        story = slugs.get(originator) or str(record.get("story"))
        return StoredUpdate(notification_id, story, version, record,
                            utc_text(timestamp), digest, previous, originator)  # fmt: skip
    except (*MALFORMED, OverflowError, UnicodeError, RecursionError) as error:
        where = slugs.get(originator, str(originator))
        return Finding(where, None, "changed content",
                       f"event {notification_id} cannot be read: {_first(error)}")  # fmt: skip


def _first(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:120]


@dataclass
class _Story:
    slug: str
    started: bool = False
    version: int = 1  # the Started event
    head: str = GENESIS
    links: dict[str, int] = field(default_factory=dict)  # digest -> version
    summary: tuple[int, str, str] = (0, "", "")  # updates, first and last reported day
    seq: int = 0  # the index's seq of its latest update so far
    seq_id: str = ""  # that update's id


@dataclass
class Verification:
    """What a verification found."""

    stories: int
    updates: int
    head: str  # the archive chain recomputed over every update (all stories only)
    findings: list[Finding]
    digests: list[str]  # every update's digest, in recorded order
    # Per link of the archive chain: (recorded_at, story, id); no time for the zone's.
    recorded: list[tuple[str | None, str, str]] = field(default_factory=list)
    ties: int = 0  # URL ties (and unties) checked

    @property
    def links(self) -> int:
        """The archive chain's links: every update, and the recorded zone."""
        return len(self.digests)

    def check_against(self, checkpoint: Checkpoint) -> None:
        """Add a finding unless the archive extends the checkpointed one, and for every
        update after it that claims to be recorded before the checkpoint was made."""
        if self.links < checkpoint.links:
            self.findings.append(
                Finding(
                    None,
                    None,
                    "missing update",
                    f"the archive has {self.updates} updates; the "
                    f"checkpoint vouches for {checkpoint.updates}",
                )
            )
        elif self.chain_after(checkpoint.links) != checkpoint.head:
            self.findings.append(Finding(None, None, "rewritten history",
                                         f"its first {checkpoint.updates} updates no longer hash "
                                         f"to the checkpoint's head {checkpoint.head[:12]}: "
                                         "history before the checkpoint was changed"))  # fmt: skip
        made_at = str(checkpoint.document.get("made_at", ""))
        for recorded_at, story, uid in self.recorded[checkpoint.links :]:
            if recorded_at is not None and recorded_at < made_at:
                self.findings.append(Finding(story, uid, "recorded out of order",
                                             f"it comes after the checkpoint made {made_at} but "
                                             f"claims to be recorded {recorded_at}"))  # fmt: skip

    def chain_after(self, count: int) -> str:
        """The archive chain over the first ``count`` updates."""
        link = GENESIS
        for digest in self.digests[:count]:
            link = chain_digest(link, digest)
        return link

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(slots=True)
class _Seen:
    """What verification keeps of each update once its record was checked."""

    story: str
    id: str
    version: int
    digest: str
    previous: str


def index_entry(record: dict[str, Any], recorded_at: str, digest: str, zone: tzinfo) -> int:
    """What the index must hold for an update, as one number (a hash of every value a
    read uses: its fields, its place on the timeline in the archive's zone, its digest).

    Both sides are hashed in the same process, so Python's (randomised) hash serves.
    """
    when = When.parse(str(record["reported_at"]), "reported_at")
    return hash(
        (record["story"], record["kind"], record["reported_at"], when.day.isoformat(),
         utc_text(when.start(zone)), recorded_at, record["by"], record.get("source"),
         record.get("outlet"), record.get("headline"), record.get("text"), record.get("party"),
         record.get("issued_at"), record.get("key"),
         None if "value" not in record else canonical_json(record["value"]),
         record.get("target"), record.get("note"), digest, record.get("captured_at"),
         record.get("dated_by"))
    )  # fmt: skip


def row_entry(row: tuple[Any, ...], fact_value: Any) -> int:
    """``index_entry`` of an index row: (story, kind, reported_at, reported_day,
    sort_utc, recorded_at, by, source, outlet, headline, text, party, issued_at, key,
    <value>, target, note, digest, captured_at, dated_by), ``fact_value`` the decoded
    value (or the row's own text when it is not JSON: it then matches nothing)."""
    return hash((*row[:14], fact_value, *row[15:]))


def verify(
    events: Iterable[Stored],
    chain_rows: Iterable[ChainRow],
    index: dict[str, tuple[str, int, Any]],
    only: str | None = None,
    summaries: dict[str, tuple[Any, Any, Any]] | None = None,
    zone: tzinfo | None = None,
    progress: Callable[[int], None] = lambda n: None,
    zones: tuple[str, str | None] | None = None,
    tie_rows: list[tuple[Any, ...]] | None = None,
) -> Verification:
    """Check a stream of stored events (in recorded order) against the chain and index.

    ``index`` maps each update id in the read-side index to (story, ``index_entry`` of
    its row, its seq); ``summaries`` each story in the story list to (updates, first and
    last reported day); ``zone`` is the archive's (None: the index's entries are not
    compared); ``zones`` the zone in the archive's settings and the one recorded in
    its chain (None: none recorded yet); ``tie_rows`` the index's URL ties, as stored
    (None: not compared). Only a few fields of each update are kept once it is checked,
    so memory stays small.
    """
    findings: list[Finding] = []
    stories: dict[str, _Story] = {}
    starts: dict[Any, str] = {}
    seen: list[_Seen] = []
    recorded: list[tuple[str | None, str, str]] = []
    index_findings: list[Finding] = []
    last_recorded, ticks, updates = "", 0, 0
    addresses: dict[Any, _Address] = {}
    ties: list[tuple[Any, ...]] = []  # what the index's story_urls must hold, in order
    ids: dict[str, UUID] = {}  # each story's aggregate id, by slug
    for item in events:
        ticks += 1
        if ticks == 1000:
            progress(ticks)
            ticks = 0
        if isinstance(item, Finding):
            if only is None or item.story == only:
                findings.append(item)
            continue
        if isinstance(item, StoredZone):
            if only is None:
                findings.extend(_check_zone(item))
                seen.append(_Seen("", ZONE_LINK, 0, item.digest, ""))
                recorded.append((None, "", ZONE_LINK))
            continue
        if isinstance(item, StoredStart):
            if only is None or item.slug == only:
                findings.extend(_check_start(stories, starts, item))
            continue
        if isinstance(item, StoredAddress):
            findings.extend(_check_address(addresses, item))
            continue
        if isinstance(item, StoredTie):
            address = addresses.get(item.originator)
            url = address.url if address else "?"
            row = (url, item.story, item.how, item.by, item.recorded_at, tie_link(item.digest))
            ties.append(row)
            if only is not None and item.story != only:
                if address is not None:
                    address.version, address.head = item.version, item.digest
                continue
            found = _check_tie(address, item)
            findings.extend(found)
            if item.recorded_at < last_recorded:
                detail = (f"URL {url} tied {item.recorded_at}, before the link recorded "
                          f"ahead of it ({last_recorded})")  # fmt: skip
                findings.append(Finding(item.story, row[5], "recorded out of order", detail))
            last_recorded = max(last_recorded, item.recorded_at)
            seen.append(_Seen(item.story or "", row[5], item.version, item.digest, ""))
            recorded.append((item.recorded_at, item.story or "", row[5]))
            continue
        if only is not None and item.story != only:
            continue
        story = stories.get(item.story) or stories.setdefault(item.story, _Story(item.story))
        try:
            text = canonical_json({**item.record, "recorded_at": item.recorded_at})
            canonical_bytes = text.encode()  # for the digest
            uid = str(item.record.get("id"))
        except (*MALFORMED, UnicodeError, RecursionError) as error:
            findings.append(Finding(item.story, None, "changed content",
                                    f"event {item.notification_id} cannot be read: "
                                    f"{_first(error)}"))  # fmt: skip
            continue
        named = item.record.get("story")
        if item.originator is not None and item.originator != _story_id(named, ids):
            # Moved under another aggregate's id: not a link of its own story's sequence.
            under = starts.get(item.originator)
            detail = (f"event {item.notification_id} is filed under "
                      f"{f'story {under!r}' if under else 'an id that is no story'}'s id, "
                      "not its own story's")  # fmt: skip
            findings.append(Finding(str(named), uid, "malformed story", detail))
            if digest_of(canonical_bytes, item.previous) != item.digest:
                changed = f"it no longer matches its digest {item.digest[:12]}"
                findings.append(Finding(str(named), uid, "changed content", changed))
            index.pop(uid, None)
            owner = stories.setdefault(str(named), _Story(str(named)))
            _count(owner, item.record)
            seen.append(_Seen(item.story, uid, item.version, item.digest, item.previous))
            recorded.append((item.recorded_at, item.story, uid))
            updates += 1
            continue
        if not story.started:
            story.started = True  # one finding per story
            if item.originator is not None and starts.get(item.originator) is None:
                findings.append(Finding(item.story, None, "missing update",
                                        "the story's start event is gone"))  # fmt: skip
        findings.extend(_check_update(story, item, canonical_bytes, text, uid))
        if item.recorded_at < last_recorded:
            findings.append(Finding(item.story, uid, "recorded out of order",
                                    f"recorded {item.recorded_at}, before the update recorded "
                                    f"ahead of it ({last_recorded})"))  # fmt: skip
        last_recorded = max(last_recorded, item.recorded_at)
        _count(story, item.record)
        index_findings.extend(_check_index(story, item, uid, index, zone))
        seen.append(_Seen(item.story, uid, item.version, item.digest, item.previous))
        recorded.append((item.recorded_at, item.story, uid))
        updates += 1
    progress(ticks)
    _check_reordering(stories, seen, findings)  # story chains only: before the others
    head, chain_findings = _check_chain(seen, chain_rows, only)
    findings.extend(chain_findings)
    index_findings.extend(
        Finding(story, uid, INDEX, "the read-side index lists it, the event store does not")
        for uid, (story, _, _) in index.items()
        if only is None or story == only
    )
    if summaries is not None:
        index_findings.extend(_check_summaries(stories, summaries))
    if tie_rows is not None and only is None:
        index_findings.extend(_check_ties(ties, tie_rows))
    if zones is not None and zones[1] is not None and zones[0] != zones[1]:
        findings.append(Finding(None, None, "time zone changed",
                                f"the archive's settings place dates in {zones[0]}, but the "
                                f"zone recorded in its chain is {zones[1]}"))  # fmt: skip
    cure = _REBUILD if not findings else _NOT_YET
    findings.extend(Finding(f.story, f.update_id, f.what, f.detail + cure) for f in index_findings)
    digests = [s.digest for s in seen]
    tied = sum(1 for s in seen if s.id.startswith(TIE_MARK))
    return Verification(len(stories), updates, head, findings, digests, recorded, tied)


def _count(story: _Story, record: dict[str, Any]) -> None:
    """Count an update in its story's summary (the story list's row)."""
    day = str(record.get("reported_at", ""))[:10]  # When.text starts with its day
    count, first, last = story.summary
    story.summary = (count + 1, min(first, day) if count else day, max(last, day))


def _story_id(slug: Any, ids: dict[str, UUID]) -> UUID | None:
    """The aggregate id of the story ``slug`` names (None if it names none)."""
    if not isinstance(slug, str):
        return None
    found = ids.get(slug)
    if found is None:
        found = ids[slug] = story_id(slug)
    return found


def _check_zone(item: StoredZone) -> Iterator[Finding]:
    if item.originator != SETTINGS_ID or item.version != 1:
        yield Finding(None, ZONE_LINK, "malformed story",
                      f"event {item.notification_id} records the archive's time zone under "
                      "another id or version than the archive's settings'")  # fmt: skip
    if zone_digest(item.zone) != item.digest:
        yield Finding(None, ZONE_LINK, "changed content",
                      f"the recorded time zone {item.zone[:40]!r} no longer matches its digest "
                      f"{item.digest[:12]}")  # fmt: skip


@dataclass
class _Address:
    url: str
    version: int = 1  # the Registered event
    head: str = GENESIS


def _check_address(addresses: dict[Any, _Address], item: StoredAddress) -> Iterator[Finding]:
    """A URL's first event: once, at version 1, under the id its URL gives."""
    where = f"event {item.notification_id}"
    if item.version != 1 or item.originator in addresses:
        yield Finding(None, None, "malformed story",
                      f"{where} registers URL {item.url[:80]} again at version "
                      f"{item.version}")  # fmt: skip
        return
    addresses[item.originator] = _Address(item.url)
    if str(address_id(item.url)) != str(item.originator):
        detail = f"{where} registers URL {item.url[:80]} under the id of another URL"
        yield Finding(None, None, "malformed story", detail)


def _check_tie(address: _Address | None, item: StoredTie) -> list[Finding]:
    """A tie against its digest, and its place in its URL's chain of ties."""
    link = tie_link(item.digest)
    if address is None:
        return [Finding(item.story, link, "malformed story",
                        f"event {item.notification_id} ties a URL never registered")]  # fmt: skip
    found: list[Finding] = []
    digest = tie_digest(address.url, item.story, item.how, item.by, item.recorded_at,
                        item.previous)  # fmt: skip
    if digest != item.digest:
        found.append(Finding(item.story, link, "changed content",
                             f"the tie of URL {address.url[:80]} no longer matches its digest "
                             f"{item.digest[:12]}"))  # fmt: skip
    if item.version != address.version + 1:
        found.append(Finding(item.story, link, "missing update" if item.version >
                             address.version + 1 else "reordered",
                             f"tie #{item.version - 1} of URL {address.url[:80]} follows "
                             f"tie #{address.version - 1}"))  # fmt: skip
    elif item.previous != address.head:
        found.append(Finding(item.story, link, "broken chain",
                             f"the tie of URL {address.url[:80]} links to {item.previous[:12]}, "
                             f"but the tie before it has digest {address.head[:12]}"))  # fmt: skip
    address.version, address.head = max(address.version, item.version), item.digest
    return found


def _check_ties(expected: list[tuple[Any, ...]], rows: list[tuple[Any, ...]]) -> Iterator[Finding]:
    """The index's URL ties (the latest of each is where a URL stands) against the events."""
    stored = {row[5]: tuple(row) for row in rows}
    wanted = {row[5]: row for row in expected}
    for link, row in wanted.items():
        if link not in stored:
            detail = f"the read-side index lacks the tie of URL {row[0]}"
        elif stored[link] != row:
            detail = f"the read-side index's tie of URL {row[0]} differs from its event"
        else:
            continue
        yield Finding(row[1], link, INDEX, detail)
    for link, row in stored.items():
        if link not in wanted:
            detail = f"the read-side index ties URL {row[0]}, the event store does not"
            yield Finding(row[1], link, INDEX, detail)
    if [r[5] for r in rows if r[5] in wanted] != [r[5] for r in expected if r[5] in stored]:
        yield Finding(None, None, INDEX, "the read-side index's URL ties are out of order")


def _check_start(
    stories: dict[str, _Story], starts: dict[Any, str], item: StoredStart
) -> Iterator[Finding]:
    """A story starts once, at version 1, under the id its slug gives."""
    where = f"event {item.notification_id}"
    if item.version != 1 or item.originator in starts:
        yield Finding(item.slug, None, "malformed story",
                      f"{where} starts the story again, as its event #{item.version}: "
                      "a story has one start event, its first, then only updates")  # fmt: skip
        return
    starts[item.originator] = item.slug
    if str(story_id(item.slug)) != str(item.originator):
        yield Finding(item.slug, None, "malformed story",
                      f"{where} starts it under the id of another slug")  # fmt: skip
    if item.slug in stories and stories[item.slug].started:
        yield Finding(item.slug, None, "malformed story", f"{where} starts it after its updates")


def _check_summaries(
    stories: dict[str, _Story], summaries: dict[str, tuple[Any, Any, Any]]
) -> Iterator[Finding]:
    """The story list (version numbers come from it) against the events."""
    for slug in sorted(summaries.keys() | stories.keys()):
        story, listed = stories.get(slug), summaries.get(slug)
        if story is None:
            detail = "the story list has it, the event store does not"
        elif listed is None:
            detail = "the event store has it, the story list does not"
        elif tuple(listed) != story.summary:
            detail = f"the story list says {_summary(listed)}, its events {_summary(story.summary)}"
        else:
            continue
        yield Finding(slug, None, INDEX, detail)


def _summary(summary: tuple[Any, Any, Any]) -> str:
    count, first, last = summary
    return f"{count} update{'' if count == 1 else 's'} reported {first} to {last}"


def _content_id(text: str, record: dict[str, Any], recorded_at: str) -> str | None:
    """The content id of a well-formed record, from its canonical text (with
    recorded_at): its content is the record less id, by and a capture's captured_at and
    dated_by, so its canonical JSON is that text less those members and recorded_at.
    Keys are sorted and every key before "value" holds a string (in which a quote is
    escaped), so each member's first occurrence is the top-level one, and "by" is the
    first key. None when the record is not of that shape: the caller then works the id
    out the long way."""
    by, uid = record.get("by"), record.get("id")
    if not isinstance(by, str) or not isinstance(uid, str):
        return None
    start = '{"by":' + canonical_json(by) + ","
    if not text.startswith(start):
        return None
    content = "{" + text[len(start) :]
    members = ['"id":' + canonical_json(uid) + ",",
               '"recorded_at":' + canonical_json(recorded_at) + ","]  # fmt: skip
    for name in CAPTURE_FIELDS:
        if name in record:
            if not isinstance(record[name], str):
                return None
            members.append(f'"{name}":' + canonical_json(record[name]) + ",")
    for member in members:
        at = content.find(member)
        if at < 0:
            return None
        content = content[:at] + content[at + len(member) :]
    return hashlib.sha256(content.encode()).hexdigest()[:ID_LENGTH]


def _check_update(
    story: _Story, item: StoredUpdate, canonical_bytes: bytes, text: str, uid: str
) -> list[Finding]:
    """One update's record against its digest and id, and its place in its story."""
    found: list[Finding] = []
    if digest_of(canonical_bytes, item.previous) != item.digest:
        found.append(
            Finding(
                story.slug,
                uid,
                "changed content",
                f"it no longer matches its digest {item.digest[:12]}",
            )
        )
    elif _content_id(text, item.record, item.recorded_at) != uid:  # else the long way:
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
        except (*MALFORMED, UnicodeError, RecursionError) as error:
            found.append(
                Finding(story.slug, uid, "changed content", f"unreadable record: {_first(error)}")
            )
    if item.version > story.version + 1:
        gone = range(story.version, item.version - 1)  # by their number in recorded order
        numbers = ", ".join(f"#{n}" for n in gone)
        detail = (f"{counted(len(gone), 'update')} recorded before it in its story "
                  f"({numbers}; it is #{item.version - 1}) {'is' if len(gone) == 1 else 'are'} "
                  "gone")  # fmt: skip
        found.append(Finding(story.slug, uid, "missing update", detail))
    elif item.version <= story.version:
        found.append(
            Finding(
                story.slug,
                uid,
                "reordered",
                f"it is its story's update #{item.version - 1} in recorded order, but "
                f"comes after #{story.version - 1}",
            )
        )
    elif item.previous != story.head:
        found.append(
            Finding(
                story.slug,
                uid,
                "broken chain",
                f"it links to {item.previous[:12]}, "
                f"but the update recorded before it has digest {story.head[:12]}",
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
    broken = {f.update_id for f in findings if f.what == "broken chain"}
    if not broken:
        return
    by_id = {s.id: s for s in seen if s.id in broken}
    for n, finding in enumerate(findings):
        if finding.what != "broken chain" or finding.story not in stories:
            continue
        item = by_id.get(str(finding.update_id))
        if item is None:
            continue
        later = stories[finding.story].links.get(item.previous)
        if later is not None and later > item.version:
            findings[n] = Finding(finding.story, finding.update_id, "reordered",
                                  f"it links to its story's update #{later - 1} in recorded "
                                  "order, which should come after it")  # fmt: skip


def _check_chain(
    seen: list[_Seen], chain_rows: Iterable[ChainRow], only: str | None
) -> tuple[str, list[Finding]]:
    found: list[Finding] = []
    rows = list(chain_rows)
    by_id = {row.update_id: row for row in rows}
    present = {item.id for item in seen}
    previous = GENESIS
    for row in rows:
        if (only is None or row.story == only) and row.update_id not in present:
            found.append(
                Finding(
                    str(row.story),
                    str(row.update_id),
                    "missing update",
                    f"the archive chain records it at position {row.position}, "
                    "but the event store no longer has it",
                )
            )
    position, broken, first = 0, 0, ("", "", "")
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
                    f"the archive chain holds digest {str(link.digest)[:12]} for it, "
                    f"the event {item.digest[:12]}",
                )
            )
        if only is None:
            position += 1
            previous = chain_digest(previous, item.digest)
            if link is not None and (link.position != position or link.chain != previous):
                broken += 1
                first = first if broken > 1 else (item.story, uid, str(link.position))
    if broken:
        story, uid, at = first
        found.append(Finding(story, uid, "broken chain",
                             f"the archive chain stops following from the events at link {at} "
                             f"({counted(broken, 'link')} from there on)"))  # fmt: skip
    return previous, found


def _check_index(
    story: _Story,
    item: StoredUpdate,
    uid: str,
    index: dict[str, tuple[str, int, Any]],
    zone: tzinfo | None,
) -> list[Finding]:
    """Compare one update's event with its index row (and forget the row): its fields,
    its place on the timeline, and its order among its story's rows."""
    found = index.pop(uid, None)
    if found is None:
        return [Finding(item.story, uid, INDEX, "the read-side index lacks it")]
    listed_story, entry, seq = found
    problems: list[Finding] = []
    if zone is not None:
        try:
            expected = index_entry(item.record, item.recorded_at, item.digest, zone)
        except (*MALFORMED, UnicodeError, RecursionError):
            expected = None  # an unreadable record: reported with its content
        if expected is not None and entry != expected:
            problems.append(Finding(item.story, uid, INDEX,
                                    "the read-side index differs from the event"))  # fmt: skip
    if listed_story != item.story:
        return problems
    if not isinstance(seq, int):
        problems.append(
            Finding(item.story, uid, INDEX, f"its index row's seq {seq!r} is no number")
        )
    elif seq <= story.seq:
        problems.append(Finding(item.story, uid, INDEX,
                                f"the read-side index puts it before {story.seq_id}, which "
                                "was recorded before it"))  # fmt: skip
    else:
        story.seq, story.seq_id = seq, uid
    return problems
