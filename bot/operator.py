"""The `migrate` and `health` operator commands: settings in, one clear line per outcome out, an exit code."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import StorageSettings
from bot.crypto import EncryptionKeyError, TextCipher, load_cipher
from bot.heartbeat import Health, assess

EXIT_FAILED = 1
EXIT_CONFIG = 2


def _fail(message: str, code: int = EXIT_FAILED) -> int:
    print(f"bounceback: {message}", file=sys.stderr, flush=True)
    return code


def source_cipher(settings: StorageSettings) -> TextCipher:
    """The key(s) the SQLite database was written with; never creates a development key."""
    keys = settings.encryption_keys()
    if keys:
        return TextCipher(*(key.encode("ascii") for key in keys))
    if settings.environment == "development" and settings.encryption_key_path.is_file():
        return load_cipher(None, environment="development", dev_key_path=settings.encryption_key_path)
    raise EncryptionKeyError(
        "migrate needs ENCRYPTION_KEY, the key(s) the SQLite database was written with, to check the copy decrypts"
    )


def run_migrate(settings: StorageSettings, url: str, batch_size: int) -> int:
    """Copy DATABASE_PATH into the PostgreSQL at `url`; 0 when copied and verified, else one line and 1 (2: setup)."""
    from bot.migrate import MigrationError, ProgressBar, migrate_to_postgresql

    if settings.database_url is not None:
        return _fail(
            "migrate copies the SQLite database at DATABASE_PATH; DATABASE_URL is set, so the settings point at "
            "PostgreSQL already. Unset it for the migration, then set it to the target to run the bot",
            EXIT_CONFIG,
        )
    if not url.startswith(("postgresql://", "postgres://")):
        return _fail("--to must be a postgresql:// URL, e.g. postgresql://bounceback:secret@localhost/bounceback", 2)
    try:
        cipher = source_cipher(settings)
    except (EncryptionKeyError, ValueError) as error:
        return _fail(str(error), EXIT_CONFIG)
    bar = ProgressBar()
    bar.say(
        f"copying {settings.database_path} into PostgreSQL; no bot process may use the SQLite database meanwhile "
        "(stop it first)"
    )
    try:
        report = asyncio.run(
            migrate_to_postgresql(
                settings.database_path, url, cipher, datetime.now(UTC), batch_size=max(1, batch_size), progress=bar
            )
        )
    except MigrationError as error:
        return _fail(str(error))
    rows = sum(count.target for count in report.counts)
    how = "done"
    if report.already_done:
        how = "already complete; checked again"
    elif report.resumed:
        how = "resumed and finished"
    bar.say(
        f"{how}: {len(report.counts)} tables, {rows:,} rows (row counts equal), {report.sampled} encrypted "
        "value(s) sampled decrypt on the target. Now set DATABASE_URL to the target and start the bot."
    )
    return 0


def run_health(settings: StorageSettings, silent_after: float, max_late: float) -> int:
    """Print a line per shard and per queue; 0 when all is well, 1 when a shard is silent or work is late."""
    try:
        health = asyncio.run(_assess(settings, silent_after, max_late))
    except (OSError, sqlite3.Error, RuntimeError) as error:
        return _fail(f"cannot read the database: {error}")
    for line in health.lines:
        print(line, flush=True)
    if health.healthy:
        print("healthy", flush=True)
        return 0
    print(f"unhealthy: {health.problems} problem(s)", flush=True)
    return EXIT_FAILED


async def _assess(settings: StorageSettings, silent_after: float, max_late: float) -> Health:
    now = datetime.now(UTC)
    limits = {"silent_after": timedelta(seconds=silent_after), "max_late": timedelta(seconds=max_late)}
    if settings.database_url is not None:
        import asyncpg

        from bot.storage.pg_sql import bind, translate

        connection = await asyncpg.connect(settings.database_url.get_secret_value(), timeout=10)
        try:

            async def fetch_pg(sql: str, params: Sequence[Any]) -> list[Any]:
                statement = translate(sql)
                return list(await connection.fetch(statement.sql, *bind(statement, params)))

            return await assess(fetch_pg, now, **limits)
        finally:
            await connection.close()
    path = settings.database_path
    if not path.is_file():
        raise RuntimeError(f"DATABASE_PATH {path} does not exist")
    # Read-only, and WAL lets this read while the bot writes.
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:

        async def fetch_sqlite(sql: str, params: Sequence[Any]) -> list[Any]:
            return source.execute(sql, tuple(params)).fetchall()

        return await assess(fetch_sqlite, now, **limits)
    finally:
        source.close()
