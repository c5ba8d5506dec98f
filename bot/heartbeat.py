"""Heartbeats and health: each process says which shards it runs; `bounceback health` reads that and the timers.

Every bot process upserts one `cluster_heartbeats` row per gateway shard it runs, every HEARTBEAT_INTERVAL (a core
scheduler job), so the database - the one thing every process shares - knows who is alive. `assess` reads the
heartbeats and how late the due work is (timers, daily nudges, nudge retries) and says, one line each, what is
healthy and what is not. It only reads, with the same portable SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import discord

from bot.clock import from_iso, to_iso
from bot.storage.database import Connection, Database

HEARTBEAT_JOB = "cluster-heartbeat"
HEARTBEAT_INTERVAL = timedelta(seconds=15)
# Three missed beats: one late beat (a busy loop, a slow commit) is not yet a silent shard.
SILENT_AFTER = timedelta(seconds=45)
# Timers tick every 30 s by default and a nudge round may take a while under Discord's limit: late past 2 minutes
# means the bot is falling behind, not just between two ticks.
MAX_LATE = timedelta(minutes=2)

Fetch = Callable[[str, Sequence[Any]], Awaitable[list[Any]]]


def shard_states(client: discord.Client) -> tuple[int, dict[int, str]]:
    """The shard count and, for each shard this process runs, its gateway's state (see the migration 0096)."""
    count = client.shard_count or 1
    infos = getattr(client, "shards", None)  # an AutoShardedClient's ShardInfo per shard, once connected
    if isinstance(infos, dict) and infos:
        return count, {
            int(shard_id): "disconnected" if info.is_closed() else "connected" for shard_id, info in infos.items()
        }
    ready = client.is_ready() and not client.is_closed()
    shard_ids = getattr(client, "shard_ids", None) or [client.shard_id or 0]
    return count, {int(shard_id): "connected" if ready else "connecting" for shard_id in shard_ids}


@dataclass(frozen=True)
class Process:
    """Who is beating: host and pid, and when the process started."""

    host: str
    pid: int
    started_at: datetime

    @classmethod
    def this(cls, started_at: datetime) -> Process:
        """The current process."""
        return cls(socket.gethostname(), os.getpid(), started_at)


async def beat(database: Database, process: Process, now: datetime, count: int, states: dict[int, str]) -> None:
    """Record that this process runs `states`' shards, now (one upsert per shard, one transaction)."""
    rows = [
        (shard_id, count, process.host, process.pid, to_iso(process.started_at), to_iso(now), state)
        for shard_id, state in sorted(states.items())
    ]

    def work(connection: Connection) -> None:
        connection.executemany(
            "INSERT INTO cluster_heartbeats (shard_id, shard_count, host, pid, started_at, beat_at, gateway) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (shard_id) DO UPDATE SET shard_count = excluded.shard_count, "
            "host = excluded.host, pid = excluded.pid, started_at = excluded.started_at, "
            "beat_at = excluded.beat_at, gateway = excluded.gateway",
            rows,
        ).close()

    await database.run(work)


@dataclass
class Health:
    """What `assess` found: a line per shard and per queue, and the problems among them."""

    lines: list[str] = field(default_factory=list)
    problems: int = 0

    def ok(self, line: str) -> None:
        """A healthy fact."""
        self.lines.append(f"ok      {line}")

    def problem(self, kind: str, line: str) -> None:
        """Something behind or silent; `kind` is one word (SILENT, DOWN, BEHIND)."""
        self.problems += 1
        self.lines.append(f"{kind:<7} {line}")

    @property
    def healthy(self) -> bool:
        """No problem found."""
        return self.problems == 0


async def assess(
    fetch: Fetch, now: datetime, *, silent_after: timedelta = SILENT_AFTER, max_late: timedelta = MAX_LATE
) -> Health:
    """Which shards are connected and how late the due work is, as of `now`."""
    health = Health()
    await _shards(fetch, now, silent_after, health)
    stamp = to_iso(now)
    timers = await fetch(
        "SELECT COUNT(*), MIN(due_at) FROM timers WHERE state IN ('pending', 'running') AND due_at <= ?", (stamp,)
    )
    _queue(health, "timers", "timer(s) due and not done", timers[0], now, max_late)
    nudges = await fetch(
        "SELECT COUNT(*), MIN(next_due_at) FROM nudge_subscriptions WHERE state = 'active' AND next_due_at <= ?",
        (stamp,),
    )
    _queue(health, "nudges", "daily nudge(s) due and not yet sent", nudges[0], now, max_late)
    retries = await fetch(
        "SELECT COUNT(*), MIN(retry_at) FROM nudge_ledger WHERE status = 'retry' AND retry_at <= ?", (stamp,)
    )
    _queue(health, "retries", "nudge retry(ies) due and not yet sent", retries[0], now, max_late)
    return health


async def _shards(fetch: Fetch, now: datetime, silent_after: timedelta, health: Health) -> None:
    rows = await fetch(
        "SELECT shard_id, shard_count, host, pid, beat_at, gateway FROM cluster_heartbeats ORDER BY beat_at DESC", ()
    )
    if not rows:
        health.problem("SILENT", "no bot process has written a heartbeat yet (is the bot running this version?)")
        return
    # The newest beat says how many shards the bot runs now; rows beyond that are from an older layout.
    count = int(rows[0][1])
    by_shard = {int(row[0]): row for row in rows}
    for shard_id in range(count):
        row = by_shard.get(shard_id)
        if row is None:
            health.problem("SILENT", f"shard {shard_id}/{count}: no process has ever run it")
            continue
        _, _, host, pid, beat_at, gateway = row
        age = now - from_iso(beat_at)
        who = f"pid {pid} on {host}, last beat {_ago(age)} ago"
        if age > silent_after:
            state = "stopped cleanly" if gateway == "stopped" else "silent"
            health.problem("SILENT", f"shard {shard_id}/{count}: {state} ({who})")
        elif gateway != "connected":
            health.problem("DOWN", f"shard {shard_id}/{count}: process up, gateway {gateway} ({who})")
        else:
            health.ok(f"shard {shard_id}/{count}: connected ({who})")


def _queue(health: Health, name: str, what: str, row: Any, now: datetime, max_late: timedelta) -> None:
    count, oldest = int(row[0] or 0), row[1]
    if not count or oldest is None:
        health.ok(f"{name}: nothing due")
        return
    late = now - from_iso(oldest)
    line = f"{name}: {count} {what}, the oldest {_ago(late)} late"
    if late > max_late:
        health.problem("BEHIND", line)
    else:
        health.ok(line)


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172_800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86_400}d"
