"""The archive application: the writing and auditing parts, and the reading queries.

Persistence is configuration (see domain.ports): this module never names a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import tzinfo

from domain.auditing import Auditing
from domain.diffing import StoryDiff, diff
from domain.errors import InvalidInput, NotYetReported, UnknownStory, UnknownUpdate
from domain.ports import Index, StorySummary
from domain.timeline import Cut, StoryVersion, not_yet_reported, state, timeline
from domain.updates import Update, check_slug
from domain.when import When
from domain.writing import Appended, Imported, Writing

__all__ = ["Appended", "Archive", "Imported", "Index", "StorySummary"]


_ID = re.compile(r"^[0-9A-Fa-f]{12}$")  # an update id, in either case


class Archive(Writing, Auditing):
    """The story archive: append updates; replay, log and diff stories; audit them."""

    def timeline(self, slug: str, tz: tzinfo, known_at: When | None = None) -> list[Update]:
        """Every update of a story, in version order (reported, then recorded)."""
        cut = Cut(tz, None, known_at)
        seen = timeline(self._updates(slug, cut), self.index.zone, cut)
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
        """A version named by an update id (right after it) or a date (as of it); the
        latest when ``ref`` is None."""
        check_slug(slug)
        cut = Cut(tz, None, known_at)
        if ref is None:
            return self._version(slug, cut)
        ref = ref.lower() if _ID.match(ref) else ref
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

    def diff(
        self,
        slug: str,
        tz: tzinfo,
        old: str,
        new: str | None,
        known_at: When | None = None,
        ignore_trivial: bool = False,
    ) -> StoryDiff:
        """What changed between two versions of a story."""
        before = self.version(slug, tz, old, known_at)
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

    def _version(self, slug: str, cut: Cut, through: str | None = None) -> StoryVersion:
        check_slug(slug)
        version, updates = self.index.relevant(slug, cut, through)
        if not version:
            if not self.index.has_story(slug):
                raise UnknownStory(f"no story {slug!r} in this archive: see `story list`")
            raise not_yet_reported(slug, cut)
        return state(slug, updates, version, kept=True)


def _unknown_update(slug: str, update_id: str, found: Update | None) -> UnknownUpdate:
    if found is not None:
        return UnknownUpdate(
            f"update {update_id} belongs to story {found.story!r}, not {slug!r}: "
            f"try `story show {found.story} {update_id}`"
        )
    return UnknownUpdate(f"no update {update_id!r} in story {slug!r}: see `story log {slug}`")
