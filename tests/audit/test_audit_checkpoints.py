"""Checkpoints: a thorough attacker who recomputes every digest after the update they
changed passes a plain `story verify`, but not `story verify --against` a checkpoint made
before; and every wrong checkpoint, key or option is one clear error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tamper import EXAMPLE_IDS, REPORT_ID, SLUG, VERIFY_FAILED, Attacker, Cli, finding

from domain.digests import GENESIS, chain_digest

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def made_up_story(record: dict[str, Any]) -> None:
    record["text"] = record["text"].replace("six months", "six years", 1)
    record["headline"] = "Mayor Johnson announces a ShotSpotter extension"


def keygen(cli: Cli, path: Path) -> str:
    """Make a key pair at path and path.pub; its fingerprint."""
    result = cli.run("keygen", str(path))
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    match = re.fullmatch(
        rf"Wrote {re.escape(str(path))} \(private\) and {re.escape(str(path))}\.pub "
        r"\(public\); key ([0-9a-f]{16})\n",
        result.stdout,
    )
    assert match, result.stdout
    return match[1]


def checkpoint(cli: Cli, path: Path, *options: str) -> dict[str, Any]:
    """Write `story checkpoint OPTIONS` to path; the document."""
    out = cli.ok("checkpoint", *options)
    path.write_text(out, encoding="utf-8")
    document: dict[str, Any] = json.loads(out)
    return document


def head_line(cli: Cli) -> tuple[int, str]:
    (line,) = [x for x in cli.verifies().splitlines() if x.startswith("Head: ")]
    count, head = re.fullmatch(r"Head: (\d+) updates, ([0-9a-f]{64})", line).groups()  # type: ignore[union-attr]
    return int(count), head


@pytest.fixture
def key(archive: Cli, tmp_path: Path) -> tuple[Path, str]:
    """A signing key made with `story keygen`: (private key path, fingerprint)."""
    path = tmp_path / "auditor.pem"
    return path, keygen(archive, path)


# Making checkpoints


def test_a_checkpoint_holds_the_archive_head_that_verify_prints(
    archive: Cli, tmp_path: Path
) -> None:
    document = checkpoint(archive, tmp_path / "head.json")

    assert document["format"] == "story-checkpoint/1"
    assert (document["stories"], document["updates"]) == (1, 9)
    assert (document["updates"], document["head"]) == head_line(archive)
    assert "signature" not in document


def test_the_checkpoint_head_is_the_archive_chain_over_every_digest(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    document = checkpoint(archive, tmp_path / "head.json")

    link = GENESIS
    for event in attacker.events():
        if "digest" in event.state:  # each update's, and the recorded time zone's
            link = chain_digest(link, event.state["digest"])
    assert document["head"] == link == attacker.chain()[-1][4]


def test_a_signed_checkpoint_names_the_key_it_was_signed_with(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, fingerprint = key

    document = checkpoint(archive, tmp_path / "head.json", "--key", str(path))

    signature = document["signature"]
    assert signature["algorithm"] == "ed25519"
    assert HEX64.match(signature["public_key"])
    assert re.fullmatch(r"[0-9a-f]{128}", signature["value"])
    out = archive.verifies("--against", str(tmp_path / "head.json"), "--public-key", f"{path}.pub")
    assert out.splitlines()[-1] == (
        f"It extends the checkpoint made {document['made_at']} "
        f"(9 updates, head {document['head'][:12]}), signed by key {fingerprint}."
    )


def test_keygen_makes_a_private_key_only_its_owner_can_read(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "auditor.pem"

    keygen(cli, path)

    assert path.stat().st_mode & 0o077 == 0
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert Path(f"{path}.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")


# Rewritten history


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_thorough_rewrite_passes_plain_verify_but_not_verify_against_a_checkpoint(
    archive: Cli, attacker: Attacker, tmp_path: Path, signed: bool
) -> None:
    options: list[str] = []
    if signed:
        keygen(archive, tmp_path / "auditor.pem")
        options = ["--key", str(tmp_path / "auditor.pem")]
    document = checkpoint(archive, tmp_path / "head.json", *options)

    new_id = attacker.rewrite_history(REPORT_ID, made_up_story)

    # The attacker was thorough: every digest, link, chain row and index row agrees.
    assert new_id != REPORT_ID
    assert archive.verifies().startswith("Verified 9 updates in 1 story")
    assert "six years" in archive.ok("show", SLUG, new_id)
    count, head = head_line(archive)
    assert (count, head != document["head"]) == (9, True)

    proof = ["--public-key", str(tmp_path / "auditor.pem.pub")] if signed else []
    lines, _ = archive.verify_fails("--against", str(tmp_path / "head.json"), *proof)
    assert lines == [
        finding(
            None,
            "rewritten history",
            f"its first 9 updates no longer hash to the checkpoint's head "
            f"{document['head'][:12]}: history before the checkpoint was changed",
            slug=None,
        )
    ]


def test_a_rewrite_of_the_last_update_before_the_checkpoint_is_caught(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    document = checkpoint(archive, tmp_path / "head.json")

    attacker.rewrite_history(EXAMPLE_IDS[-1], lambda record: record.update(value="ended"))

    archive.verifies()
    lines, _ = archive.verify_fails("--against", str(tmp_path / "head.json"))
    assert [line.split(": ")[:2] for line in lines] == [["archive", "rewritten history"]]
    assert document["head"][:12] in lines[0]


def test_cutting_off_the_last_updates_is_caught_only_by_a_checkpoint(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    checkpoint(archive, tmp_path / "head.json")
    last = attacker.event(EXAMPLE_IDS[-1])

    with attacker.tampering() as execute:
        execute("DELETE FROM archive_events WHERE id = ?", last.id)
        execute("DELETE FROM story_chain WHERE update_id = ?", EXAMPLE_IDS[-1])
        execute("DELETE FROM story_updates WHERE update_id = ?", EXAMPLE_IDS[-1])
        execute("UPDATE story_stats SET updates = updates - 1")

    assert archive.verifies().startswith("Verified 8 updates in 1 story")
    lines, _ = archive.verify_fails("--against", str(tmp_path / "head.json"))
    assert lines == [
        finding(
            None,
            "missing update",
            "the archive has 8 updates; the checkpoint vouches for 9",
            slug=None,
        )
    ]


def test_appending_after_a_checkpoint_still_verifies_against_it(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, fingerprint = key
    document = checkpoint(archive, tmp_path / "head.json", "--key", str(path))

    archive.append(SLUG, "fact", "2024-02-17", "--key", "contract.status", "--value", '"ended"')
    archive.append("city-budget", "report", "2024-03-01", "--text", "The council met.")

    result = archive(
        "verify", "--against", str(tmp_path / "head.json"), "--public-key", f"{path}.pub"
    )
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    count, head = head_line(archive)
    assert result.stdout.splitlines() == [
        "Verified 11 updates in 2 stories: every digest, every story chain and the archive "
        "chain check out.",
        f"Head: 11 updates, {head}",
        f"It extends the checkpoint made {document['made_at']} "
        f"(9 updates, head {document['head'][:12]}), signed by key {fingerprint}.",
    ]
    assert count == 11


def test_verify_against_json_reports_the_checkpoint(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, fingerprint = key
    document = checkpoint(archive, tmp_path / "head.json", "--key", str(path))

    data = json.loads(archive.ok("verify", "--against", str(tmp_path / "head.json"), "--json"))

    assert data["ok"] is True
    assert data["findings"] == []
    assert data["checkpoint"] == {
        "updates": 9,
        "head": document["head"],
        "signer": fingerprint,
    }


def test_verify_against_json_on_rewritten_history_lists_the_finding(
    archive: Cli, attacker: Attacker, tmp_path: Path
) -> None:
    document = checkpoint(archive, tmp_path / "head.json")
    attacker.rewrite_history(REPORT_ID, made_up_story)

    result = archive("verify", "--against", str(tmp_path / "head.json"), "--json")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [VERIFY_FAILED.format(n="1 problem")]
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["findings"] == [
        {
            "story": None,
            "update": None,
            "what": "rewritten history",
            "detail": f"its first 9 updates no longer hash to the checkpoint's head "
            f"{document['head'][:12]}: history before the checkpoint was changed",
        }
    ]


# Wrong checkpoints, keys and options: one line each


def test_a_checkpoint_that_is_not_json_is_refused(archive: Cli, tmp_path: Path) -> None:
    path = tmp_path / "head.json"
    path.write_text("Head: 9 updates, abc\n")

    error = archive.fails("verify", "--against", str(path))

    assert error == f"{path}: not a story checkpoint (not JSON)"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"format": "story-export/1", "updates": 9}', "format 'story-export/1', expected "
         "'story-checkpoint/1'"),
        ('{"updates": 9, "head": "' + "a" * 64 + '"}', "format None, expected "
         "'story-checkpoint/1'"),
        ("[1, 2, 3]", "not a JSON object"),
    ],
    ids=["another-format", "no-format", "a-list"],
)  # fmt: skip
def test_json_of_another_format_is_not_a_checkpoint(
    archive: Cli, tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "head.json"
    path.write_text(content)

    error = archive.fails("verify", "--against", str(path))

    assert error == f"{path}: not a story checkpoint ({problem})"


@pytest.mark.parametrize(
    ("field", "value"),
    [("updates", 8), ("head", "0" * 64), ("made_at", "2020-01-01T00:00:00.000000+00:00")],
)
def test_a_signed_checkpoint_edited_after_signing_is_refused(
    archive: Cli, key: tuple[Path, str], tmp_path: Path, field: str, value: Any
) -> None:
    path = tmp_path / "head.json"
    document = checkpoint(archive, path, "--key", str(key[0]))
    path.write_text(json.dumps({**document, field: value}))

    error = archive.fails("verify", "--against", str(path))

    assert error == (
        f"{path}: the signature does not match the checkpoint: it was altered after signing"
    )


def test_a_checkpoint_signed_by_another_key_is_refused(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    path, signer = key
    other = keygen(archive, tmp_path / "other.pem")
    head = tmp_path / "head.json"
    checkpoint(archive, head, "--key", str(path))

    error = archive.fails(
        "verify", "--against", str(head), "--public-key", str(tmp_path / "other.pem.pub")
    )

    assert error == f"{head}: signed by key {signer}, not by the key in {tmp_path}/other.pem.pub " \
        f"({other})"  # fmt: skip


def test_a_checkpoint_re_signed_by_the_attacker_is_refused_by_the_auditors_key(
    archive: Cli, attacker: Attacker, key: tuple[Path, str], tmp_path: Path
) -> None:
    # The attacker rewrites history, then makes a fresh checkpoint with a key of their own.
    path, auditor = key
    checkpoint(archive, tmp_path / "head.json", "--key", str(path))
    attacker.rewrite_history(REPORT_ID, made_up_story)
    forger = keygen(archive, tmp_path / "forger.pem")
    checkpoint(archive, tmp_path / "head.json", "--key", str(tmp_path / "forger.pem"))

    error = archive.fails(
        "verify", "--against", str(tmp_path / "head.json"), "--public-key", f"{path}.pub"
    )

    assert error == (
        f"{tmp_path}/head.json: signed by key {forger}, not by the key in {path}.pub ({auditor})"
    )


def test_a_public_key_for_an_unsigned_checkpoint_is_refused(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    head = tmp_path / "head.json"
    checkpoint(archive, head)

    error = archive.fails("verify", "--against", str(head), "--public-key", f"{key[0]}.pub")

    assert error == f"{head}: the checkpoint is not signed, so it cannot prove who made it"


def test_a_private_key_given_as_the_public_key_is_refused(
    archive: Cli, key: tuple[Path, str], tmp_path: Path
) -> None:
    head = tmp_path / "head.json"
    checkpoint(archive, head, "--key", str(key[0]))

    error = archive.fails("verify", "--against", str(head), "--public-key", str(key[0]))

    assert error == f"{key[0]}: not a PEM public key (see `story keygen`)"


def test_a_public_key_without_a_checkpoint_is_refused(archive: Cli, key: tuple[Path, str]) -> None:
    error = archive.fails("verify", "--public-key", f"{key[0]}.pub")

    assert error == "--public-key checks a checkpoint's signer: give --against too"


def test_a_checkpoint_with_a_story_is_refused(archive: Cli, tmp_path: Path) -> None:
    head = tmp_path / "head.json"
    checkpoint(archive, head)

    error = archive.fails("verify", SLUG, "--against", str(head))

    assert error == "--against checks the whole archive: leave out the story"


def test_a_missing_checkpoint_file_is_refused(archive: Cli, tmp_path: Path) -> None:
    head = tmp_path / "no-such-head.json"

    error = archive.fails("verify", "--against", str(head))

    assert error == f"{head}: no such file"


@pytest.mark.parametrize("which", ["text", "public-key", "missing"])
def test_checkpoint_with_a_key_that_is_not_a_private_key_is_refused(
    archive: Cli, key: tuple[Path, str], tmp_path: Path, which: str
) -> None:
    path = {
        "text": tmp_path / "notes.txt",
        "public-key": Path(f"{key[0]}.pub"),
        "missing": tmp_path / "nowhere.pem",
    }[which]
    if which == "text":
        path.write_text("not a key\n")

    error = archive.fails("checkpoint", "--key", str(path))

    if which == "missing":
        assert error == f"{path}: no such file"
    else:
        assert error == f"{path}: not an unencrypted PEM private key: make one with `story keygen`"


@pytest.mark.parametrize("existing", ["private", "public"])
def test_keygen_never_overwrites_a_key(cli: Cli, tmp_path: Path, existing: str) -> None:
    path = tmp_path / "auditor.pem"
    there = path if existing == "private" else Path(f"{path}.pub")
    there.write_text("the only copy\n")

    error = cli.fails("keygen", str(path), db=False)

    assert error == f"{there} exists: choose another path (keys are never overwritten)"
    assert there.read_text() == "the only copy\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("auditor")) == [
        there.name
    ]


def test_checkpoint_refuses_an_archive_that_does_not_verify(
    archive: Cli, attacker: Attacker, key: tuple[Path, str]
) -> None:
    attacker.change_update(REPORT_ID, lambda record: record.update(text="Nothing happened."))

    for options in ([], ["--key", str(key[0])]):
        result = archive("checkpoint", *options)
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "Error: the archive does not verify (2 problems): run `story verify`; "
            "a checkpoint would vouch for altered history"
        ]
