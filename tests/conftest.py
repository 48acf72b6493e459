"""Fixtures shared by every layer: an archive on each backend the project supports.

PostgreSQL tests need STORY_TEST_POSTGRES_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test); without it they are skipped.
Each pytest process works in a database of its own, created and dropped here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_ENV = "STORY_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shotspotter"
SEED = EXAMPLE.parent / "shotspotter-seed" / "000_126f608e96277ead.txt"
STORY_TABLES = (
    "archive_events", "story_updates", "story_chain", "story_meta", "story_stats",
    "story_token_revocations", "story_tokens", "story_urls",
)  # fmt: skip


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A fresh PostgreSQL database for this pytest process; its URL."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"story_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {', '.join(STORY_TABLES)} CASCADE"))
    engine.dispose()


def _empty_archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "archive.db")
        return
    url = request.getfixturevalue("postgres_server")
    _empty_postgres(url)
    yield url
    _empty_postgres(url)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive's --db value, once per backend."""
    yield from _empty_archive(request, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def archive_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive's --db value for the layers above storage (CLI, audit): SQLite,
    and PostgreSQL once more among the slow tests, as the storage tests cover both."""
    yield from _empty_archive(request, tmp_path)


@pytest.fixture
def postgres_db(postgres_server: str) -> Iterator[str]:
    """An empty PostgreSQL archive's URL, for tests about PostgreSQL itself."""
    _empty_postgres(postgres_server)
    yield postgres_server
    _empty_postgres(postgres_server)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    """An empty SQLite archive's path, for tests about SQLite itself."""
    return str(tmp_path / "archive.db")


@pytest.fixture
def seed() -> Path:
    """The seed story the project was created from (in examples/, so in every clone)."""
    return SEED


@pytest.fixture
def example() -> Path:
    """The ShotSpotter example timeline folder."""
    return EXAMPLE


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def app(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An empty archive application on each backend, in memory too: the contract every
    backend keeps."""
    from storage.archive import open_archive
    from storage.memory import open_memory_archive

    if request.param == "memory":
        archive = open_memory_archive()
    elif request.param == "sqlite":
        archive = open_archive(request.getfixturevalue("sqlite_db"))
    else:
        archive = open_archive(request.getfixturevalue("postgres_db"))
    yield archive
    archive.close()
