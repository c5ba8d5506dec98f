"""Benchmark: one global rate budget for several bot processes, split by shard share or shared through the database.

Run it from the repository root:

    .venv/bin/python benchmarks/bench_rate_budget.py                      # 10 s per run, limit 50/s
    .venv/bin/python benchmarks/bench_rate_budget.py --seconds 5 --limit 500 --budget 450

What runs: the local Discord emulator in this process, enforcing a global limit (per token, across every
connection) and counting 429s; then, for 1, 2 and 3 processes, that many separate worker processes that each
request `GET /users/@me` with the bot token as fast as their budget lets them, every one always having work
(a backlog, as when 50,000 nudges are due), then again with only one of them busy. Two ways of keeping the
processes inside one budget:

- "split": each process runs `bot.delivery.RateBudget` at budget x its share (1/K here: its shards over all
  shards); no coordination at all. What the bot ships.
- "shared": one token bucket row in a SQLite file all the processes open; every request first takes a token with
  one atomic UPDATE (refill by elapsed time, take one if there is one) in its own write transaction, retrying
  after a short sleep when the bucket is empty. The design a shared-database budget would need.

Figures per run: accepted requests per second and as a share of the limit, 429s, the most requests the emulator saw
in any one second, and for "shared" the time one token take costs (median, p99) and CPU seconds per 1,000
requests across the workers. Results: a table on stdout and JSON in bench-results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.delivery import RateBudget  # noqa: E402
from emulator import DiscordEmulator  # noqa: E402

RESULTS_DIR = ROOT / "bench-results"
CONCURRENCY = 20
TAKE_SQL = (
    "UPDATE rate_budget SET tokens = MIN(capacity, tokens + (? - updated) * rate) - 1, updated = ? "
    "WHERE name = 'global' AND MIN(capacity, tokens + (? - updated) * rate) >= 1"
)


def make_bucket(path: Path, rate: float) -> None:
    """The shared design's one row: a token bucket refilled by elapsed wall time."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE rate_budget (name TEXT PRIMARY KEY, tokens REAL, capacity REAL, rate REAL, updated REAL)"
        )
        connection.execute(
            "INSERT INTO rate_budget VALUES ('global', ?, ?, ?, ?)", (rate / 10, max(1.0, rate / 10), rate, time.time())
        )


class SharedBucket:
    """Takes tokens from the database row (the call blocks its worker's thread, as a database trip would)."""

    def __init__(self, path: Path, rate: float) -> None:
        self.retry = 1 / rate  # an empty bucket refills one token in this long
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=10)
        self.connection.execute("PRAGMA busy_timeout=10000")
        self.take_times: list[float] = []
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until the shared bucket gives one token."""
        async with self._lock:
            while True:
                started = time.perf_counter()
                now = time.time()
                taken = self.connection.execute(TAKE_SQL, (now, now, now)).rowcount == 1
                self.take_times.append(time.perf_counter() - started)
                if taken:
                    return
                await asyncio.sleep(self.retry)


async def work(api_base: str, token: str, budget: Any, seconds: float) -> int:
    """Request as fast as the budget allows for `seconds`; return how many requests got a 200."""
    deadline = time.monotonic() + seconds
    ok = 0
    headers = {"Authorization": f"Bot {token}"}
    async with aiohttp.ClientSession() as http:

        async def loop() -> None:
            nonlocal ok
            while time.monotonic() < deadline:
                await budget.acquire()
                if time.monotonic() >= deadline:  # loops queued on the budget at the end would overrun the run
                    break
                async with http.get(f"{api_base}/users/@me", headers=headers) as response:
                    await response.read()
                    if response.status == 200:
                        ok += 1
                    elif response.status == 429:
                        await asyncio.sleep(float((await response.json()).get("retry_after", 0.1)))

        await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
    return ok


def worker(
    api_base: str,
    token: str,
    design: str,
    rates: tuple[float, float],
    bucket: str,
    seconds: float,
    busy: bool,
    out: Any,
) -> None:
    """One bot process's share of the traffic (`busy`: it has a backlog; else it sits idle for the run)."""
    started_cpu = time.process_time()
    share, whole = rates

    async def main() -> dict[str, Any]:
        budget: Any = RateBudget(share) if design == "split" else SharedBucket(Path(bucket), whole)
        if not busy:
            await asyncio.sleep(seconds)
            return {"ok": 0, "takes": []}
        ok = await work(api_base, token, budget, seconds)
        takes = getattr(budget, "take_times", [])
        return {"ok": ok, "takes": takes}

    result = asyncio.run(main())
    result["cpu"] = time.process_time() - started_cpu
    out.put(result)


async def run(design: str, processes: int, busy: int, args: argparse.Namespace) -> dict[str, Any]:
    """One measurement: K worker processes (`busy` of them with a backlog) against a fresh emulator."""
    emulator = DiscordEmulator(global_rate_limit=args.limit)
    await emulator.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            bucket = Path(folder) / "budget.sqlite3"
            make_bucket(bucket, args.budget)
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            share = args.budget / processes
            workers = [
                context.Process(
                    target=worker,
                    args=(
                        emulator.api_base,
                        emulator.token,
                        design,
                        (share, args.budget),
                        str(bucket),
                        args.seconds,
                        index < busy,
                        queue,
                    ),
                )
                for index in range(processes)
            ]
            for process in workers:
                process.start()
            results = [await asyncio.to_thread(queue.get, True, args.seconds + 60) for _ in workers]
            for process in workers:
                await asyncio.to_thread(process.join, 10)
    finally:
        await emulator.stop()
    ok = sum(r["ok"] for r in results)
    takes = sorted(t for r in results for t in r["takes"])
    figures: dict[str, Any] = {
        "design": design,
        "processes": processes,
        "busy": busy,
        "limit": args.limit,
        "budget": args.budget,
        "accepted_per_s": round(ok / args.seconds, 1),
        "share_of_limit": round(ok / args.seconds / args.limit, 3),
        "rate_limited_429": emulator.stats.rate_limited_global,
        "max_in_one_second": emulator.stats.max_in_window(1.0),
        "cpu_s_per_1000": round(sum(r["cpu"] for r in results) / max(ok, 1) * 1000, 3),
    }
    if takes:
        figures["take_ms_median"] = round(statistics.median(takes) * 1000, 3)
        figures["take_ms_p99"] = round(takes[int(len(takes) * 0.99) - 1] * 1000, 3)
        figures["db_writes_per_request"] = round(len(takes) / max(ok, 1), 2)
    return figures


async def main() -> None:
    """Every design at 1, 2 and 3 processes; print a table, save JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=50, help="the emulator's global limit, requests/s")
    parser.add_argument("--budget", type=float, default=40.0, help="NUDGE_RATE_PER_SECOND: the whole bot's budget")
    parser.add_argument("--processes", default="1,2,3")
    args = parser.parse_args()
    rows = []
    counts = [int(p) for p in args.processes.split(",")]
    # Every process busy (a shared backlog, as nudges claimed by all), then one busy and the others idle.
    plan = [(k, k) for k in counts] + [(k, 1) for k in counts if k > 1]
    for design in ("split", "shared"):
        for processes, busy in plan:
            figures = await run(design, processes, busy, args)
            rows.append(figures)
            print(json.dumps(figures), flush=True)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS_DIR / f"rate-budget-{stamp}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
