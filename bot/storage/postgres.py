"""PostgreSQL as the database (`DATABASE_URL=postgresql://...`): the same `Database` API, on asyncpg.

The stores' work functions stay synchronous, as on SQLite. One thread owns the asyncpg connection and an event
loop of its own; each unit of work runs there against `PgConnection` (bot/storage/pg_sql.py), which runs every
statement on that loop. The bot's loop only queues work and awaits a future, so batching and group commit
(`Database.run`) are the same code on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bot.storage.database import MIGRATIONS_DIR, Column, Connection, Database, Reference, StorageError, load_migrations
from bot.storage.pg_sql import PgConnection

log = logging.getLogger(__name__)

T = TypeVar("T")
CONNECT_TIMEOUT_SECONDS = 10.0
STATEMENT_CACHE_SIZE = 1024  # the stores hold a few hundred distinct statements; each is prepared once
MIGRATION_LOCK = 0x626F756E6365  # pg_advisory_lock key: two processes starting together migrate one at a time

_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    " AND table_type = 'BASE TABLE' ORDER BY table_name"
)
_COLUMNS = (
    "SELECT c.column_name, c.is_nullable,"
    " COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t"
    " JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name"
    " AND k.table_schema = t.table_schema AND k.table_name = t.table_name"
    " WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema AND t.table_name = c.table_name"
    " AND k.column_name = c.column_name), 0) AS pk"
    " FROM information_schema.columns c WHERE c.table_schema = current_schema() AND c.table_name = $1"
    " ORDER BY c.ordinal_position"
)
# pg_constraint rather than information_schema: it pairs each column with its parent column by position.
_REFERENCES = (
    "SELECT con.oid::bigint AS key, k.position, parent.relname AS parent, a.attname AS column,"
    " pa.attname AS parent_column, con.confdeltype::text AS action"
    " FROM pg_constraint con"
    " JOIN pg_class child ON child.oid = con.conrelid"
    " JOIN pg_namespace n ON n.oid = child.relnamespace AND n.nspname = current_schema()"
    " JOIN pg_class parent ON parent.oid = con.confrelid"
    " CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(child_col, parent_col, position)"
    " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.child_col"
    " JOIN pg_attribute pa ON pa.attrelid = con.confrelid AND pa.attnum = k.parent_col"
    " WHERE con.contype = 'f' AND child.relname = $1 ORDER BY con.oid, k.position"
)
_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


class _Thread:
    """The database thread: its own event loop and asyncpg connection; runs queued calls one at a time."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], asyncio.Future[Any]] | None] = queue.SimpleQueue()
        self._loop = asyncio.new_event_loop()
        self._connection: PgConnection | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="postgresql", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        while (job := self._jobs.get()) is not None:
            function, future = job
            try:
                result = function()
            except BaseException as error:  # handed to the caller, whatever it is
                _reply(future, _fail, error)
            else:
                _reply(future, _succeed, result)
        # Work queued after close() was asked for: its callers hear so instead of waiting for ever.
        while not self._jobs.empty():
            if (job := self._jobs.get()) is not None:
                _reply(job[1], _fail, StorageError("the database was closed"))
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(self._connection.raw.close(timeout=5))
        self._loop.close()

    async def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the database thread; its result or error comes back to the awaiting loop."""
        if self._closed:
            raise StorageError("the database was closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((function, future))
        return await future

    def connect(self, id_tables: frozenset[str] = frozenset()) -> PgConnection:
        """Open the connection (on the database thread)."""
        raw = self._loop.run_until_complete(
            asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT_SECONDS, statement_cache_size=STATEMENT_CACHE_SIZE)
        )
        self._connection = PgConnection(raw, self._loop, id_tables)
        return self._connection

    def connection(self) -> PgConnection:
        """The open connection; reconnects first when the server dropped it (outside a transaction only)."""
        if self._connection is None:
            raise StorageError("the PostgreSQL connection is not open")
        if self._connection.raw.is_closed():
            log.warning("the PostgreSQL connection was lost; reconnecting")
            self.connect(self._connection.id_tables)
        return self._connection

    def stop(self) -> None:
        """Close the connection and end the thread once the queued calls are done."""
        self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout=10)


def _reply(future: asyncio.Future[Any], outcome: Callable[[asyncio.Future[Any], Any], None], value: Any) -> None:
    """Hand an outcome to the caller's loop; a loop already closed has nobody left to tell."""
    with contextlib.suppress(RuntimeError):
        future.get_loop().call_soon_threadsafe(outcome, future, value)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class PostgresDatabase(Database):
    """The `Database` API on one PostgreSQL connection; the SQLite-only parts (file, WAL) have their equivalents."""

    BACKEND = "postgresql"
    BEGIN = "BEGIN"
    DEFER_FOREIGN_KEYS = "SET CONSTRAINTS ALL DEFERRED"
    ROW_ORDER = "ctid"

    def __init__(self, url: str, thread: _Thread) -> None:
        self.url = url
        self._thread = thread
        self._start_queue()

    @classmethod
    async def connect(cls, url: str, migrations_dir: Path = MIGRATIONS_DIR) -> PostgresDatabase:
        """Connect to DATABASE_URL and migrate the database."""
        thread = _Thread(url)
        try:
            await thread.call(thread.connect)
        except Exception as error:
            thread.stop()
            raise StorageError(f"cannot connect to DATABASE_URL {_redacted(url)}: {error}") from error
        database = cls(url, thread)
        try:
            await thread.call(lambda: _migrate(thread.connection(), migrations_dir))
            await thread.call(lambda: thread.connection().refresh_id_tables())
            collation = await database.fetchval("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            if collation not in {"C", "POSIX", "C.UTF-8", "C.utf8"}:
                log.warning(
                    "the PostgreSQL database sorts text by %s; create it with --locale=C so text sorts byte by byte"
                    " as on SQLite (README, PostgreSQL)",
                    collation,
                )
        except BaseException:
            await database.close()
            raise
        return database

    def skip_locked(self, *tables: str) -> str:
        """Lock the selected rows (of `tables`, when the query joins others that may be NULL) and pass over rows
        another transaction has locked: concurrent claimers get disjoint rows and never wait on each other."""
        return f" FOR UPDATE{' OF ' + ', '.join(tables) if tables else ''} SKIP LOCKED"

    async def _call(self, work: Callable[[Connection], T]) -> T:
        return await self._thread.call(lambda: work(self._thread.connection()))

    async def table_names(self) -> list[str]:
        """List the application's tables."""
        return [row[0] for row in await self.fetchall(_TABLES)]

    async def columns(self, table: str) -> list[Column]:
        """A table's columns in order, from information_schema."""
        rows = await self._raw_fetch(_COLUMNS, table)
        if not rows:
            raise ValueError(f"unknown table {table!r}")
        return [Column(row[0], row[1] == "NO", int(row[2])) for row in rows]

    async def references(self, table: str) -> list[Reference]:
        """A table's foreign keys, one entry per column of each, from pg_constraint."""
        rows = await self._raw_fetch(_REFERENCES, table)
        # ORDINALITY counts from 1; SQLite's seq (and so Reference.position) from 0.
        return [Reference(int(row[0]), int(row[1]) - 1, row[2], row[3], row[4], _ACTIONS[row[5]]) for row in rows]

    async def _raw_fetch(self, sql: str, *arguments: Any) -> list[Any]:
        """A catalogue query in PostgreSQL's own dialect ($n placeholders), not translated."""
        return await self.run(lambda raw: _fetch_native(raw, sql, arguments), transaction=False)

    async def integrity_check(self) -> str:
        """PostgreSQL checks its pages itself; 'ok' when the server answers."""
        return "ok" if await self.fetchval("SELECT 1") == 1 else "no answer"

    async def scrub(self) -> None:
        """Nothing to checkpoint by hand: PostgreSQL reclaims deleted rows with (auto)vacuum."""

    async def close(self) -> None:
        """Close the connection and stop the database thread."""
        async with self._lock:
            await asyncio.to_thread(self._thread.stop)


def _fetch_native(raw: Connection, sql: str, arguments: tuple[Any, ...]) -> list[Any]:
    assert isinstance(raw, PgConnection)
    return list(raw.run(raw.raw.fetch(sql, *arguments)))


def _migrate(connection: PgConnection, migrations_dir: Path) -> None:
    """Apply the migrations not applied yet, each in its own transaction, one process at a time."""
    raw = connection.raw
    connection.run(raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK))
    try:
        connection.run(
            raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                " applied_at TEXT NOT NULL)"
            )
        )
        applied = {row[0] for row in connection.run(raw.fetch("SELECT version FROM schema_migrations"))}
        for version, name, script in load_migrations(migrations_dir, "postgresql"):
            if version in applied:
                continue
            log.info("applying migration %04d_%s (PostgreSQL)", version, name)
            stamp = datetime.now(UTC).isoformat()
            connection.run(_apply(raw, script, version, name, stamp))
    finally:
        connection.run(raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK))


async def _apply(raw: asyncpg.Connection, script: str, version: int, name: str, stamp: str) -> None:
    async with raw.transaction():
        await raw.execute(script)  # the simple protocol runs every statement of the file
        await raw.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", version, name, stamp
        )


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}" if ":" in credentials else url
