"""Write tokens kept in the archive's database: a token's name, archivist, SHA-256 and
creation in ``story_tokens``, its revocation in ``story_token_revocations``. Both are
append-only (triggers refuse UPDATE and DELETE, as for the events); they are made by the
first token, in that write's transaction, so an archive without tokens has neither."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, inspect, text

from domain.application import Archive
from domain.errors import ArchiveUnavailable
from domain.tokens import Token
from storage.recorder import Database, SqlRecorder

TABLES = {
    "story_tokens": "name VARCHAR(100) PRIMARY KEY, digest VARCHAR(64) NOT NULL UNIQUE, "
    '"by" VARCHAR(200) NOT NULL, created_at VARCHAR(32) NOT NULL',
    "story_token_revocations": "name VARCHAR(100) PRIMARY KEY REFERENCES story_tokens (name), "
    "revoked_at VARCHAR(32) NOT NULL",
}
_SELECT = (
    'SELECT t.name, t."by", t.digest, t.created_at, r.revoked_at FROM story_tokens t '
    "LEFT JOIN story_token_revocations r ON r.name = t.name ORDER BY t.created_at, t.name"
)


class SqlTokens:
    """The TokenStore of an archive (opened when first needed, as ``story serve`` does)."""

    def __init__(self, archive: Callable[[], Archive]) -> None:
        self.archive = archive

    def add(self, token: Token) -> None:
        self._insert(
            'INSERT INTO story_tokens (name, "by", digest, created_at) VALUES (?, ?, ?, ?)',
            (token.name, token.by, token.digest, token.created_at.isoformat()),
        )

    def tokens(self) -> list[Token]:
        database = self._database()
        with database.translated(), database.reading() as connection:
            if not inspect(connection).has_table("story_tokens"):
                return []
            rows = connection.exec_driver_sql(_SELECT).all()
        return [
            Token(name, by, digest, datetime.fromisoformat(created),
                  datetime.fromisoformat(revoked) if revoked else None)
            for name, by, digest, created, revoked in rows
        ]  # fmt: skip

    def revoke(self, name: str, at: datetime) -> None:
        self._insert(
            "INSERT INTO story_token_revocations (name, revoked_at) VALUES (?, ?)",
            (name, at.isoformat()),
        )

    def _insert(self, statement: str, row: tuple[str, ...]) -> None:
        """One row into a token table, which is made first if missing."""
        database = self._database()
        with database.translated(), database.writing() as connection:
            _made(connection)
            connection.exec_driver_sql(database.sql(statement), row)

    def _database(self) -> Database:
        recorder = self.archive().recorder
        if not isinstance(recorder, SqlRecorder):
            raise ArchiveUnavailable("this archive keeps no write tokens")
        return recorder.database


def _made(connection: Connection) -> None:
    """The token tables and their triggers, made if missing, in the caller's transaction
    (which holds the archive's write lock)."""
    sqlite = connection.dialect.name == "sqlite"
    for table, columns in TABLES.items():
        connection.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        if sqlite:
            for action, past in (("UPDATE", "updated"), ("DELETE", "deleted")):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, 'story: {table} is append-only: "
                    f"a token cannot be {past}'); END"
                )
        else:
            connection.execute(text(_PG_FUNCTION))  # (text() minds the driver's %)
            connection.exec_driver_sql(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW EXECUTE FUNCTION story_tokens_append_only()"
            )
            connection.exec_driver_sql(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION story_tokens_append_only()"
            )


_PG_FUNCTION = """CREATE OR REPLACE FUNCTION story_tokens_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'story: % is append-only: a token cannot be %',
        TG_TABLE_NAME, lower(TG_OP) || 'd';
END $$"""
