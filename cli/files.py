"""Reading import paths: files and folders of .txt captures and .jsonl updates."""

from __future__ import annotations

from pathlib import Path

from domain.errors import InvalidInput
from domain.sources import decode, read_jsonl, read_seed
from domain.updates import Update

SUFFIXES = (".jsonl", ".txt")


def expand(paths: tuple[str, ...]) -> list[Path]:
    """The files to import, folders expanded to their .jsonl and .txt files, by name."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
            if not found:
                raise InvalidInput(f"{path}: the folder has no .jsonl or .txt files to import")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InvalidInput(f"{path}: no such file or folder")
    return files


def read_updates(
    paths: tuple[str, ...], story: str | None, by: str
) -> list[tuple[str, list[Update]]]:
    """Every file's updates, all read and checked before anything is written."""
    result = []
    for path in expand(paths):
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InvalidInput(f"{name}: cannot read it ({error.strerror})") from None
        text = decode(data, name)
        if path.suffix == ".jsonl":
            updates = list(read_jsonl(text, name, by))
            if not updates:
                raise InvalidInput(f"{name}: the file has no updates, only blank lines")
        else:
            updates = [read_seed(text, name, story, by)]
        result.append((name, updates))
    return result
