"""The archive application on every backend: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Archive
from storage.archive import open_archive
from storage.memory import open_memory_archive


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Iterator[Archive]:
    """An empty archive on each backend: the contract every backend keeps."""
    if request.param == "memory":
        archive = open_memory_archive()
    elif request.param == "sqlite":
        archive = open_archive(request.getfixturevalue("sqlite_db"))
    else:
        archive = open_archive(request.getfixturevalue("postgres_db"))
    yield archive
    archive.close()
