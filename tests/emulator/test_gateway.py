"""Gateway behaviour: resume after RECONNECT/drop, invalid sessions, late guilds, intents, raw protocol."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import Any

import aiohttp
import discord

from emulator import DiscordEmulator
from emulator.testing import connect_client
from tests.emulator.conftest import World
from tests.emulator.testbot import TestBot, make_bot


async def test_reconnect_request_resumes(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    assert await emu.gateway_reconnect_request() == 1
    await asyncio.wait_for(bot.resumed.wait(), 5)
    assert emu.stats.resumes == 1 and emu.stats.identifies == 1
    res = await world.alex.slash("rejected", company="Acme", stage="onsite")
    assert res.message is not None and res.message.content == "Logged Acme at onsite"


async def test_drop_buffers_and_replays_events(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    assert await emu.gateway_drop() == 1
    sent = await world.alex.send("said while the bot was away")  # buffered for the session
    await asyncio.wait_for(bot.resumed.wait(), 5)
    await emu.wait_until(lambda: any(m.id == sent.id for m in bot.seen_messages), 3, "replayed MESSAGE_CREATE")
    assert [m.id for m in bot.seen_messages].count(sent.id) == 1
    assert emu.stats.resumes == 1 and emu.stats.identifies == 1
    res = await world.alex.slash("mood")
    assert res.message is not None


async def test_invalid_session_reidentifies(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    await emu.gateway_invalidate_session(resumable=False)
    await emu.wait_until(lambda: emu.stats.identifies == 2 and emu.gateway.connected_sessions(), 5, "re-IDENTIFY")
    await emu.wait_until(lambda: bot.is_ready() and bot.get_guild(world.guild_id), 5, "guild back in cache")
    res = await world.alex.slash("rejected", company="Acme", stage="onsite")
    assert res.message is not None
    assert emu.stats.resumes == 0


async def test_guild_created_after_connect_and_new_member(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    guild = emu.create_guild("Late Guild")
    await emu.wait_until(lambda: bot.get_guild(guild.id), 3, "GUILD_CREATE for a late guild")
    newbie = emu.create_member(guild.id, "newbie")
    res = await newbie.slash("rejected", company="Initech", stage="phone")
    assert res.message is not None and res.message.guild_id == guild.id
    channel = emu.create_text_channel(guild.id, "late-wins")
    await emu.wait_until(lambda: bot.get_channel(channel.id), 3, "CHANNEL_CREATE")


async def test_message_content_intent_gating(emu: DiscordEmulator, world: World) -> None:
    plain = make_bot()
    async with connect_client(emu, plain):
        msg = await world.alex.send("secret words")
        await emu.wait_until(lambda: any(m.id == msg.id for m in plain.seen_messages), 3, "MESSAGE_CREATE")
        assert next(m for m in plain.seen_messages if m.id == msg.id).content == ""
        pinged = await world.alex.send(f"hey <@{emu.bot_user_id}>")
        await emu.wait_until(lambda: any(m.id == pinged.id for m in plain.seen_messages), 3, "mention")
        assert next(m for m in plain.seen_messages if m.id == pinged.id).content.startswith("hey")
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    privileged = make_bot(intents)
    async with connect_client(emu, privileged):
        guild = privileged.get_guild(world.guild_id)
        assert guild is not None and guild.chunked and {m.name for m in guild.members} >= {"alex", "sam", "bob"}
        msg = await world.alex.send("visible words")
        await emu.wait_until(lambda: any(m.id == msg.id for m in privileged.seen_messages), 3, "MESSAGE_CREATE")
        assert next(m for m in privileged.seen_messages if m.id == msg.id).content == "visible words"


async def test_raw_gateway_protocol(emu: DiscordEmulator, world: World) -> None:
    """Uncompressed JSON: HELLO, heartbeat ACK, bad token, IDENTIFY/READY/GUILD_CREATE, bad RESUME."""
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws:
            hello = await ws.receive_json()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250
            await ws.send_json({"op": 1, "d": None})
            assert (await ws.receive_json())["op"] == 11
            await ws.send_json({"op": 2, "d": {"token": "nope", "intents": 0, "properties": {}}})
            closed = await ws.receive()
            assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4004
        async with http.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()
            await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 1, "properties": {}, "shard": [0, 1]}})
            ready = await ws.receive_json()
            assert ready["t"] == "READY" and ready["s"] == 1
            assert ready["d"]["resume_gateway_url"] == emu.gateway_url and ready["d"]["shard"] == [0, 1]
            assert ready["d"]["guilds"] == [{"id": str(world.guild_id), "unavailable": True}]
            create = await ws.receive_json()
            assert create["t"] == "GUILD_CREATE" and create["s"] == 2
            assert {"channels", "roles", "members", "threads", "voice_states", "member_count"} <= set(create["d"])
        async with http.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws:
            await ws.receive_json()
            await ws.send_json({"op": 6, "d": {"token": emu.token, "session_id": "unknown", "seq": 3}})
            assert await ws.receive_json() == {"op": 9, "d": False}


async def test_zlib_stream_frames_are_sync_flushed(emu: DiscordEmulator, world: World) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{emu.gateway_url}?v=10&compress=zlib-stream") as ws:
        inflator = zlib.decompressobj()

        async def receive() -> dict[str, Any]:
            frame = await ws.receive_bytes()
            assert frame.endswith(b"\x00\x00\xff\xff")
            decoded: dict[str, Any] = json.loads(inflator.decompress(frame))
            return decoded

        assert (await receive())["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 513, "properties": {}}})
        assert (await receive())["t"] == "READY"
        assert (await receive())["t"] == "GUILD_CREATE"


async def test_request_members_and_server_heartbeat_request(emu: DiscordEmulator, world: World) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{emu.gateway_url}?v=10&encoding=json") as ws:
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": {"token": emu.token, "intents": 3, "properties": {}}})
        await ws.receive_json()  # READY
        create = await ws.receive_json()
        assert len(create["d"]["members"]) == create["d"]["member_count"] == 5  # GUILD_MEMBERS intent: everyone
        await ws.send_json({"op": 8, "d": {"guild_id": str(world.guild_id), "query": "al", "limit": 0, "nonce": "n1"}})
        chunk = await ws.receive_json()
        assert chunk["t"] == "GUILD_MEMBERS_CHUNK" and chunk["d"]["nonce"] == "n1"
        assert [m["user"]["username"] for m in chunk["d"]["members"]] == ["alex"]
        assert await emu.gateway_request_heartbeat() == 1
        assert await ws.receive_json() == {"op": 1, "d": None}


async def test_interactions_go_to_one_session(emu: DiscordEmulator, world: World) -> None:
    first, second = make_bot(), make_bot()
    async with connect_client(emu, first), connect_client(emu, second):
        res = await world.alex.slash("rejected", company="Acme", stage="onsite")
        assert res.type == 4
        assert emu.stats.interaction_latencies and emu.stats.late_interaction_callbacks == 0
        assert sum(1 for _ in emu.gateway.connected_sessions()) == 2
