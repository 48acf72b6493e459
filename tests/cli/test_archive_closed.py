"""Each command closes the archive it opened when it ends, whether it succeeded or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cli_helpers import Cli

import storage.archive
from domain.application import Archive


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Archive, list[bool]]]:
    """Every archive a command opens, with whether it was closed (kept referenced, so
    that garbage collection, which also closes an archive, cannot hide a missing close)."""
    found: list[tuple[Archive, list[bool]]] = []
    open_archive: Callable[..., Archive] = storage.archive.open_archive

    def recording(*args: Any, **kwargs: Any) -> Archive:
        archive = open_archive(*args, **kwargs)
        closed: list[bool] = []
        close = archive.close

        def recorded_close() -> None:
            closed.append(True)
            close()

        archive.close = recorded_close  # type: ignore[method-assign]
        found.append((archive, closed))
        return archive

    monkeypatch.setattr(storage.archive, "open_archive", recording)
    return found


def test_a_command_that_succeeds_closes_the_archive(
    example: Cli, opened: list[tuple[Archive, list[bool]]]
) -> None:
    example.ok("replay", "shotspotter")

    assert [closed for _, closed in opened] == [[True]]


def test_a_command_that_fails_closes_the_archive(
    example: Cli, opened: list[tuple[Archive, list[bool]]]
) -> None:
    example("log", "nope")

    assert [closed for _, closed in opened] == [[True]]


def test_an_import_closes_the_archive(cli: Cli, opened: list[tuple[Archive, list[bool]]]) -> None:
    cli.import_example()

    assert [closed for _, closed in opened] == [[True]]
