"""The one owner of the SQLite connection, with serialised transactions and migrations."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

from bot.crypto import warn_if_shared
from bot.storage.errors import StorageError as StorageError  # re-exported: callers import it from here
from bot.storage.migration_files import load_migrations as load_migrations  # re-exported

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

Params = Sequence[Any] | dict[str, Any]
# Units per trip to the database thread: big enough that a crowd costs a few dozen commits, small enough that the
# first members of a burst are answered while the rest are still queued (measured with benchmarks/bench_burst.py).
BATCH_LIMIT = 32
T = TypeVar("T")


class Cursor(Protocol):
    """What work functions use of a cursor: sqlite3's, or the PostgreSQL facade's (bot/storage/pg_sql.py)."""

    @property
    def lastrowid(self) -> int | None: ...
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def close(self) -> None: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The subset of sqlite3.Connection that work functions may use, so the same work runs on either backend."""

    @property
    def in_transaction(self) -> bool: ...
    def execute(self, sql: str, parameters: Params = (), /) -> Cursor: ...
    def executemany(self, sql: str, parameters: Iterable[Params], /) -> Cursor: ...


class Row(Protocol):
    """A result row: by index or by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: Any, /) -> Any: ...  # an index, a column name or a slice
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Any: ...


Work = Callable[[Connection], Any]


async def _on_thread(connection: aiosqlite.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    """Run synchronous sqlite3 work on aiosqlite's database thread: one round trip, however many statements.

    Every awaited aiosqlite call is a hand-off to that thread and back through the event loop; under load those
    hand-offs, not SQLite, are what a command waits for. aiosqlite has no public call for this (pinned < 1).
    """
    result: T = await connection._execute(work, connection._conn)  # type: ignore[no-untyped-call]
    return result


def _statement(connection: Connection, sql: str, params: Params) -> int:
    """One statement: the new row id for an INSERT, else the rows changed."""
    cursor = connection.execute(sql, params)
    try:
        if sql.lstrip()[:6].upper() == "INSERT":
            return cursor.lastrowid or 0
        return cursor.rowcount
    finally:
        cursor.close()


@dataclass(frozen=True)
class Column:
    """One column of a table: its name, whether it is NOT NULL, its place in the primary key (0: not in it)."""

    name: str
    not_null: bool
    primary_key: int


@dataclass(frozen=True)
class Reference:
    """One column of a foreign key: which key (`key`), its place in it, the parent and what a delete does."""

    key: int
    position: int
    parent: str
    column: str
    parent_column: str | None
    on_delete: str


def _rollback_if_open(connection: Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK").close()


@dataclass(eq=False)
class _Unit:
    """Work queued for the database thread, and the future its caller awaits."""

    work: Work
    transactional: bool
    future: asyncio.Future[Any]


class _GroupCommit:
    """Runs a batch of units in order on the database thread, committing the transactional ones together.

    Each transactional unit runs inside its own savepoint, so a failing unit is undone alone; one COMMIT per run of
    them instead of one per unit keeps SQLite's WAL writes (and its checkpoints) down to a few per batch. A unit's
    caller hears "done" only after that COMMIT. Units with `transactional=False` run outside any transaction.
    """

    def __init__(self, units: list[_Unit], begin: str = "BEGIN IMMEDIATE") -> None:
        self.units = units
        self.begin = begin
        self.outcomes: list[tuple[bool, Any]] = [(False, None)] * len(units)
        self.uncommitted: list[int] = []

    def __call__(self, connection: Connection) -> list[tuple[bool, Any]]:
        for index, unit in enumerate(self.units):
            if unit.transactional:
                self._in_savepoint(connection, index, unit.work)
                continue
            self._commit(connection)
            try:
                self.outcomes[index] = (True, unit.work(connection))
            except Exception as error:
                self.outcomes[index] = (False, error)
        self._commit(connection)
        return self.outcomes

    def _in_savepoint(self, connection: Connection, index: int, work: Work) -> None:
        try:
            if not connection.in_transaction:
                connection.execute(self.begin)
            connection.execute("SAVEPOINT unit")
        except Exception as error:
            self.outcomes[index] = (False, error)
            return
        try:
            result = work(connection)
            connection.execute("RELEASE unit")
        except Exception as error:
            self.outcomes[index] = (False, error)
            if connection.in_transaction:
                connection.execute("ROLLBACK TO unit")
                connection.execute("RELEASE unit")
            else:
                # SQLite gave up the whole transaction (e.g. SQLITE_FULL): the units before this one went with it.
                self._fail_uncommitted(error)
            return
        self.outcomes[index] = (True, result)
        self.uncommitted.append(index)

    def _commit(self, connection: Connection) -> None:
        if not connection.in_transaction:
            return
        try:
            connection.execute("COMMIT")
        except Exception as error:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            self._fail_uncommitted(error)
        self.uncommitted.clear()

    def _fail_uncommitted(self, error: Exception) -> None:
        for index in self.uncommitted:
            self.outcomes[index] = (False, error)
        self.uncommitted.clear()


class Transaction:
    """Statements that run inside one open transaction on the shared connection."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the last inserted row id (or rows changed for updates)."""
        return await self._database._call(lambda raw: _statement(raw, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many parameter rows."""
        await self._database._call(lambda raw: raw.executemany(sql, rows).close())

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        row: Row | None = await self._database._call(lambda raw: raw.execute(sql, params).fetchone())
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return all rows of a query."""
        return await self._database._call(lambda raw: list(raw.execute(sql, params).fetchall()))

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def defer_foreign_keys(self) -> None:
        """Check foreign keys at COMMIT instead of per statement, until this transaction ends."""
        await self.execute(self._database.DEFER_FOREIGN_KEYS)

    def skip_locked(self, *tables: str) -> str:
        """The clause that locks the rows a claim selects and skips rows another claim holds (see Database)."""
        return self._database.skip_locked(*tables)


WAL_SWITCH_ATTEMPTS = 100  # 0.05 s apart: five seconds, as long as busy_timeout


class Database:
    """Owns the single aiosqlite connection; every statement goes through a transaction lock.

    `PostgresDatabase` (bot/storage/postgres.py) is the same API on PostgreSQL: the queueing, batching and
    group commit below are shared; only `_call` (one trip to the connection's thread) and the catalogue differ.
    """

    BACKEND = "sqlite"
    BEGIN = "BEGIN IMMEDIATE"
    ROW_ORDER = "rowid"  # the insertion order of a table without a primary key
    DEFER_FOREIGN_KEYS = "PRAGMA defer_foreign_keys = ON"
    path: Path

    def __init__(self, path: Path, connection: aiosqlite.Connection) -> None:
        self.path = path
        self._connection = connection
        self._start_queue()

    def skip_locked(self, *tables: str) -> str:
        """The end of a SELECT that claims rows: nothing on SQLite, where a write transaction already has the
        whole database to itself; `FOR UPDATE [OF tables] SKIP LOCKED` on PostgreSQL (see PostgresDatabase)."""
        return ""

    def _start_queue(self) -> None:
        self._lock = asyncio.Lock()
        self._queue: list[_Unit] = []
        self._drainer: asyncio.Task[None] | None = None

    async def _call(self, work: Callable[[Connection], T]) -> T:
        """One trip to the connection's thread: run synchronous work there and return its result."""
        return await _on_thread(self._connection, work)

    @classmethod
    async def open(cls, path: Path, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        """Open (or create) the database, switch on WAL and foreign keys, and migrate it."""
        path = Path(path)
        try:
            # Owner-only: the folder holds the database and, in development, the key.
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"cannot create the folder for DATABASE_PATH {path}: {error.strerror}") from error
        try:
            _create_private(path)
        except OSError as error:
            raise StorageError(f"cannot create DATABASE_PATH {path}: {error.strerror}") from error
        warn_if_shared(path, "the database")
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
        for companion in companion_files(path)[1:]:
            _restrict(companion)
        return database

    async def _configure(self) -> None:
        await self._connection.execute("PRAGMA busy_timeout=5000")
        # Switching a new file to WAL needs a lock that another process opening the same file at the same moment
        # may hold, and SQLite answers "locked" at once there rather than waiting: try again for a few seconds.
        for attempt in range(WAL_SWITCH_ATTEMPTS):
            try:
                await self._connection.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == WAL_SWITCH_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.05)
        # Deleted rows are overwritten with zeros instead of lingering in free pages (see `scrub` for the WAL).
        await self._connection.execute("PRAGMA secure_delete=ON")
        await self._connection.execute("PRAGMA foreign_keys=ON")
        await self._connection.execute("PRAGMA synchronous=NORMAL")
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
            try:
                # Version, name and stamp come from our own file names and clock, never from users.
                await self._connection.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n;INSERT INTO schema_migrations (version, name, applied_at) "  # noqa: S608
                    f"VALUES ({version}, '{name}', '{stamp}');\nCOMMIT;"
                )
            except sqlite3.OperationalError:
                # Two processes of a sharded bot starting on a new file: the other may have applied it first.
                if self._connection.in_transaction:
                    await self._connection.execute("ROLLBACK")
                if not await self._connection.execute_fetchall(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", (version,)
                ):
                    raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Hold the connection for one transaction; commit on success, roll back on error."""
        async with self._lock:
            await self._call(lambda raw: raw.execute(self.BEGIN).close())
            try:
                yield Transaction(self)
            except BaseException:
                # SQLite rolls back by itself after some errors (e.g. SQLITE_FULL); a second ROLLBACK would then
                # fail and hide the real error behind "cannot rollback - no transaction is active".
                await self._call(_rollback_if_open)
                raise
            else:
                await self._call(lambda raw: raw.execute("COMMIT").close())

    async def run(self, work: Callable[[Connection], T], *, transaction: bool = True) -> T:
        """Run short synchronous sqlite3 work (no awaits, no BEGIN/COMMIT inside) atomically; return its result.

        Work queued while the database thread is busy goes over together in one trip and is committed together
        (each unit in its own savepoint: one failing is undone alone), up to BATCH_LIMIT at a time, so a thousand
        members answered at once cost a few dozen round trips and commits instead of thousands.
        `transaction=False` is for reads and PRAGMAs that must run outside a transaction.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.append(_Unit(work, transaction, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="database-batches")
        return await future

    async def _drain(self) -> None:
        """Send queued work to the database thread, batch by batch, in the order it was queued."""
        while self._queue:
            async with self._lock:
                batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
                try:
                    outcomes = await self._call(_GroupCommit(batch, self.BEGIN))
                except BaseException as error:  # the connection is closed, or the loop is shutting down
                    failure = error if isinstance(error, Exception) else StorageError("the database was closed")
                    for unit in batch:
                        if not unit.future.done():
                            unit.future.set_exception(failure)
                    if not isinstance(error, Exception):
                        raise
                    continue  # each caller has the error; nobody awaits this task
            for unit, (ok, value) in zip(batch, outcomes, strict=True):
                if unit.future.done():  # the caller stopped waiting
                    continue
                if ok:
                    unit.future.set_result(value)
                else:
                    unit.future.set_exception(value)

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement in its own transaction."""
        return await self.run(lambda raw: _statement(raw, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement for many rows in one transaction."""
        async with self.transaction() as tx:
            await tx.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        row: Row | None = await self.run(lambda raw: raw.execute(sql, params).fetchone(), transaction=False)
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
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
        return [column.name for column in await self.columns(table)]

    async def columns(self, table: str) -> list[Column]:
        """A table's columns in order, from SQLite's catalogue."""
        if table not in await self.table_names():
            raise ValueError(f"unknown table {table!r}")
        rows = await self.fetchall(f'PRAGMA table_info("{table}")')
        return [Column(row["name"], bool(row["notnull"]), int(row["pk"])) for row in rows]

    async def references(self, table: str) -> list[Reference]:
        """A table's foreign keys, one entry per column of each, from SQLite's catalogue."""
        if table not in await self.table_names():
            raise ValueError(f"unknown table {table!r}")
        rows = await self.fetchall(f'PRAGMA foreign_key_list("{table}")')
        return [
            Reference(int(row["id"]), int(row["seq"]), row["table"], row["from"], row["to"], row["on_delete"] or "")
            for row in rows
        ]

    async def integrity_check(self) -> str:
        """Run SQLite's full integrity check and return its verdict ('ok' when healthy)."""
        return str(await self.fetchval("PRAGMA integrity_check"))

    async def scrub(self) -> None:
        """After deleting members' words: copy the WAL into the database and truncate it, so no old copy stays.

        With secure_delete the freed space in the database is zeroed; the write-ahead log would otherwise keep
        the pages as they were before the delete until the next checkpoint.
        """
        row = await self.run(lambda raw: raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(), transaction=False)
        if row is not None and row[0]:
            # Another connection (a backup or rotate-key) is reading; the next scrub or the close finishes it.
            log.warning("could not fully checkpoint the write-ahead log after a deletion; a reader is busy")

    async def close(self) -> None:
        """Checkpoint and close the connection."""
        async with self._lock:
            try:
                await self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                log.warning("could not checkpoint the database on close: %s", error)
            await self._connection.close()


def companion_files(path: Path) -> list[Path]:
    """The database file and the -wal and -shm files SQLite keeps beside it."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _create_private(path: Path) -> None:
    """Create an empty database file with mode 0600; SQLite then gives its -wal and -shm files the same mode."""
    if path.exists():
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)


def _restrict(path: Path) -> None:
    """chmod 600 a -wal/-shm file left by an older version or another tool; ignored if it has gone."""
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except FileNotFoundError:
        pass


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "not a database" in text or "malformed" in text or "integrity" in text:
        return f"DATABASE_PATH {path} is not a readable SQLite database (it may be corrupt): {text}"
    if "readonly" in text or "unable to open" in text:
        return f"DATABASE_PATH {path} cannot be written: {text}. Check the folder's permissions."
    return f"DATABASE_PATH {path} cannot be used: {text}"
