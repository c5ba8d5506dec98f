"""Benchmark: daily nudges for many subscribers, the database-timer design against one cron job per member.

Run it from the repository root:

    .venv/bin/python benchmarks/bench_nudges.py                 # 100,000 subscribers, 5,000 due at once
    .venv/bin/python benchmarks/bench_nudges.py --subscribers 20000 --due 1000 --repeat 1

What runs: the local Discord emulator (in this process, enforcing a global limit of 50 requests/s) and, for every
measurement, a separate real bot process (`BouncebackBot`, all cogs) connected to it through REST and the gateway.
Each bot process is started on a copy of a prepared SQLite database and driven over stdin/stdout.

- design "db": the shipped design. Schedules are rows with an indexed next-due instant; one round claims what is
  due in batches and sends through `bot.delivery` (budget 40/s, bounded concurrency).
- design "naive": the same bot without the nudges cog; at start-up it adds one APScheduler cron job per member
  (CronTrigger at the member's local time and zone) and each job sends through the same `bot.delivery`.

Both designs run on injected time: the "db" bot on a ManualClock, the "naive" bot's APScheduler on a shifted
clock (its `datetime.now` is offset), so 5,000 nudges can fall due at one instant without waiting for it.
Figures: extra RSS with N subscribers versus none (psutil, measured from outside after `gc.collect()`), the
longest event-loop stall while the due nudges go out (a probe task sleeping 1 ms and measuring its oversleep),
the sending rate as a share of the configured budget plus 429s and REST requests per nudge (counted by the
emulator), and cold start (process creation to `on_ready`). Results: a table on stdout and JSON in bench-results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # type: ignore[import-untyped]  # noqa: E402

from benchmarks._common import isolate_child, isolate_orchestrator, read_event, stdin_commands  # noqa: E402

log = logging.getLogger("bench_nudges")

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the instant the due nudges fall due (far from DST changes)
START_BEFORE = timedelta(hours=1)  # both bots start this long before T0
QUIET_WINDOW = timedelta(hours=2)  # nobody else is due within this of T0's time of day
TARGETS = {
    "extra_rss_mib": 30.0,
    "max_loop_stall_ms": 20.0,
    "budget_share": 0.95,
    "http_429": 0,
    "rest_per_nudge": 1.0,
    "cold_start_s": 2.0,
}
ZONES = [
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Cairo",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Manila",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Toronto",
    "America/Bogota",
    "America/Lima",
    "America/Halifax",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/St_Johns",
    "UTC",
]


# ============================================================================================== child side


def emit(payload: dict[str, Any]) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


class LoopProbe:
    """Samples event-loop lag: sleeps 1 ms and records how much longer than that it took to wake up.

    It also times the garbage collector, so a stall can be told apart from a collection.
    """

    def __init__(self) -> None:
        # Compact arrays, so 100,000+ samples don't show up in the RSS measured after the round.
        self.samples = array("d")
        self.busy = array("d")
        self.own = array("d")
        self.worst: list[tuple[float, float, float, float]] = []  # (since start, lag, loop-thread CPU, process CPU)
        self.collections: list[tuple[int, float]] = []  # (generation, seconds)
        self._task: asyncio.Task[None] | None = None
        self._began = 0.0
        self._gc_started = 0.0

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.collections.append((info["generation"], time.perf_counter() - self._gc_started))

    def start(self) -> None:
        """Begin sampling."""
        self._began = time.perf_counter()
        gc.callbacks.append(self._gc)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            before, thread_before, process_before = time.perf_counter(), time.thread_time(), time.process_time()
            await asyncio.sleep(0.001)
            lag = time.perf_counter() - before - 0.001
            # CPU used meanwhile by the loop thread, and by the whole process (the database thread too): a stall
            # longer than these was time spent waiting for a CPU core that other programs had.
            busy = time.thread_time() - thread_before
            process = time.process_time() - process_before
            self.samples.append(lag)
            self.busy.append(busy)
            self.own.append(min(lag, process))
            if lag > 0.005:
                self.worst.append((before - self._began, lag, busy, process))

    async def stop(self) -> dict[str, Any]:
        """Stop, note the process's RSS (before summarising allocates anything), and summarise (milliseconds)."""
        gc.callbacks.remove(self._gc)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        gc.collect()
        rss = psutil.Process().memory_info().rss
        ordered = sorted(self.samples) or [0.0]
        full = [seconds for generation, seconds in self.collections if generation == 2]
        summary = {
            "rss_after": rss,
            "max_ms": ordered[-1] * 1000,
            "p99_ms": ordered[int(len(ordered) * 0.99) - 1 if len(ordered) > 1 else 0] * 1000,
            "p50_ms": ordered[len(ordered) // 2] * 1000,
            "samples": len(self.samples),
            "max_loop_cpu_ms": max(self.busy, default=0.0) * 1000,
            "max_own_ms": max(self.own, default=0.0) * 1000,
            "worst": [
                {
                    "at_s": round(at, 3),
                    "lag_ms": round(lag * 1000, 1),
                    "loop_cpu_ms": round(busy * 1000, 1),
                    "process_cpu_ms": round(process * 1000, 1),
                }
                for at, lag, busy, process in sorted(self.worst, key=lambda w: -w[1])[:10]
            ],
            "gc_collections": len(self.collections),
            "gc_full_collections": len(full),
            "gc_longest_ms": max((seconds for _, seconds in self.collections), default=0.0) * 1000,
        }
        self.samples, self.busy, self.own = array("d"), array("d"), array("d")
        return summary


HEARTBEAT = [time.perf_counter()]


def start_stall_watchdog(threshold: float = 0.008) -> None:
    """Diagnostics: while the loop is stuck, print what the main thread is doing (to the bot log)."""
    import traceback

    main_id = threading.main_thread().ident

    async def beat() -> None:
        while True:
            HEARTBEAT[0] = time.perf_counter()
            await asyncio.sleep(0.001)

    def watch() -> None:
        reported = 0.0
        while True:
            time.sleep(0.002)
            beat_at = HEARTBEAT[0]
            if time.perf_counter() - beat_at > threshold and beat_at != reported:
                reported = beat_at
                frame = sys._current_frames().get(main_id or 0)
                if frame is not None:
                    stack = "".join(traceback.format_stack(frame)[-12:])
                    print(f"STALL > {threshold * 1000:.0f} ms:\n{stack}", file=sys.stderr, flush=True)

    asyncio.get_running_loop().create_task(beat())
    threading.Thread(target=watch, daemon=True).start()


def install_shifted_apscheduler_clock() -> type:
    """Make APScheduler read an adjustable clock (only it; the bot has its own injected clock)."""
    import apscheduler.executors.base as executor_base
    import apscheduler.schedulers.base as scheduler_base

    class ShiftedDatetime(datetime):
        offset = timedelta(0)

        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return datetime.now(tz) + cls.offset

    scheduler_base.datetime = ShiftedDatetime
    executor_base.datetime = ShiftedDatetime
    return ShiftedDatetime


async def child_main(args: argparse.Namespace) -> int:
    """A bot process under test: start, report ready, then obey commands on stdin."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    if args.debug_loop:
        start_stall_watchdog()
    if args.isolate:
        isolate_child()
    shifted = install_shifted_apscheduler_clock() if args.child == "naive" else None
    start_at = T0 - START_BEFORE
    if shifted is not None:
        shifted.offset = start_at - datetime.now(UTC)  # type: ignore[attr-defined]

    from bot.client import BouncebackBot, discover_extensions
    from bot.clock import ManualClock
    from bot.config import Settings

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        discord_token=args.token,
        database_path=Path(args.db),
        discord_api_base=args.api_base,
        discord_gateway_url=args.gateway,
        encryption_key=args.key,
        timer_tick_seconds=3600,
        guild_ready_timeout=args.guild_ready_timeout,
        nudge_rate_per_second=args.rate,
        log_level="WARNING",
    )
    clock = ManualClock(start_at)
    timings: dict[str, float] = {}
    naive_state = NaiveState()

    class TimedBot(BouncebackBot):
        async def setup_hook(self) -> None:
            began = time.perf_counter()
            await super().setup_hook()
            if args.child == "naive":
                await add_naive_jobs(self, naive_state)
            timings["setup_hook_s"] = time.perf_counter() - began

    extensions = [name for name in discover_extensions() if args.child == "db" or name != "cogs.nudges"]
    bot = TimedBot(settings, clock=clock, extensions=extensions)
    ready = asyncio.Event()

    async def on_ready() -> None:
        ready.set()

    bot.add_listener(on_ready, "on_ready")
    runner = asyncio.create_task(bot.start(args.token))
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if runner in done:
        runner.result()
        return 1
    created = psutil.Process().create_time()
    emit({"event": "ready", "cold_start_s": time.time() - created, **timings})
    if gc.get_freeze_count() == 0:
        # The shipped nudges cog freezes the start-up heap once ready; the naive bot (without that cog) gets the
        # same, so its figures show its scheduling, not the collector walking 100,000 jobs.
        gc.collect()
        gc.freeze()

    commands = stdin_commands()
    while True:
        command = await commands.get()
        if command == "rss":
            gc.collect()
            emit({"event": "rss", "rss": psutil.Process().memory_info().rss})
        elif command == "round":
            if args.child == "db":
                emit({"event": "round", **await db_round(bot, clock)})
            else:
                assert shifted is not None
                emit({"event": "round", **await naive_round(bot, shifted, naive_state, args.due)})
        elif command == "quit":
            await bot.close()
            with contextlib.suppress(Exception):
                await runner
            emit({"event": "bye"})
            return 0


async def db_round(bot: Any, clock: Any) -> dict[str, Any]:
    """The shipped design: move the clock to T0, run the nudge round, probe the loop throughout."""
    cog = bot.get_cog("NudgesCog")
    probe = LoopProbe()
    probe.start()
    await asyncio.sleep(0.5)
    clock.set(T0)
    began = time.perf_counter()
    report = await cog.run_due_nudges()
    elapsed = time.perf_counter() - began
    await asyncio.sleep(0.2)
    lag = await probe.stop()
    return {
        "sent": report.sent,
        "closed": report.closed,
        "retry": report.retry,
        "skipped": report.skipped,
        "elapsed_s": elapsed,
        "lag": lag,
    }


@dataclass
class NaiveState:
    """What the naive jobs report back."""

    expected: int = 0
    finished: int = 0
    sent: int = 0
    missed: int = 0
    jobs: int = 0
    add_jobs_s: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def add_naive_jobs(bot: Any, state: NaiveState) -> None:
    """The naive design's start-up: read every subscription and add one cron job per member."""
    from apscheduler.events import EVENT_JOB_MISSED
    from apscheduler.triggers.cron import CronTrigger

    from cogs.nudges.compose import NudgeComposer, nudge_table
    from cogs.nudges.store import NudgeRepository

    composer = NudgeComposer(bot)
    repository = NudgeRepository(bot.database, list(nudge_table()))
    rows = await bot.database.fetchall(
        "SELECT user_id, local_time, timezone FROM nudge_subscriptions WHERE state = 'active'"
    )
    scheduler = bot.scheduler._apscheduler  # the benchmark measures APScheduler itself
    grace = int(bot.settings.nudge_late_grace_seconds)

    def missed(event: Any) -> None:
        state.missed += 1
        finish()

    def finish() -> None:
        state.finished += 1
        if state.expected and state.finished >= state.expected:
            state.done.set()

    scheduler.add_listener(missed, EVENT_JOB_MISSED)

    async def send_nudge(user_id: int, zone_name: str) -> None:
        try:
            if await naive_send(bot, composer, repository, user_id, ZoneInfo(zone_name)):
                state.sent += 1
        except Exception:
            log.exception("naive nudge failed")
        finally:
            finish()

    began = time.perf_counter()
    for row in rows:
        hour, minute = (int(part) for part in row["local_time"].split(":"))
        scheduler.add_job(
            send_nudge,
            CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(row["timezone"])),
            args=(row["user_id"], row["timezone"]),
            id=f"nudge-{row['user_id']}",
            misfire_grace_time=grace,
            coalesce=True,
            max_instances=1,
            replace_existing=True,
        )
    state.jobs = len(rows)
    state.add_jobs_s = time.perf_counter() - began


