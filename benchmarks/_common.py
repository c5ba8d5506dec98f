"""Shared parts of the load benchmarks: a bot process driven over stdin/stdout, figures, results files.

The bot under test runs in its own process (`python benchmarks/_common.py --child real|bare ...`), so the
simulated members and the emulator (in the benchmark's process) never share an event loop or a core with it,
and its memory and tasks are its own. The child speaks one JSON object per line on stdout; it obeys one command
per line on stdin:

    stats              resident memory (after gc.collect()), threads, asyncio tasks grouped by coroutine, and the
                       sizes of discord.py's view/modal stores
    advance SECONDS    move the injected clock, run due timers, then the nudge round (real bot only)
    profile start      begin cProfile (the event loop's thread)
    profile dump PATH  stop it and write the stats (read with `python -m pstats PATH`)
    tracemalloc start  begin tracing allocations
    tracemalloc dump PATH   write a snapshot (compare two with `python -m benchmarks._common diff A B`)
    quit               close the bot gracefully and exit

"real" is `BouncebackBot` with every cog on a ManualClock; "bare" is a plain discord.py client with one
`/rejected` command that answers a fixed ephemeral message, built with the same intents and cache settings.
"""

# ruff: noqa: ASYNC109  # the helpers take timeout= like asyncio.wait_for, as the emulator's do

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import json
import logging
import math
import os
import statistics
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import discord  # noqa: E402
import psutil  # type: ignore[import-untyped, unused-ignore]  # noqa: E402
from discord import app_commands  # noqa: E402

log = logging.getLogger(__name__)

RESULTS_DIR = ROOT / "bench-results"
CHILD_SCRIPT = Path(__file__).resolve()
# A Thursday, 09:00 UTC, far from DST changes: where the bot's injected clock starts.
CLOCK_START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
BARE_REPLY = "Thanks — noted."
STAGE_CHOICES = ["application", "screen", "technical", "onsite", "offer"]


# ============================================================================================== child side


