"""`story export -o PATH`: a regular file is replaced whole, a symlink is followed, and
anything else at PATH (a FIFO, a device, a folder) is refused and left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cli_helpers import Cli

REFUSED = "is not a regular file: give a file path, or leave out -o to write to standard output"


def test_export_to_a_regular_file_replaces_it(example: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")

    example.ok("export", "-o", str(target))

    assert target.read_text() == example.ok("export")


def test_export_through_a_symlink_replaces_the_file_it_names_and_keeps_the_link(
    example: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    named = out / "named.jsonl"
    named.write_text("old\n")
    link = out / "link.jsonl"
    link.symlink_to(named)

    example.ok("export", "-o", str(link))

    assert link.is_symlink()
    assert os.readlink(link) == str(named)
    assert named.read_text() == example.ok("export")
    assert sorted(p.name for p in out.iterdir()) == ["link.jsonl", "named.jsonl"]


def test_export_to_a_fifo_is_refused_and_leaves_it_a_fifo(example: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    error = example.fails("export", "-o", str(fifo))

    assert error == f"{fifo} {REFUSED}"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert not (tmp_path / "fifo.partial").exists()


def test_export_through_a_symlink_to_a_fifo_is_refused(example: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)

    error = example.fails("export", "-o", str(link))

    assert error == f"{link} {REFUSED}"
    assert link.is_symlink()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("fmt", ["jsonl", "warc"])
def test_export_to_a_folder_is_refused_and_leaves_it_alone(
    example: Cli, tmp_path: Path, fmt: str
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "kept").write_text("kept\n")

    error = example.fails("export", "--format", fmt, "-o", str(folder))

    assert error == f"{folder} {REFUSED}"
    assert [p.name for p in folder.iterdir()] == ["kept"]
    assert not (tmp_path / "folder.partial").exists()


def test_export_through_a_loop_of_symlinks_is_refused(example: Cli, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.symlink_to(second)
    second.symlink_to(first)

    error = example.fails("export", "-o", str(first))

    assert error == f"{first} {REFUSED}"
    assert (os.readlink(first), os.readlink(second)) == (str(second), str(first))
