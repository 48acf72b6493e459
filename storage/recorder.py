"""The event store on SQLAlchemy: eventsourcing's recorder interface, written lean.

The table is the one eventsourcing-sqlalchemy made (``archive_events``: a notification
id, the story's UUID, its version, the event's topic and state), so archives written
before keep working. What differs is the path: rows go in with the driver's
``executemany`` inside the archive's write transaction (:mod:`storage.store`), and come
out through the driver's cursor, without an ORM session per save.

``PERSISTENCE_MODULE=storage.recorder`` selects it; ``STORY_DATABASE_URL`` names the
database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    InfrastructureFactoryError,
    Notification,
    ProcessRecorder,
    StoredEvent,
    Subscription,
    TrackingRecorder,
)
from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, MetaData, Table, Text, Uuid
from sqlalchemy.types import BINARY

from storage.store import Store

URL = "STORY_DATABASE_URL"

metadata = MetaData()

events_table = Table(
    "archive_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    # SQLite keeps a UUID as its 16 bytes, PostgreSQL as its own type.
    Column("originator_id", Uuid().with_variant(BINARY(16), "sqlite"), nullable=False),
    Column("originator_version", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("topic", Text(), nullable=False),
    Column("state", LargeBinary(), nullable=False),
    Index("archive_events_aggregate_idx", "originator_id", "originator_version", unique=True),
)

_COLUMNS = "id, originator_id, originator_version, topic, state"


class SqlRecorder(ApplicationRecorder):
    """Stored events in ``archive_events``, through the archive's :class:`Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._keys: dict[UUID | str, Any] = {}

    def _key(self, originator_id: UUID | str) -> Any:
        key = self._keys.get(originator_id)
        if key is None:
            uuid = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
            key = uuid.bytes if self.store.sqlite else uuid
            if len(self._keys) > 100_000:  # a long import: start again rather than grow
                self._keys.clear()
            self._keys[originator_id] = key
        return key

    def _id(self, value: Any) -> UUID:
        return UUID(bytes=bytes(value)) if self.store.sqlite else UUID(str(value))

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        rows = [
            (self._key(e.originator_id), e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        with self.store.writing() as connection:
            self.store.queue(
                connection,
                "INSERT INTO archive_events (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        query = (
            "SELECT originator_version, topic, state FROM archive_events WHERE originator_id = ?"
        )
        params: list[Any] = [self._key(originator_id)]
        if gt is not None:
            query += " AND originator_version > ?"
            params.append(gt)
        if lte is not None:
            query += " AND originator_version <= ?"
            params.append(lte)
        query += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        rows = self._fetch(query, *params)
        return [StoredEvent(originator_id, v, topic, bytes(state)) for v, topic, state in rows]

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        query = f"SELECT {_COLUMNS} FROM archive_events WHERE 1 = 1"
        params: list[Any] = []
        if start is not None:
            query += " AND id >= ?" if inclusive_of_start else " AND id > ?"
            params.append(start)
        if stop is not None:
            query += " AND id <= ?"
            params.append(stop)
        if topics:
            query += f" AND topic IN ({', '.join('?' for _ in topics)})"
            params.extend(topics)
        query += " ORDER BY id LIMIT ?"
        params.append(limit)
        return [
            Notification(
                id=int(row[0]),
                originator_id=self._id(row[1]),
                originator_version=int(row[2]),
                topic=row[3],
                state=bytes(row[4]),
            )
            for row in self._fetch(query, *params)
        ]

    def max_notification_id(self) -> int | None:
        rows = self._fetch("SELECT max(id) FROM archive_events")
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        raise NotImplementedError(
            "story's read models are written in the events' own transaction: "
            "nothing subscribes to the event store"
        )

    def _fetch(self, query: str, *params: Any) -> list[Any]:
        with self.store.translated(), self.store.reading() as connection:
            return self.store.fetch(connection, query, *params)


class Factory(InfrastructureFactory[TrackingRecorder]):
    """eventsourcing's entry point: the recorder for ``STORY_DATABASE_URL``."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        url = self.env.get(URL)
        if not url:
            raise InfrastructureFactoryError(f"{URL} must name the archive's database")
        self.store = Store(url)

    def application_recorder(self) -> SqlRecorder:
        return SqlRecorder(self.store)

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        if purpose != "events":
            raise InfrastructureFactoryError(
                f"story keeps no {purpose}: a story's state is in its first and last events"
            )
        return SqlRecorder(self.store)

    def tracking_recorder(
        self, tracking_recorder_class: type[TrackingRecorder] | None = None
    ) -> TrackingRecorder:
        raise InfrastructureFactoryError(
            "story tracks no upstream applications: its read models share the events' transaction"
        )

    def process_recorder(self) -> ProcessRecorder:
        raise InfrastructureFactoryError("story runs no process applications")

    def close(self) -> None:
        self.store.close()