def emit(payload: dict[str, Any]) -> None:
    """One JSON line to the orchestrator."""
    sys.stdout.write(json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def task_census() -> dict[str, Any]:
    """The running loop's tasks: how many, and how many per coroutine (names like Task-123 say nothing)."""
    tasks = asyncio.all_tasks()
    kinds: Counter[str] = Counter()
    timers: Counter[str] = Counter()
    for task in tasks:
        coro = task.get_coro()
        name = getattr(coro, "__qualname__", None) or task.get_name()
        kinds[name] += 1
        frame = getattr(coro, "cr_frame", None)
        if name.endswith("__timeout_task_impl") and frame is not None and "self" in frame.f_locals:
            timers[_view_kind(frame.f_locals["self"])] += 1  # which views discord.py is timing out
    return {"tasks": len(tasks), "task_kinds": dict(kinds.most_common()), "timed_views": dict(timers.most_common(8))}


def own_memory() -> dict[str, int]:
    """Resident memory after a full collection, threads, and the Python heap as tracemalloc sees it (if tracing)."""
    gc.collect()
    process = psutil.Process()
    info: dict[str, int] = {
        "rss": int(process.memory_info().rss),
        "threads": process.num_threads(),
        "gc_objects": len(gc.get_objects()),
    }
    if tracemalloc.is_tracing():
        info["traced"] = tracemalloc.get_traced_memory()[0]
    return info


def _view_kind(view: Any) -> str:
    """A view's class and what its custom ids start with, e.g. 'View[win:share, next:reflect]'."""
    prefixes = sorted(
        {":".join(str(getattr(item, "custom_id", "") or "").split(":")[:2]) for item in view.walk_children()} - {""}
    )
    return f"{type(view).__qualname__}[{', '.join(prefixes)}]"


def client_caches(client: Any) -> dict[str, Any]:
    """Sizes of discord.py's per-message stores, where a forgotten view or modal would pile up."""
    state = getattr(client, "_connection", None)
    store = getattr(state, "_view_store", None)
    sizes = {
        "views": len(getattr(store, "_views", {})),
        "message_views": len(getattr(store, "_synced_message_views", {})),
        "modals": len(getattr(store, "_modals", {})),
        "dm_channels": len(getattr(state, "_private_channels", {})),
    }
    kinds = Counter(_view_kind(view) for view in getattr(store, "_synced_message_views", {}).values())
    modals = Counter(_view_kind(modal) for modal in getattr(store, "_modals", {}).values())
    return {**sizes, "view_kinds": dict(kinds.most_common(8)), "modal_kinds": dict(modals.most_common(8))}


def build_bare_client(api_base: str, gateway_url: str, guild_ready_timeout: float) -> Any:
    """The comparison bot: discord.py and one command that answers at once, nothing else."""
    from bot.client import apply_endpoints

    apply_endpoints(api_base, gateway_url)
    intents = discord.Intents.none()
    intents.guilds = True

    class BareBot(discord.Client):
        def __init__(self) -> None:
            super().__init__(
                intents=intents,
                allowed_mentions=discord.AllowedMentions.none(),
                max_messages=None,
                chunk_guilds_at_startup=False,
                member_cache_flags=discord.MemberCacheFlags.none(),
                guild_ready_timeout=guild_ready_timeout,
            )
            self.tree = app_commands.CommandTree(self)

        async def setup_hook(self) -> None:
            await self.tree.sync()

    client = BareBot()

    @client.tree.command(name="rejected", description="Bare comparison command")
    @app_commands.choices(stage=[app_commands.Choice(name=key, value=key) for key in STAGE_CHOICES])
    async def rejected(
        interaction: discord.Interaction,
        company: str | None = None,
        role: str | None = None,
        stage: app_commands.Choice[str] | None = None,
    ) -> None:
        await interaction.response.send_message(BARE_REPLY, ephemeral=True)

    return client


def build_real_bot(args: argparse.Namespace) -> tuple[Any, Any]:
    """Bounceback itself, every cog, on a ManualClock the orchestrator moves."""
    from bot.client import BouncebackBot
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
        log_level="WARNING",
    )
    clock = ManualClock(CLOCK_START)
    return BouncebackBot(settings, clock=clock), clock


def stdin_commands() -> asyncio.Queue[str]:
    """The orchestrator's commands to a bot process, a line each, read off the loop; "quit" when stdin closes."""
    commands: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(commands.put_nowait, line.strip())
        loop.call_soon_threadsafe(commands.put_nowait, "quit")

    threading.Thread(target=read_stdin, daemon=True, name="stdin-reader").start()
    return commands


