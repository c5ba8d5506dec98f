"""bench_cluster.py's database side: a throwaway PostgreSQL server, scratch databases, and fast seeding.

Seeding migrates with the bot's own migrations (opening the database the way the bot does), then writes the rows
in bulk: `COPY` (asyncpg `copy_records_to_table`) on PostgreSQL, one `executemany` transaction on SQLite. Every
subscriber gets a `users` row with a DM channel id (as the bot caches it after a first DM) and a
`nudge_subscriptions` row in a real IANA zone. The ones that will be due start with a placeholder far in the
future; once every bot process is up, `make_due` moves them all to one instant (in life a whole minute, as
members choose an HH:MM; here a whole second `--lead` seconds ahead, so a smoke run need not wait for the next
minute), writing each member's local time and local date in their own zone, in one statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import psutil  # type: ignore[import-untyped, unused-ignore]  # noqa: E402

from benchmarks.bench_nudges import ZONES  # noqa: E402
from bot.clock import to_iso  # noqa: E402

SCRATCH_DATABASE = "bounceback_bench_cluster"
NOT_DUE_AFTER = timedelta(hours=2)  # nobody else falls due within this of the run
PLACEHOLDER_DUE = timedelta(days=20)  # where the due members wait until make_due
SUBSCRIPTION_COLUMNS = [
    "user_id",
    "guild_id",
    "local_time",
    "timezone",
    "days_total",
    "days_sent",
    "sequence",
    "state",
    "next_due_at",
    "next_local_date",
    "created_at",
    "updated_at",
]
USER_COLUMNS = ["user_id", "created_at", "dm_channel_id"]
FILLER_USER_BASE = 900_000_000_000_000_000
FILLER_CHANNEL_BASE = 800_000_000_000_000_000


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database `name`."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


# ============================================================================================== the server


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster in a temp folder, on a unix socket there, as scripts/_postgres.sh starts one for tests.

    Unlike the tests' server it keeps PostgreSQL's durable defaults (fsync, synchronous_commit): the benchmark
    measures what an operator would run.
    """

    folder: Path
    bindir: Path
    run_as: list[str]

    @classmethod
    def start(cls) -> ThrowawayPostgres:
        """initdb and start a server (as user postgres when this runs as root: initdb refuses root)."""
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
        found = [p for p in candidates if (p / "initdb").exists() and (p / "pg_ctl").exists()]
        initdb = shutil.which("initdb")
        if not found and initdb is None:
            raise SystemExit("bench_cluster: no PostgreSQL server binaries (install Debian's postgresql, or --url)")
        bindir = found[-1] if found else Path(str(initdb)).parent
        folder = Path(tempfile.mkdtemp(prefix="bounceback-bench-pg."))
        run_as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
            run_as = ["runuser", "-u", "postgres", "--"]
        server = cls(folder, bindir, run_as)
        data = str(folder / "data")
        server.run("initdb", "-D", data, "-U", "bounceback", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = f"-c listen_addresses='' -k {folder} -c max_connections=50"
        server.run("pg_ctl", "-D", data, "-l", str(folder / "server.log"), "-w", "-t", "60", "-o", options, "start")
        return server

    def run(self, program: str, *arguments: str, check: bool = True) -> None:
        """One of the server's programs (as the cluster's owner)."""
        command = [*self.run_as, str(self.bindir / program), *arguments]
        subprocess.run(command, check=check, capture_output=True)  # noqa: S603  # our own binaries and folder

    @property
    def url(self) -> str:
        """The admin URL (the `postgres` database, superuser `bounceback`)."""
        return f"postgresql://bounceback@/postgres?host={self.folder}"

    def server_pids(self) -> list[int]:
        """The postmaster and its children (one backend per connection)."""
        pid_file = self.folder / "data" / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, psutil.Error):
            master = psutil.Process(int(pid_file.read_text().split()[0]))
            return [master.pid, *(child.pid for child in master.children(recursive=True))]
        return []

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still alive."""
    found: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            found[pid] = float(times.user + times.system)
    return found


# ============================================================================================== the rows


@dataclass(frozen=True)
class Population:
    """Who subscribes: `due` (user id, DM channel id) pairs that will fall due, and `filler` more who won't."""

    due: list[tuple[int, int]]
    filler: int
    seed: int = 7

    @property
    def subscribers(self) -> int:
        """Everyone with a schedule."""
        return len(self.due) + self.filler


