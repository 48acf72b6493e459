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
