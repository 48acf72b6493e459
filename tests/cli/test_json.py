"""`--json` output: one JSON document per command, in the shapes docs/json.md promises."""

from __future__ import annotations

from datetime import datetime, timedelta

from cli_helpers import BY, EXAMPLE, EXAMPLE_FILE, EXAMPLE_IDS, Cli

UPDATE_KEYS = {
    "id",
    "story",
    "kind",
    "reported_at",
    "recorded_at",
    "by",
    "source",
    "outlet",
    "digest",
}

NOT_CAPTURE = "not a capture (.txt, .html, .htm, .warc, .warc.gz) or a .jsonl file"


def is_utc(value: str) -> bool:
    """Whether an ISO 8601 datetime is in UTC (how `recorded_at` is given)."""
    return datetime.fromisoformat(value).utcoffset() == timedelta(0)


def test_append_json_is_the_update_with_its_version_and_whether_it_is_new(cli: Cli) -> None:
    args = [
        "append", "budget", "--kind", "fact", "--reported-at", "2024-03-01",
        "--key", "budget.total", "--value", '{"usd": 100}', "--outlet", "City Desk",
    ]  # fmt: skip

    first = cli.json(*args)
    again = cli.json(*args)

    assert set(first) == UPDATE_KEYS | {"key", "value", "version", "versions", "new"}
    assert first["story"] == "budget"
    assert first["kind"] == "fact"
    assert first["reported_at"] == "2024-03-01"
    assert first["by"] == BY
    assert first["source"] is None
    assert first["outlet"] == "City Desk"
    assert (first["key"], first["value"]) == ("budget.total", {"usd": 100})
    assert (first["version"], first["versions"], first["new"]) == (1, 1, True)
    assert is_utc(first["recorded_at"])
    assert {**again, "new": True} == first  # the same update, recorded_at included
    assert again["new"] is False


def test_import_json_lists_new_and_already_present_ids_per_file(cli: Cli) -> None:
    first = cli.json("import", str(EXAMPLE))
    again = cli.json("import", str(EXAMPLE))

    skipped = [{"file": str(EXAMPLE / "README.md"), "why": NOT_CAPTURE}]
    assert first == {
        "files": [
            {
                "file": str(EXAMPLE_FILE),
                "new": EXAMPLE_IDS,
                "already_present": [],
                "unchanged": 0,
                "skipped": 0,
            }
        ],
        "new": 9,
        "already_present": 0,
        "skipped": skipped,
    }
    assert again == {
        "files": [
            {
                "file": str(EXAMPLE_FILE),
                "new": [],
                "already_present": EXAMPLE_IDS,
                "unchanged": 0,
                "skipped": 0,
            }
        ],
        "new": 0,
        "already_present": 9,
        "skipped": skipped,
    }


