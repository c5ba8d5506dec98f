"""`bounceback migrate --to postgresql://...`: copy the SQLite database into PostgreSQL, resumably, and verify it.

The target's schema comes from running the migrations on it (exactly what the bot would do). Then every table is
copied in foreign-key order, in batches of SQLite rowids: each batch and its table's high-water mark (in
`sqlite_import`, on the target) commit in one PostgreSQL transaction, so a run killed at any moment leaves whole
batches and a mark that says so, and the next run continues after it without duplicating a row. Ids are kept and
the identity sequences set past them (and past SQLite's AUTOINCREMENT counters, so no id is ever reused).
Ciphertext is copied as it is: the same ENCRYPTION_KEY reads it. The end compares the row count of every table
and decrypts a sample of every encrypted column on the target.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import asyncpg

from bot.clock import from_iso
from bot.crypto import TextCipher
from bot.maintenance import encrypted_columns
from bot.storage.database import MIGRATIONS_DIR, StorageError, load_migrations
from bot.storage.postgres import PostgresDatabase, _redacted

PROGRESS_TABLE = "sqlite_import"
WHOLE_RUN = "*"  # the progress row of the run itself (done when verified)
# Not copied: SQLite's bookkeeping, the migrations ledger (the target has its own), and which process ran which
# shard on the old database (the processes on PostgreSQL write their own).
NOT_COPIED = frozenset({"schema_migrations", "cluster_heartbeats", PROGRESS_TABLE})
# A heartbeat this recent, not marked stopped, means a bot may still be writing to the SQLite file.
LIVE_BEAT = timedelta(seconds=60)
SAMPLE_PER_COLUMN = 20
IMPORT_LOCK = 0x626F756E6365 + 1  # pg_advisory_lock key: two migrate runs on one target never interleave
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "bigint": int,
    "integer": int,
    "smallint": int,
    "boolean": bool,
    "double precision": float,
    "real": float,
    "numeric": lambda value: Decimal(str(value)),
    "text": str,
    "character varying": str,
    "bytea": bytes,
}


class MigrationError(RuntimeError):
    """The migration cannot start, go on or be verified; the message says why in one line."""


@dataclass
class TableCount:
    """One table's rows in SQLite and in PostgreSQL after the copy."""

    name: str
    source: int
    target: int


@dataclass
class MigrationReport:
    """What a run did: tables copied and verified, values sampled, and whether it resumed or found it all done."""

    counts: list[TableCount] = field(default_factory=list)
    sampled: int = 0
    resumed: bool = False
    already_done: bool = False
    copied: int = 0