async def naive_send(bot: Any, composer: Any, repository: Any, user_id: int, zone: ZoneInfo) -> bool:
    """One naive job: write the ledger row, compose, send, mark it sent (one transaction per step, per member)."""
    from bot.clock import to_iso
    from cogs.nudges.logic import ClaimedNudge, base36

    now = bot.now()
    local_date = now.astimezone(zone).date()
    nonce = f"m{base36(user_id)}{local_date:%Y%m%d}"  # not the db design's nonce: both runs share one emulator
    sequence = int(await bot.database.fetchval("SELECT COUNT(*) FROM nudge_ledger WHERE user_id = ?", (user_id,)) or 0)
    nudge_id = repository.nudge_for(user_id, sequence)
    stamp = to_iso(now)
    ledger_id = await bot.database.execute(
        "INSERT INTO nudge_ledger (user_id, kind, local_date, due_at, nudge_id, nonce, status, attempts, created_at, "
        "updated_at) VALUES (?, 'daily', ?, ?, ?, ?, 'claimed', 1, ?, ?)",
        (user_id, local_date.isoformat(), stamp, nudge_id, nonce, stamp, stamp),
    )
    nudge = ClaimedNudge(
        ledger_id=ledger_id,
        user_id=user_id,
        kind="daily",
        local_date=local_date,
        due_at=now,
        nudge_id=nudge_id,
        nonce=nonce,
        run_day=1,
        run_days=14,
        last_of_run=False,
        attempts=1,
        recovered=False,
        channel_id=None,
    )
    embed, view = await composer.compose(nudge, now)
    result = await bot.delivery.send_dm(user_id, embed=embed, view=view, nonce=nonce)
    await bot.database.execute(
        "UPDATE nudge_ledger SET status = ?, updated_at = ? WHERE id = ?",
        ("sent" if result.sent else "retry", stamp, ledger_id),
    )
    return bool(result.sent)