async def child_main(args: argparse.Namespace) -> int:
    """A bot process under test: start, report ready, then obey commands on stdin."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.isolate:
        isolate_child()
    clock: Any = None
    if args.child == "bare":
        client = build_bare_client(args.api_base, args.gateway, args.guild_ready_timeout)
    else:
        client, clock = build_real_bot(args)
    runner = asyncio.create_task(client.start(args.token), name="bot-start")
    waiter = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({runner, waiter}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
    if runner in done:
        runner.result()
        return 1
    if waiter not in done:
        emit({"event": "error", "error": "not ready after 120 s"})
        return 1
    emit({"event": "ready", "pid": os.getpid(), "cold_start_s": time.time() - psutil.Process().create_time()})

    commands = stdin_commands()
    profiler: cProfile.Profile | None = None
    while True:
        command, _, argument = (await commands.get()).partition(" ")
        try:
            if command == "stats":
                emit({"event": "stats", **own_memory(), **task_census(), **client_caches(client)})
            elif command == "advance":
                emit({"event": "advanced", **await advance(client, clock, float(argument))})
            elif command == "profile" and argument == "start":
                profiler = cProfile.Profile()
                profiler.enable()
                emit({"event": "profiling"})
            elif command == "profile" and argument.startswith("dump ") and profiler is not None:
                profiler.disable()
                profiler.dump_stats(argument.removeprefix("dump "))
                profiler = None
                emit({"event": "dumped", "path": argument.removeprefix("dump ")})
            elif command == "tracemalloc" and argument == "start":
                tracemalloc.start(25)
                emit({"event": "tracing"})
            elif command == "tracemalloc" and argument.startswith("dump "):
                gc.collect()
                tracemalloc.take_snapshot().dump(argument.removeprefix("dump "))
                emit({"event": "dumped", "path": argument.removeprefix("dump ")})
            elif command == "quit":
                await client.close()
                with contextlib.suppress(Exception):
                    await runner
                emit({"event": "bye"})
                return 0
            else:
                emit({"event": "error", "error": f"unknown command {command!r}"})
        except Exception as error:  # report to the orchestrator and keep serving
            log.exception("command %r failed", command)
            emit({"event": "error", "error": f"{type(error).__name__}: {error}"})


async def advance(bot: Any, clock: Any, seconds: float) -> dict[str, Any]:
    """Move time, run the durable timers that fell due, then the nudge round, as the tick would."""
    if clock is None:
        raise RuntimeError("the bare bot has no clock")
    clock.advance(timedelta(seconds=seconds))
    timers = await bot.timers.run_due()
    cog = bot.get_cog("NudgesCog")
    report = await cog.run_due_nudges() if cog is not None else None
    return {
        "now": bot.now().isoformat(),
        "timers": timers,
        "nudges_sent": getattr(report, "sent", 0),
        "nudges_retry": getattr(report, "retry", 0),
        "nudges_skipped": getattr(report, "skipped", 0),
    }


# ============================================================================================== orchestrator side


@dataclass
class BotProcess:
    """A running bot process under test."""

    kind: str
    process: asyncio.subprocess.Process
    ready: dict[str, Any]
    # One conversation at a time: answers come back on one pipe, in order.
    _asking: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def ask(self, command: str, timeout: float = 120.0) -> dict[str, Any]:
        """Send a command and wait for its JSON answer (raises on an error answer)."""
        assert self.process.stdin is not None
        async with self._asking:
            self.process.stdin.write((command + "\n").encode())
            await self.process.stdin.drain()
            answer = await read_event(self.process, timeout)
        if answer.get("event") == "error":
            raise RuntimeError(f"{self.kind} bot: {answer.get('error')}")
        return answer

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def rss(self) -> int:
        """Resident set size, read from outside the process."""
        return int(psutil.Process(self.process.pid).memory_info().rss)

    def cpu_seconds(self) -> float:
        """User + system CPU time the child has used so far."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    async def quit(self) -> None:
        """Close the bot and wait for the process to end."""
        if self.process.returncode is None:
            with contextlib.suppress(Exception):
                await self.ask("quit", timeout=30)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.process.wait(), 30)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def read_event(process: asyncio.subprocess.Process, timeout: float) -> dict[str, Any]:
    """The next JSON line from a child."""
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), timeout)
    if not line:
        raise RuntimeError(f"bot process exited (code {await process.wait()}); see its log")
    return dict(json.loads(line))


# Set by isolate_orchestrator for the bot processes it starts: the CPUs it left to them, e.g. "1,2,3".
BOT_CPUS_ENV = "BOUNCEBACK_BENCH_BOT_CPUS"


def isolate_child() -> None:
    """Keep the bot off the emulator's CPU and ahead of background work, so the probe sees the bot's own stalls."""
    # Not our inherited affinity: the orchestrator pinned itself (and so us) to its first CPU.
    cpus = {int(cpu) for cpu in os.environ.get(BOT_CPUS_ENV, "").split(",") if cpu}
    if cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cpus)
    with contextlib.suppress(OSError):
        os.nice(-5)


