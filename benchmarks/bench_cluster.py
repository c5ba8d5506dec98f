"""Benchmark: many subscribers, one busy minute, 1-3 bot processes on PostgreSQL (and one on SQLite to compare).

Run it from the repository root:

    .venv/bin/python benchmarks/bench_cluster.py                       # 1,000,000 subscribers, 50,000 due at once
    .venv/bin/python benchmarks/bench_cluster.py --subscribers 20000 --due 2000      # a smoke run, under a minute
    .venv/bin/python benchmarks/bench_cluster.py --url postgresql://user@host/postgres --runs pg:1,pg:2

What runs, for every run in `--runs` (`pg:K` = K processes on PostgreSQL, `sqlite:1`): a fresh local Discord
emulator in this process enforcing one global limit per token (`--limit`, 500 requests/s: a larger bot's grant), a
fresh database seeded with `--subscribers` members (`--due` of them members of the bot's server in the emulator),
and K real `python -m bot` processes, shard i of K each, with `NUDGE_RATE_PER_SECOND` (`--rate`, the whole bot's
budget, split by shard share). Once all are connected, the due members' schedules move to one instant a few
seconds ahead; the processes' own nudge ticks (`TIMER_TICK_SECONDS`, `--tick`) find them and send. The run ends
when the emulator holds as many nudge DMs as were due (plus 3 s to catch late duplicates), or when nothing has
arrived for `--quiet` seconds.

PostgreSQL: `--url` names a server whose user may CREATE DATABASE (a scratch database is created and dropped);
without it a throwaway server is started in a temp folder (Debian's binaries; as user postgres when run as root),
with PostgreSQL's durable defaults. Seeding uses the bot's migrations, then COPY; SQLite, executemany.

Figures (from the emulator unless said): delivered per second (first to last DM), its share of the limit, the most
requests in any one second, 429s, duplicates (a second nudge DM for one member and local date; the DM's button
custom ids carry the ledger id, the database says whose day it is), lost (due, no DM by the end, and nothing
left that would send it; still owed is counted apart: never claimed, or claimed / waiting to retry), and per bot
process (psutil, from outside): peak RSS, CPU seconds while the due nudges went out, and the longest event-loop
stall in that window (the bot's opt-in probe, LOOP_PROBE_FILE). CPU seconds per 1,000 nudges are given for the
bot processes together, the database server (when this script started it) and the emulator, so capacity per core
can be read off. No figure is a pass or fail: a table on stdout and JSON in bench-results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._cluster_run import (  # noqa: E402
    Backend,
    Settings,
    count,
    figures,
    nudge_messages,
    spawn,
    wait_connected,
    watch,
)
from benchmarks._cluster_seed import (  # noqa: E402
    Population,
    ThrowawayPostgres,
    create_scratch,
    drop_scratch,
    due_instant,
    due_rows,
    seed_postgres,
    seed_sqlite,
)
from benchmarks._common import machine, table, write_results  # noqa: E402
from bot.clock import to_iso  # noqa: E402

log = logging.getLogger("bench_cluster")


def parse_runs(text: str) -> list[tuple[str, int]]:
    """`pg:1,pg:2,sqlite:1` -> [("postgresql", 1), ("postgresql", 2), ("sqlite", 1)]."""
    runs = []
    for part in text.split(","):
        kind, _, processes = part.strip().partition(":")
        backend = {"pg": "postgresql", "postgresql": "postgresql", "sqlite": "sqlite"}.get(kind)
        if backend is None or not processes.isdigit() or int(processes) < 1:
            raise argparse.ArgumentTypeError(f"a run is pg:K or sqlite:K with K >= 1, not {part!r}")
        if backend == "sqlite" and int(processes) > 1:
            raise argparse.ArgumentTypeError("SQLite runs one process (one file, one writer)")
        runs.append((backend, int(processes)))
    return runs


async def one_run(
    args: argparse.Namespace, kind: str, processes: int, server_url: str | None, server: ThrowawayPostgres | None
) -> dict[str, Any]:
    """Seed, start the processes, make the due members due, watch, count; the run's figures."""
    from cryptography.fernet import Fernet

    from emulator import DiscordEmulator

    label = f"{kind} x{processes}"
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-cluster-{kind}{processes}-"))
    emulator = DiscordEmulator(global_rate_limit=args.limit)
    await emulator.start()
    bots = []
    try:
        guild = emulator.create_guild(name="Bench")
        due: list[tuple[int, int]] = []
        for index in range(min(args.due, args.subscribers)):
            # Members of the bot's server: Discord only lets a bot DM people it shares a server with.
            user = emulator.state.create_user(f"member{index}")
            emulator.state.add_member(guild.id, user.id)
            due.append((user.id, emulator.dm_channel_id(user.id)))
        population = Population(due=due, filler=args.subscribers - len(due))
        now = datetime.now(UTC)
        if kind == "postgresql":
            assert server_url is not None
            url = await create_scratch(server_url)
            seeded = await seed_postgres(url, population, now)
            backend = Backend(kind, url, server.server_pids if server is not None else list)
        else:
            path = workdir / "bench.sqlite3"
            seeded = await asyncio.to_thread(seed_sqlite, path, population, now)
            backend = Backend(kind, str(path))
        print(f"{label}: seeded {population.subscribers:,} subscribers in {seeded:.1f} s", file=sys.stderr)
        settings = Settings(
            token=emulator.token,
            api_base=emulator.api_base,
            gateway_url=emulator.gateway_url,
            key=Fernet.generate_key().decode(),
            rate=args.rate,
            concurrency=args.concurrency,
            tick=args.tick,
        )
        bots = await spawn(settings, backend, processes, workdir)
        started = await wait_connected(emulator, bots, within=300)
        await asyncio.sleep(args.settle)  # on_ready's work (heap freeze, first heartbeat, command sync) done
        due_at = due_instant(args.lead)
        rows = due_rows([user_id for user_id, _ in due], due_at)
        await backend.make_due(rows)
        if datetime.now(UTC) >= due_at:
            print(f"{label}: warning: the due instant passed while the schedules were moved", file=sys.stderr)
        await asyncio.sleep(max(0.0, due_at.timestamp() - time.time() - 0.3))
        emulator.stats.reset()
        print(f"{label}: {len(due):,} due at {due_at:%H:%M:%S} UTC; sending", file=sys.stderr)
        seen = await watch(
            emulator, bots, backend, len(due), due_at, quiet=args.quiet, deadline=args.deadline, label=label
        )
        messages = nudge_messages(emulator, {user_id for user_id, _ in due})
        ledger = await backend.ledger()
        unclaimed = await backend.still_due(to_iso(due_at))
        counted = count(messages, ledger, {user_id for user_id, _ in due}, unclaimed)
        result = figures(counted, seen, bots, emulator, limit=args.limit)
        exits = [await bot.stop() for bot in bots]
        result.update(
            run=label,
            backend=kind,
            process_count=processes,
            subscribers=population.subscribers,
            due=len(due),
            seed_s=round(seeded, 1),
            connected_after_s=round(started, 1),
            exit_codes=exits,
            tracebacks=sum(bot.log_path.read_text(errors="replace").count("Traceback") for bot in bots),
            workdir=str(workdir) if args.keep else None,
        )
        print(f"{label}: {summary_line(result)}", file=sys.stderr)
        return result
    finally:
        for bot in bots:
            await bot.stop()
        await emulator.stop()
        if kind == "postgresql" and server_url is not None and not args.keep:
            await drop_scratch(server_url)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def summary_line(result: dict[str, Any]) -> str:
    """One line per run, for the progress log."""
    return (
        f"{result['delivered']:,} delivered in {result['span_s']} s ({result['delivered_per_s']}/s, "
        f"{result['share_of_limit']:.1%} of the limit), {result['duplicates']} duplicates, {result['lost']} lost, "
        f"{result['http_429']} 429s, longest stall {result['longest_stall_ms']} ms"
    )


