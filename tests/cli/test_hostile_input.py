"""Secrets, files and odd input: each a one-line error, a non-zero exit and nothing
written (no archive file, no folder), or shown safely."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from cli_helpers import EXAMPLE, Cli
from click.testing import CliRunner, Result

from cli.main import story
from storage.tables import SCHEMA_VERSION

REPORT = ["--kind", "report", "--reported-at", "2024-03-01"]


def run(*args: str, env: dict[str, str | None] | None = None) -> Result:
    runner = CliRunner(
        env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": "tester", **(env or {})}
    )
    return runner.invoke(story, list(args))


def one_error(result: Result, code: int | None = None) -> str:
    """The message of a command that failed with one `Error: ` line and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code != 0 if code is None else result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert result.stdout == ""
    return lines[0].removeprefix("Error: ")


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def jsonl(path: Path, *records: object) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


# Secrets


def test_a_password_in_the_url_query_is_masked_in_errors() -> None:
    url = "postgresql://reader@127.0.0.1:1/news?password=hunter2&sslpassword=swordfish"
    message = one_error(run("info", "--db", url))
    assert "hunter2" not in message
    assert "swordfish" not in message
    assert "password=***&sslpassword=***" in message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://reader:hunter2@localhost/news",
        "postgresql://reader:hunter2@localhost:abc/news",
    ],
)
def test_a_password_in_a_url_story_refuses_is_masked(url: str) -> None:
    message = one_error(run("list", "--db", url))
    assert "hunter2" not in message
    assert "reader:***@" in message


@pytest.mark.slow
def test_info_and_checkpoint_mask_a_password_given_in_the_query(postgres_db: str) -> None:
    url = f"{postgres_db}?password=hunter2"
    assert run("append", "s", *REPORT, "--text", "x", "--db", url).exit_code == 0

    info = run("info", "--db", url, "--json")
    checkpoint = run("checkpoint", "--db", url)

    assert json.loads(info.stdout)["archive"].endswith("?password=***")
    assert json.loads(checkpoint.stdout)["archive"].endswith("?password=***")
    assert "hunter2" not in info.stdout + checkpoint.stdout


# Files: owner-only archives and folders


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_archive_its_journal_and_its_folders_are_its_owners_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = tmp_path / "deep" / "er" / "archive.db"
        assert run("append", "s", *REPORT, "--text", "x", "--db", str(db)).exit_code == 0
        from storage.archive import open_archive

        archive = open_archive(str(db), create=False)  # open: its -wal and -shm exist
        try:
            archive.stories()
            modes = {p.name: mode(p) for p in db.parent.iterdir()}
        finally:
            archive.close()
    finally:
        os.umask(old)
    assert modes == {"archive.db": 0o600, "archive.db-wal": 0o600, "archive.db-shm": 0o600}
    assert (mode(tmp_path / "deep"), mode(tmp_path / "deep" / "er")) == (0o700, 0o700)


