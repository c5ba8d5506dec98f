"""Operator commands that work on the database file while the bot may be running: key rotation and backups.

Both use their own short-lived sqlite3 connection. The bot keeps the database in WAL mode, so readers never block
its writes, and rotation writes in short transactions that wait (busy_timeout) for the bot's own to finish.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.crypto import TextCipher
from bot.storage.database import StorageError
from bot.storage.userdata import ENCRYPTED_SUFFIX

BUSY_TIMEOUT_MS = 10_000
Progress = Callable[[str], None]


@dataclass
class RotationReport:
    """What a rotation pass found: values re-encrypted, already on the newest key, and unreadable with every key."""

    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    columns: dict[str, list[str]] = field(default_factory=dict)


@contextlib.contextmanager
def _open_existing(path: Path) -> Iterator[sqlite3.Connection]:
    """Open a database that must already exist (never create an empty one by mistake)."""
    if not path.is_file():
        raise StorageError(f"DATABASE_PATH {path} does not exist")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise StorageError(f"cannot open DATABASE_PATH {path}: {error}") from error
    try:
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Rotation rewrites members' words; like the bot, zero what it replaces instead of leaving it in free pages.
        connection.execute("PRAGMA secure_delete=ON")
        yield connection
    finally:
        connection.close()


def encrypted_columns(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """Every table's columns named `*_encrypted` (the storage convention for members' words), by table."""
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    found: dict[str, list[str]] = {}
    for table in tables:
        columns = [row[1] for row in connection.execute(f"PRAGMA table_info({_quote(table)})")]
        encrypted = [name for name in columns if name.endswith(ENCRYPTED_SUFFIX)]
        if encrypted:
            found[table] = encrypted
    return found


def rotate_keys(path: Path, cipher: TextCipher, *, batch_size: int = 500, progress: Progress = print) -> RotationReport:
    """Re-encrypt every `*_encrypted` value with the cipher's newest key, in short batches.

    Safe to interrupt and run again: values already on the newest key are skipped. Each value is written back only
    if it is still what was read, so a row the running bot changed meanwhile is left to the bot.
    """
    report = RotationReport()
    with _open_existing(path) as connection:
        report.columns = encrypted_columns(connection)
        for table, columns in report.columns.items():
            _rotate_table(connection, cipher, table, columns, batch_size, report, progress)
    return report


def _rotate_table(
    connection: sqlite3.Connection,
    cipher: TextCipher,
    table: str,
    columns: list[str],
    batch_size: int,
    report: RotationReport,
    progress: Progress,
) -> None:
    any_value = " OR ".join(f"{_quote(column)} IS NOT NULL" for column in columns)
    selected = ", ".join(_quote(column) for column in columns)
    # Names come from the schema itself (quoted), values are bound parameters.
    total = connection.execute(f"SELECT COUNT(*) FROM {_quote(table)} WHERE {any_value}").fetchone()[0]  # noqa: S608
    if not total:
        return
    last_rowid, seen = -(2**63), 0
    while True:
        rows = connection.execute(
            f"SELECT rowid, {selected} FROM {_quote(table)} WHERE rowid > ? AND ({any_value}) "  # noqa: S608
            "ORDER BY rowid LIMIT ?",
            (last_rowid, batch_size),
        ).fetchall()
        if not rows:
            break
        updates: list[tuple[str, str, int, str]] = []
        for rowid, *values in rows:
            for column, value in zip(columns, values, strict=True):
                if value is None:
                    continue
                if cipher.is_current(value):
                    report.current += 1
                    continue
                try:
                    updates.append((column, cipher.rotate(value), rowid, value))
                except ValueError:
                    report.unreadable += 1
        # Decrypting happened above, outside any transaction: the write lock is held only for the UPDATEs.
        if updates:
            connection.execute("BEGIN IMMEDIATE")
            try:
                for column, new, rowid, old in updates:
                    changed = connection.execute(
                        f"UPDATE {_quote(table)} SET {_quote(column)} = ? "  # noqa: S608
                        f"WHERE rowid = ? AND {_quote(column)} = ?",
                        (new, rowid, old),
                    ).rowcount
                    report.rotated += changed
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        last_rowid, seen = rows[-1][0], seen + len(rows)
        progress(f"{table}: {min(seen, total)}/{total} rows checked")


def backup_database(source: Path, target: Path) -> int:
    """Copy the database consistently (SQLite's online backup) to `target`, mode 0600; return its size in bytes.

    The copy is a snapshot of one moment even while the bot writes; it is written beside `target` and renamed
    into place, so an existing backup is replaced only by a complete one.
    """
    target = Path(target)
    if not target.parent.is_dir():
        raise StorageError(f"the folder for the backup, {target.parent}, does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        with _open_existing(source) as connection:
            copy = sqlite3.connect(partial, isolation_level=None)
            try:
                connection.backup(copy)
                # A self-contained file: no -wal beside a backup, and a quick check that it reads back.
                copy.execute("PRAGMA journal_mode=DELETE")
                verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                copy.close()
        if verdict != "ok":
            raise StorageError(f"the backup did not pass SQLite's check: {verdict}")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