ROWS: list[tuple[str, str]] = [
    ("delivered", "Nudges delivered"),
    ("lost", "Lost (due, no DM, nothing owes it)"),
    ("owed_when_stopped", "Still owed when the run stopped"),
    ("unclaimed_at_end", "  of them never claimed"),
    ("duplicates", "Duplicates (member, local date)"),
    ("delivered_per_s", "Delivered per second (first to last)"),
    ("share_of_limit", "Share of the global limit"),
    ("max_in_any_second", "Most requests in any 1 s"),
    ("http_429", "429 responses"),
    ("first_after_due_s", "First DM after the due instant (s)"),
    ("span_s", "First to last DM (s)"),
    ("longest_stall_ms", "Longest loop stall, worst process (ms)"),
    ("rss_peak_mib", "Peak RSS, largest process (MiB)"),
    ("bots_cpu_s_per_1000", "Bot CPU s per 1,000 nudges (all processes)"),
    ("db_server_cpu_s_per_1000", "PostgreSQL server CPU s per 1,000"),
    ("emulator_cpu_s_per_1000", "Emulator CPU s per 1,000"),
    ("other_work_cores", "Other programs' load meanwhile (cores)"),
]


def cell(key: str, value: Any) -> str:
    """One figure as the table shows it."""
    if value is None:
        return "-"
    if key == "share_of_limit":
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render(results: list[dict[str, Any]]) -> str:
    """The figures, a column per run, then one line per process."""
    header = ["figure", *(result["run"] for result in results)]
    rows = [[label, *(cell(key, result.get(key)) for result in results)] for key, label in ROWS]
    lines = [table(header, rows), ""]
    for result in results:
        for bot in result["processes"]:
            lines.append(
                f"{result['run']} process {bot['process']}: peak RSS {bot['rss_peak_mib']} MiB, "
                f"CPU {bot['cpu_s']} s, longest stall {bot['longest_stall_ms']} ms"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=1_000_000, help="schedules in the database")
    parser.add_argument("--due", type=int, default=50_000, help="how many fall due at the same instant")
    parser.add_argument("--runs", type=parse_runs, default=parse_runs("pg:1,pg:2,pg:3,sqlite:1"))
    parser.add_argument("--url", help="a PostgreSQL server URL whose user may CREATE DATABASE (else a throwaway one)")
    parser.add_argument("--limit", type=int, default=500, help="the emulator's global limit, requests/s")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="NUDGE_RATE_PER_SECOND, the whole bot's budget (default: limit / 1.1, so a full burst plus a second "
        "of sending stays inside the limit)",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="NUDGE_CONCURRENCY, per process")
    parser.add_argument("--tick", type=float, default=5.0, help="TIMER_TICK_SECONDS: how often a process looks")
    parser.add_argument(
        "--lead", type=float, default=None, help="seconds from moving the schedules to the due instant (3 + due/5000)"
    )
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after every process connected")
    parser.add_argument("--quiet", type=float, default=60.0, help="stop when no DM has arrived for this long")
    parser.add_argument("--deadline", type=float, default=1800.0, help="stop a run this many seconds after due")
    parser.add_argument("--out", type=Path, default=None, help="folder for the JSON results (bench-results/)")
    parser.add_argument("--keep", action="store_true", help="keep each run's folder (bot logs, probe files)")
    args = parser.parse_args(argv)
    if args.lead is None:
        args.lead = 3.0 + args.due / 5000
    if args.rate is None:
        args.rate = float(int(args.limit / 1.1))
    if args.due > args.subscribers:
        parser.error("--due cannot exceed --subscribers")
    return args


