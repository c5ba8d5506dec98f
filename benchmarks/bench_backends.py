"""SQLite against PostgreSQL behind the same `Database` API: a crowd of writes, then reads one at a time.

    python benchmarks/bench_backends.py --url postgresql://user@/postgres?host=/tmp/dir [--writes 2000]

The URL is a server where the user may create a scratch database (dropped afterwards). Prints, per backend,
writes per second when `--writes` units are queued at once (group commit), and the median and 99th percentile
of one `fetchone` awaited alone (one trip to the database thread and back).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.storage.database import Database
from bot.storage.postgres import PostgresDatabase


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database `name`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def measure(database: Database, writes: int, reads: int) -> tuple[float, float, float]:
    """(writes per second, read median ms, read p99 ms) on a migrated database."""
    started = time.perf_counter()
    await asyncio.gather(
        *(
            database.execute(
                "INSERT INTO checkins (user_id, created_at, feeling) VALUES (?, ?, ?)", (10**17 + i, "t", "sad")
            )
            for i in range(writes)
        )
    )
    rate = writes / (time.perf_counter() - started)
    timings = []
    for i in range(reads):
        begin = time.perf_counter()
        await database.fetchone("SELECT * FROM checkins WHERE user_id = ?", (10**17 + i % writes,))
        timings.append((time.perf_counter() - begin) * 1000)
    timings.sort()
    return rate, statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


async def main() -> None:
    """Run both backends and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL (its user may CREATE DATABASE)")
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lite = await Database.open(Path(folder) / "bench.sqlite3")
        try:
            rate, median, p99 = await measure(lite, args.writes, args.reads)
        finally:
            await lite.close()
    print(f"sqlite:     {rate:8.0f} writes/s queued at once; one read {median:.3f} ms median, {p99:.3f} ms p99")
    admin = await asyncpg.connect(args.url)
    name = "bounceback_bench_backends"
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pg = await PostgresDatabase.connect(with_database(args.url, name))
        try:
            rate, median, p99 = await measure(pg, args.writes, args.reads)
        finally:
            await pg.close()
        print(f"postgresql: {rate:8.0f} writes/s queued at once; one read {median:.3f} ms median, {p99:.3f} ms p99")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
