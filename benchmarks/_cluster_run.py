"""bench_cluster.py's run side: real `python -m bot` processes on one emulator, watched from outside, then counted.

Each process is started as an operator would run a shard (`SHARD_COUNT`/`SHARD_IDS`, `DATABASE_URL` or
`DATABASE_PATH`, `NUDGE_RATE_PER_SECOND` for the whole bot), plus `LOOP_PROBE_FILE` so its event loop's longest
stall of each second lands in a file (bot/loop_probe.py). While the due nudges go out this module samples every
process's RSS and CPU time (psutil), and counts the nudge DMs the emulator has stored. Afterwards it reads, from
the emulator, every nudge DM (its "helpful" button's custom id carries the ledger id) and, from the database, which
member and local date each ledger id belongs to: duplicates are a second DM for one (member, local date); a due
member without a DM is either still owed when the run stopped (schedule never claimed, or ledger row claimed or
waiting to retry) or lost (nothing left that would send it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil  # type: ignore[import-untyped, unused-ignore]

from benchmarks._cluster_seed import cpu_seconds, make_due_postgres, make_due_sqlite
from bot.loop_probe import read_probe

ROOT = Path(__file__).resolve().parent.parent
MESSAGE_ROUTE = ("POST", "/channels/{channel_id}/messages")
NUDGE_BUTTON = "nudge:helpful:"


@dataclass
class Backend:
    """Where the processes keep their data: a PostgreSQL URL or a SQLite file, and how to reach it from here."""

    kind: str  # "postgresql" or "sqlite"
    location: str  # the database URL, or the SQLite file's path
    server_pids: Callable[[], list[int]] = list  # the database server's processes, when this script started it

    def env(self) -> dict[str, str]:
        """The bot's storage settings."""
        return {"DATABASE_URL": self.location} if self.kind == "postgresql" else {"DATABASE_PATH": self.location}

    async def make_due(self, rows: list[tuple[Any, ...]]) -> None:
        """Move the parked members to their due instant."""
        if self.kind == "postgresql":
            await make_due_postgres(self.location, rows)
        else:
            await asyncio.to_thread(make_due_sqlite, Path(self.location), rows)

    async def fetch(self, query: str, *arguments: Any) -> list[Any]:
        """Rows of one query (`?` placeholders on SQLite, `$n` on PostgreSQL), on a connection of its own."""
        if self.kind == "postgresql":
            connection = await asyncpg.connect(self.location)
            try:
                numbered = iter(range(1, len(arguments) + 1))
                return list(await connection.fetch(re.sub(r"\?", lambda _: f"${next(numbered)}", query), *arguments))
            finally:
                await connection.close()

        def read() -> list[Any]:
            with contextlib.closing(sqlite3.connect(self.location, timeout=60)) as connection:
                return connection.execute(query, arguments).fetchall()

        return await asyncio.to_thread(read)

    async def ledger(self) -> dict[int, tuple[int, str, str]]:
        """Every daily ledger row: id -> (member, local date, status)."""
        rows = await self.fetch("SELECT id, user_id, local_date, status FROM nudge_ledger WHERE kind = 'daily'")
        return {int(row[0]): (int(row[1]), str(row[2]), str(row[3])) for row in rows}

    async def still_due(self, due_at: str) -> set[int]:
        """Members whose schedule was due by `due_at` and that no process has claimed yet."""
        rows = await self.fetch(
            "SELECT user_id FROM nudge_subscriptions WHERE state = 'active' AND next_due_at <= ?", due_at
        )
        return {int(row[0]) for row in rows}


@dataclass
class BotProcess:
    """One `python -m bot` process of the cluster."""

    index: int
    process: asyncio.subprocess.Process
    probe_file: Path
    log_path: Path
    rss_peak: int = 0
    cpu_start: float = 0.0
    cpu_end: float = 0.0

    def sample(self) -> tuple[int, float] | None:
        """(RSS, CPU seconds) now, or None if the process is gone."""
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(self.process.pid)
            times = process.cpu_times()
            rss = int(process.memory_info().rss)
            self.rss_peak = max(self.rss_peak, rss)
            return rss, float(times.user + times.system)
        return None

    async def stop(self) -> int | None:
        """SIGTERM (the bot closes cleanly), then SIGKILL after 30 s; the exit code."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode


@dataclass
class Settings:
    """What every process of a run gets."""

    token: str
    api_base: str
    gateway_url: str
    key: str
    rate: float
    concurrency: int
    tick: float


async def spawn(settings: Settings, backend: Backend, count: int, workdir: Path) -> list[BotProcess]:
    """Start `count` shard processes (shard i of count each) and wait until every one is connected."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SHARD_"))}
    processes = []
    for index in range(count):
        probe = workdir / f"loop-{index}.txt"
        log_path = workdir / f"bot-{index}.log"
        env = {
            **base,
            **backend.env(),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": settings.token,
            "DISCORD_API_BASE": settings.api_base,
            "DISCORD_GATEWAY_URL": settings.gateway_url,
            "ENCRYPTION_KEY": settings.key,
            "GUILD_READY_TIMEOUT": "0.2",
            "LOG_LEVEL": "INFO",
            "NUDGE_RATE_PER_SECOND": str(settings.rate),
            "NUDGE_CONCURRENCY": str(settings.concurrency),
            "TIMER_TICK_SECONDS": str(settings.tick),
            "SHARD_COUNT": str(count),
            "SHARD_IDS": str(index),
            "LOOP_PROBE_FILE": str(probe),
        }
        with log_path.open("ab") as log_file:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=workdir, env=env, stdout=log_file, stderr=asyncio.subprocess.STDOUT
            )
        processes.append(BotProcess(index, process, probe, log_path))
    return processes


