"""Cluster leases: who may run a piece of bot-wide work now, when several processes of the bot share a database.

A lease is a row of `cluster_leases` (name, holder, expires_at). A process takes it with one atomic UPDATE that
succeeds only while the lease is free (expired) or already its own; the row is created beforehand if missing,
so the UPDATE always has a row to contend for. Plain portable SQL (INSERT ... ON CONFLICT DO NOTHING, UPDATE
with a WHERE): the same statements hold on SQLite shared by several processes (the write lock serialises
them) and on PostgreSQL (the row lock does). Times are ISO 8601 UTC text, as everywhere in the schema.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterable
from datetime import datetime

from bot.clock import Clock, to_iso
from bot.storage import Database
from bot.storage.database import Connection

log = logging.getLogger(__name__)

# Sorts before every ISO time: a lease row created just to be contended for is free from the start.
NEVER = ""
CREATE_SQL = "INSERT INTO cluster_leases (name, holder, expires_at) VALUES (?, '', ?) ON CONFLICT (name) DO NOTHING"
TAKE_SQL = "UPDATE cluster_leases SET holder = ?, expires_at = ? WHERE name = ? AND (expires_at < ? OR holder = ?)"
RELEASE_SQL = "UPDATE cluster_leases SET expires_at = ? WHERE name = ? AND holder = ?"


def process_holder(shard_ids: Iterable[int] = ()) -> str:
    """A holder name unique to this process (a restart is a new holder), readable in the table by an operator."""
    shards = ",".join(str(shard) for shard in shard_ids) or "-"
    return f"{socket.gethostname()}:{os.getpid()}:shards={shards}:{secrets.token_hex(3)}"


class Leases:
    """Takes and releases cluster leases for one process (its `holder` name), on the bot's clock."""

    def __init__(self, database: Database, clock: Clock, holder: str) -> None:
        self._database = database
        self.clock = clock
        self.holder = holder

    async def take(self, name: str, until: datetime) -> bool:
        """Hold `name` until `until` if it is free or already ours; False while another process holds it."""
        now = to_iso(self.clock.now())
        params = (self.holder, to_iso(until), name, now, self.holder)

        def work(connection: Connection) -> bool:
            connection.execute(CREATE_SQL, (name, NEVER))
            return connection.execute(TAKE_SQL, params).rowcount == 1

        taken = await self._database.run(work)
        if not taken:
            log.debug("lease %s is held by another process; not running it here", name)
        return taken

    async def release(self, name: str) -> bool:
        """Give a lease up now (only if ours), so another process may take it at once."""
        changed = await self._database.execute(RELEASE_SQL, (NEVER, name, self.holder))
        return changed == 1

    async def holder_of(self, name: str) -> str | None:
        """Who holds a lease now (None when it is free or unknown)."""
        row = await self._database.fetchone("SELECT holder, expires_at FROM cluster_leases WHERE name = ?", (name,))
        if row is None or row["expires_at"] <= to_iso(self.clock.now()):
            return None
        return str(row["holder"])