class ProgressBar:
    """A line per table on stderr: redrawn in place on a terminal, else printed every few seconds and at the end."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] | None = None) -> None:
        import time

        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.clock = clock or time.monotonic
        self._last = 0.0

    def update(self, table: str, done: int, total: int) -> None:
        """Show how far a table has got."""
        if self.tty:
            self.stream.write("\r" + _bar(table, done, total))
            self.stream.flush()
        elif self.clock() - self._last >= 2.0:
            self._last = self.clock()
            self.stream.write(_bar(table, done, total) + "\n")
            self.stream.flush()

    def finish(self, table: str, total: int, note: str = "") -> None:
        """A table is complete."""
        line = _bar(table, total, total) + (f" {note}" if note else "")
        self.stream.write(("\r" if self.tty else "") + line + "\n")
        self.stream.flush()

    def say(self, line: str) -> None:
        """A line of its own."""
        self.stream.write(line + "\n")
        self.stream.flush()


def _bar(table: str, done: int, total: int, width: int = 24) -> str:
    filled = width if total == 0 else min(width, done * width // total)
    return f"{table:<24} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"


def fingerprint(source: sqlite3.Connection, path: Path) -> str:
    """Which SQLite database this is: its path and when its first migration ran (unique per database made)."""
    row = source.execute("SELECT applied_at FROM schema_migrations ORDER BY version LIMIT 1").fetchone()
    return f"{path.resolve()}@{row[0] if row else 'unmigrated'}"


def open_source(path: Path) -> sqlite3.Connection:
    """The SQLite database, read-only (never created by mistake)."""
    if not path.is_file():
        raise MigrationError(f"DATABASE_PATH {path} does not exist: nothing to migrate")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        connection.execute("PRAGMA busy_timeout=10000")
        connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise MigrationError(f"cannot read DATABASE_PATH {path}: {error}") from error
    return connection


def check_source(source: sqlite3.Connection, now: datetime) -> None:
    """Refuse a source at another schema version than this code, or one a bot process is still writing to."""
    applied = {row[0] for row in source.execute("SELECT version FROM schema_migrations")}
    known = {version for version, _, _ in load_migrations(MIGRATIONS_DIR)}
    if applied - known:
        raise MigrationError(
            f"the SQLite database has migration(s) {_versions(applied - known)} this version of Bounceback does not "
            "know: run migrate with the version that wrote it"
        )
    if known - applied:
        raise MigrationError(
            f"the SQLite database lacks migration(s) {_versions(known - applied)}: start the bot once on it with "
            "this version (it migrates at start-up), stop it, then run migrate again"
        )
    for pid, host, beat_at in source.execute(
        "SELECT pid, host, beat_at FROM cluster_heartbeats WHERE gateway <> 'stopped' ORDER BY beat_at DESC"
    ):
        age = now - from_iso(beat_at)
        if age < LIVE_BEAT:
            raise MigrationError(
                f"a bot process (pid {pid} on {host}) wrote to the SQLite database {int(age.total_seconds())}s ago: "
                "stop every bot process using it, then run migrate"
            )


def _versions(versions: Iterable[int]) -> str:
    return ", ".join(f"{version:04d}" for version in sorted(versions))


def copy_order(source: sqlite3.Connection) -> list[str]:
    """The tables to copy, parents before the tables that reference them (alphabetical among equals)."""
    tables = [
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if row[0] not in NOT_COPIED
    ]
    parents = {
        table: {row[2] for row in source.execute(f"PRAGMA foreign_key_list({_quote(table)})") if row[2] != table}
        for table in tables
    }
    ordered: list[str] = []
    waiting = list(tables)
    while waiting:
        ready = [table for table in waiting if parents[table] <= set(ordered) | (parents[table] - set(tables))]
        if not ready:
            raise MigrationError(f"the foreign keys between {', '.join(waiting)} form a cycle")
        ordered.extend(ready)
        waiting = [table for table in waiting if table not in ready]
    return ordered


async def migrate_to_postgresql(
    path: Path,
    url: str,
    cipher: TextCipher,
    now: datetime,
    *,
    batch_size: int = 1000,
    progress: ProgressBar | None = None,
    after_batch: Callable[[str, int], None] | None = None,
) -> MigrationReport:
    """Copy the SQLite database at `path` into the (empty, or partly imported from it) PostgreSQL at `url`.

    `after_batch(table, rows_so_far)` runs after each committed batch (tests inject a crash there).
    """
    bar = progress or ProgressBar()
    source = open_source(path)
    try:
        check_source(source, now)
        name = fingerprint(source, path)
        try:
            # What the bot does at start-up: the schema, by the migrations (PostgreSQL twins where they differ).
            await (await PostgresDatabase.connect(url)).close()
            target = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError, StorageError) as error:
            raise MigrationError(f"cannot prepare the target {_redacted(url)}: {error}") from error
        try:
            await target.execute("SELECT pg_advisory_lock($1)", IMPORT_LOCK)
            return await _run(source, target, name, cipher, batch_size, bar, after_batch)
        finally:
            await target.close()
    finally:
        source.close()


async def _run(
    source: sqlite3.Connection,
    target: asyncpg.Connection,
    name: str,
    cipher: TextCipher,
    batch_size: int,
    bar: ProgressBar,
    after_batch: Callable[[str, int], None] | None,
) -> MigrationReport:
    report = MigrationReport()
    await target.execute(
        f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (table_name TEXT PRIMARY KEY, source TEXT NOT NULL, "
        "last_rowid BIGINT NOT NULL DEFAULT 0, copied BIGINT NOT NULL DEFAULT 0, done BOOLEAN NOT NULL DEFAULT FALSE)"
    )
    marks = {row["table_name"]: row for row in await target.fetch(f"SELECT * FROM {PROGRESS_TABLE}")}  # noqa: S608
    others = {row["source"] for row in marks.values()} - {name}
    if others:
        raise MigrationError(
            f"the target holds an import of another SQLite database ({sorted(others)[0]}): use an empty database"
        )
    tables = copy_order(source)
    target_tables = {row[0] for row in await target.fetch(_TARGET_TABLES)}
    missing = [table for table in tables if table not in target_tables]
    if missing:
        raise MigrationError(f"the target has no table {missing[0]} after migrating: its schema is not this version's")
    if not marks:
        for table in sorted(target_tables - NOT_COPIED):
            if await target.fetchval(f"SELECT EXISTS (SELECT 1 FROM {_quote(table)})"):  # noqa: S608
                raise MigrationError(
                    f"the target already holds data (table {table} has rows) and not from this SQLite database: "
                    "migrate into an empty database"
                )
        await target.execute(
            f"INSERT INTO {PROGRESS_TABLE} (table_name, source) VALUES ($1, $2)",  # noqa: S608
            WHOLE_RUN,
            name,
        )
    whole = marks.get(WHOLE_RUN)
    report.already_done = whole is not None and bool(whole["done"])
    report.resumed = bool(marks) and not report.already_done
    for table in tables:
        report.copied += await _copy_table(source, target, table, name, marks.get(table), batch_size, bar, after_batch)
    await _reset_sequences(source, target, tables)
    report.counts = await _verify_counts(source, target, tables)
    report.sampled = await _verify_decrypts(source, target, cipher)
    await target.execute(f"UPDATE {PROGRESS_TABLE} SET done = TRUE WHERE table_name = $1", WHOLE_RUN)  # noqa: S608
    return report


_TARGET_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    " AND table_type = 'BASE TABLE'"
)


async def _copy_table(
    source: sqlite3.Connection,
    target: asyncpg.Connection,
    table: str,
    name: str,
    mark: Any,
    batch_size: int,
    bar: ProgressBar,
    after_batch: Callable[[str, int], None] | None,
) -> int:
    """Copy one table's rows after its high-water mark; return how many this run copied."""
    total = source.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
    if mark is not None and mark["done"]:
        bar.finish(table, total, "(copied earlier)")
        return 0
    columns = [row[1] for row in source.execute(f"PRAGMA table_info({_quote(table)})")]
    types = {
        row[0]: row[1]
        for row in await target.fetch(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = $1",
            table,
        )
    }
    absent = [column for column in columns if column not in types]
    if absent:
        raise MigrationError(f"the target's table {table} has no column {absent[0]}: its schema is not this version's")
    converters = [_CONVERT.get(types[column], _as_is) for column in columns]
    last_rowid = int(mark["last_rowid"]) if mark is not None else -(2**63)
    copied_before = int(mark["copied"]) if mark is not None else 0
    copied = 0
    selected = ", ".join(_quote(column) for column in columns)
    while True:
        rows = source.execute(
            f"SELECT rowid, {selected} FROM {_quote(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?",  # noqa: S608
            (last_rowid, batch_size),
        ).fetchall()
        if not rows:
            break
        records = [
            tuple(None if value is None else convert(value) for convert, value in zip(converters, row[1:], strict=True))
            for row in rows
        ]
        last_rowid = int(rows[-1][0])
        copied += len(rows)
        # The rows and the mark saying they are there commit together: a kill leaves both or neither.
        async with target.transaction():
            await target.copy_records_to_table(table, records=records, columns=columns)
            await target.execute(
                f"INSERT INTO {PROGRESS_TABLE} (table_name, source, last_rowid, copied) VALUES ($1, $2, $3, $4) "  # noqa: S608
                "ON CONFLICT (table_name) DO UPDATE SET last_rowid = excluded.last_rowid, copied = excluded.copied",
                table,
                name,
                last_rowid,
                copied_before + copied,
            )
        bar.update(table, copied_before + copied, total)
        if after_batch is not None:
            after_batch(table, copied_before + copied)
    await target.execute(
        f"INSERT INTO {PROGRESS_TABLE} (table_name, source, last_rowid, copied, done) VALUES ($1, $2, $3, $4, TRUE) "  # noqa: S608
        "ON CONFLICT (table_name) DO UPDATE SET done = TRUE",
        table,
        name,
        last_rowid,
        copied_before + copied,
    )
    bar.finish(table, total)
    return copied


