"""Fixtures for the audit tests: the `story` command and an attacker, on each backend."""

from __future__ import annotations

import pytest
from tamper import Attacker, Cli


@pytest.fixture
def cli(db: str) -> Cli:
    """`story` on an empty archive of its own, once per backend."""
    return Cli(db)


@pytest.fixture
def archive(cli: Cli) -> Cli:
    """`story` on an archive holding the ShotSpotter example (9 updates, versions 2…10)."""
    cli.import_example()
    return cli


@pytest.fixture
def attacker(db: str) -> Attacker:
    """Direct access to the archive's database, as someone with its password has."""
    return Attacker(db)