async def naive_round(bot: Any, shifted: Any, state: NaiveState, due: int) -> dict[str, Any]:
    """The naive design: let APScheduler's clock reach T0 and wait for every due job to finish."""
    state.expected = due
    probe = LoopProbe()
    probe.start()
    await asyncio.sleep(0.5)
    bot.clock.set(T0)
    shifted.offset = (T0 - timedelta(milliseconds=200)) - datetime.now(UTC)
    began = time.perf_counter()
    bot.scheduler._apscheduler.wakeup()
    timeout = due / bot.settings.nudge_rate_per_second * 2 + 120
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(state.done.wait(), timeout)
    elapsed = time.perf_counter() - began
    await asyncio.sleep(0.2)
    lag = await probe.stop()
    return {
        "sent": state.sent,
        "missed": state.missed,
        "finished": state.finished,
        "elapsed_s": elapsed,
        "lag": lag,
        "jobs": state.jobs,
        "add_jobs_s": state.add_jobs_s,
    }


# ============================================================================================== orchestrator


def build_fixture(path: Path, subscribers: int, due_users: list[tuple[int, int]], seed: int = 7) -> None:
    """A migrated database with `subscribers` schedules; `due_users` (user id, DM channel id) fall due at T0."""
    from bot.clock import to_iso
    from bot.storage import Database
    from bot.timezones import next_occurrence

    async def migrate() -> None:
        database = await Database.open(path)
        await database.close()

    asyncio.run(migrate())
    rng = random.Random(seed)
    stamp = to_iso(T0 - timedelta(days=1))
    users: list[tuple[int, str, int]] = []
    subscriptions: list[tuple[Any, ...]] = []
    due = due_users[:subscribers]
    for index, (user_id, channel_id) in enumerate(due):
        zone = ZoneInfo(ZONES[index % len(ZONES)])
        local = T0.astimezone(zone)
        users.append((user_id, stamp, channel_id))
        subscriptions.append(
            (user_id, f"{local:%H:%M}", zone.key, 14, to_iso(T0), local.date().isoformat(), stamp, stamp)
        )
    quiet = QUIET_WINDOW.total_seconds()
    t0_seconds = T0.hour * 3600 + T0.minute * 60
    for index in range(subscribers - len(due)):
        user_id = 900_000_000_000_000_000 + index
        zone = ZoneInfo(rng.choice(ZONES))
        while True:
            # A daily instant away from T0's, so only the chosen members are due at T0.
            utc_seconds = rng.randrange(0, 86_400, 60)
            distance = abs(utc_seconds - t0_seconds)
            if min(distance, 86_400 - distance) > quiet:
                break
        moment = T0.replace(hour=0, minute=0) + timedelta(seconds=utc_seconds)
        at = moment.astimezone(zone).time().replace(second=0)
        occurrence = next_occurrence(at, zone, T0 + timedelta(minutes=1))
        users.append((user_id, stamp, 800_000_000_000_000_000 + index))
        subscriptions.append(
            (
                user_id,
                f"{at:%H:%M}",
                zone.key,
                14,
                to_iso(occurrence.due_at),
                occurrence.local_date.isoformat(),
                stamp,
                stamp,
            )
        )
    with sqlite3.connect(path) as connection:
        connection.executemany("INSERT INTO users (user_id, created_at, dm_channel_id) VALUES (?, ?, ?)", users)
        connection.executemany(
            "INSERT INTO nudge_subscriptions (user_id, local_time, timezone, days_total, next_due_at, "
            "next_local_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            subscriptions,
        )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass
class Child:
    """A running bot process under test."""

    process: asyncio.subprocess.Process
    ready: dict[str, Any]

    async def ask(self, command: str, wait: float = 600.0) -> dict[str, Any]:
        """Send a command and wait for its JSON answer."""
        assert self.process.stdin is not None
        self.process.stdin.write((command + "\n").encode())
        await self.process.stdin.drain()
        return await read_event(self.process, wait)

    def rss(self) -> int:
        """Resident set size, read from outside the process."""
        return int(psutil.Process(self.process.pid).memory_info().rss)

    async def quit(self) -> None:
        """Close the bot and wait for the process to end."""
        with contextlib.suppress(Exception):
            await self.ask("quit", wait=30)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.process.wait(), 30)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


class Orchestrator:
    """Prepares databases, runs the emulator, starts bot processes, collects and prints the figures."""

    def __init__(self, args: argparse.Namespace, emulator: Any, workdir: Path) -> None:
        self.args = args
        self.emulator = emulator
        self.workdir = workdir
        from cryptography.fernet import Fernet

        self.key = Fernet.generate_key().decode()
        self.log_path = workdir / "bots.log"

    async def spawn(self, design: str, db: Path, wait: float = 600.0) -> Child:
        """Start a bot process on a database and wait until it is ready."""
        a = self.args
        command = [
            sys.executable,
            str(SCRIPT),
            "--child",
            design,
            "--db",
            str(db),
            "--token",
            self.emulator.token,
            "--api-base",
            self.emulator.api_base,
            "--gateway",
            self.emulator.gateway_url,
            f"--key={self.key}",
            "--rate",
            str(a.rate),
            "--due",
            str(a.due),
            "--guild-ready-timeout",
            str(a.guild_ready_timeout),
            *(["--debug-loop"] if a.debug_loop else []),
            *(["--isolate"] if a.isolate else []),
        ]
        with self.log_path.open("ab") as log_file:
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log_file,
                cwd=ROOT,
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
        return Child(process, await read_event(process, wait))

    async def prime(self, design: str, databases: list[Path]) -> None:
        """Let a bot sync its commands once, then copy the stored command hash into the fixtures (no sync later)."""
        scratch = self.workdir / f"prime-{design}.sqlite3"
        await asyncio.to_thread(build_fixture, scratch, 0, [])
        child = await self.spawn(design, scratch)
        await child.quit()
        with sqlite3.connect(scratch) as source:
            meta = source.execute("SELECT key, value FROM meta WHERE key LIKE 'commands_hash:%'").fetchall()
        for database in databases:
            with sqlite3.connect(database) as target:
                target.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", meta)

    async def measure(self, design: str, fixture: Path, *, run_round: bool) -> dict[str, Any]:
        """One bot process on a copy of a fixture: cold start, RSS, and optionally the due round."""
        copy = self.workdir / f"run-{design}-{fixture.stem}.sqlite3"
        shutil.copyfile(fixture, copy)
        child = await self.spawn(design, copy)
        try:
            await asyncio.sleep(self.args.settle)
            await child.ask("rss")
            result: dict[str, Any] = {
                "cold_start_s": child.ready["cold_start_s"],
                "setup_hook_s": child.ready.get("setup_hook_s"),
                "rss": child.rss(),
            }
            if run_round:
                stats = self.emulator.stats
                stats.reset()
                round_result = await child.ask("round", wait=self.args.due / self.args.rate * 3 + 300)
                result.update(
                    round=round_result,
                    rss_after_round=round_result["lag"]["rss_after"],
                    traffic=self.traffic(round_result),
                )
            return result
        finally:
            await child.quit()
            copy.unlink(missing_ok=True)

    def traffic(self, round_result: dict[str, Any]) -> dict[str, Any]:
        """Request counts and pacing the emulator saw during the round."""
        stats = self.emulator.stats
        times = sorted(stats.bot_request_times)
        messages = stats.count("POST", "/channels/{channel_id}/messages")
        rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
        sent = max(int(round_result.get("sent", 0)), 1)
        return {
            "bot_requests": len(times),
            "message_posts": messages,
            "dm_channel_opens": stats.count("POST", "/users/@me/channels"),
            "rate_per_s": rate,
            "budget_share": rate / self.args.rate,
            "share_of_discord_limit": rate / self.args.emulator_limit,
            "max_in_any_second": stats.max_in_window(1.0),
            "http_429": stats.rate_limited,
            "rest_per_nudge": len(times) / sent,
        }


