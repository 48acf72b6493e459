"""Shared by the audit tests: run `story`, and alter its database behind its back.

`Cli` runs the click command in-process against one archive. `Attacker` opens the same
database directly (Python's sqlite3 module, or psycopg for PostgreSQL), exactly as
someone with the database's password would: it first disables the append-only triggers
(SQLite: DROP TRIGGER; PostgreSQL: session_replication_role = replica), then rewrites,
deletes or inserts rows of `archive_events`, `story_chain`, the read models
(`story_updates`, `story_stats`) and the settings (`story_meta`).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from cli.main import story
from domain.digests import GENESIS, chain_digest, update_digest
from domain.updates import Update
from domain.when import utc_text
from storage.guard import GUARDED, sqlite_triggers
from storage.recorder import row_of

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shotspotter"
SLUG = "shotspotter"
BY = "tester"

# The example's update ids, in recorded order; the story's versions are 2…10 (1 is Started).
EXAMPLE_IDS = [
    "dac7ab932221",
    "5af00ae05320",
    "3f3429aff8e4",
    "3505fe888773",
    "7c205d306ad4",
    "d3ba59caa150",
    "c0fe46a40a38",
    "2ff7f8292fca",
    "c1ac78d23477",
]
REPORT_ID = EXAMPLE_IDS[1]  # the first report: version 3, archive chain position 3
# (the archive chain's first link is the archive's recorded time zone)
VERIFY_FAILED = "Error: {n} found: the archive was changed outside story"


def version_of(update_id: str) -> int:
    """An example update's originator version (the Started event is version 1)."""
    return EXAMPLE_IDS.index(update_id) + 2


# The command line


@dataclass
class Cli:
    """The `story` command, bound to one archive."""

    db: str

    def run(self, *args: str) -> Result:
        """`story ARGS...` exactly as given (no --db added)."""
        runner = CliRunner(env={"STORY_DB": None, "STORY_TZ": None, "STORY_BY": BY})
        result = runner.invoke(story, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"crashed: {result.exception!r}"
        )
        return result

    def __call__(self, *args: str) -> Result:
        """`story COMMAND --db DB ARGS...`."""
        command, *rest = args
        return self.run(command, "--db", self.db, *rest)

    def ok(self, *args: str) -> str:
        """The stdout of a command that must succeed (exit 0, nothing on stderr)."""
        result = self(*args)
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        return result.stdout

    def fails(self, *args: str, db: bool = True) -> str:
        """The one-line error (without `Error: `) of a command that must fail, printing
        nothing on stdout."""
        result = self(*args) if db else self.run(*args)
        assert result.exit_code != 0, result.output
        assert result.stdout == "", result.stdout
        return one_error(result)

    def verify_fails(self, *args: str) -> tuple[list[str], str]:
        """(stdout lines, the one `Error:` line) of a `verify` that finds problems."""
        result = self("verify", *args)
        assert result.exit_code == 1, result.output
        lines = result.stdout.splitlines()
        assert result.stderr == VERIFY_FAILED.format(n=problems(len(lines))) + "\n", result.stderr
        return lines, one_error(result)

    def verifies(self, *args: str) -> str:
        """The stdout of a `verify` that passes."""
        return self.ok("verify", *args)

    def import_example(self) -> None:
        self.ok("import", str(EXAMPLE))

    def append(self, slug: str, kind: str, reported_at: str, *options: str) -> str:
        """Append an update; its id."""
        out = self.ok("append", slug, "--kind", kind, "--reported-at", reported_at, *options)
        return out.split()[1].rstrip(":")


def problems(n: int) -> str:
    return f"{n} problem{'' if n == 1 else 's'}"


def one_error(result: Result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0].removeprefix("Error: ")


def finding(update_id: str | None, what: str, detail: str, slug: str | None = SLUG) -> str:
    """A finding as `verify` prints it."""
    where = f"story {slug!r}" if slug else "archive"
    if update_id:
        where += f", update {update_id}"
    return f"{where}: {what}: {detail}"


# The database, behind the archive's back


@dataclass
class Event:
    """A row of archive_events, its state decoded."""

    id: int  # the notification id
    originator_id: Any  # as stored: 16 bytes on SQLite, a UUID on PostgreSQL
    version: int
    topic: str
    state: dict[str, Any]

    @property
    def update(self) -> dict[str, Any] | None:
        return self.state.get("update")

    @property
    def update_id(self) -> str | None:
        return self.update["id"] if self.update else None

    @property
    def recorded_at(self) -> str:
        return utc_text(datetime.fromisoformat(self.state["timestamp"]["_data_"]))


