"""A writer that was alone last time appends without reading first, and is never wrong.

It trusts the story and the archive's chain as it left them; when someone else wrote
in between (or the update is already recorded), the archive's unique keys refuse the
writes and it appends the careful way. These tests put another writer in between.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC
from typing import Any

import pytest

from domain.application import Archive
from domain.errors import UnknownUpdate
from domain.updates import Update
from storage.archive import open_archive


def report(day: str, text: str, slug: str = "shotspotter", by: str = "a") -> Update:
    return Update.draft(slug, "report", f"2024-02-{day}", by, text=text)


class Spied:
    """An archive whose index notes whether each write transaction trusted, and whether
    it committed."""

    def __init__(self, db: str) -> None:
        self.archive = open_archive(db)
        self.transactions: list[tuple[bool, bool]] = []
        index: Any = self.archive.index
        recording = index.recording

        def spied(trusting: bool = False) -> AbstractContextManager[Any]:
            return self._noted(recording(trusting), trusting)

        index.recording = spied

    @contextmanager
    def _noted(self, inner: AbstractContextManager[Any], trusting: bool) -> Iterator[Any]:
        committed = False
        try:
            with inner as writer:
                yield writer
            committed = True
        finally:
            self.transactions.append((trusting, committed))

    def trusted(self) -> list[bool]:
        """For each committed transaction, whether it trusted."""
        return [trusting for trusting, committed in self.transactions if committed]

    def refused(self) -> int:
        """Trusting transactions that the archive refused."""
        return sum(1 for trusting, committed in self.transactions if trusting and not committed)


@pytest.fixture
def writers(db: str) -> Iterator[tuple[Spied, Archive]]:
    first, other = Spied(db), open_archive(db)
    yield first, other
    first.archive.close()
    other.close()


def test_a_writer_alone_trusts_after_its_second_append(writers: tuple[Spied, Archive]) -> None:
    writer, _ = writers
    for n, day in enumerate(("12", "13", "14", "15"), start=1):
        appended = writer.archive.append(report(day, f"Day {day}."))
        assert (appended.version, appended.versions, appended.new) == (n, n, True)
    assert writer.trusted() == [False, False, True, True]
    assert writer.refused() == 0
    assert writer.archive.verify().ok


@pytest.mark.parametrize("same_story", [True, False], ids=["same-story", "other-story"])
def test_another_writer_in_between_is_caught_and_nothing_is_lost(
    writers: tuple[Spied, Archive], same_story: bool
) -> None:
    writer, other = writers
    writer.archive.append(report("12", "First."))
    writer.archive.append(report("13", "Second."))
    slug = "shotspotter" if same_story else "elsewhere"
    other.append(report("14", "From the other writer.", slug, by="b"))
    third = writer.archive.append(report("15", "Third."))

    assert writer.refused() == 1  # it trusted, the archive refused, it went the careful way
    assert (third.version, third.versions) == ((4, 4) if same_story else (3, 3))
    texts = [u.text for u in writer.archive.timeline("shotspotter", UTC)]
    expected = ["First.", "Second.", "From the other writer.", "Third."]
    assert texts == (expected if same_story else [t for t in expected if "other" not in t])
    assert writer.archive.counts() == ((1, 4) if same_story else (2, 4))
    assert writer.archive.verify().ok
    # Not alone any more: the next append reads first; alone again after it, it trusts.
    writer.archive.append(report("16", "Fourth."))
    writer.archive.append(report("17", "Fifth."))
    assert writer.trusted()[-2:] == [False, True]
    assert writer.archive.verify().ok


def test_a_trusting_writer_appending_an_update_again_changes_nothing(
    writers: tuple[Spied, Archive],
) -> None:
    writer, _ = writers
    writer.archive.append(report("12", "First."))
    second = writer.archive.append(report("13", "Second."))
    again = writer.archive.append(report("13", "Second."))
    assert writer.refused() == 1
    assert (again.new, again.version, again.versions) == (False, 2, 2)
    assert again.update.id == second.update.id
    assert writer.archive.counts() == (1, 2)
    assert writer.archive.verify().ok


def test_a_batch_that_fails_leaves_the_writers_memory_as_the_archive_holds_it(
    writers: tuple[Spied, Archive],
) -> None:
    """A story the failed batch had moved on in memory is not trusted afterwards."""
    writer, _ = writers
    writer.archive.append(report("12", "First."))
    writer.archive.append(report("13", "Second."))
    orphan = Update.draft("shotspotter", "retraction", "2024-02-14", "a", target="0" * 12, note="x")
    with pytest.raises(UnknownUpdate):  # the report is recorded in memory, then the batch fails
        writer.archive.record([report("14", "Lost with its batch."), orphan])
    third = writer.archive.append(report("15", "Third."))
    assert (third.version, third.versions, third.new) == (3, 3, True)
    texts = [u.text for u in writer.archive.timeline("shotspotter", UTC)]
    assert texts == ["First.", "Second.", "Third."]
    assert writer.archive.verify().ok