def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    return float(statistics.median(values))


def summarise(design: str, empty: list[dict[str, Any]], full: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the repeated runs, and the round's figures."""
    with_round = next(run for run in full if "round" in run)
    lag = with_round["round"]["lag"]
    traffic = with_round["traffic"]
    return {
        "design": design,
        "rss_empty_mib": median([r["rss"] for r in empty]) / 2**20,
        "rss_full_mib": median([r["rss"] for r in full]) / 2**20,
        "extra_rss_mib": (median([r["rss"] for r in full]) - median([r["rss"] for r in empty])) / 2**20,
        "rss_after_round_mib": with_round["rss_after_round"] / 2**20,
        "cold_start_s": median([r["cold_start_s"] for r in full]),
        "cold_start_empty_s": median([r["cold_start_s"] for r in empty]),
        "setup_hook_s": median([r["setup_hook_s"] for r in full if r.get("setup_hook_s") is not None] or [0.0]),
        "max_loop_stall_ms": lag["max_ms"],
        "max_own_stall_ms": lag["max_own_ms"],
        "max_loop_cpu_ms": lag["max_loop_cpu_ms"],
        "p99_loop_lag_ms": lag["p99_ms"],
        "gc_longest_ms": lag["gc_longest_ms"],
        "sent": with_round["round"]["sent"],
        "missed": with_round["round"].get("missed", 0),
        "round_s": with_round["round"]["elapsed_s"],
        **{
            key: traffic[key]
            for key in (
                "rate_per_s",
                "budget_share",
                "share_of_discord_limit",
                "http_429",
                "rest_per_nudge",
                "max_in_any_second",
                "dm_channel_opens",
            )
        },
        "runs": {"empty": empty, "full": full},
    }


ROWS: list[tuple[str, str, Callable[[float], str]]] = [
    ("extra_rss_mib", "Extra RSS vs no subscribers (MiB)", lambda v: f"{v:.1f}"),
    ("max_loop_stall_ms", "Longest loop stall while due go out (ms)", lambda v: f"{v:.1f}"),
    ("max_own_stall_ms", "  of it the bot's own CPU, at most (ms)", lambda v: f"{v:.1f}"),
    ("p99_loop_lag_ms", "p99 loop lag (ms)", lambda v: f"{v:.2f}"),
    ("budget_share", "Share of configured budget used", lambda v: f"{v:.1%}"),
    ("rate_per_s", "Sending rate (requests/s)", lambda v: f"{v:.1f}"),
    ("max_in_any_second", "Most requests in any 1 s", lambda v: f"{v:.0f}"),
    ("http_429", "429 responses", lambda v: f"{v:.0f}"),
    ("rest_per_nudge", "REST requests per nudge", lambda v: f"{v:.2f}"),
    ("cold_start_s", "Cold start to ready (s)", lambda v: f"{v:.2f}"),
    ("setup_hook_s", "  of which setup_hook (s)", lambda v: f"{v:.2f}"),
    ("sent", "Nudges sent in the round", lambda v: f"{v:.0f}"),
    ("round_s", "Round duration (s)", lambda v: f"{v:.1f}"),
]


def ratio(naive: float, ours: float) -> float | None:
    """naive / ours, or None when ours is zero."""
    return None if not ours else naive / ours


def table(ours: dict[str, Any], naive: dict[str, Any] | None) -> str:
    """The results as a fixed-width table."""
    lines = [f"{'figure':<44}{'db design':>14}{'naive (cron/member)':>22}{'naive ÷ db':>12}"]
    for key, label, fmt in ROWS:
        theirs = naive.get(key) if naive else None
        quotient = ratio(float(theirs), float(ours[key])) if theirs is not None else None
        lines.append(
            f"{label:<44}{fmt(float(ours[key])):>14}{fmt(float(theirs)) if theirs is not None else '-':>22}"
            f"{f'{quotient:.1f}×' if quotient is not None else '-':>12}"
        )
    return "\n".join(lines)


def verdict(ours: dict[str, Any]) -> dict[str, bool]:
    """Which targets the db design meets."""
    return {
        "extra_rss_mib": ours["extra_rss_mib"] <= TARGETS["extra_rss_mib"],
        "max_loop_stall_ms": ours["max_loop_stall_ms"] <= TARGETS["max_loop_stall_ms"],
        "budget_share": ours["budget_share"] >= TARGETS["budget_share"],
        "http_429": ours["http_429"] == TARGETS["http_429"],
        "rest_per_nudge": ours["rest_per_nudge"] <= TARGETS["rest_per_nudge"] + 1e-9,
        "cold_start_s": ours["cold_start_s"] < TARGETS["cold_start_s"],
    }


async def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    """Run everything and return the results."""
    from emulator import DiscordEmulator

    logging.getLogger("emulator").setLevel(logging.WARNING)
    load_before = list(os.getloadavg())
    if args.isolate:
        isolate_orchestrator()
    workdir = Path(tempfile.mkdtemp(prefix="bench-nudges-"))
    emulator = DiscordEmulator(global_rate_limit=args.emulator_limit)
    await emulator.start()
    try:
        guild = emulator.create_guild(name="Bench")
        due_users = []
        for index in range(min(args.due, args.subscribers)):
            # Members of the bot's server (Discord only lets a bot DM people it shares a server with).
            user = emulator.state.create_user(f"member{index}")
            emulator.state.add_member(guild.id, user.id)
            due_users.append((user.id, emulator.dm_channel_id(user.id)))
        print(
            f"preparing {args.subscribers:,} subscriptions ({len(due_users):,} due at once) in {workdir}",
            file=sys.stderr,
        )
        empty, full = workdir / "empty.sqlite3", workdir / "full.sqlite3"
        began = time.perf_counter()
        await asyncio.to_thread(build_fixture, empty, 0, [])
        await asyncio.to_thread(build_fixture, full, args.subscribers, due_users)
        print(f"  built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        naive_empty, naive_full = workdir / "naive-empty.sqlite3", workdir / "naive-full.sqlite3"
        shutil.copyfile(empty, naive_empty)
        shutil.copyfile(full, naive_full)
        rig = Orchestrator(args, emulator, workdir)
        await rig.prime("db", [empty, full])
        designs = [("db", empty, full)] + ([] if args.skip_naive else [("naive", naive_empty, naive_full)])
        summaries: dict[str, dict[str, Any]] = {}
        for design, empty_db, full_db in designs:
            if design == "naive":
                await rig.prime("naive", [empty_db, full_db])
            empties, fulls = [], []
            for repeat in range(args.repeat):
                print(f"  {design}: run {repeat + 1} of {args.repeat}", file=sys.stderr)
                empties.append(await rig.measure(design, empty_db, run_round=False))
                fulls.append(await rig.measure(design, full_db, run_round=repeat == args.repeat - 1))
            summaries[design] = summarise(design, empties, fulls)
        ours, naive = summaries["db"], summaries.get("naive")
        ratios = {key: ratio(float(naive[key]), float(ours[key])) for key, _, _ in ROWS} if naive else {}
        return {
            "benchmark": "nudges",
            "when": datetime.now(UTC).isoformat(),
            "config": {
                "subscribers": args.subscribers,
                "due": len(due_users),
                "repeat": args.repeat,
                "rate_per_second": args.rate,
                "emulator_global_limit": args.emulator_limit,
                "guild_ready_timeout": args.guild_ready_timeout,
                "python": sys.version.split()[0],
                "isolated": bool(args.isolate),
                "cpus": os.cpu_count(),
                "zones": len(ZONES),
                # Other programs on the machine take CPU from the bot too: the loop stall includes that wait.
                "load_average_before": load_before,
                "load_average_after": list(os.getloadavg()),
            },
            "targets": TARGETS,
            "db": ours,
            "naive": naive,
            "ratios": ratios,
            "meets_targets": verdict(ours),
            "log": str(rig.log_path),
        }
    finally:
        await emulator.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subscribers", type=int, default=100_000, help="schedules in the database")
    parser.add_argument("--due", type=int, default=5_000, help="how many fall due at the same instant")
    parser.add_argument("--repeat", type=int, default=3, help="bot processes per design for start-up and memory")
    parser.add_argument("--rate", type=float, default=40.0, help="the bot's own request budget per second")
    parser.add_argument("--emulator-limit", type=int, default=50, help="global requests/s the emulator enforces")
    parser.add_argument("--guild-ready-timeout", type=float, default=0.2, help="discord.py's wait for guilds")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds after ready before measuring RSS")
    parser.add_argument("--skip-naive", action="store_true", help="only measure the shipped design")
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="folder for the JSON results")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, bot logs)")
    parser.add_argument("--debug-loop", action="store_true", help="print what the loop is doing when it stalls")
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="pin the emulator to one CPU and the bots to the rest, bots at nice -5 (less noise on a busy machine)",
    )
    # Internal: how the orchestrator starts a bot process.
    parser.add_argument("--child", choices=["db", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    parser.add_argument("--gateway", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    if args.child:
        return asyncio.run(child_main(args))
    results = asyncio.run(orchestrate(args))
    print(table(results["db"], results["naive"]))
    met = ", ".join(f"{key} {'✓' if ok else '✗'}" for key, ok in results["meets_targets"].items())
    print(f"targets met (db design): {met}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"nudges-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{args.subscribers}.json"
    path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