def encode(state: dict[str, Any]) -> bytes:
    """An event's state as the event store writes it."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()


Execute = Callable[..., None]


@dataclass
class Attacker:
    """Someone with the database's password, working on it directly."""

    db: str

    @property
    def postgres(self) -> bool:
        return "://" in self.db

    @property
    def libpq_url(self) -> str:
        """The PostgreSQL URL as psql and psycopg take it."""
        return make_url(self.db).set(drivername="postgresql").render_as_string(False)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.libpq_url) as connection:  # commits on success
                yield connection
        else:
            connection = sqlite3.connect(self.db)
            try:
                yield connection
                connection.commit()
            finally:
                connection.close()

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgres else sql

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """A query's rows (`?` placeholders on both backends)."""
        with self._connection() as connection:
            return [tuple(row) for row in connection.execute(self._sql(sql), params).fetchall()]

    @contextmanager
    def tampering(self) -> Iterator[Execute]:
        """An `execute(sql, *params)` in one transaction with the triggers out of the way."""
        with self._connection() as connection:
            if self.postgres:
                connection.execute("SET LOCAL session_replication_role = replica")
            else:
                for table in GUARDED:
                    for action in ("update", "delete"):
                        connection.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")

            def execute(sql: str, *params: Any) -> None:
                connection.execute(self._sql(sql), params)

            yield execute
            if not self.postgres:  # a careful attacker puts the triggers back as they were
                for _, sql in sqlite_triggers().values():
                    connection.execute(sql)

    # What is stored

    def events(self) -> list[Event]:
        """Every event, in recorded (notification) order."""
        rows = self.rows(
            "SELECT id, originator_id, originator_version, topic, state "
            "FROM archive_events ORDER BY id"
        )
        return [Event(int(i), o, int(v), t, json.loads(bytes(s))) for i, o, v, t, s in rows]

    def event(self, update_id: str) -> Event:
        (found,) = [e for e in self.events() if e.update_id == update_id]
        return found

    def chain(self) -> list[tuple[Any, ...]]:
        return self.rows(
            "SELECT position, update_id, story, digest, chain FROM story_chain ORDER BY position"
        )

    def index(self) -> list[tuple[Any, ...]]:
        return self.rows(
            'SELECT seq, story, update_id, kind, "by", text, headline, digest, recorded_at '
            "FROM story_updates ORDER BY seq"
        )

    def snapshot(self) -> tuple[Any, ...]:
        """Everything the archive's history is made of, to compare before and after."""
        return (self.events(), self.chain(), self.index())

    def shell(self, sql: str) -> subprocess.CompletedProcess[str]:
        """Run one statement with the database's own shell (sqlite3 or psql), as is."""
        if self.postgres:
            command = ["psql", self.libpq_url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        else:
            command = ["sqlite3", self.db, sql]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    # Attacks

    def set_state(self, event: Event, state: dict[str, Any]) -> None:
        with self.tampering() as execute:
            execute("UPDATE archive_events SET state = ? WHERE id = ?", encode(state), event.id)

    def change_update(self, update_id: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Edit one update's record inside its event, and nothing else."""
        event = self.event(update_id)
        record = dict(event.state["update"])
        change(record)
        self.set_state(event, {**event.state, "update": record})

    def delete_event(self, update_id: str) -> None:
        with self.tampering() as execute:
            execute("DELETE FROM archive_events WHERE id = ?", self.event(update_id).id)

    def swap(self, first: str, second: str) -> None:
        """Swap two events' state (and topic, as a careful attacker would) between rows."""
        a, b = self.event(first), self.event(second)
        with self.tampering() as execute:
            for row, other in ((a, b), (b, a)):
                execute(
                    "UPDATE archive_events SET state = ?, topic = ? WHERE id = ?",
                    encode(other.state),
                    other.topic,
                    row.id,
                )

    def forge(
        self, update: Update, *, index: bool = False, recorded_at: datetime | None = None
    ) -> dict[str, Any]:
        """Append a forged update event to its story, chained correctly to the story's
        last update, with a real event's topic; not in the archive chain. With ``index``,
        also give it a row in the read-side index. Its state."""
        events = self.events()
        story = [e for e in events if e.update and e.update["story"] == update.story]
        last = story[-1]
        topic = next(e.topic for e in story if e.update and e.update["kind"] == update.kind)
        recorded_at = recorded_at or datetime.fromisoformat(last.recorded_at) + timedelta(days=1)
        record = update.to_record()
        state = {
            "timestamp": {"_type_": "datetime_iso", "_data_": recorded_at.isoformat()},
            "update": record,
            "digest": update_digest(record, utc_text(recorded_at), last.state["digest"]),
            "previous": last.state["digest"],
        }
        with self.tampering() as execute:
            execute(
                "INSERT INTO archive_events (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                last.originator_id,
                max(e.version for e in events if e.originator_id == last.originator_id) + 1,
                topic,
                encode(state),
            )
            if index:
                self._index_row(execute, record, state["digest"], recorded_at)
        return state

    def _index_row(
        self, execute: Execute, record: dict[str, Any], digest: str, recorded_at: datetime
    ) -> None:
        """A read-side index row for a forged update, laid out as the archive does."""
        ((seq,),) = self.rows("SELECT MAX(seq) + 1 FROM story_updates")
        update = replace(Update.from_record(record, recorded_at), digest=digest)
        row = {"seq": seq, **row_of(update, UTC)}
        columns = ", ".join(f'"{name}"' for name in row)
        execute(
            f"INSERT INTO story_updates ({columns}) VALUES ({', '.join('?' for _ in row)})",
            *row.values(),
        )
        day = row["reported_day"]
        execute(
            "UPDATE story_stats SET updates = updates + 1, "
            "last_day = CASE WHEN last_day < ? THEN ? ELSE last_day END WHERE story = ?",
            day,
            day,
            update.story,
        )

    def append_thoroughly(self, slug: str, reported_at: str, text: str, recorded_at: str) -> str:
        """Append a report to a story as story itself would (its event chained to the
        story's last, its index row, the story list, the archive chain's next link) but
        claiming to be recorded at ``recorded_at``. Its id."""
        update = Update.draft(slug, "report", reported_at, BY, text=text)
        when = datetime.fromisoformat(recorded_at)
        state = self.forge(update, recorded_at=when)
        ((position, chain),) = self.rows(
            "SELECT position, chain FROM story_chain ORDER BY position DESC LIMIT 1"
        )
        with self.tampering() as execute:
            self._index_row(execute, update.to_record(), state["digest"], when)
            execute(
                "INSERT INTO story_chain (position, update_id, story, digest, chain) "
                "VALUES (?, ?, ?, ?, ?)",
                position + 1, update.id, slug, state["digest"],
                chain_digest(chain, state["digest"]),
            )  # fmt: skip
        return update.id

    def rewrite_history(self, update_id: str, change: Callable[[dict[str, Any]], None]) -> str:
        """Change one update and cover every trace: its id, every later digest and
        previous link, the whole archive chain table and the index rows. Its new id."""
        links = [e for e in self.events() if "digest" in e.state]  # the zone's too
        updates = [e for e in links if e.update]
        target = next(e for e in updates if e.update_id == update_id)
        changed = dict(target.state["update"])
        change(changed)
        changed["id"] = Update.from_record(changed).content_id()
        heads: dict[str, str] = {}
        chain = GENESIS
        with self.tampering() as execute:
            execute("DELETE FROM story_chain")
            for position, event in enumerate(links, 1):
                if not event.update:  # the recorded time zone: linked as it is
                    chain = chain_digest(chain, event.state["digest"])
                    execute(
                        "INSERT INTO story_chain (position, update_id, story, digest, chain) "
                        "VALUES (?, 'time-zone', '', ?, ?)", position, event.state["digest"], chain,
                    )  # fmt: skip
                    continue
                record = changed if event is target else event.state["update"]
                previous = heads.get(record["story"], GENESIS)
                digest = update_digest(record, event.recorded_at, previous)
                heads[record["story"]] = digest
                state = {**event.state, "update": record, "digest": digest, "previous": previous}
                if state != event.state:
                    execute(
                        "UPDATE archive_events SET state = ? WHERE id = ?", encode(state), event.id
                    )
                    recorded_at = datetime.fromisoformat(event.recorded_at)
                    update = replace(Update.from_record(record, recorded_at), digest=digest)
                    row = row_of(update, UTC)
                    fields = ("update_id", "digest", "by", "text", "headline", "fact_value", "note")
                    assignments = ", ".join(f'"{name}" = ?' for name in fields)
                    execute(
                        f"UPDATE story_updates SET {assignments} WHERE update_id = ?",
                        *(row[name] for name in fields),
                        event.update_id,
                    )
                chain = chain_digest(chain, digest)
                execute(
                    "INSERT INTO story_chain (position, update_id, story, digest, chain) "
                    "VALUES (?, ?, ?, ?, ?)",
                    position,
                    record["id"],
                    record["story"],
                    digest,
                    chain,
                )
        return str(changed["id"])
