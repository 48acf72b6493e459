"""The read-side index: one row per update, written in the event's own transaction
(storage.recorder), read here.

Queries read these rows instead of replaying events. Each update's place on the timeline
(``sort_utc``, then ``seq``) is fixed when it is written, in the archive's zone, so a
version is a range of rows. Replaying a version reads only the rows whose content can
still show: the amendments in force, the last revision and the reports after it,
statements, the latest value of each fact and the latest headline.
``domain.timeline.state`` folds those into the same story as all the rows would give.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from eventsourcing.persistence import PersistenceError
from sqlalchemy import Connection, Select, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from domain.digests import GENESIS, canonical_json
from domain.errors import ArchiveUnavailable, first_line
from domain.ports import StorySummary
from domain.timeline import Cut
from domain.updates import Update
from domain.urls import Tie
from domain.verification import ChainRow, Finding, row_entry
from domain.when import utc_text
from storage import guard, queries
from storage.recorder import INSERT_TIE, Database, SqlRecorder, row_of, tie_row
from storage.tables import (
    COLUMNS,
    DERIVE_STATS,
    FIELDS,
    LATEST_TIES,
    PLACE,
    READ_STATE,
    REBUILT,
    SELECT_ROWS,
    SELECT_TIES,
    damaged,
    meta_table,
    stats_table,
    tie_of,
    update_of,
    updates_table,
    urls_table,
)

_ENTRIES = (
    'SELECT update_id, seq, story, kind, reported_at, reported_day, sort_utc, recorded_at, "by", '
    "source, outlet, headline, text, party, issued_at, fact_key, fact_value, target, note, "
    "digest, captured_at, dated_by FROM story_updates"
)
_SORT_UTC = FIELDS.index("sort_utc")
REBUILD_SCHEMA = "story_rebuild"  # where PostgreSQL's rebuild makes the new read models
_CHAIN = "SELECT position, update_id, story, digest, chain FROM story_chain ORDER BY position"


def _value(fact_value: Any) -> Any:
    """A fact value as verification compares it: canonical JSON (its text if not JSON)."""
    if fact_value is None:
        return None
    try:
        return canonical_json(json.loads(fact_value))
    except (ValueError, TypeError, RecursionError):
        return fact_value


BULK = 1_000  # rows written at once after which PostgreSQL is asked to tidy the index
DECODED = 20_000  # updates a reader keeps decoded (a few tens of MB); then it starts over
_PLACE = itemgetter(16, 17)  # a row's place on the timeline: sort_utc, seq


class SqlIndex:
    """The Index port on SQLAlchemy: SQLite and PostgreSQL alike."""

    def __init__(self, recorder: SqlRecorder) -> None:
        self.database: Database = recorder.database
        self.zone = recorder.zone
        self.zone_name = recorder.zone_name
        self.repaired = recorder.repaired
        # The read side's one cache: replays of a story read the same rows again and
        # again; a reader keeps the updates it has decoded, and reads only the keys of
        # rows it has (benchmarks/results/ab_reader_cache.txt).
        self._decoded: dict[str, Update] = {}
        self._stories: set[str] = set()  # stories whose replays have kept updates
        self._rebuilt: str | None = None  # the index's last rebuild, as they were read

    def close(self) -> None:
        self.database.close()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """A connection for queries; a database failure becomes one clear error."""
        try:
            with self.database.reading() as connection:
                yield connection
        except (SQLAlchemyError, PersistenceError) as error:
            raise ArchiveUnavailable(f"cannot read the archive: {first_line(error)}") from None

    def tidy(self) -> None:
        self.database.tidy(updates_table.name)

    def snapshot(self) -> AbstractContextManager[None]:
        """Reads inside all see the archive at the moment of the first (Database.snapshot)."""
        return self.database.snapshot()

    def updates(self, slug: str, cut: Cut | None = None) -> list[Update]:
        (limit, known, _), params = queries.shape(cut)
        with self._reading() as connection:
            rows = connection.execute(
                queries.admitted(limit, known, True), {**params, "slug": slug}
            )
            return [update_of(row) for row in rows]

    def stories_updates(self, cut: Cut) -> Iterator[tuple[str, list[Update]]]:
        (limit, known, _), params = queries.shape(cut)
        with self._reading() as connection:
            streamed = connection.execution_options(stream_results=True, yield_per=2000)
            rows = streamed.execute(queries.admitted(limit, known, False), params)
            for story, group in groupby(rows, itemgetter(1)):
                yield story, [update_of(row) for row in group]

    def relevant(self, slug: str, cut: Cut, through: str | None = None) -> tuple[int, list[Update]]:
        """(version number, the updates whose content can show) for a cut of a story.

        A story this reader has replayed before is read as keys first, and only the rows
        it has not decoded yet are read whole (``_decoded``)."""
        t = updates_table.c
        with self._reading() as connection:
            bound = None
            if through is not None:
                bound = connection.execute(
                    select(t.sort_utc, t.seq).where(t.update_id == through)
                ).one()
            flags, params = queries.shape(cut, bound)
            params["slug"] = slug
            keys = slug in self._stories
            statement = queries.relevant(connection.dialect.name, *flags, keys)
            found = connection.execute(statement, params).all()
        version, unique = 0, {}
        for row in found:
            if row[0] is None:  # the row that carries the version number
                version = _number(row[2] if keys else row[17], "story list")
                self._since(row[1] if keys else row[_SORT_UTC])
            else:
                unique[row[0]] = row  # a row can answer to two parts
        if not version:
            return 0, []
        if not keys:
            updates = [update_of(row) for row in sorted(unique.values(), key=_PLACE)]
            self._keep(slug, updates)
            return version, updates
        ids = [row[0] for row in sorted(unique.values(), key=itemgetter(1, 2))]
        decoded = self._decoded  # this dict: another thread may start a new one meanwhile
        read = self.known([i for i in ids if i not in decoded])
        self._keep(slug, read.values())
        return version, [decoded.get(i) or read[i] for i in ids]

    def _since(self, rebuilt: str | None) -> None:
        """Forget the decoded updates if the index was rebuilt since they were read: a
        rebuild writes the events' content under the same ids, which is not what the
        rows held if they had been changed behind story's back."""
        if rebuilt != self._rebuilt:
            self._decoded, self._stories, self._rebuilt = {}, set(), rebuilt

    def _keep(self, slug: str, updates: Iterable[Update]) -> None:
        """Keep decoded updates for the next replay (rows change only by a rebuild:
        ``_since``); an update whose fact value is mutable is not kept, so never shared
        between replays. Threads share a reader: when full, it
        starts a new dict and set rather than emptying the ones others may be reading."""
        if len(self._decoded) >= DECODED:
            self._decoded, self._stories = {}, set()
        self._stories.add(slug)
        for update in updates:
            if not isinstance(update.value, dict | list):
                self._decoded[update.id] = update

    def find(self, update_id: str) -> Update | None:
        return self.known([update_id]).get(update_id)

    def known(self, update_ids: Collection[str]) -> dict[str, Update]:
        """Those of these updates the archive holds (inside a write transaction, its own
        included)."""
        wanted, found = sorted(update_ids), dict[str, Update]()
        if not wanted:
            return found
        with self._reading() as connection:
            for start in range(0, len(wanted), 500):
                part = tuple(wanted[start : start + 500])
                query = f"{SELECT_ROWS} ({', '.join('?' for _ in part)})"
                rows = self.database.rows(connection, query, *part)
                found.update((row[0], update_of(row)) for row in rows)
        return found

    def place(self, update_id: str) -> tuple[int, int]:
        """(the version an update makes, how many versions its story has)."""
        with self._reading() as connection:
            [(total, later)] = self.database.rows(connection, PLACE, update_id)
        total, later = _number(total, "story list"), _number(later, "story list")
        return total - later, total

    def amending(self, update_id: str) -> list[Update]:
        t = updates_table.c
        return self._updates(
            select(*COLUMNS).where(t.target == update_id).order_by(t.sort_utc, t.seq)
        )

    def has_story(self, slug: str) -> bool:
        s = stats_table.c
        with self._reading() as connection:
            return connection.execute(select(s.updates).where(s.story == slug)).first() is not None

    def fingerprints(self, slug: str | None) -> dict[str, tuple[str, int, Any]]:
        """Update id -> (story, domain.verification.row_entry of its row, its seq), for
        verification: the row's values as stored, none of them parsed (a row may be
        garbage)."""
        found: dict[str, tuple[str, int, Any]] = {}
        where, params = (" WHERE story = ?", (slug,)) if slug is not None else ("", ())
        for uid, seq, *row in self._raw(_ENTRIES + where, *params):
            found[uid] = (row[0], row_entry(tuple(row), _value(row[14])), seq)
        return found

    def chain_rows(self) -> list[ChainRow]:
        return [ChainRow(*row) for row in self._raw(_CHAIN)]

    def head(self) -> tuple[int, str]:
        with self._reading() as connection:
            position, chain, rebuilt = connection.exec_driver_sql(READ_STATE).one()
        if position is None:
            return 0, GENESIS
        return int(position), f"{chain} {rebuilt}" if rebuilt else str(chain)

    def tied(self, urls: Collection[str]) -> dict[str, str]:
        """The stories these (normalised) URLs are tied to, of those tied."""
        found: dict[str, str] = {}
        asked = list(urls)
        with self._reading() as connection:
            for start in range(0, len(asked), 500):  # a statement takes so many values
                some = asked[start : start + 500]
                query = f"{LATEST_TIES} AND url IN ({', '.join('?' for _ in some)})"
                rows = connection.exec_driver_sql(self.database.sql(query), tuple(some))
                found.update((row[0], row[1]) for row in rows if row[1] is not None)
        return found

    def ties(self, slug: str | None) -> list[Tie]:
        """The URLs tied now (to ``slug``, or to any story), by URL."""
        which = "story IS NOT NULL" if slug is None else "story = ?"
        query = self.database.sql(f"{LATEST_TIES} AND {which} ORDER BY url")
        with self._reading() as connection:
            rows = connection.exec_driver_sql(query, () if slug is None else (slug,))
            return [tie_of(row) for row in rows]

    def tie_rows(self) -> list[tuple[Any, ...]]:
        """Every row of story_urls as stored, in recorded order (for verify)."""
        return list(self._raw(SELECT_TIES + " ORDER BY seq"))

    def _raw(self, sql: str, *params: Any) -> Iterator[tuple[Any, ...]]:
        try:
            yield from self.database.raw_rows(sql, *params)
        except SQLAlchemyError as error:
            raise ArchiveUnavailable(f"cannot read the archive: {first_line(error)}") from None

    def summaries(self, slug: str | None) -> dict[str, tuple[Any, Any, Any]]:
        """The story list as stored (not parsed: a row may be garbage), by story."""
        s = stats_table.c
        query = select(s.story, s.updates, s.first_day, s.last_day).order_by(s.story)
        if slug is not None:
            query = query.where(s.story == slug)
        with self._reading() as connection:
            return {row[0]: (row[1], row[2], row[3]) for row in connection.execute(query)}

    def guard_problems(self) -> list[Finding]:
        """What was wrong with the append-only triggers when the archive was opened (it
        was put right then)."""
        if not self.repaired:
            return []
        found = "; ".join(self.repaired)
        return [Finding(None, None, "guard tampered", f"{found} (put right on opening)")]

    def stories(self) -> list[StorySummary]:
        found = self.summaries(None).items()
        return [
            StorySummary(story, _number(n, "story list"), first, last)
            for story, (n, first, last) in found
        ]

    def counts(self) -> tuple[int, int]:
        s = stats_table.c
        with self._reading() as connection:
            stories, updates = connection.execute(
                select(func.count(), func.coalesce(func.sum(s.updates), 0))
            ).one()
        return _number(stories, "story list"), _number(updates, "story list")

    def rebuild(self, recorded: Iterable[Update | Tie], progress: Callable[[int], None]) -> int:
        """Derive the index again from the given updates and URL ties (in recorded
        order), in one transaction; how many updates it holds. Readers see the old index
        until the new one is complete: on SQLite by its snapshot, on PostgreSQL because
        the new tables are built beside the old (``_beside``)."""
        count = 0
        ties: list[tuple[Any, ...]] = []
        with self.database.writing() as connection:
            with self._beside(connection):
                rows: list[dict[str, Any]] = []
                for update in recorded:
                    if isinstance(update, Tie):
                        ties.append(tie_row(update))
                        continue
                    rows.append(row_of(update, self.zone))
                    if len(rows) == BULK:
                        connection.execute(updates_table.insert(), rows)
                        count, rows = count + len(rows), []
                        progress(BULK)
                if rows:
                    connection.execute(updates_table.insert(), rows)
                    count += len(rows)
                    progress(len(rows))
                connection.exec_driver_sql(DERIVE_STATS)
                if ties:
                    connection.exec_driver_sql(self.database.sql(INSERT_TIE), ties)
            # Readers' answers may change: they learn of it by when (Archive.head, _since).
            rebuilt = {"name": REBUILT, "value": utc_text(datetime.now(UTC))}
            with guard.lifted(connection, meta_table.name):
                connection.execute(meta_table.delete().where(meta_table.c.name == REBUILT))
                connection.execute(meta_table.insert(), rebuilt)
        if count >= BULK:
            self.tidy()
        return count

    @contextmanager
    def _beside(self, connection: Connection) -> Iterator[None]:
        """The read models made afresh, for the block to fill. On PostgreSQL they are
        made in a schema of their own (``story_rebuild``, first on the search path), so
        that readers keep reading the old tables while they fill (a DROP would lock the
        old tables against readers until the commit); then the old tables are dropped
        and the new moved in their place. Their guard is made again either way."""
        tables = (updates_table, stats_table, urls_table)
        if self.database.sqlite:
            for table in tables:
                table.drop(connection)
                table.create(connection)
            yield
        else:
            home = connection.exec_driver_sql("SELECT current_schema()").scalar()
            path = connection.exec_driver_sql("SHOW search_path").scalar()
            connection.exec_driver_sql(
                f"DROP SCHEMA IF EXISTS {REBUILD_SCHEMA} CASCADE; CREATE SCHEMA {REBUILD_SCHEMA}"
            )
            search_path = text("SELECT set_config('search_path', :path, true)")
            connection.execute(search_path, {"path": f'{REBUILD_SCHEMA}, "{home}"'})
            for table in tables:
                table.create(connection)
            yield
            connection.execute(search_path, {"path": path})
            for table in tables:  # the only moment readers wait: until their reads end
                connection.exec_driver_sql(f'DROP TABLE "{home}".{table.name}')
                connection.exec_driver_sql(
                    f'ALTER TABLE {REBUILD_SCHEMA}.{table.name} SET SCHEMA "{home}"'
                )
            connection.exec_driver_sql(f"DROP SCHEMA {REBUILD_SCHEMA}")
        guard.install(connection, tuple(table.name for table in tables))

    def _updates(self, query: Select[Any]) -> list[Update]:
        with self._reading() as connection:
            return [update_of(row) for row in connection.execute(query)]

    def recent(self, n: int) -> list[Update]:
        """The ``n`` updates recorded last (``seq`` counts in recorded order), newest first."""
        return self._updates(select(*COLUMNS).order_by(updates_table.c.seq.desc()).limit(n))


def _number(value: Any, what: str) -> int:
    """A count the index holds, or a one-line error if it was changed into no number."""
    try:
        return int(value)
    except (ValueError, TypeError) as error:
        raise damaged(what, error) from None