async def wait_connected(emulator: Any, processes: Sequence[BotProcess], within: float) -> float:
    """Wait until every process has a gateway session (its setup_hook is done); the seconds it took."""
    began = time.perf_counter()
    while len(emulator.gateway.connected_sessions()) < len(processes):
        for bot in processes:
            if bot.process.returncode is not None:
                tail = bot.log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"bot process {bot.index} exited with {bot.process.returncode}:\n{tail}")
        if time.perf_counter() - began > within:
            raise RuntimeError(f"only {len(emulator.gateway.connected_sessions())} of {len(processes)} connected")
        await asyncio.sleep(0.2)
    return time.perf_counter() - began


@dataclass
class Watch:
    """What the watcher saw while the due nudges went out."""

    began: float = 0.0  # unix time of the due instant
    all_posted_at: float | None = None  # unix time the emulator had stored as many DMs as were due
    ended: float = 0.0
    timed_out: bool = False
    server_cpu_start: dict[int, float] = field(default_factory=dict)
    server_cpu_end: dict[int, float] = field(default_factory=dict)
    own_cpu_start: float = 0.0
    own_cpu_end: float = 0.0
    machine_busy_start: float = 0.0  # CPU seconds every core of the machine spent busy, all programs together
    machine_busy_end: float = 0.0


def own_cpu() -> float:
    """CPU seconds of this process (the emulator runs in it)."""
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (not idle, not waiting for the disk), every program."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


async def watch(
    emulator: Any,
    processes: Sequence[BotProcess],
    backend: Backend,
    due: int,
    due_at: datetime,
    *,
    quiet: float,
    deadline: float,
    label: str,
) -> Watch:
    """Sample the processes until every due nudge is posted (or nothing moves for `quiet` s, or `deadline` s pass)."""
    seen = Watch(began=due_at.timestamp())
    for bot in processes:
        sampled = bot.sample()
        bot.cpu_start = sampled[1] if sampled else 0.0
    seen.server_cpu_start = cpu_seconds(backend.server_pids())
    seen.own_cpu_start = own_cpu()
    seen.machine_busy_start = machine_busy()
    last_count, last_change, last_report = 0, time.time(), time.time()
    while True:
        await asyncio.sleep(0.5)
        now = time.time()
        for bot in processes:
            sampled = bot.sample()
            if sampled is not None and seen.all_posted_at is None:
                bot.cpu_end = sampled[1]
        posted = emulator.stats.count(*MESSAGE_ROUTE)
        if posted != last_count:
            last_count, last_change = posted, now
        if now - last_report >= 15:
            last_report = now
            print(f"{label}: {posted:,} of {due:,} DMs after {now - seen.began:.0f} s", file=sys.stderr, flush=True)
        if seen.all_posted_at is None and posted >= due:
            seen.all_posted_at = now
            seen.server_cpu_end = cpu_seconds(backend.server_pids())
            seen.own_cpu_end = own_cpu()
            seen.machine_busy_end = machine_busy()
            # A little longer: a resend or a second claim of the same member would show up now.
            deadline = min(deadline, now - seen.began + 3.0)
        if now - seen.began > deadline or (now > seen.began and now - last_change > quiet):
            seen.timed_out = seen.all_posted_at is None
            break
    if seen.all_posted_at is None:
        seen.server_cpu_end = cpu_seconds(backend.server_pids())
        seen.own_cpu_end = own_cpu()
        seen.machine_busy_end = machine_busy()
    seen.ended = time.time()
    return seen