def test_list_json_gives_each_story_its_count_and_reported_days(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")

    assert example.json("list") == [
        {"slug": "budget", "updates": 1, "first_reported": "2024-03-01",
         "last_reported": "2024-03-01"},
        {"slug": "shotspotter", "updates": 9, "first_reported": "2024-02-12",
         "last_reported": "2024-02-16"},
    ]  # fmt: skip


def test_list_json_of_an_empty_archive_is_an_empty_list(cli: Cli) -> None:
    cli.start_empty()
    assert cli.json("list") == []


def test_log_json_gives_every_version_with_its_update_and_summary(example: Cli) -> None:
    log = example.json("log", "shotspotter")

    assert [u["version"] for u in log] == list(range(1, 10))
    assert [u["id"] for u in log] == EXAMPLE_IDS
    assert all(UPDATE_KEYS | {"version", "summary"} <= set(u) for u in log)
    assert log[0]["summary"] == 'contract.ends_on = "2024-02-16"'
    assert log[3]["party"] == "SoundThinking"
    assert log[7]["value"] == "running"
    assert {u["outlet"] for u in log} == {"ABC7 Chicago"}


def test_replay_json_is_the_story_as_of_the_date(example: Cli) -> None:
    replay = example.json("replay", "shotspotter", "--as-of", "2024-02-16")

    assert set(replay) == {
        "slug", "as_of", "known_at", "version", "headline", "text", "paragraphs",
        "statements", "facts", "amendments", "notes", "updates",
    }  # fmt: skip
    assert replay["slug"] == "shotspotter"
    assert (replay["as_of"], replay["known_at"], replay["version"]) == ("2024-02-16", None, 9)
    assert replay["headline"].startswith("Chicago ShotSpotter technology will not be turned off")
    assert replay["text"] == "\n\n".join(replay["paragraphs"])
    assert (
        replay["paragraphs"][-1] == "SoundThinking released a statement Thursday night that said:"
    )
    assert [(s["update"], s["party"], s["issued_at"]) for s in replay["statements"]] == [
        ("3505fe888773", "SoundThinking", "2024-02-15")
    ]
    assert replay["facts"] == {
        "city.extension_through": "2024-09-22",
        "contract.ends_on": "2024-02-16",
        "contract.status": "running",
        "negotiations.status": "continuing",
        "soundthinking.minimum_extension_months": 12,
    }
    assert replay["amendments"] == []
    # The updates that made it: not the two reports the revision replaced.
    assert [u["id"] for u in replay["updates"]] == [
        i for i in EXAMPLE_IDS if i not in ("5af00ae05320", "7c205d306ad4")
    ]
    first = replay["updates"][0]
    assert (first["kind"], first["reported_at"]) == ("fact", "2024-02-12")
    assert is_utc(first["recorded_at"])


def test_replay_json_as_of_feb_13_has_the_first_report_only(example: Cli) -> None:
    replay = example.json("replay", "shotspotter", "--as-of", "2024-02-13")

    assert replay["version"] == 3
    assert replay["headline"] == "Mayor Johnson announces a ShotSpotter decommission plan"
    assert "SoundThinking released a statement Thursday night that said:" not in replay["text"]
    assert replay["statements"] == []
    assert replay["facts"] == {
        "city.extension_through": "2024-09-22",
        "contract.ends_on": "2024-02-16",
    }
    assert [u["id"] for u in replay["updates"]] == EXAMPLE_IDS[:3]


def test_replay_json_gives_known_at_as_given(example: Cli) -> None:
    known_at = "2999-01-01T00:00:00+00:00"

    replay = example.json("replay", "shotspotter", "--known-at", known_at)

    assert (replay["as_of"], replay["known_at"], replay["version"]) == (None, known_at, 9)


def test_replay_json_without_slug_is_a_list_of_every_story(example: Cli) -> None:
    example.add("budget", "report", "2024-03-01", text="The council met.")

    feb = example.json("replay", "--as-of", "2024-02-16")
    march = example.json("replay", "--as-of", "2024-03-01")

    assert [(r["slug"], r["version"], r["as_of"]) for r in feb] == [
        ("shotspotter", 9, "2024-02-16")
    ]
    assert [(r["slug"], r["version"]) for r in march] == [("budget", 1), ("shotspotter", 9)]
    assert march[0]["text"] == "The council met."


def test_replay_json_lists_corrections_and_retractions_in_force(cli: Cli) -> None:
    report = cli.add("budget", "report", "2024-03-01", text="In May.")
    fix = cli.add(
        "budget", "correction", "2024-03-02", target=report["id"], text="In June.", note="Month"
    )

    replay = cli.json("replay", "budget")

    assert replay["text"] == "In June."
    amendment = {
        "update": fix["id"],
        "kind": "correction",
        "target": report["id"],
        "note": "Month",
        "reported_at": "2024-03-02",
    }
    assert replay["amendments"] == [amendment]
    assert replay["notes"] == [{"before_paragraph": 1, **amendment}]


def test_diff_json_gives_both_ends_the_text_diff_and_structured_changes(example: Cli) -> None:
    diff = example.json("diff", "shotspotter", "--from", "2024-02-13", "--to", "2024-02-16")

    assert set(diff) == {"slug", "from", "to", "text", "changes", "hidden"}
    assert diff["hidden"] == 0
    assert diff["slug"] == "shotspotter"
    assert diff["from"] == {"ref": "2024-02-13", "version": 3, "update": "3f3429aff8e4"}
    assert diff["to"] == {"ref": "2024-02-16", "version": 9, "update": "c1ac78d23477"}
    assert diff["text"][:3] == ["--- shotspotter@3", "+++ shotspotter@9", "@@ -1 +1,7 @@"]
    changes = {c["path"]: c for c in diff["changes"]}
    assert set(changes) == {
        "headline",
        "statements.3505fe888773",
        "facts.contract.status",
        "facts.negotiations.status",
        "facts.soundthinking.minimum_extension_months",
    }
    assert changes["headline"]["action"] == "changed"
    assert changes["headline"]["old"] == "Mayor Johnson announces a ShotSpotter decommission plan"
    assert changes["facts.contract.status"] == {
        "path": "facts.contract.status", "action": "added", "old": None, "new": "running",
    }  # fmt: skip
    assert changes["statements.3505fe888773"]["new"]["party"] == "SoundThinking"


def test_diff_json_of_a_retracted_fact_shows_it_removed(cli: Cli) -> None:
    fact = cli.add("budget", "fact", "2024-03-01", key="budget.total", value="100")
    cli.add("budget", "retraction", "2024-03-02", target=fact["id"], note="Unsourced")

    diff = cli.json("diff", "budget", "--from", fact["id"])

    assert diff["text"] == []
    assert diff["changes"] == [
        {"path": "facts.budget.total", "action": "removed", "old": 100, "new": None}
    ]


def test_show_json_is_the_update_with_its_version_and_amendments(cli: Cli) -> None:
    report = cli.add("budget", "report", "2024-03-01", headline="Budget", text="In May.")
    fix = cli.add(
        "budget", "correction", "2024-03-02", target=report["id"], text="In June.", note="Month"
    )

    shown = cli.json("show", "budget", report["id"])

    assert shown == {
        "id": report["id"],
        "story": "budget",
        "kind": "report",
        "reported_at": "2024-03-01",
        "recorded_at": report["recorded_at"],
        "by": BY,
        "digest": report["digest"],
        "source": None,
        "outlet": None,
        "headline": "Budget",
        "text": "In May.",
        "version": 1,
        "amended_by": [{"id": fix["id"], "kind": "correction", "note": "Month"}],
    }


def test_info_json_names_the_archive_and_counts(example: Cli) -> None:
    info = example.json("info")

    assert set(info) == {"archive", "zone", "stories", "updates"}
    assert (info["zone"], info["stories"], info["updates"]) == ("UTC", 1, 9)
    assert info["archive"].startswith(("sqlite:///", "postgresql+psycopg://"))
