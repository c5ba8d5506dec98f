"""SQLite storage: one connection owner, numbered migrations, repositories per area."""

from bot.storage.database import Database, StorageError, Transaction

__all__ = ["Database", "StorageError", "Transaction"]