def nudge_messages(emulator: Any, due_ids: set[int]) -> dict[int, list[tuple[int, float]]]:
    """The nudge DMs the emulator holds: member -> [(ledger id, unix time stored)]."""
    found: dict[int, list[tuple[int, float]]] = defaultdict(list)
    channels = {channel_id: user_id for user_id, channel_id in emulator.state.dm_channels.items()}
    for message in emulator.state.messages.values():
        user_id = channels.get(message.channel_id)
        if user_id is None or message.author_id == user_id:
            continue
        for button in message.buttons():
            if button.custom_id and button.custom_id.startswith(NUDGE_BUTTON):
                ledger_id = int(button.custom_id.removeprefix(NUDGE_BUTTON).split(":")[0])
                found[user_id].append((ledger_id, message.created_at.timestamp()))
                break
    return found


def count(
    messages: dict[int, list[tuple[int, float]]],
    ledger: dict[int, tuple[int, str, str]],
    due_ids: set[int],
    unclaimed: set[int],
) -> dict[str, Any]:
    """Delivered, duplicates (a second DM for one member and local date), lost, still owed, ledger states.

    A due member without a DM is still owed when the run stopped if their schedule is still due (never claimed)
    or their ledger row is still claimed or waiting to retry (a process, or a restart, would still send it);
    lost otherwise (skipped as too late, or no trace left that anything is owed).
    """
    per_day: Counter[tuple[int, str]] = Counter()
    unknown = 0
    times: list[float] = []
    for user_id, sent in messages.items():
        for ledger_id, at in sent:
            times.append(at)
            row = ledger.get(ledger_id)
            if row is None or row[0] != user_id:
                unknown += 1
                per_day[(user_id, "?")] += 1
            else:
                per_day[(user_id, row[1])] += 1
    times.sort()
    missing = due_ids - set(messages)
    pending = {user_id for user_id, _, status in ledger.values() if status in ("claimed", "retry")}
    owed = unclaimed | pending
    return {
        "delivered": len(times),
        "members_reached": len({user for user in messages if user in due_ids}),
        "duplicates": sum(n - 1 for n in per_day.values() if n > 1),
        "unknown_ledger_ids": unknown,
        "lost": len(missing - owed),
        "owed_when_stopped": len(missing & owed),
        "unclaimed_at_end": len(missing & unclaimed),
        "ledger_states": dict(Counter(status for user_id, _, status in ledger.values() if user_id in due_ids)),
        "first_at": times[0] if times else None,
        "last_at": times[-1] if times else None,
    }


def figures(
    counted: dict[str, Any],
    seen: Watch,
    processes: Sequence[BotProcess],
    emulator: Any,
    *,
    limit: int,
) -> dict[str, Any]:
    """The run's figures: rate and share of the limit, 429s, per-process RSS, stall and CPU."""
    delivered = counted["delivered"]
    first, last = counted["first_at"], counted["last_at"]
    span = (last - first) if first is not None and last is not None else 0.0
    rate = (delivered - 1) / span if delivered > 1 and span > 0 else 0.0
    per_thousand = 1000 / delivered if delivered else 0.0
    bots: list[dict[str, Any]] = []
    for bot in processes:
        stall = read_probe(bot.probe_file, seen.began, last or seen.ended) if first is not None else None
        bots.append(
            {
                "process": bot.index,
                "rss_peak_mib": round(bot.rss_peak / 2**20, 1),
                "cpu_s": round(bot.cpu_end - bot.cpu_start, 2),
                "longest_stall_ms": stall,
            }
        )
    bots_cpu = sum(bot["cpu_s"] for bot in bots)
    server_cpu = sum(seen.server_cpu_end.get(pid, start) - start for pid, start in seen.server_cpu_start.items())
    emulator_cpu = seen.own_cpu_end - seen.own_cpu_start
    window = max((seen.all_posted_at or seen.ended) - seen.began, 1e-9)
    # Other programs on the machine compete for the same cores: how many cores' worth they kept busy meanwhile.
    others = seen.machine_busy_end - seen.machine_busy_start - bots_cpu - server_cpu - emulator_cpu
    return {
        **counted,
        "other_work_cores": round(max(0.0, others) / window, 2),
        "first_after_due_s": round(first - seen.began, 2) if first is not None else None,
        "span_s": round(span, 2),
        "delivered_per_s": round(rate, 1),
        "share_of_limit": round(rate / limit, 4),
        "max_in_any_second": emulator.stats.max_in_window(1.0),
        "http_429": emulator.stats.rate_limited,
        "bot_requests": len(emulator.stats.bot_request_times),
        "timed_out": seen.timed_out,
        "processes": bots,
        "bots_cpu_s_per_1000": round(bots_cpu * per_thousand, 3),
        "db_server_cpu_s_per_1000": round(server_cpu * per_thousand, 3) if seen.server_cpu_start else None,
        "emulator_cpu_s_per_1000": round(emulator_cpu * per_thousand, 3),
        "longest_stall_ms": max((b["longest_stall_ms"] or 0.0 for b in bots), default=0.0),
        "rss_peak_mib": max((b["rss_peak_mib"] for b in bots), default=0.0),
    }
