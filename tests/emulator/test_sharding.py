"""The emulator's sharding and per-token global limit, checked on the raw protocol (as Discord documents them)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulator import DiscordEmulator
from emulator.gateway import shard_for

GUILD_EVENT_INTENTS = 1 | (1 << 9) | (1 << 12)  # GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES


def test_shard_formula_matches_discords() -> None:
    # (guild_id >> 22) % num_shards: the id's millisecond timestamp picks the shard.
    assert shard_for(0b101 << 22, 2) == 1
    assert shard_for(0b101 << 22, 3) == 2
    assert shard_for((0b110 << 22) | 0x3FFFFF, 2) == 0  # the low 22 bits (worker, sequence) never matter
    assert shard_for(81384788765712384, 1) == 0
    assert shard_for(81384788765712384, 4) == (81384788765712384 >> 22) % 4
    assert shard_for(None, 5) == 0  # DMs: shard 0 only


def test_guilds_can_be_placed_on_a_shard() -> None:
    emu = DiscordEmulator()
    for shard in (0, 1, 2, 1, 0):
        guild = emu.create_guild(f"g{shard}", on_shard=(shard, 3))
        assert shard_for(guild.id, 3) == shard


class RawSession:
    """One raw gateway connection, collecting every dispatch it receives."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []

    async def pump(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                payload = message.json()
                if payload.get("op") == 0:
                    self.events.append(payload)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event["d"] for event in self.events if event["t"] == kind]


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    emulator = DiscordEmulator(recommended_shards=2)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


async def identify(http: aiohttp.ClientSession, emu: DiscordEmulator, shard: list[int] | None) -> RawSession:
    ws = await http.ws_connect(f"{emu.gateway_url}?v=10&encoding=json")
    assert (await ws.receive_json())["op"] == 10
    data: dict[str, Any] = {"token": emu.token, "intents": GUILD_EVENT_INTENTS, "properties": {}}
    if shard is not None:
        data["shard"] = shard
    await ws.send_json({"op": 2, "d": data})
    return RawSession(ws)


async def test_each_shard_gets_its_servers_and_dms_go_to_shard_0(emu: DiscordEmulator) -> None:
    even = emu.create_guild("Even", on_shard=(0, 2))
    odd = emu.create_guild("Odd", on_shard=(1, 2))
    alex = emu.create_member(even.id, "alex")
    bo = emu.create_member(odd.id, "bo")
    async with aiohttp.ClientSession() as http:
        sessions = [await identify(http, emu, [0, 2]), await identify(http, emu, [1, 2])]
        pumps = [asyncio.create_task(session.pump()) for session in sessions]
        try:
            await emu.wait_until(lambda: all(s.of("GUILD_CREATE") for s in sessions), 5, "both shards' servers")
            zero, one = sessions
            assert [g["id"] for g in zero.of("READY")[0]["guilds"]] == [str(even.id)]
            assert [g["id"] for g in one.of("READY")[0]["guilds"]] == [str(odd.id)]
            assert zero.of("READY")[0]["shard"] == [0, 2] and one.of("READY")[0]["shard"] == [1, 2]

            in_even = await alex.send("hello from the even server")
            in_odd = await bo.send("hello from the odd server")
            dm = await bo.send("a DM, from a member of the odd server", dm=True)
            later = emu.create_guild("Later", on_shard=(1, 2))  # a server joined while connected
            await emu.flush()
            await emu.wait_until(lambda: len(one.of("MESSAGE_CREATE")) == 1 and one.of("GUILD_CREATE")[1:], 5, "events")
            await emu.wait_until(lambda: len(zero.of("MESSAGE_CREATE")) == 2, 5, "shard 0's events")
            assert {m["id"] for m in zero.of("MESSAGE_CREATE")} == {str(in_even.id), str(dm.id)}
            assert {m["id"] for m in one.of("MESSAGE_CREATE")} == {str(in_odd.id)}
            assert [g["id"] for g in one.of("GUILD_CREATE")] == [str(odd.id), str(later.id)]
            assert [g["id"] for g in zero.of("GUILD_CREATE")] == [str(even.id)]
        finally:
            for session in sessions:
                await session.ws.close()
            for pump in pumps:
                await pump


async def test_gateway_bot_reports_the_shard_count_and_bad_shards_are_refused(emu: DiscordEmulator) -> None:
    emu.create_guild("One")
    emu.create_guild("Two")
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/gateway/bot", headers=headers) as response:
            body = await response.json()
        assert body["shards"] == 2 and body["url"] == emu.gateway_url
        assert body["session_start_limit"]["max_concurrency"] == 1
        for bad in ([2, 2], [-1, 2], [0, 0]):
            session = await identify(http, emu, bad)
            closed = await session.ws.receive()
            assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4010, bad
        emu.max_guilds_per_shard = 1
        session = await identify(http, emu, None)  # two servers on one unsharded connection: too many now
        closed = await session.ws.receive()
        assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4011


async def test_the_global_limit_is_one_budget_for_every_connection_of_a_token() -> None:
    emu = DiscordEmulator(global_rate_limit=10)
    await emu.start()
    headers = {"Authorization": f"Bot {emu.token}"}

    async def burst(http: aiohttp.ClientSession, count: int) -> list[int]:
        async def one() -> int:
            async with http.get(f"{emu.api_base}/users/@me", headers=headers) as response:
                return response.status

        return list(await asyncio.gather(*(one() for _ in range(count))))

    try:
        # Two clients on their own connections, each under the limit, together over it, in one window.
        async with aiohttp.ClientSession() as first, aiohttp.ClientSession() as second:
            statuses = [s for part in await asyncio.gather(burst(first, 8), burst(second, 8)) for s in part]
    finally:
        await emu.stop()
    window = emu.stats.max_in_window(1.0)
    assert window >= 16, "the two bursts did not land in one window; the test proves nothing"
    assert statuses.count(200) <= 10 and statuses.count(429) >= 6
    assert emu.stats.rate_limited_global == statuses.count(429)
