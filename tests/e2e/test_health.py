"""`bounceback health`: shards from the heartbeats the processes write, and how late timers and nudges are."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT
from bot.heartbeat import Health, Process, assess, beat
from tests.harness import Harness, kill_hard


async def health_of(harness: Harness) -> Health:
    """Assess through the running bot's own connection, as of the bot's clock."""
    database = harness.running.database

    async def fetch(sql: str, params: Sequence[Any]) -> list[Any]:
        return await database.fetchall(sql, tuple(params))

    return await assess(fetch, harness.clock.now())


async def test_a_running_bot_is_healthy_and_says_which_shard_it_runs(harness: Harness) -> None:
    health = await health_of(harness)
    assert health.healthy, health.lines
    [shard] = [line for line in health.lines if "shard" in line]
    assert shard.startswith("ok") and "shard 0/1: connected" in shard
    assert any(line.endswith("timers: nothing due") for line in health.lines)
    assert any(line.endswith("nudges: nothing due") for line in health.lines)
    row = harness.rows("SELECT shard_count, gateway, pid FROM cluster_heartbeats WHERE shard_id = 0")[0]
    assert (row[0], row[1]) == (1, "connected") and row[2] > 0


async def test_a_silent_shard_and_one_never_seen_are_reported(harness: Harness) -> None:
    now = harness.clock.now()
    database = harness.running.database
    # Three processes, one shard each, of a three-shard bot: shard 1 stopped beating two minutes ago, shard 2's
    # process never started.
    await beat(database, Process("host-a", 101, now), now, 3, {0: "connected"})
    await beat(database, Process("host-b", 102, now), now - timedelta(minutes=2), 3, {1: "connected"})
    health = await health_of(harness)
    assert not health.healthy and health.problems == 2, health.lines
    assert "ok      shard 0/3: connected (pid 101 on host-a, last beat 0s ago)" in health.lines
    assert "SILENT  shard 1/3: silent (pid 102 on host-b, last beat 2m ago)" in health.lines
    assert "SILENT  shard 2/3: no process has ever run it" in health.lines
    # A process whose gateway dropped still beats: it is up, its shard is not connected.
    await beat(database, Process("host-b", 103, now), now, 3, {1: "disconnected"})
    await beat(database, Process("host-c", 104, now), now, 3, {2: "connected"})
    health = await health_of(harness)
    assert health.problems == 1 and "DOWN    shard 1/3: process up, gateway disconnected" in health.lines[1]


async def test_timers_and_nudges_behind_are_reported_with_their_age(harness: Harness) -> None:
    bot = harness.running
    member = harness.member("alex")
    await (await member.slash("nudges start", time="09:00", timezone="UTC")).wait_final()
    await bot.timers.schedule("health-test", harness.clock.now() + timedelta(minutes=1))
    assert (await health_of(harness)).healthy
    # Time passes and nothing runs (the bot is stuck, or no process serves the timers).
    harness.clock.advance(timedelta(days=1, hours=1))
    health = await health_of(harness)
    behind = [line for line in health.lines if line.startswith("BEHIND")]
    assert any(line.startswith("BEHIND  timers: 1 timer(s) due and not done, the oldest") for line in behind), behind
    assert any(line.startswith("BEHIND  nudges: 1 daily nudge(s) due and not yet sent") for line in behind), behind
    await beat(bot.database, bot.process, harness.clock.now(), 1, {0: "connected"})
    assert (await health_of(harness)).problems == 2


def run_health(harness: Harness, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot health` with the bot's settings."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        cwd=harness.database_path.parent,
        env={**harness.environment(), "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def wait_connected(harness: Harness, pid: int) -> None:
    """Until the process with `pid` has said its shard is connected."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = harness.rows("SELECT pid, gateway FROM cluster_heartbeats WHERE shard_id = 0")
        if rows and (rows[0][0], rows[0][1]) == (pid, "connected"):
            return
        time.sleep(0.2)
    raise AssertionError("the bot process never reported its shard connected")


async def test_the_command_exits_0_for_a_live_process_and_1_once_it_is_killed(harness: Harness, tmp_path: Path) -> None:
    await harness.stop()
    process = harness.spawn(tmp_path / "bot.log")
    try:
        await asyncio.to_thread(wait_connected, harness, process.pid)
        alive = await asyncio.to_thread(run_health, harness)
        assert alive.returncode == 0, alive.stdout + alive.stderr
        assert alive.stdout.splitlines()[0].startswith("ok      shard 0/1: connected (pid")
        assert alive.stdout.splitlines()[-1] == "healthy"
    finally:
        kill_hard(process)
    await asyncio.sleep(1.5)
    silent = await asyncio.to_thread(run_health, harness, "--silent-after", "1")
    assert silent.returncode == 1, silent.stdout + silent.stderr
    lines = silent.stdout.splitlines()
    assert lines[0].startswith(f"SILENT  shard 0/1: silent (pid {process.pid} on ")
    assert lines[-1] == "unhealthy: 1 problem(s)"