async def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    """Every run in turn, on one PostgreSQL server; the results."""
    logging.getLogger("emulator").setLevel(logging.WARNING)
    load_before = machine()
    server = None
    url = args.url
    needs_postgres = any(kind == "postgresql" for kind, _ in args.runs)
    if needs_postgres and url is None:
        server = await asyncio.to_thread(ThrowawayPostgres.start)
        url = server.url
    results: list[dict[str, Any]] = []
    payload: dict[str, Any] = {"benchmark": "cluster", "machine_before": load_before, "runs": results}
    path = None
    try:
        for kind, processes in args.runs:
            results.append(await one_run(args, kind, processes, url, server))
            payload.update(machine_after=machine(), config=config(args, server, url))
            # After every run, so an interrupted benchmark keeps what it measured.
            path = write_results(f"cluster-{args.subscribers}", payload, args.out) if path is None else path
            path.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
    payload["results_file"] = str(path)
    return payload


def config(args: argparse.Namespace, server: ThrowawayPostgres | None, url: str | None) -> dict[str, Any]:
    """The settings every run shared."""
    return {
        "subscribers": args.subscribers,
        "due": args.due,
        "limit": args.limit,
        "rate": args.rate,
        "concurrency": args.concurrency,
        "tick_s": args.tick,
        "postgresql": "throwaway server (durable defaults)" if server is not None else "--url" if url else None,
        "deadline_s": args.deadline,
        "quiet_s": args.quiet,
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    results = asyncio.run(interruptible(orchestrate(args)))
    print(render(results["runs"]))
    print(f"wrote {results['results_file']}")
    return 0


async def interruptible(work: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """Run `work`, cancelled cleanly (bot processes stopped, server stopped) on SIGTERM or SIGINT."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    return await task


if __name__ == "__main__":
    sys.exit(main())
