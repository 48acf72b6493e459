"""What an import reads: the files a path names (folders give their captures, .txt,
saved web pages and WARC files, and their .jsonl updates, by name), each checked whole
before anything is written.

JSON Lines files are streamed, never held whole: a first pass (``scan``) checks every
line of every file, a second (``Source.read``, from ``Archive.import_files``) reads them
again to record them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from domain.errors import InvalidInput
from domain.sources import decode, is_capture, jsonl_updates, read_seed
from domain.updates import Update

Progress = Callable[[int], None] | None  # told how many bytes of a file were read
# A story's headline and text just before a moment, and when its version was reported;
# None when it had none yet (``Archive.article_before``).
ArticleBefore = Callable[[str, datetime], tuple[datetime, str | None, str] | None]


@dataclass
class Settling:
    """What settling one import's files shares: the archive's answers (``before``; and
    ``tied``, the stories URLs are tied to) and what its earlier files left: each
    story's latest article, and the URLs they tied."""

    before: ArticleBefore
    tied: Callable[[Collection[str]], dict[str, str]]
    latest: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)


SUFFIXES = (".jsonl", ".txt")
CAPTURE_SUFFIXES = (".html", ".htm", ".warc", ".warc.gz")  # read by domain.captures
MAX_TEXT_BYTES = 64 * 2**20  # one file read whole: a text capture, or `append --file`


@dataclass(frozen=True)
class Source:
    """One file to import, and what its first pass found."""

    path: Path
    story: str | None
    by: str
    updates: int
    defines: frozenset[str]  # update ids the file itself records
    targets: frozenset[str]  # update ids it amends
    skipped: int = 0  # records that are no updates (in a WARC: no article page)

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def unchanged(self) -> int:
        """Captures that changed no article (domain.captures); none in other files."""
        return 0

    @property
    def ties(self) -> tuple[tuple[str, str, str], ...]:
        """(URL, story, how): the URLs the file's captures are found at, to tie to
        their stories (domain.urls); none for other files."""
        return ()

    def settled(self, settling: Settling) -> Source:
        """The file as it is to be recorded, once the archive is known: captures find
        their stories and those that changed nothing are dropped (domain.captures);
        other files are recorded whole."""
        return self

    def read(self) -> Iterator[Update]:
        """The file's updates, read afresh (each call streams the file again)."""
        if suffix(self.path) != ".jsonl":
            yield read_seed(decode(read_file(self.path), self.name), self.name, self.story, self.by)
            return
        try:
            handle = self.path.open("rb")
        except OSError as error:
            raise InvalidInput(f"{self.path}: cannot read it ({error.strerror})") from None
        with handle:
            yield from jsonl_updates(handle, self.name, self.by)


def read_file(path: str | os.PathLike[str]) -> bytes:
    """A file's bytes, or a one-line error that says what is wrong with it."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TEXT_BYTES + 1)  # a device such as /dev/zero never ends
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) > MAX_TEXT_BYTES:
        raise InvalidInput(
            f"{path}: larger than {MAX_TEXT_BYTES // 2**20} MB: one update's text is less "
            "(import many updates as a .jsonl file)"
        )
    return data


def expand(paths: tuple[str, ...]) -> list[Path]:
    """The files to import, folders expanded to the files an import reads, by name."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if (suffix(p) in SUFFIXES or _captured(p)) and p.is_file()
            )
            if not found:
                raise InvalidInput(f"{path}: the folder has nothing to import: no {WHAT}")
            for file in found:
                _inside(file, path)
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():
            raise InvalidInput(f"{path}: not a file or a folder: import {WHAT}")
        else:
            raise InvalidInput(f"{path}: no such file or folder")
    return files


def _inside(file: Path, folder: Path) -> None:
    """A folder's file must be in it: a link out of the folder is not followed (nothing
    of what it points to is read, or quoted in an error)."""
    if not file.resolve().is_relative_to(folder.resolve()):
        raise InvalidInput(
            f"{file}: a link to a file outside {folder}: name that file itself to import it"
        )


def scan(
    paths: tuple[str, ...], story: str | None, by: str, progress: Progress = None
) -> list[Source]:
    """Check every update of every file (the first pass); nothing is kept but ids (and
    the revisions found in captures, spooled to disk). ``progress`` is told the bytes
    read of each capture file (``capture_bytes`` is their total)."""
    sources: list[Source] = []
    for path in expand(paths):
        if _captured(path):
            from domain import captures

            sources.append(captures.scan(path, story, by, progress))
            continue
        if suffix(path) not in SUFFIXES:  # named itself: a folder gives only these
            raise InvalidInput(f"{path}: {NOT_IMPORTED}: story imports those only")
        source = Source(path, story, by, 0, frozenset(), frozenset())
        defines, targets, count = set(), set(), 0
        for update in source.read():
            count += 1
            defines.add(update.id)
            if update.target:
                targets.add(update.target)
        sources.append(
            Source(path, story, by, count, frozenset(defines), frozenset(targets - defines))
        )
    return sources


def capture_bytes(paths: tuple[str, ...]) -> int:
    """The size of the web pages and WARC files among the files ``paths`` name."""
    return sum(path.stat().st_size for path in expand(paths) if _captured(path))


_CAPTURES = ", ".join((".txt", *CAPTURE_SUFFIXES))
WHAT = f"captures ({_CAPTURES}) or .jsonl files"  # what an import reads
NOT_IMPORTED = f"not a capture ({_CAPTURES}) or a .jsonl file"


def skipped(paths: tuple[str, ...]) -> list[tuple[Path, str]]:
    """What the folders among ``paths`` hold that an import leaves out, and why."""
    left: list[tuple[Path, str]] = []
    for folder in (Path(given) for given in paths):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_dir():
                    left.append((path, "a folder (folders inside are not searched)"))
                elif suffix(path) not in SUFFIXES and not _captured(path):
                    left.append((path, NOT_IMPORTED))
    return left


def suffix(path: Path) -> str:
    """A file's suffix as an import tells files apart by it: in lower case."""
    return path.suffix.lower()


def _captured(path: Path) -> bool:
    """A saved web page or a WARC file (domain.captures reads them)."""
    return path.name.lower().endswith(CAPTURE_SUFFIXES)


def spooled(data: bytes, folder: str) -> str:
    """Bytes read from standard input (``-``), written to a file in ``folder`` as an import
    reads files (twice): a .txt capture if they start as one, else JSON Lines; its path."""
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    path = os.path.join(folder, "stdin.txt" if is_capture(first) else "stdin.jsonl")
    with open(path, "wb") as file:
        file.write(data)
    return path
