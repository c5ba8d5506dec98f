"""Two shards of the bot on one emulator and one database: each serves its servers, DMs reach shard 0, bot-wide
jobs run once, and the two stay inside one global rate limit together.

Two `Bot`s in this test process (each its own gateway session and database connection, like two processes), and
then the same with two real `python -m bot` processes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import ShardedBouncebackBot, shard_of
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT
from emulator import DiscordEmulator, SimulatedMember
from emulator.gateway import GatewaySession
from tests.e2e.test_digest import digest_on, digest_posts
from tests.e2e.wins_helpers import share
from tests.harness import DEFAULT_START, Harness, kill_hard, message_of

DAY = timedelta(days=1)


class Cluster:
    """One emulator, one database, two servers (one per shard) and a harness per shard."""

    def __init__(self, emulator: DiscordEmulator, tmp_path: Path) -> None:
        self.emulator = emulator
        self.clock = ManualClock(DEFAULT_START)
        self.even = emulator.create_guild("Even", on_shard=(0, 2))
        self.odd = emulator.create_guild("Odd", on_shard=(1, 2))
        database = tmp_path / "cluster.sqlite3"
        self.shards = [
            Harness(emulator, guild.id, database, self.clock, overrides={"shard_count": 2, "shard_ids": (shard,)})
            for shard, guild in enumerate((self.even, self.odd))
        ]
        self.seen: list[list[int | None]] = [[], []]

    async def start(self, **settings: Any) -> None:
        for shard, harness in enumerate(self.shards):
            bot = await harness.start(**settings)
            assert isinstance(bot, ShardedBouncebackBot)
            seen = self.seen[shard]

            async def noted(interaction: discord.Interaction[Any], seen: list[int | None] = seen) -> None:
                seen.append(interaction.guild_id)

            bot.add_listener(noted, "on_interaction")

    async def stop(self) -> None:
        for harness in self.shards:
            await harness.stop()


@pytest.fixture
async def cluster(emulator: DiscordEmulator, tmp_path: Path) -> AsyncIterator[Cluster]:
    rig = Cluster(emulator, tmp_path)
    await rig.start()
    try:
        yield rig
    finally:
        await rig.stop()


def checkins_of(database: Path, user_id: int) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM checkins WHERE user_id = ?", (user_id,)).fetchone()[0])


async def test_each_shard_serves_its_own_servers_and_dms_reach_shard_0(cluster: Cluster) -> None:
    zero, one = (harness.running for harness in cluster.shards)
    assert [g.id for g in zero.guilds] == [cluster.even.id] and [g.id for g in one.guilds] == [cluster.odd.id]
    assert isinstance(zero, ShardedBouncebackBot) and isinstance(one, ShardedBouncebackBot)
    assert (zero.shard_ids, one.shard_ids, zero.shard_count) == ([0], [1], 2)
    assert shard_of(cluster.even.id, 2) == 0 and shard_of(cluster.odd.id, 2) == 1

    ada = cluster.emulator.create_member(cluster.even.id, "ada")
    bo = cluster.emulator.create_member(cluster.odd.id, "bo")
    for member in (ada, bo):
        answered = await member.slash("rejected", company="Acme")
        assert answered.ephemeral and "Acme" in message_of(answered).text()
        await asyncio.sleep(0.1)  # a second answer, if one were coming, would be refused with 40060 and logged
        assert checkins_of(cluster.shards[0].database_path, member.user_id) == 1
        [result] = [r for r in cluster.emulator.interactions if r.pending.user_id == member.user_id]
        assert result.error is None
    assert cluster.seen == [[cluster.even.id], [cluster.odd.id]]

    helped = await bo.slash("help", dm=True)  # a member of shard 1's server, in DMs: shard 0 answers
    assert helped.message is not None
    assert cluster.seen == [[cluster.even.id, None], [cluster.odd.id]]


async def test_the_weekly_digest_is_posted_once_when_both_processes_run_its_cron(cluster: Cluster) -> None:
    even = cluster.shards[0]
    channel = await digest_on(even)  # configured through shard 0, which serves the Even server
    await share(even.member("alex"), "A win for the digest to count.")
    await cluster.shards[1].restart()  # the other process learns the digest from the database when it starts
    zero, one = (harness.running for harness in cluster.shards)
    job = f"digest:{cluster.even.id}"
    assert job in zero.scheduler.job_names() and job in one.scheduler.job_names()

    before = cluster.clock.now()
    cluster.clock.advance(4 * DAY)  # past Sunday 18:00 in London
    await asyncio.gather(*(bot.scheduler.run_due(before, cluster.clock.now()) for bot in (zero, one)))
    [digest] = digest_posts(even, channel)
    assert "**1** win shared" in digest.text()
    holders = {await bot.leases.holder_of(f"job:{job}") for bot in (zero, one)}
    assert holders <= {zero.leases.holder, one.leases.holder} and len(holders) == 1

    # A week later, the process that did not post last week may: the lease is free again at each fire.
    await share(even.member("bea"), "Another win.")
    before = cluster.clock.now()
    cluster.clock.advance(7 * DAY)
    await asyncio.gather(*(bot.scheduler.run_due(before, cluster.clock.now()) for bot in (one, zero)))
    assert len(digest_posts(even, channel)) == 2


async def members_in(emulator: DiscordEmulator, guild_id: int, count: int, prefix: str) -> list[SimulatedMember]:
    members = [emulator.create_member(guild_id, f"{prefix}{i}") for i in range(count)]
    await emulator.flush()
    return members


async def send_all(bot: Any, members: list[SimulatedMember]) -> list[bool]:
    results = await asyncio.gather(*(bot.delivery.send_dm(m.user_id, content="hello") for m in members))
    return [result.sent for result in results]


@pytest.mark.parametrize(("bot_budget", "limited"), [(16.0, False), (30.0, True)])
async def test_both_shards_share_one_global_limit(tmp_path: Path, bot_budget: float, limited: bool) -> None:
    """The emulator's limit (20/s) counts both sessions' requests together; each process spends its half of
    NUDGE_RATE_PER_SECOND. Within the limit together: no 429. Each within it alone but over it together: 429s
    (and every DM still arrives, discord.py waiting them out)."""
    emulator = DiscordEmulator(global_rate_limit=20)
    await emulator.start()
    rig = Cluster(emulator, tmp_path)
    try:
        await rig.start(nudge_rate_per_second=bot_budget)
        zero, one = (harness.running for harness in rig.shards)
        assert zero.delivery.budget.rate == one.delivery.budget.rate == bot_budget / 2
        even = await members_in(emulator, rig.even.id, 40, "e")
        odd = await members_in(emulator, rig.odd.id, 30, "o")
        emulator.stats.reset()
        assert all(await send_all(zero, even[:10]))  # one process alone: always inside the limit
        assert emulator.stats.rate_limited_global == 0
        sent = await asyncio.gather(send_all(zero, even[10:]), send_all(one, odd))
        assert all(sent[0]) and all(sent[1])
        assert all(len(emulator.dm_messages(m.user_id)) == 1 for m in even + odd)
        if limited:
            assert emulator.stats.rate_limited_global >= 1
        else:
            assert emulator.stats.rate_limited_global == 0
            assert emulator.stats.max_in_window(1.0) <= 20
    finally:
        await rig.stop()
        await emulator.stop()


def interactions_of(session: GatewaySession) -> list[dict[str, Any]]:
    return [p["d"] for p in session.buffer if p["t"] == "INTERACTION_CREATE"]


async def test_two_shard_processes_on_one_emulator(emulator: DiscordEmulator, tmp_path: Path) -> None:
    even = emulator.create_guild("Even", on_shard=(0, 2))
    odd = emulator.create_guild("Odd", on_shard=(1, 2))
    rig = Harness(emulator, even.id, tmp_path / "cluster.sqlite3", ManualClock(DEFAULT_START))
    processes = [rig.spawn(tmp_path / f"shard{shard}.log", SHARD_COUNT="2", SHARD_IDS=str(shard)) for shard in (0, 1)]
    try:
        await emulator.wait_until(lambda: len(emulator.gateway.connected_sessions()) == 2, 60, "both shards")
        sessions = {s.shard: s for s in emulator.gateway.connected_sessions()}
        assert set(sessions) == {(0, 2), (1, 2)}
        ada = emulator.create_member(even.id, "ada")
        bo = emulator.create_member(odd.id, "bo")
        for member in (ada, bo):
            answered = await member.slash("rejected", company="Acme", timeout=20)
            assert answered.ephemeral and "Acme" in message_of(answered).text()
        await bo.slash("help", dm=True, timeout=20)
        await asyncio.sleep(0.2)
        assert [i["guild_id"] for i in interactions_of(sessions[(0, 2)])[:1]] == [str(even.id)]
        assert [i.get("guild_id") for i in interactions_of(sessions[(0, 2)])] == [str(even.id), None]
        assert [i["guild_id"] for i in interactions_of(sessions[(1, 2)])] == [str(odd.id)]
        assert all(result.error is None for result in emulator.interactions)
        assert checkins_of(rig.database_path, ada.user_id) == checkins_of(rig.database_path, bo.user_id) == 1
    finally:
        for process in processes:
            kill_hard(process)
    logs = [(tmp_path / f"shard{shard}.log").read_text() for shard in (0, 1)]
    assert "shard 0 of 2 ready" in logs[0] and "shard 1 of 2 ready" in logs[1]
    assert all("Traceback" not in log for log in logs), logs


async def test_a_shard_outside_the_count_exits_2_with_one_line(emulator: DiscordEmulator, tmp_path: Path) -> None:
    rig = Harness(emulator, 0, tmp_path / "bot.sqlite3", ManualClock(DEFAULT_START))
    env = {**rig.environment(SHARD_COUNT="2", SHARD_IDS="1,2"), "PYTHONPATH": str(PROJECT_ROOT)}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "SHARD_IDS 2 not within 0..1 (SHARD_COUNT=2)" in line and "Traceback" not in result.stderr
