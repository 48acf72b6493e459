"""Fixtures for the audit tests: the `story` command and an attacker, on SQLite (and on
PostgreSQL among the slow tests)."""

from __future__ import annotations

import pytest
from tamper import Attacker, Cli


@pytest.fixture
def cli(archive_db: str) -> Cli:
    """`story` on an empty archive of its own."""
    return Cli(archive_db)


@pytest.fixture
def archive(cli: Cli) -> Cli:
    """`story` on an archive holding the ShotSpotter example (9 updates, versions 2…10)."""
    cli.import_example()
    return cli


@pytest.fixture
def attacker(archive_db: str) -> Attacker:
    """Direct access to the archive's database, as someone with its password has."""
    return Attacker(archive_db)
