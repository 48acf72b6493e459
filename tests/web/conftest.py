"""Fixtures for the web service: the ShotSpotter example served in-process (TestClient).

The service runs on SQLite, and on PostgreSQL once more among the slow tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web service needs the serve extra: story[serve]")

from starlette.testclient import TestClient
from web_helpers import load_example

from cli.web.app import Service, create_app
from domain.tokens import MemoryTokens, Tokens
from storage.archive import open_archive


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def web_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An archive holding the ShotSpotter example: its --db value."""
    db = str(tmp_path / "archive.db") if request.param == "sqlite" else _postgres(request)
    load_example(db)
    return db


def _postgres(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue("postgres_db")
    return url


@pytest.fixture
def tokens() -> Tokens:
    return Tokens(MemoryTokens())


@pytest.fixture
def client(web_db: str, tokens: Tokens) -> Iterator[TestClient]:
    """The service over the example archive, with an in-memory token store."""
    app = create_app(Service(lambda: open_archive(web_db, "UTC", create=False), tokens=tokens))
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client
