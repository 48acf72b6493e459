"""The archive application: start here.

:class:`Archive` is an eventsourcing ``Application``. Appending an update loads its
story (``_load``), records the update on it (``Story.record``) and saves the story with
``Application.save``; the recorder writes the events and the update's index row in one
transaction (storage.recorder). Reads go to the index (``self.index``, the
:class:`~domain.ports.Index` port) and fold what they read (domain.timeline,
domain.provenance, domain.diffing); verify and rebuild read the events themselves
(domain.verification).

Persistence is configuration: this module never names a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper, PersistenceError
from eventsourcing.utils import Environment, EnvType, TopicError

from domain import checkpoints
from domain.diffing import StoryDiff, diff
from domain.errors import (
    ArchiveUnavailable,
    InvalidInput,
    NotYetReported,
    StoryError,
    UnknownStory,
    UnknownUpdate,
    first_line,
)
from domain.importing import Settling, Source
from domain.model import (
    SETTINGS_ID,
    ZONE_LINK,
    Address,
    Settings,
    Story,
    StoryMapper,
    address_id,
    story_id,
    tie_link,
)
from domain.ports import Index, StorySummary, Transactional
from domain.provenance import Blame, Sighting, blame, trace, trivial_updates
from domain.text import counted
from domain.timeline import Cut, StoryVersion, history, not_yet_reported, state
from domain.updates import Update, check_slug
from domain.urls import Tie, normalise
from domain.verification import (
    MALFORMED,
    Finding,
    Stored,
    StoredAddress,
    StoredStart,
    StoredTie,
    StoredZone,
    Verification,
    read_event,
    verify,
)
from domain.when import When, time_zone, utc_text

__all__ = ["Appended", "Archive", "Imported", "Index", "StorySummary", "chunked"]

CHUNK = 1000  # updates saved at a time within a batch's transaction
BULK = 1000  # updates recorded at once after which the index is tidied
_ID = re.compile(r"^[0-9A-Fa-f]{12}$")  # an update id, in either case
_NUMBER = re.compile(r"^[0-9]{1,11}$")  # a version number (all digits, shorter than an id)
_PREFIX = re.compile(r"^[0-9A-Fa-f]{4,11}$")  # the start of an update id


@dataclass(frozen=True)
class Appended:
    """What one append did: the update, and the version it made (or was already)."""

    update: Update
    version: int
    versions: int
    new: bool


@dataclass
class Imported:
    """What one batch (one file) did: the ids appended, and those already present; of
    a capture file, the captures that changed no article, and the records no page."""

    new: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    last: Update | None = field(default=None, repr=False)  # the last update, as recorded
    unchanged: int = 0
    skipped: int = 0
    tied: list[Tie] = field(default_factory=list)  # URLs tied to their stories


class Archive(Application[UUID]):
    """The story archive: append updates; replay, log and diff stories; audit them."""

    name = "Archive"
    # No snapshots: a story loads from its first and last events (see _load).
    is_snapshotting_enabled = False

    def __init__(self, env: dict[str, str], index: Callable[[Archive], Index]) -> None:
        super().__init__(env)
        recorder = self.recorder
        assert isinstance(recorder, Transactional), "the recorder must share its transaction"
        self._transactional: Transactional = recorder  # (checked once: the check is slow)
        self.index = index(self)
        self._zone_recorded = False  # once it is, it is for ever: no need to look again

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the settings the archive is opened with. (eventsourcing would read the
        process's environment too, where a COMPRESSOR_TOPIC or IS_SNAPSHOTTING_ENABLED
        left by another program would change how events are stored.)"""
        return Environment(name, dict(env or {}))

    def close(self) -> None:
        super().close()
        self.index.close()

    @property
    def zone(self) -> tzinfo:
        """The archive's zone, fixed when it was created: the day a date-only update
        was reported is a day here."""
        return self.index.zone

    # Writing

    def append(self, update: Update) -> Appended:
        """Append one update; appending the same content again changes nothing."""
        with self._writing():  # the version it makes is read before anyone else writes
            result = self.record_stream(lambda: [[update]])
            version, versions = self.index.place(update.id)
        assert result.last is not None
        return Appended(result.last, version, versions, bool(result.new))

    def record(self, updates: Iterable[Update]) -> Imported:
        """Append a batch atomically: all of it is recorded, or (on any error) none of it."""
        batch = list(updates)
        return self.record_stream(lambda: chunked(batch))

    def record_stream(
        self,
        chunks: Callable[[], Iterable[Sequence[Update]]],
        progress: Callable[[int], None] = lambda n: None,
        ties: Sequence[tuple[str, str, str]] = (),
        by: str = "",
    ) -> Imported:
        """Append a stream of updates in one transaction: all of it, or none of it; with
        ``ties`` (URL, story, how) tied by ``by`` in the same transaction (those tied to
        another story meanwhile are left as they are).

        The transaction holds the archive's write lock from its start, so what it reads
        (a story's last event, an update's target) stays true until it commits.
        """
        result = Imported()
        with self._writing():
            stories: dict[str, Story] = {}
            for chunk in chunks():
                self._record_chunk(chunk, stories, result)
                progress(len(chunk))
            if ties:
                result.tied = self._tie_all(ties, by, strict=False)
        if len(result.new) >= BULK:
            self.index.tidy()
        return result

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The recorder's write transaction (joined, inside one): a database failure is
        one line, and nothing was written."""
        try:
            with self._transactional.transaction():
                yield
        except IntegrityError as error:
            raise ArchiveUnavailable(
                f"the archive refused the updates ({first_line(error)}): "
                "nothing was written; run `story verify`"
            ) from None
        except PersistenceError as error:
            raise ArchiveUnavailable(
                f"the archive could not record the updates ({first_line(error)}): "
                "nothing was written"
            ) from None

    def import_files(
        self, sources: Sequence[Source], progress: Callable[[int], None] = lambda n: None
    ) -> list[tuple[str, Imported]]:
        """Import checked files (domain.importing.scan), in order, each whole or not at all.

        Before anything is written, every update a file amends must be in that file, an
        earlier one or the archive. A mistake only the archive can see (amending the
        wrong kind of update) stops at its file, and says which files came in before it.
        """
        settling = Settling(self.article_before, self.index.tied)
        settled = []
        for source in sources:  # captures find their stories; those that change none drop
            settled.append(source.settled(settling))
            progress(source.updates - settled[-1].updates)
        sources = settled
        earlier: set[str] = set()
        for source in sources:
            wanted = source.targets - earlier
            missing = sorted(wanted - set(self.index.known(wanted)))
            if missing:
                raise InvalidInput(
                    f"{source.name}: an update amends {missing[0]!r}, which is neither in the "
                    "file, an earlier file nor the archive: import the original first"
                )
            earlier |= source.defines
        results: list[tuple[str, Imported]] = []
        for source in sources:
            try:
                result = self.record_stream(
                    partial(_read, source), progress, source.ties, source.by
                )
                result.unchanged, result.skipped = source.unchanged, source.skipped
                results.append((source.name, result))
            except StoryError as error:
                were = "was" if len(results) == 1 else "were"
                done = (
                    f"; {counted(len(results), 'earlier file')} {were} imported" if results else ""
                )
                raise InvalidInput(
                    f"{source.name}: {error}: nothing of it was written{done}"
                ) from None
        return results

    def article_before(
        self, slug: str, moment: datetime
    ) -> tuple[datetime, str | None, str] | None:
        """The story's headline and text just before ``moment``, and when the update that
        made that version was reported; None when the story had no version yet."""
        if not self.index.has_story(slug):
            return None
        just_before = When.parse((moment - timedelta(microseconds=1)).isoformat())
        version, updates = self.index.relevant(slug, Cut(UTC, just_before), None)
        if not version:
            return None
        found = state(slug, updates, version)
        return found.last.reported_at.start(self.index.zone), found.headline, found.text

    # URLs tied to stories (domain.urls)

    def tie(self, url: str, slug: str, by: str) -> tuple[Tie, bool]:
        """Tie a URL to a story by hand; (the tie, whether it is new: False when the URL
        was tied to that story already). InvalidInput when it is tied to another."""
        check_slug(slug)
        key = normalise(url)
        with self._writing():
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            tied = self._tie_all([(key, slug, "by hand")], by)
            if tied:
                return tied[0], True
            return next(t for t in self.index.ties(slug) if t.url == key), False

    def untie(self, url: str, by: str) -> Tie:
        """Untie a URL from its story (an event too: the tie stays in history)."""
        key = normalise(url)
        with self._writing():
            if key not in self.index.tied([key]):
                raise InvalidInput(f"URL {key} is tied to no story: see `story url list`")
            return self._tie_all([(key, None, "by hand")], by)[0]

    def ties(self, slug: str | None = None) -> list[Tie]:
        """The URLs tied now, to ``slug`` or to any story, by URL."""
        if slug is not None:
            check_slug(slug)
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
        return self.index.ties(slug)

    def _tie_all(
        self, wanted: Sequence[tuple[str, str | None, str]], by: str, strict: bool = True
    ) -> list[Tie]:
        """Inside the write transaction: tie each (URL, story or None to untie, how) not
        tied so already; one tied to another story is an error (``strict``) or left."""
        addresses: dict[str, Address] = {}
        recorded: list[tuple[Tie, str]] = []
        now: datetime | None = None
        for url, story, how in wanted:
            address = addresses.get(url) or self._address(url)
            if address.story == story:
                continue
            if story is not None and address.story is not None:
                if not strict:
                    continue
                raise InvalidInput(
                    f"URL {url} is tied to story {address.story!r}: untie it first "
                    f"(story url untie {url})"
                )
            now = now or self._transactional.now()
            tie = address.tie(story, how, by, now)
            addresses[url] = address
            recorded.append((tie, address.head))
        if recorded:
            self.save(*addresses.values(), ties=recorded)
        return [tie for tie, _ in recorded]

    def _address(self, url: str) -> Address:
        try:
            address: Any = self.repository.get(address_id(url))
        except AggregateNotFoundError:
            return Address(url=url)
        assert isinstance(address, Address)
        return address

    def _record_chunk(
        self, chunk: Sequence[Update], stories: dict[str, Story], result: Imported
    ) -> None:
        """Record a chunk's new updates on their stories and save them (one save)."""
        if not (stories or result.new or result.present):  # a stream's first chunk
            self._record_zone()
        known = self.index.known({u.id for u in chunk} | {u.target for u in chunk if u.target})
        recorded: dict[str, Update] = {}
        now: datetime | None = None
        for update in chunk:
            if update.id in known or update.id in recorded:
                result.present.append(update.id)
                result.last = known.get(update.id) or recorded[update.id]
                continue
            story = stories.get(update.story)
            if story is None:
                story = stories[update.story] = self._load(update.story)
            target = None
            if update.target:
                target = recorded.get(update.target) or known.get(update.target)
            now = now or self._transactional.now()  # one instant per chunk: the archive's clock
            recorded[update.id] = result.last = story.record(update, self.index.zone, target, now)
            result.new.append(update.id)
        # Each story's events are stored together, in the order the stories are given;
        # the updates (the archive chain's links) must come in that same order.
        touched = list(dict.fromkeys(u.story for u in recorded.values()))
        order = {slug: n for n, slug in enumerate(touched)}
        updates = sorted(recorded.values(), key=lambda u: order[u.story])
        self.save(*(stories[slug] for slug in touched), updates=updates)

    def _record_zone(self) -> None:
        """Record the archive's zone in the archive chain, once: a new archive's first
        write, or an older archive's first write by this version of story."""
        if self._zone_recorded:
            return
        if self._recorded_zone() is None:  # (recorded now, it is known once committed)
            settings = Settings.recording(self.index.zone_name)
            self.save(settings, links=[(ZONE_LINK, "", settings.digest)])
        else:
            self._zone_recorded = True

    def _recorded_zone(self) -> str | None:
        """The zone recorded in the archive chain; None if none is (yet)."""
        found = self.recorder.select_events(SETTINGS_ID, lte=1)
        if not found:
            return None
        try:
            event = self.mapper.to_domain_event(found[0])
        except (ValueError, KeyError, TypeError, AttributeError, TopicError):
            return "?"  # verify reports the event
        return str(getattr(event, "time_zone", "?"))

    def construct_mapper(self) -> Mapper[UUID]:
        """Stored topics are resolved among story's own events only (domain.model)."""
        return StoryMapper(transcoder=self.construct_transcoder())

    def _load(self, slug: str) -> Story:
        """A story from its first and last events (Story.resume); a new one if none.

        Not ``self.repository.get``, which replays every event of the story: at 10,000
        updates a load takes some 2,000 times as long (benchmarks/results/ab_load.txt).
        """
        ends = self._transactional.ends(story_id(slug))
        if not ends:
            return Story(slug=slug)
        first, last = ends[0], ends[-1]
        try:
            started = self.mapper.to_domain_event(first) if first.originator_version == 1 else None
            latest = self.mapper.to_domain_event(last)
        except (ValueError, KeyError, TypeError, AttributeError, TopicError):
            started = None
        if (
            not isinstance(started, Story.Started)
            or not isinstance(latest, Story.Started | Story.Updated)
            or (isinstance(latest, Story.Started) and latest.originator_version != 1)
        ):
            raise ArchiveUnavailable(
                f"story {slug!r} cannot take updates: its recorded events are malformed "
                "(changed outside story); run `story verify`"
            )
        return Story.resume(started, latest if isinstance(latest, Story.Updated) else None)

    # Reading

    def timeline(
        self, slug: str, tz: tzinfo, known_at: When | None = None, as_of: When | None = None
    ) -> list[Update]:
        """Every update of a story, in version order (reported, then recorded); through
        ``as_of``: the updates of the versions a replay as of then counts."""
        cut = Cut(tz, as_of, known_at)
        seen = self._updates(slug, cut)
        if not seen and as_of is not None:
            raise not_yet_reported(slug, cut)
        if not seen:
            raise NotYetReported(
                f"story {slug!r} had no update recorded by {known_at}: choose a later --known-at"
            )
        return seen

    def replay(
        self, slug: str, tz: tzinfo, when: When | None, known_at: When | None = None
    ) -> StoryVersion:
        """The story as it stood at ``when``, as the archive knew it at ``known_at``."""
        return self._version(slug, Cut(tz, when, known_at))

    def replay_all(
        self, tz: tzinfo, when: When | None, known_at: When | None = None
    ) -> Iterator[StoryVersion]:
        """Every story that existed at ``when``, each as it stood then, by slug.

        Streams: one story's updates are in memory at a time.
        """
        for slug, updates in self.index.stories_updates(Cut(tz, when, known_at)):
            yield state(slug, updates)

    def version(
        self, slug: str, tz: tzinfo, ref: str | None, known_at: When | None = None
    ) -> StoryVersion:
        """A version named by an update id or a unique prefix of one (right after it), a
        version number (as `story log` counts) or a date (as of it); the latest when
        ``ref`` is None."""
        check_slug(slug)
        cut = Cut(tz, None, known_at)
        if ref is None:
            return self._version(slug, cut)
        ref = ref.lower() if _ID.match(ref) else self._named(slug, cut, ref)
        found = self.index.find(ref)
        if found is not None and found.story != slug:
            raise _unknown_update(slug, ref, found)
        if found is not None:
            if not cut.admits(found, self.index.zone):
                raise UnknownUpdate(
                    f"update {ref} was recorded after {known_at}: choose a later --known-at"
                )
            return self._version(slug, cut, through=ref)
        try:
            when = When.parse(ref, "version")
        except InvalidInput:
            raise UnknownUpdate(
                f"{ref!r} is neither an update of story {slug!r} nor a date: "
                f"give an id from `story log {slug}` or YYYY-MM-DD"
            ) from None
        return self._version(slug, Cut(tz, when, known_at))

    def _named(self, slug: str, cut: Cut, ref: str) -> str:
        """The update id a version number or an id prefix names; else ``ref`` unchanged.

        All digits are a version number if the story has that version, else the start of
        an update id (ids are hex: 9267757 may begin 9267757de05e); neither is an error
        that names both readings."""
        timeline = None
        if _NUMBER.match(ref):
            timeline = self._updates(slug, cut)
            if 1 <= int(ref) <= len(timeline):
                return timeline[int(ref) - 1].id
            if not _PREFIX.match(ref):
                raise UnknownUpdate(
                    f"story {slug!r} has no version {ref}: it has {len(timeline)} "
                    f"(see `story log {slug}`)"
                )
            if not any(u.id.startswith(ref) for u in timeline):
                raise UnknownUpdate(
                    f"story {slug!r} has no version {ref} (it has {len(timeline)}) and no "
                    f"update whose id begins {ref}: see `story log {slug}`"
                )
        if not _PREFIX.match(ref):
            return ref
        if timeline is None:
            timeline = self._updates(slug, cut)
        matches = [u.id for u in timeline if u.id.startswith(ref.lower())]
        if len(matches) > 1:
            raise UnknownUpdate(
                f"{ref!r} begins {len(matches)} update ids of story {slug!r} "
                f"({', '.join(matches[:3])}{', …' if len(matches) > 3 else ''}): give more digits"
            )
        return matches[0] if matches else ref

    def diff(
        self,
        slug: str,
        tz: tzinfo,
        old: str | None,
        new: str | None,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> StoryDiff:
        """What changed between two versions of a story (from the first when ``old`` is
        None, to the latest when ``new`` is)."""
        before = self.version(slug, tz, old if old is not None else "1", known_at)
        return diff(before, self.version(slug, tz, new, known_at), ignore_trivial)

    def show(self, slug: str, update_id: str) -> tuple[Update, int, list[Update]]:
        """One update, its version number, and the updates that amend it."""
        check_slug(slug)
        update_id = update_id.lower() if _ID.match(update_id) else update_id
        update = self.index.find(update_id)
        if update is None or update.story != slug:
            self._updates(slug, None)  # an unknown story is the better message
            raise _unknown_update(slug, update_id, update)
        return update, self.index.place(update_id)[0], self.index.amending(update_id)

    def stories(self) -> list[StorySummary]:
        return self.index.stories()

    def counts(self) -> tuple[int, int]:
        return self.index.counts()

    def recent(self, n: int) -> list[Update]:
        """The ``n`` updates the archive recorded last, across every story, newest first."""
        return self.index.recent(n)

    def head(self) -> tuple[int, str]:
        """(position, digest) of the archive chain's last link, (0, GENESIS) when empty,
        the digest marked with the time of the index's last rebuild: a cheap read that
        differs after any write (an update, a URL's tie) and any rebuild, so a reader can
        tell whether what it worked out before still holds."""
        return self.index.head()

    def _version(self, slug: str, cut: Cut, through: str | None = None) -> StoryVersion:
        check_slug(slug)
        version, updates = self.index.relevant(slug, cut, through)
        if not version:
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            raise not_yet_reported(slug, cut)
        return state(slug, updates, version)

    def _updates(self, slug: str, cut: Cut | None) -> list[Update]:
        check_slug(slug)
        updates = self.index.updates(slug, cut)
        if not updates and not self.index.has_story(slug):
            raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
        return updates

    # Auditing: is history intact, and who wrote each sentence

    def history(
        self,
        slug: str,
        tz: tzinfo,
        when: When | None = None,
        known_at: When | None = None,
        made_by: bool = True,
    ) -> list[tuple[Update, StoryVersion]]:
        """The story after each of its updates, in version order, through ``when``
        (``made_by=False``: see ``domain.timeline.history``)."""
        cut = Cut(tz, when, known_at)
        seen = self._updates(slug, cut)
        if not seen:
            raise not_yet_reported(slug, cut)
        return list(history(slug, seen, made_by))

    def blame(
        self,
        slug: str,
        tz: tzinfo,
        when: When | None = None,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> tuple[StoryVersion, Blame]:
        """The story as of ``when``, each sentence with the update that introduced it."""
        versions = self.history(slug, tz, when, known_at, made_by=False)
        return versions[-1][1], blame(versions, ignore_trivial)

    def trace(
        self,
        slugs: list[str] | None,
        phrase: str,
        tz: tzinfo,
        ignore_case: bool = False,
        when: When | None = None,
        known_at: When | None = None,
    ) -> dict[str, list[Sighting]]:
        """Every change in a phrase's presence through ``when``, per story (all stories
        when None: those not yet reported then are left out)."""
        if not phrase.strip():
            raise InvalidInput('the phrase is empty: give the words to trace, e.g. "extension"')
        names = slugs if slugs is not None else [s.slug for s in self.index.stories()]
        found = {}
        for slug in names:
            try:
                versions = self.history(slug, tz, when, known_at, made_by=False)
            except NotYetReported:
                if slugs is not None:
                    raise
                continue
            found[slug] = trace(versions, phrase, ignore_case)
        return found

    def trivial_updates(
        self, slug: str, tz: tzinfo, known_at: When | None = None, as_of: When | None = None
    ) -> set[str]:
        """Updates that changed only whitespace or punctuation (through ``as_of``)."""
        return trivial_updates(self.history(slug, tz, as_of, known_at, made_by=False))

    def verify(
        self, slug: str | None = None, progress: Callable[[int], None] = lambda n: None
    ) -> Verification:
        """Recompute every digest and both chains from the stored events, and everything
        the index holds that a read uses.

        Every read sees the archive at one moment: updates recorded while it runs are
        neither checked nor taken for tampering. ``progress`` hears of events read.
        """
        if slug is not None:
            check_slug(slug)
        with self.index.snapshot():
            if slug is not None and not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            recorded, place = self._recorded_zone(), self.index.zone
            if recorded not in (None, self.index.zone_name):  # place dates as recorded
                with suppress(StoryError):
                    place = time_zone(str(recorded))
            result = verify(
                self._stored_updates(),
                self.index.chain_rows(),
                self.index.fingerprints(slug),
                slug,
                self.index.summaries(slug),
                place,
                progress,
                (self.index.zone_name, recorded),
                self.index.tie_rows(),
            )
            result.findings[:0] = self.index.guard_problems()
            return result

    def rebuild(self, progress: Callable[[int], None] = lambda n: None) -> int:
        """Re-derive the read-side index from the event store; how many updates it holds."""
        try:
            return self.index.rebuild(self._recorded_updates(), progress)
        except PersistenceError as error:
            raise ArchiveUnavailable(
                f"cannot rebuild the index ({first_line(error)}): it is as it was; "
                "try again when no other writer holds the archive"
            ) from None

    def event_count(self) -> int:
        """How many events the store holds (for progress bars)."""
        return self.recorder.max_notification_id() or 0

    def checkpoint(self, archive: str) -> dict[str, Any]:
        """The archive's head, as a checkpoint document; only of an archive that verifies."""
        result = self.verify()
        if not result.ok:
            raise ArchiveUnavailable(
                f"the archive does not verify ({counted(len(result.findings), 'problem')}): "
                "run `story verify`; a checkpoint would vouch for altered history"
            )
        made_at = utc_text(self._transactional.now())
        return checkpoints.make(
            archive, made_at, result.stories, result.updates, result.head, result.links
        )

    def _recorded_updates(self) -> Iterator[Update | Tie]:
        """What the index derives from: each update, and each URL's tie."""
        urls: dict[Any, str] = {}
        for item in self._stored_updates():
            if isinstance(item, StoredStart | StoredZone):
                continue
            if isinstance(item, StoredAddress):
                urls[item.originator] = item.url
                continue
            try:
                if isinstance(item, Finding):
                    raise ValueError(str(item))
                if isinstance(item, StoredTie):
                    when = datetime.fromisoformat(item.recorded_at)
                    link = tie_link(item.digest)
                    yield Tie(urls[item.originator], item.story, item.how, item.by, when, link)
                    continue
                recorded_at = datetime.fromisoformat(item.recorded_at)
                update = Update.from_record(item.record, recorded_at)
            except MALFORMED as error:
                raise ArchiveUnavailable(
                    f"cannot rebuild: {first_line(error)}: run `story verify`"
                ) from None
            yield replace(update, digest=item.digest)

    def _stored_updates(self) -> Iterator[Stored]:
        """Every event, read raw from the event store in recorded order: topics are
        looked up among story's own, and a row that cannot be read is a Finding."""
        slugs: dict[object, str] = {}
        decode = self.mapper.transcoder.decode
        start, page = 1, 5000
        recorder = self._transactional
        while True:
            rows = recorder.event_rows(start, page)
            for row in rows:
                yield read_event(row, decode, slugs)
            if len(rows) < page:
                return
            start = rows[-1][0] + 1


def chunked(updates: Iterable[Update], size: int = CHUNK) -> Iterator[list[Update]]:
    """A stream of updates in lists of at most ``size``."""
    chunk: list[Update] = []
    for update in updates:
        chunk.append(update)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _read(source: Source) -> Iterator[list[Update]]:
    """A file's updates, read afresh, in chunks."""
    return chunked(source.read())


def _unknown_update(slug: str, update_id: str, found: Update | None) -> UnknownUpdate:
    if found is not None:
        return UnknownUpdate(
            f"update {update_id} belongs to story {found.story!r}, not {slug!r}: "
            f"try `story show {found.story} {update_id}`"
        )
    return UnknownUpdate(f"no update {update_id!r} in story {slug!r}: see `story log {slug}`")
