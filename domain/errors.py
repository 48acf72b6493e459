"""The project's one error family: each says what was wrong and what to do, in one line."""

from __future__ import annotations


class StoryError(Exception):
    """Base class of every error a user can cause and fix."""


class InvalidInput(StoryError):
    """An argument, a field or a file is malformed."""


class UnknownStory(StoryError):
    """No story has this slug."""


class UnknownUpdate(StoryError):
    """No update with this id, in this story."""


class NotYetReported(StoryError):
    """The story had no update yet at the requested time."""


class ArchiveUnavailable(StoryError):
    """The archive cannot be opened or written."""


def first_line(error: BaseException) -> str:
    """The first line of an underlying (database, driver) error, for a one-line message."""
    cause = error
    while cause.__cause__ is not None:
        cause = cause.__cause__
    cause = getattr(cause, "orig", None) or cause
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
