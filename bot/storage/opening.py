"""Which database the bot uses: PostgreSQL when DATABASE_URL is set, else the SQLite file at DATABASE_PATH."""

from __future__ import annotations

from bot.config import StorageSettings
from bot.storage.database import Database


async def open_database(settings: StorageSettings) -> Database:
    """Open (and migrate) the configured database."""
    if settings.database_url is not None:
        # Imported here: asyncpg is loaded only by processes that use PostgreSQL.
        from bot.storage.postgres import PostgresDatabase

        return await PostgresDatabase.connect(settings.database_url.get_secret_value())
    return await Database.open(settings.database_path)