def isolate_orchestrator() -> bool:
    """Pin the emulator (this process) to the first CPU; bot processes take the others (see isolate_child).

    False when it can't be done (one CPU, or no CPU affinity on this system).
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        return False
    # The CPUs this process may use (a container's cpuset, say), not all the machine has.
    os.environ[BOT_CPUS_ENV] = ",".join(str(cpu) for cpu in cpus[1:])
    os.sched_setaffinity(0, {cpus[0]})
    return True


async def spawn_bot(
    kind: str,
    emulator: Any,
    *,
    database: Path,
    key: str,
    log_path: Path,
    guild_ready_timeout: float = 0.2,
    timeout: float = 120.0,
    isolate: bool = False,
) -> BotProcess:
    """Start a bot process ("real" or "bare") against the emulator and wait until it is ready."""
    command = [
        # --name=value: a Fernet key may start with "-", which argparse would read as an option.
        sys.executable,
        str(CHILD_SCRIPT),
        f"--child={kind}",
        f"--db={database}",
        f"--token={emulator.token}",
        f"--api-base={emulator.api_base}",
        f"--gateway={emulator.gateway_url}",
        f"--key={key}",
        f"--guild-ready-timeout={guild_ready_timeout}",
        *(["--isolate"] if isolate else []),
    ]
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log_file,
            cwd=ROOT,
        )
    try:
        ready = await read_event(process, timeout)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if ready.get("event") != "ready":
        raise RuntimeError(f"{kind} bot did not start: {ready}; see {log_path}")
    await emulator.flush()
    return BotProcess(kind, process, ready)


def new_key() -> str:
    """A fresh Fernet key for the bot's encryption at rest."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def quiet_logs() -> None:
    """Warnings only, from everything in this process."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("emulator").setLevel(logging.WARNING)


# ---------------------------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def latency_summary(values: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max in milliseconds."""
    if not values:
        return {"p50_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan}
    return {
        "p50_ms": percentile(values, 0.50) * 1000,
        "p99_ms": percentile(values, 0.99) * 1000,
        "max_ms": max(values) * 1000,
    }


def median_of(rounds: Iterable[dict[str, Any]], key: str) -> float:
    """Median of one figure across rounds."""
    return float(statistics.median(float(r[key]) for r in rounds))


def write_results(name: str, payload: dict[str, Any], out: Path | None = None) -> Path:
    """Write the JSON results to bench-results/<name>-<UTC stamp>.json and return the path."""
    folder = out or RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return path


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A fixed-width text table: first column left-aligned, the rest right-aligned."""
    body = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(header[i])), *(len(row[i]) for row in body)) for i in range(len(header))]
    lines = []
    for row in [list(map(str, header)), *body]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def diff_snapshots(before: str, after: str, limit: int = 25) -> str:
    """The biggest allocation growths between two tracemalloc dumps, by traceback."""
    old = tracemalloc.Snapshot.load(before)
    new = tracemalloc.Snapshot.load(after)
    lines = []
    for stat in new.compare_to(old, "traceback")[:limit]:
        lines.append(f"{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
        lines.extend(f"      {line}" for line in stat.traceback.format(limit=6))
    return "\n".join(lines)


# ============================================================================================== entry point


def parse_child_args(argv: list[str] | None = None) -> argparse.Namespace:
    """How the orchestrator starts a bot process (or `diff A B` for two tracemalloc dumps)."""
    parser = argparse.ArgumentParser(description="Bot process for the load benchmarks (internal).")
    parser.add_argument("--child", choices=["real", "bare"])
    parser.add_argument("--db")
    parser.add_argument("--token")
    parser.add_argument("--api-base")
    parser.add_argument("--gateway")
    parser.add_argument("--key")
    parser.add_argument("--guild-ready-timeout", type=float, default=0.2)
    parser.add_argument("--isolate", action="store_true", help="keep off the load generator's CPU")
    parser.add_argument("diff", nargs="*", help="diff BEFORE AFTER: compare two tracemalloc dumps")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point for the child process."""
    args = parse_child_args(argv)
    if args.diff:
        if len(args.diff) != 3 or args.diff[0] != "diff":
            print("usage: _common.py diff BEFORE.dump AFTER.dump", file=sys.stderr)
            return 2
        print(diff_snapshots(args.diff[1], args.diff[2]))
        return 0
    if not args.child:
        print("this module is started by the benchmarks; see bench_burst.py and bench_soak.py", file=sys.stderr)
        return 2
    return asyncio.run(child_main(args))


if __name__ == "__main__":
    sys.exit(main())
