"""Fixtures for the CLI tests: `cli`, bound to an empty archive on SQLite (and on PostgreSQL
among the slow tests)."""

from __future__ import annotations

import pytest
from cli_helpers import Cli


@pytest.fixture
def cli(archive_db: str) -> Cli:
    """`story` on an empty archive of its own."""
    return Cli(archive_db)


@pytest.fixture
def example(cli: Cli) -> Cli:
    """`story` on an archive holding the ShotSpotter example."""
    cli.import_example()
    return cli
