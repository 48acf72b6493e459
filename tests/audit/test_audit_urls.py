"""URL ties under attack: a tie's event edited, its index row moved to another story,
deleted or forged, each is a finding naming the tie; the database refuses plain
UPDATE and DELETE of story_urls."""

from __future__ import annotations

import pytest
from tamper import SLUG, Attacker, Cli, finding

URL = "https://abc7chicago.com/chicago-shotspotter-contract/14423118/"
TIED = "abc7chicago.com/chicago-shotspotter-contract/14423118"
TIE_TOPIC = "domain.model:Address.Tied"


def url(archive: Cli, *args: str) -> str:
    """`story url ARGS...` on the archive, which must succeed; its output."""
    result = archive.run("--db", archive.db, "url", *args)
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    return result.stdout


@pytest.fixture
def tied(archive: Cli, attacker: Attacker) -> str:
    """The example archive with URL tied to its story; the tie's link id."""
    url(archive, "tie", SLUG, URL)
    ((link,),) = attacker.rows("SELECT link FROM story_urls")
    return str(link)


def test_a_tie_verifies_and_is_counted(archive: Cli, tied: str) -> None:
    assert archive.verifies().startswith(
        "Verified 9 updates in 1 story and 1 URL tie: every digest"
    )


def test_a_tie_moved_to_another_story_in_the_index_is_an_index_mismatch(
    archive: Cli, attacker: Attacker, tied: str
) -> None:
    with attacker.tampering() as execute:
        execute("UPDATE story_urls SET story = 'elsewhere'")

    lines, _ = archive.verify_fails()

    assert lines == [finding(tied, "index mismatch", f"the read-side index's tie of URL {TIED} "
                             "differs from its event (run `story rebuild`)")]  # fmt: skip
    assert '"story": "elsewhere"' in url(archive, "list", "--json")  # reads read the index
    archive.ok("rebuild")
    archive.verifies()
    assert f'"story": "{SLUG}"' in url(archive, "list", "--json")


def test_a_tie_deleted_from_the_index_or_forged_into_it_is_an_index_mismatch(
    archive: Cli, attacker: Attacker, tied: str
) -> None:
    with attacker.tampering() as execute:
        execute("DELETE FROM story_urls")
        execute(
            "INSERT INTO story_urls (url, story, how, \"by\", recorded_at, link) "
            "VALUES ('forged.example/a', ?, 'by hand', 'x', '2026-01-01T00:00:00.000000+00:00',"
            " '~forged00000')", SLUG,
        )  # fmt: skip

    lines, _ = archive.verify_fails()

    assert lines == [
        finding(tied, "index mismatch", f"the read-side index lacks the tie of URL {TIED} "
                "(run `story rebuild`)"),
        finding("~forged00000", "index mismatch", "the read-side index ties URL "
                "forged.example/a, the event store does not (run `story rebuild`)"),
    ]  # fmt: skip


def test_a_tie_event_edited_to_another_story_is_changed_content(
    archive: Cli, attacker: Attacker, tied: str
) -> None:
    (event,) = [e for e in attacker.events() if e.topic == TIE_TOPIC]
    attacker.set_state(event, {**event.state, "story": "elsewhere"})

    lines, _ = archive.verify_fails()

    assert finding(tied, "changed content", f"the tie of URL {TIED} no longer matches its "
                   f"digest {event.state['digest'][:12]}", "elsewhere") in lines  # fmt: skip


@pytest.mark.parametrize(("sql", "done"), [
    ("UPDATE story_urls SET story = 'elsewhere'", "updated"),
    ("DELETE FROM story_urls", "deleted"),
])  # fmt: skip
def test_the_database_refuses_to_change_the_ties(
    archive: Cli, attacker: Attacker, tied: str, sql: str, done: str
) -> None:
    shell = attacker.shell(sql)

    assert shell.returncode != 0
    assert f"story: story_urls is written by story alone: it cannot be {done}" in shell.stderr
    archive.verifies()
