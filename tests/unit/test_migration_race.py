"""Processes of a sharded bot starting together on a new SQLite file: each migrates it, none fails on the other."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.storage import Database
from bot.storage.database import MIGRATIONS_DIR, load_migrations


async def test_three_connections_opening_a_new_file_at_once_all_migrate_it(tmp_path: Path) -> None:
    for attempt in range(5):
        path = tmp_path / f"race{attempt}.sqlite3"
        opened = await asyncio.gather(*(Database.open(path) for _ in range(3)))
        try:
            versions = await opened[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")
            assert [row[0] for row in versions] == [version for version, _, _ in load_migrations(MIGRATIONS_DIR)]
        finally:
            for database in opened:
                await database.close()
