"""The one owner of the SQLite connection, with serialised transactions and migrations."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]


class StorageError(RuntimeError):
    """The database cannot be used; the message says why in plain words."""


async def _on_thread(connection: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run synchronous sqlite3 work on aiosqlite's database thread: one round trip, however many statements.

    Every awaited aiosqlite call is a hand-off to that thread and back through the event loop; under load those
    hand-offs, not SQLite, are what a command waits for. aiosqlite has no public call for this (pinned < 1).
    """
    result: T = await connection._execute(work, connection._conn)  # type: ignore[no-untyped-call]
    return result


def _statement(connection: sqlite3.Connection, sql: str, params: Params) -> int:
    """One statement: the new row id for an INSERT, else the rows changed."""
    cursor = connection.execute(sql, params)
    try:
        if sql.lstrip()[:6].upper() == "INSERT":
            return cursor.lastrowid or 0
        return cursor.rowcount
    finally:
        cursor.close()


def _as_transaction(work: Callable[[sqlite3.Connection], T]) -> Callable[[sqlite3.Connection], T]:
    """Wrap work so it runs as one transaction: committed if it returns, rolled back if it raises."""

    def unit(connection: sqlite3.Connection) -> T:
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
            connection.execute("COMMIT")
        except BaseException:
            # SQLite rolls back by itself after some errors (e.g. SQLITE_FULL); only roll back what is still open.
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return result

    return unit


def _run_each(batch: list[tuple[Work, asyncio.Future[Any]]], connection: sqlite3.Connection) -> list[tuple[bool, Any]]:
    """Run queued work one unit after another; one failing does not stop the rest."""
    outcomes: list[tuple[bool, Any]] = []
    for work, _ in batch:
        try:
            outcomes.append((True, work(connection)))
        except Exception as error:
            outcomes.append((False, error))
    return outcomes


class Transaction:
    """Statements that run inside one open transaction on the shared connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted row id (or rows changed for updates)."""
        return await _on_thread(self._connection, lambda raw: _statement(raw, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows."""
        await self._connection.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Return the first row of a query, or None."""
        row: sqlite3.Row | None = await _on_thread(self._connection, lambda raw: raw.execute(sql, params).fetchone())
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Return all rows of a query."""
        return await _on_thread(self._connection, lambda raw: list(raw.execute(sql, params).fetchall()))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Database:
    """Owns the single aiosqlite connection; every statement goes through a transaction lock."""

    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self._connection = connection
        self._lock = asyncio.Lock()
        self._queue: list[tuple[Work, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        """Open (or create) the database, switch on WAL and foreign keys, and migrate it."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"cannot create the folder for DATABASE_PATH {path}: {error.strerror}") from error
        try:
            connection = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open DATABASE_PATH {path}: {error}") from error
        connection.row_factory = sqlite3.Row
        database = cls(path, connection)
        try:
            await database._configure()
            await database._migrate(migrations_dir)
        except sqlite3.DatabaseError as error:
            await connection.close()
            raise StorageError(_explain(path, error)) from error
        except BaseException:
            await connection.close()
            raise
        return database

    async def _configure(self) -> None:
        await self._connection.execute("PRAGMA journal_mode=WAL")
        await self._connection.execute("PRAGMA foreign_keys=ON")
        await self._connection.execute("PRAGMA synchronous=NORMAL")
        await self._connection.execute("PRAGMA busy_timeout=5000")
        row = await (await self._connection.execute("PRAGMA quick_check")).fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")

    async def _migrate(self, migrations_dir: Path) -> None:
        await self._connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        applied = {row[0] for row in await self._connection.execute_fetchall("SELECT version FROM schema_migrations")}
        for version, name, script in load_migrations(migrations_dir):
            if version in applied:
                continue
            log.info("applying migration %04d_%s", version, name)
            stamp = datetime.now(UTC).isoformat()
            # Version, name and stamp come from our own file names and clock, never from users.
            await self._connection.executescript(
                f"BEGIN;\n{script}\n;INSERT INTO schema_migrations (version, name, applied_at) "  # noqa: S608
                f"VALUES ({version}, '{name}', '{stamp}');\nCOMMIT;"
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Hold the connection for one transaction; commit on success, roll back on error."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._connection)
            except BaseException:
                # SQLite rolls back by itself after some errors (e.g. SQLITE_FULL); a second ROLLBACK would then
                # fail and hide the real error behind "cannot rollback - no transaction is active".
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                raise
            else:
                await self._connection.execute("COMMIT")

    async def run(self, work: Callable[[sqlite3.Connection], T], *, transaction: bool = True) -> T:
        """Run short synchronous sqlite3 work (no awaits inside) as one transaction; return what it returns.

        Work queued while the database thread is busy goes over together in one trip, each unit still its own
        transaction, so a thousand members answered at once cost a few round trips instead of thousands.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append((_as_transaction(work) if transaction else work, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="database-batches")
        return await future

    async def _drain(self) -> None:
        """Send queued work to the database thread, batch by batch, in the order it was queued."""
        while self._queue:
            async with self._lock:
                batch, self._queue = self._queue, []
                try:
                    outcomes = await _on_thread(self._connection, functools.partial(_run_each, batch))
                except BaseException as error:  # the connection is closed, or the loop is shutting down
                    failure = error if isinstance(error, Exception) else StorageError("the database was closed")
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(failure)
                    if not isinstance(error, Exception):
                        raise
                    continue  # each caller has the error; nobody awaits this task
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():  # the caller stopped waiting
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own transaction."""
        return await self.run(lambda raw: _statement(raw, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many rows in one transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Return the first row of a query, or None."""
        row: sqlite3.Row | None = await self.run(lambda raw: raw.execute(sql, params).fetchone(), transaction=False)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Return all rows of a query."""
        return await self.run(lambda raw: list(raw.execute(sql, params).fetchall()), transaction=False)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def table_names(self) -> list[str]:
        """List the application's tables (not SQLite's own)."""
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [row[0] for row in rows]

    async def column_names(self, table: str) -> list[str]:
        """List a table's columns."""
        if table not in await self.table_names():
            raise ValueError(f"unknown table {table!r}")
        rows = await self.fetchall(f'PRAGMA table_info("{table}")')
        return [row["name"] for row in rows]

    async def integrity_check(self) -> str:
        """Run SQLite's full integrity check and return its verdict ('ok' when healthy)."""
        return str(await self.fetchval("PRAGMA integrity_check"))

    async def close(self) -> None:
        """Checkpoint and close the connection."""
        async with self._lock:
            try:
                await self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                log.warning("could not checkpoint the database on close: %s", error)
            await self._connection.close()


def load_migrations(migrations_dir: Path) -> list[tuple[int, str, str]]:
    """Read `NNNN_name.sql` files in order; numbers must be unique."""
    found: dict[int, tuple[int, str, str]] = {}
    for file in sorted(migrations_dir.glob("*.sql")):
        match = MIGRATION_NAME.match(file.name)
        if not match:
            raise StorageError(f"migration file name {file.name!r} is not NNNN_name.sql")
        version = int(match.group(1))
        if version in found:
            raise StorageError(f"two migrations share number {version:04d}")
        found[version] = (version, match.group(2), file.read_text(encoding="utf-8"))
    return [found[key] for key in sorted(found)]


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "not a database" in text or "malformed" in text or "integrity" in text:
        return f"DATABASE_PATH {path} is not a readable SQLite database (it may be corrupt): {text}"
    if "readonly" in text or "unable to open" in text:
        return f"DATABASE_PATH {path} cannot be written: {text}. Check the folder's permissions."
    return f"DATABASE_PATH {path} cannot be used: {text}"
