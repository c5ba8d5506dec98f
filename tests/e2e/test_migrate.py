"""`bounceback migrate`: a SQLite database made by the real bot, copied into a real PostgreSQL server, killed half
way and resumed, verified row for row, and then served by the bot on PostgreSQL to the same members."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from bot.crypto import TextCipher
from bot.migrate import MigrationError, migrate_to_postgresql
from emulator import DiscordEmulator, SimulatedMember
from tests.e2e.mydata_helpers import Marker, finish_feedback, log_rejection, seed_member, set_up_wins_channel
from tests.e2e.test_mydata import export_of
from tests.harness import DEFAULT_START, TEST_KEY, Harness
from tests.pg import Databases, query

pytestmark = pytest.mark.postgresql

BULK = 300


class Crash(RuntimeError):
    """What the injected failure raises, as a kill would stop the run."""


@pytest.fixture
async def target(postgresql_databases: Databases) -> AsyncIterator[str]:
    """An empty PostgreSQL database (the template is migrated, with no rows)."""
    url = await postgresql_databases.create()
    yield url
    await postgresql_databases.drop(url)


@pytest.fixture
async def sqlite_bot(emulator: DiscordEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot on SQLite, whatever backend the run uses: the database to migrate from."""
    guild = emulator.create_guild(name="Job Seekers")
    rig = Harness(emulator, guild.id, tmp_path / "bounceback.sqlite3", ManualClock(DEFAULT_START))
    await rig.start()
    try:
        yield rig
    finally:
        await rig.stop()


async def populate(rig: Harness) -> tuple[SimulatedMember, dict[str, Any]]:
    """Two members use every feature through Discord; many check-ins and timers make the copy take batches."""
    await set_up_wins_channel(rig)
    alex, sam = rig.member("alex"), rig.member("sam")
    pairs = [(alex, Marker("alex")), (sam, Marker("sam"))]
    for member, marker in pairs:
        await seed_member(rig, member, marker)
    await finish_feedback(rig, pairs)
    bot = rig.running
    for index in range(BULK):
        await bot.checkins.create(
            user_id=sam.user_id,
            guild_id=rig.guild_id,
            now=bot.now(),
            company=f"Corp {index}",
            role="dev",
            stage="onsite",
        )
        await bot.timers.schedule("bulk-test", bot.now() + timedelta(days=400 + index), user_id=sam.user_id)
    _, export = await export_of(alex)
    return alex, export


def sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table in the SQLite file, sorted."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        return sorted(tuple(row) for row in connection.execute(f'SELECT * FROM "{table}"'))  # noqa: S608


def assert_same_rows(path: Path, url: str) -> None:
    """Every copied table holds exactly the SQLite rows, each once."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if row[0] not in {"schema_migrations", "cluster_heartbeats"}
        ]
    assert "checkins" in tables and "timers" in tables
    for table in tables:
        there = sorted(tuple(row) for row in query(url, f'SELECT * FROM "{table}"'))  # noqa: S608
        assert there == sqlite_rows(path, table), table


def migrate_process(rig: Harness, url: str) -> subprocess.Popen[str]:
    """`python -m bot migrate --to URL` with the bot's settings (on SQLite), batches of 2 rows."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "migrate", "--to", url, "--batch-size", "2"],
        cwd=rig.database_path.parent,
        env=_env(rig),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )


def kill_after_table(process: subprocess.Popen[str], table: str) -> list[str]:
    """Read progress until `table` is complete, then kill -9; return the lines read."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith(f"{table} ") and "[" in line and "(copied earlier)" not in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    return lines


async def test_a_killed_migration_resumes_and_the_bot_serves_the_same_members_from_postgresql(
    sqlite_bot: Harness, target: str, emulator: DiscordEmulator
) -> None:
    alex, before = await populate(sqlite_bot)
    await sqlite_bot.stop()  # clean stop: its heartbeat says "stopped"

    first = migrate_process(sqlite_bot, target)
    read = await asyncio.to_thread(kill_after_table, first, "checkins")
    assert first.returncode == -signal.SIGKILL, "".join(read)
    assert any("stop it first" in line for line in read)
    marks = {row["table_name"]: row for row in query(target, "SELECT * FROM sqlite_import")}
    # Killed in the middle: check-ins are (partly or wholly) there, the timers after them are not all.
    assert marks["*"]["done"] is False and marks["checkins"]["copied"] > 0
    assert "timers" not in marks or marks["timers"]["done"] is False, "the run finished before it was killed"
    assert query(target, "SELECT COUNT(*) FROM checkins")[0][0] == marks["checkins"]["copied"]

    second = await asyncio.to_thread(run_migrate, sqlite_bot, target)
    assert second.returncode == 0, second.stderr
    last = second.stderr.strip().splitlines()[-1]
    assert last.startswith("resumed and finished:") and "row counts equal" in last, second.stderr
    assert "checkins" in second.stderr and "(copied earlier)" in second.stderr
    assert_same_rows(sqlite_bot.database_path, target)

    # Run again: nothing copied twice, checked again.
    third = await asyncio.to_thread(run_migrate, sqlite_bot, target)
    assert third.returncode == 0 and "already complete" in third.stderr, third.stderr
    assert_same_rows(sqlite_bot.database_path, target)

    # The bot on PostgreSQL: the same member sees the same data, and new rows get new ids.
    on_pg = Harness(emulator, sqlite_bot.guild_id, sqlite_bot.database_path, sqlite_bot.clock, database_url=target)
    await on_pg.start()
    try:
        _, after = await export_of(alex)
        assert before["sections"] and after["sections"] == before["sections"]
        largest = query(target, "SELECT MAX(id) FROM checkins")[0][0]
        newest, _ = await log_rejection(alex, "disappointed", 3, company="NewCorp")
        assert newest == largest + 1
        progress = await (await alex.slash("progress")).wait_final()
        assert progress.content or progress.embeds
    finally:
        await on_pg.stop()


def _env(rig: Harness) -> dict[str, str]:
    env = rig.environment()
    env.pop("DATABASE_URL", None)
    return {**env, "PYTHONPATH": str(PROJECT_ROOT)}


def run_migrate(rig: Harness, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot migrate --to URL` to completion, with the bot's settings (on SQLite)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "migrate", "--to", url, "--batch-size", "2", *extra],
        cwd=rig.database_path.parent,
        env=_env(rig),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_an_injected_failure_mid_table_resumes_without_duplicates(sqlite_bot: Harness, target: str) -> None:
    await populate(sqlite_bot)
    await sqlite_bot.stop()
    cipher = TextCipher(TEST_KEY.encode())
    batches = 0

    def crash_after_five(table: str, rows: int) -> None:
        nonlocal batches
        batches += 1
        if table == "checkins" and rows >= 10:
            raise Crash(f"injected after {rows} rows of {table}")

    with pytest.raises(Crash):
        await migrate_to_postgresql(
            sqlite_bot.database_path, target, cipher, DEFAULT_START, batch_size=5, after_batch=crash_after_five
        )
    assert query(target, "SELECT COUNT(*) FROM checkins")[0][0] == 10
    report = await migrate_to_postgresql(sqlite_bot.database_path, target, cipher, DEFAULT_START, batch_size=5)
    assert report.resumed and not report.already_done and report.sampled > 0
    assert all(count.source == count.target for count in report.counts)
    assert_same_rows(sqlite_bot.database_path, target)


async def test_refusals_one_line_each(sqlite_bot: Harness, target: str, tmp_path: Path) -> None:
    await populate(sqlite_bot)
    cipher = TextCipher(TEST_KEY.encode())
    # The bot still runs on the SQLite file: its heartbeat is fresh.
    await sqlite_bot.running.beat()
    with pytest.raises(MigrationError, match="stop every bot process"):
        await migrate_to_postgresql(sqlite_bot.database_path, target, cipher, sqlite_bot.clock.now())
    await sqlite_bot.stop()
    # A different key cannot read the copy: verification fails, exit 1 from the command.
    wrong = TextCipher(b"0" * 43 + b"=")
    with pytest.raises(MigrationError, match="do not decrypt with ENCRYPTION_KEY"):
        await migrate_to_postgresql(sqlite_bot.database_path, target, wrong, DEFAULT_START)
    # Another SQLite database into the same target is refused.
    other = tmp_path / "other.sqlite3"
    other.write_bytes(sqlite_bot.database_path.read_bytes())
    with pytest.raises(MigrationError, match="another SQLite database"):
        await migrate_to_postgresql(other, target, cipher, DEFAULT_START)


async def test_a_target_with_data_of_its_own_is_refused(
    sqlite_bot: Harness, target: str, emulator: DiscordEmulator
) -> None:
    await sqlite_bot.stop()
    query(target, "INSERT INTO meta (key, value) VALUES ('commands_hash:x', 'y')")
    result = await asyncio.to_thread(run_migrate, sqlite_bot, target)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "bounceback: the target already holds data (table meta has rows) and not from this SQLite database: "
        "migrate into an empty database"
    )