def _rows(population: Population, now: datetime) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(users row, nudge_subscriptions row) for every subscriber: the due ones parked, the rest due hours later."""
    rng = random.Random(population.seed)
    zones = [ZoneInfo(name) for name in ZONES]
    stamp = to_iso(now - timedelta(days=1))
    parked = now + PLACEHOLDER_DUE
    for user_id, channel_id in population.due:
        zone = rng.choice(zones)
        yield (user_id, stamp, channel_id), _schedule(user_id, zone, parked, stamp)
    start = now.replace(second=0, microsecond=0) + NOT_DUE_AFTER
    span_minutes = int((timedelta(days=1) - 2 * NOT_DUE_AFTER).total_seconds() // 60)
    for index in range(population.filler):
        zone = rng.choice(zones)
        due = start + timedelta(minutes=rng.randrange(span_minutes))
        user_id = FILLER_USER_BASE + index
        yield (user_id, stamp, FILLER_CHANNEL_BASE + index), _schedule(user_id, zone, due, stamp)


def _schedule(user_id: int, zone: ZoneInfo, due: datetime, stamp: str) -> tuple[Any, ...]:
    """A nudge_subscriptions row (SUBSCRIPTION_COLUMNS): a 14-day run, next due at `due`, its local time and date."""
    local = due.astimezone(zone)
    return (
        user_id,
        None,
        f"{local:%H:%M}",
        zone.key,
        14,
        0,
        0,
        "active",
        to_iso(due),
        f"{local:%Y-%m-%d}",
        stamp,
        stamp,
    )


def due_rows(due_ids: Sequence[int], at: datetime, seed: int = 7) -> list[tuple[Any, ...]]:
    """(local_time, next_due_at, next_local_date, user_id) putting every due member at `at`, in their own zone."""
    rng = random.Random(seed)
    zones = [ZoneInfo(name) for name in ZONES]
    stamp = to_iso(at)
    rows = []
    for user_id in due_ids:
        local = at.astimezone(rng.choice(zones))
        rows.append((f"{local:%H:%M}", stamp, f"{local:%Y-%m-%d}", local.tzinfo.key, user_id))  # type: ignore[union-attr]
    return rows


def _batches(
    rows: Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]], size: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    users: list[tuple[Any, ...]] = []
    schedules: list[tuple[Any, ...]] = []
    for user, schedule in rows:
        users.append(user)
        schedules.append(schedule)
        if len(users) >= size:
            yield users, schedules
            users, schedules = [], []
    if users:
        yield users, schedules


# ============================================================================================== PostgreSQL


async def create_scratch(admin_url: str) -> str:
    """A fresh database on the server (dropped first if a previous run left it); returns its URL."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)')
        # Byte-order text comparison, as SQLite sorts (the bot warns otherwise).
        await admin.execute(f'CREATE DATABASE "{SCRATCH_DATABASE}" TEMPLATE template0 LC_COLLATE "C" LC_CTYPE "C"')
    finally:
        await admin.close()
    return with_database(admin_url, SCRATCH_DATABASE)


async def drop_scratch(admin_url: str) -> None:
    """Remove the scratch database."""
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed_postgres(url: str, population: Population, now: datetime) -> float:
    """Migrate with the bot's migrations, COPY every row, ANALYZE; return the seconds it took."""
    from bot.storage.postgres import PostgresDatabase

    began = time.perf_counter()
    database = await PostgresDatabase.connect(url)
    await database.close()
    connection = await asyncpg.connect(url)
    try:
        for users, schedules in _batches(_rows(population, now), 100_000):
            await connection.copy_records_to_table("users", records=users, columns=USER_COLUMNS)
            await connection.copy_records_to_table(
                "nudge_subscriptions", records=schedules, columns=SUBSCRIPTION_COLUMNS
            )
        # What autovacuum would do soon after a bulk load: the planner's statistics for the claim query.
        await connection.execute("ANALYZE users; ANALYZE nudge_subscriptions")
    finally:
        await connection.close()
    return time.perf_counter() - began


async def make_due_postgres(url: str, rows: list[tuple[Any, ...]]) -> None:
    """Move the parked members to their due instant, in one UPDATE from a COPY-filled temp table."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await connection.execute(
                "CREATE TEMP TABLE due_now (local_time TEXT, next_due_at TEXT, next_local_date TEXT, "
                "timezone TEXT, user_id BIGINT) ON COMMIT DROP"
            )
            await connection.copy_records_to_table("due_now", records=rows)
            await connection.execute(
                "UPDATE nudge_subscriptions s SET local_time = d.local_time, next_due_at = d.next_due_at, "
                "next_local_date = d.next_local_date, timezone = d.timezone FROM due_now d WHERE s.user_id = d.user_id"
            )
    finally:
        await connection.close()


# ============================================================================================== SQLite


def seed_sqlite(path: Path, population: Population, now: datetime) -> float:
    """Migrate with the bot's migrations, insert every row in one transaction; return the seconds it took."""
    from bot.storage import Database

    began = time.perf_counter()

    async def migrate() -> None:
        database = await Database.open(path)
        await database.close()

    asyncio.run(migrate())
    marks = ", ".join("?" * len(SUBSCRIPTION_COLUMNS))
    with sqlite3.connect(path) as connection:
        for users, schedules in _batches(_rows(population, now), 100_000):
            connection.executemany("INSERT INTO users (user_id, created_at, dm_channel_id) VALUES (?, ?, ?)", users)
            connection.executemany(
                f"INSERT INTO nudge_subscriptions ({', '.join(SUBSCRIPTION_COLUMNS)}) VALUES ({marks})",  # noqa: S608
                schedules,
            )
        connection.commit()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def make_due_sqlite(path: Path, rows: list[tuple[Any, ...]]) -> None:
    """Move the parked members to their due instant, in one transaction."""
    with sqlite3.connect(path, timeout=60) as connection:
        connection.executemany(
            "UPDATE nudge_subscriptions SET local_time = ?, next_due_at = ?, next_local_date = ?, timezone = ? "
            "WHERE user_id = ?",
            rows,
        )
        connection.commit()


def due_instant(lead: float) -> datetime:
    """The instant every due member falls due: `lead` seconds from now, on a whole second."""
    moment = datetime.now(UTC) + timedelta(seconds=lead)
    return moment.replace(microsecond=0) + timedelta(seconds=1)