def test_the_default_archive_folder_is_its_owners_alone(tmp_path: Path) -> None:
    result = run("append", "s", *REPORT, "--text", "x", env={"XDG_DATA_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert mode(tmp_path / "story") == 0o700
    assert mode(tmp_path / "story" / "archive.db") == 0o600


# Files: links


@pytest.mark.parametrize("link", ["key.pem", "key.pem.pub"])
def test_keygen_refuses_a_dangling_link_at_either_path(tmp_path: Path, link: str) -> None:
    target = tmp_path / "elsewhere"
    (tmp_path / link).symlink_to(target)

    message = one_error(run("keygen", str(tmp_path / "key.pem")))

    assert message.startswith(f"{tmp_path / link} exists")
    assert not target.exists()
    assert not (tmp_path / ("key.pem" if link.endswith(".pub") else "key.pem.pub")).exists()


def test_a_folder_import_does_not_follow_a_link_out_of_the_folder(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET password is hunter2\n")
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "a.txt").symlink_to(secret)

    message = cli.fails("import", str(folder))

    assert (
        message == f"{folder / 'a.txt'}: a link to a file outside {folder}: "
        "name that file itself to import it"
    )
    assert "SECRET" not in message


# Imported control characters


@pytest.fixture
def hostile(cli: Cli, tmp_path: Path) -> Cli:
    """An archive whose story `s` carries escape sequences in its headline and text."""
    record = {"story": "s", "kind": "report", "reported_at": "2024-03-01",
              "headline": "Fine\x1b]0;owned\x07", "text": "red\x1b[31m here\u202e"}  # fmt: skip
    cli.ok("import", jsonl(tmp_path / "evil.jsonl", record))
    cli.ok("append", "s", "--kind", "revision", "--reported-at", "2024-03-02",
           "--text", "calm", "--headline", "Calm")  # fmt: skip
    return cli


def test_control_characters_are_shown_escaped_in_text_output(hostile: Cli) -> None:
    first = hostile.json("log", "s")[0]["id"]
    outputs = {
        "replay": hostile.ok("replay", "s", "--as-of", "2024-03-01"),
        "log": hostile.ok("log", "s"),
        "show": hostile.ok("show", "s", first),
        "diff": hostile.ok("diff", "s", "--from", first),
    }
    for command, out in outputs.items():
        assert not {"\x1b", "\x07", "\u202e"} & set(out), command
        assert "Fine\\x1b]0;owned\\x07" in out, command
    assert "red\\x1b[31m here\\u202e" in outputs["replay"]


def test_control_characters_are_shown_escaped_by_blame_and_trace(hostile: Cli) -> None:
    outputs = {
        "blame": hostile.ok("blame", "s", "--as-of", "2024-03-01"),
        "trace": hostile.ok("trace", "s", "red"),
    }
    for command, out in outputs.items():
        assert not {"\x1b", "\x07", "\u202e"} & set(out), command
        assert "red\\x1b[31m here\\u202e" in out, command


def test_control_characters_are_kept_exact_in_json(hostile: Cli) -> None:
    version = hostile.json("replay", "s", "--as-of", "2024-03-01")
    assert version["headline"] == "Fine\x1b]0;owned\x07"
    assert version["text"] == "red\x1b[31m here\u202e"


# Odd input: one line, non-zero exit, nothing written


def test_a_fact_value_with_a_lone_surrogate_is_refused(cli: Cli) -> None:
    assert cli.fails(
        "append", "s", "--kind", "fact", "--reported-at", "2024-03-01", "--key", "k",
        "--value", '["\\ud800"]',
    ) == "value holds characters that are not valid Unicode: give it as UTF-8 text"  # fmt: skip


def test_a_jsonl_record_whose_story_is_null_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "n.jsonl", {"story": None, "kind": "report",
                                        "reported_at": "2024-03-01", "text": "x"})  # fmt: skip
    assert cli.fails("import", path) == f"{path}:1: the record lacks the field 'story'"


@pytest.mark.parametrize(
    "args",
    [["show", "s", "\udcff\udcfe"], ["diff", "s", "--from", "\udcff"], ["log", "\udcff"]],
    ids=["show", "diff", "log"],
)
def test_an_argument_that_is_not_utf8_is_a_usage_error(example: Cli, args: list[str]) -> None:
    assert example.rejects(*args).endswith("is not UTF-8 text: give it as UTF-8 "
                                           "(update ids and slugs are ASCII)")  # fmt: skip


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg2://u@localhost/x", "database URL scheme 'postgresql+psycopg2' is not "
         "supported: story reaches PostgreSQL through psycopg 3: write postgresql://u@localhost/x"),
        ("mysql://u@localhost/x", "database URL scheme 'mysql' is not supported: give an SQLite "
         "file path or a postgresql:// URL"),
        ("postgresql://u@localhost:abc/x", "postgresql://u@localhost:abc/x is not a database "
         "URL: write postgresql://USER@HOST:PORT/DATABASE (the port a number)"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", [["list"], ["append", "s", *REPORT, "--text", "x"]])
def test_a_database_url_story_cannot_use_is_one_line(
    url: str, expected: str, command: list[str]
) -> None:
    assert one_error(run(*command, "--db", url)) == expected


def test_a_checkpoint_file_nested_too_deeply_is_not_a_checkpoint(
    example: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert example.fails("verify", "--against", str(path)) == (
        f"{path}: not a story checkpoint (not JSON)"
    )


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_importing_a_device_is_refused_without_reading_it(cli: Cli, tmp_path: Path) -> None:
    assert cli.fails("import", "/dev/zero") == (
        "/dev/zero: not a file or a folder: import captures (.txt, .html, .htm, .warc, .warc.gz) "
        "or .jsonl files"
    )
    assert cli.fails("append", "s", *REPORT, "--file", "/dev/zero").startswith(
        "/dev/zero: larger than 64 MB"
    )


def nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def test_a_fact_value_nested_deeper_than_the_limit_is_refused(cli: Cli) -> None:
    assert cli.fails(
        "append", "s", "--kind", "fact", "--reported-at", "2024-03-01", "--key", "k",
        "--value", nested(250),
    ) == "value is nested more than 32 levels deep: flatten it " \
        "(at most 32 levels of arrays and objects)"  # fmt: skip


def test_a_fact_value_at_the_depth_limit_is_kept_and_diffs(cli: Cli) -> None:
    first = cli.add("s", "fact", "2024-03-01", key="k", value="1")
    cli.add("s", "fact", "2024-03-02", key="k", value=nested(32))

    assert cli.json("replay", "s")["facts"]["k"] == json.loads(nested(32))
    assert "k" in cli.ok("diff", "s", "--from", first["id"])


def test_a_zone_typo_on_the_first_import_creates_no_archive(tmp_path: Path) -> None:
    db = tmp_path / "new" / "archive.db"
    result = run("--tz", "Amerca/Chicgo", "import", str(EXAMPLE), "--db", str(db))
    assert "time zone 'Amerca/Chicgo' is unknown" in one_error(result, 2)
    assert files_under(tmp_path) == []


@pytest.mark.parametrize("slug", ["s\n", "s\n\n"])
def test_a_slug_ending_in_a_newline_is_refused(cli: Cli, slug: str) -> None:
    assert cli.fails("append", slug, *REPORT, "--text", "x").startswith(
        f"story slug {slug!r} is not valid"
    )


def test_a_fact_key_ending_in_a_newline_is_refused(cli: Cli) -> None:
    assert cli.fails(
        "append", "s", "--kind", "fact", "--reported-at", "2024-03-01", "--key", "k\n",
        "--value", "1",
    ).startswith("fact key 'k\\n' is not valid")  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [["list"], ["log", "s"], ["replay", "s"], ["info"], ["verify"], ["checkpoint"], ["rebuild"],
     ["show", "s", "abcdefabcdef"], ["diff", "s", "--from", "2024-01-01"]],
    ids=lambda c: c[0],
)  # fmt: skip
def test_reading_a_missing_archive_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "sub" / "dir" / "archive.db"
    assert one_error(run(*command, "--db", str(db))).startswith(f"no archive at {db}")
    assert files_under(tmp_path) == []


def test_a_failed_first_append_leaves_no_archive_nor_folder(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "archive.db"
    fix = ["--kind", "correction", "--reported-at", "2024-03-01", "--target", "abcdefabcdef",
           "--text", "x", "--note", "y"]  # fmt: skip
    message = one_error(run("append", "s", *fix, "--tz", "Asia/Tokyo", "--db", str(db)))
    assert "is not an update of story 's'" in message
    assert files_under(tmp_path) == []

    ok = run("append", "s", *REPORT, "--text", "x", "--tz", "America/Chicago", "--db", str(db))
    assert ok.exit_code == 0
    assert json.loads(run("info", "--json", "--db", str(db)).stdout)["zone"] == "America/Chicago"


def test_a_failed_first_import_leaves_no_archive(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    fix = {"story": "s", "kind": "correction", "reported_at": "2024-03-01",
           "target": "abcdefabcdef", "text": "x", "note": "y"}  # fmt: skip
    path = jsonl(tmp_path / "fix.jsonl", fix)
    one_error(run("import", path, "--db", str(db)))
    assert files_under(tmp_path) == ["fix.jsonl"]


@pytest.mark.slow
def test_a_failed_first_append_leaves_no_tables_on_postgresql(postgres_db: str) -> None:
    from sqlalchemy import create_engine, inspect

    fix = ["--kind", "correction", "--reported-at", "2024-03-01", "--target", "abcdefabcdef",
           "--text", "x", "--note", "y"]  # fmt: skip
    one_error(run("append", "s", *fix, "--tz", "Asia/Tokyo", "--db", postgres_db))
    engine = create_engine(postgres_db)
    try:
        assert not inspect(engine).has_table("story_meta")
    finally:
        engine.dispose()
    assert run("append", "s", *REPORT, "--text", "x", "--db", postgres_db).exit_code == 0
    assert json.loads(run("info", "--json", "--db", postgres_db).stdout)["zone"] == "UTC"


def _meta_edit(db: Path, value: str, name: str = "schema_version") -> None:
    """Set one of the archive's settings (its schema version unless told) behind story's
    back, its triggers dropped first."""
    connection = sqlite3.connect(db)
    with connection:
        for (trigger,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            connection.execute(f'DROP TRIGGER "{trigger}"')
        connection.execute("UPDATE story_meta SET value = ? WHERE name = ?", (value, name))
    connection.close()


def _triggers(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        ).fetchone()[0])  # fmt: skip
    finally:
        connection.close()


def test_a_newer_archive_is_refused_before_anything_is_written_to_it(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    run("append", "s", *REPORT, "--text", "x", "--db", str(db))
    _meta_edit(db, "99")

    message = one_error(run("list", "--db", str(db)))

    assert (
        message == "this archive has schema version 99, newer than this story "
        f"(reads {SCHEMA_VERSION}): upgrade story"
    )
    assert _triggers(db) == 0


def test_a_schema_version_that_is_not_a_number_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    run("append", "s", *REPORT, "--text", "x", "--db", str(db))
    _meta_edit(db, "three")

    assert one_error(run("list", "--db", str(db))) == (
        "this archive's schema version 'three' is not a number: its settings (story_meta) "
        "are damaged: restore the archive from a copy"
    )


@pytest.mark.parametrize("zone", ["Not/AZone", "America"])  # America: a folder of zones
def test_a_time_zone_setting_that_is_no_zone_is_one_line_naming_the_archive(
    tmp_path: Path, zone: str
) -> None:
    """Not the error for a bad --tz: the user gave no zone, the archive's settings hold it."""
    db = tmp_path / "archive.db"
    run("append", "s", *REPORT, "--text", "x", "--db", str(db))
    _meta_edit(db, zone, "time_zone")

    for command in (("list",), ("verify",), ("append", "s", *REPORT, "--text", "y")):
        assert one_error(run(*command, "--db", str(db))) == (
            f"this archive's time zone {zone!r} is unknown: its settings (story_meta) "
            "are damaged: restore the archive from a copy"
        )
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT count(*) FROM story_updates").fetchone() == (1,)
    connection.close()


def test_a_nul_in_imported_text_is_refused_with_its_line_on_every_backend(
    cli: Cli, tmp_path: Path
) -> None:
    good = {"story": "s", "kind": "report", "reported_at": "2024-03-01", "text": "fine"}
    path = jsonl(tmp_path / "nul.jsonl", good, {**good, "text": "a\x00b"})
    assert cli.fails("import", path) == (
        f"{path}:2: field 'text' holds a NUL character (\\u0000): remove it"
    )


def test_rebuild_help_says_readers_see_the_old_index() -> None:
    """As they do on both databases (tests/storage/test_rebuild.py holds a rebuild open
    while a reader reads)."""
    help_text = " ".join(run("rebuild", "--help").stdout.split())
    assert "Readers see the old index until the new one is complete" in help_text