def _as_is(value: Any) -> Any:
    return value


async def _reset_sequences(source: sqlite3.Connection, target: asyncpg.Connection, tables: list[str]) -> None:
    """Set each identity past the largest id copied, and past SQLite's AUTOINCREMENT counter (ids never reused)."""
    counters = {row[0]: int(row[1]) for row in source.execute("SELECT name, seq FROM sqlite_sequence")}
    identities = await target.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
    )
    for table, column in identities:
        if table not in tables:
            continue
        largest = await target.fetchval(f"SELECT MAX({_quote(column)}) FROM {_quote(table)}")  # noqa: S608
        value = max(int(largest or 0), counters.get(table, 0))
        sequence = await target.fetchval("SELECT pg_get_serial_sequence($1, $2)", _quote(table), column)
        if value > 0:
            await target.execute("SELECT setval($1, $2, true)", sequence, value)
        else:
            await target.execute("SELECT setval($1, 1, false)", sequence)


async def _verify_counts(source: sqlite3.Connection, target: asyncpg.Connection, tables: list[str]) -> list[TableCount]:
    counts = []
    for table in tables:
        here = source.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]  # noqa: S608
        there = await target.fetchval(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608
        counts.append(TableCount(table, int(here), int(there)))
    wrong = [count for count in counts if count.source != count.target]
    if wrong:
        first = wrong[0]
        raise MigrationError(
            f"row counts differ in {len(wrong)} table(s), e.g. {first.name}: {first.source} in SQLite, "
            f"{first.target} in PostgreSQL (did something write to either database during the copy?)"
        )
    return counts


async def _verify_decrypts(source: sqlite3.Connection, target: asyncpg.Connection, cipher: TextCipher) -> int:
    """Decrypt a random sample of every encrypted column on the target; return how many values were read."""
    sampled = failed = 0
    where = ""
    for table, columns in encrypted_columns(source).items():
        for column in columns:
            values = await target.fetch(
                f"SELECT {_quote(column)} FROM {_quote(table)} WHERE {_quote(column)} IS NOT NULL "  # noqa: S608
                "ORDER BY random() LIMIT $1",
                SAMPLE_PER_COLUMN,
            )
            for (value,) in values:
                sampled += 1
                try:
                    cipher.decrypt(value)
                except ValueError:
                    failed += 1
                    where = where or f"{table}.{column}"
    if failed:
        raise MigrationError(
            f"{failed} of {sampled} sampled encrypted values (e.g. in {where}) do not decrypt with ENCRYPTION_KEY on "
            "the target: set the key(s) the SQLite database was written with"
        )
    return sampled


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
