"""REST behaviour: messages, permissions, nonce dedupe, rate limits, fault injection, validation."""

from __future__ import annotations

import asyncio
import io

import aiohttp
import discord
import pytest

from emulator import DiscordEmulator
from emulator import permissions as perms
from emulator.testing import connect_client
from tests.emulator.conftest import World
from tests.emulator.testbot import TestBot, make_bot


def text_channel(bot: TestBot, channel_id: int) -> discord.TextChannel:
    """The bot's cached text channel."""
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_send_edit_react_delete(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    sent = await channel.send(
        f"congrats {world.alex.mention}", embed=discord.Embed(title="Win", description="Offer!").set_footer(text="yay")
    )
    stored = emu.message(sent.id)
    assert stored.text() == f"congrats {world.alex.mention}\nWin\nOffer!\nyay"
    assert stored.mentions == [world.alex.user_id]
    await sent.edit(content="edited", embed=None)
    assert stored.content == "edited" and stored.embeds == [] and stored.edited_at is not None
    await sent.add_reaction("🎉")
    assert stored.reactions == {"🎉": {emu.bot_user_id}}
    await world.alex.react(stored, "🎉")
    assert stored.reactions["🎉"] == {emu.bot_user_id, world.alex.user_id}
    fetched = await channel.fetch_message(sent.id)
    assert fetched.reactions[0].count == 2 and fetched.reactions[0].me
    history = [m.id async for m in channel.history(limit=10)]
    assert history == [sent.id]
    await sent.delete()
    assert stored.deleted and emu.channel_messages(world.wins_id) == []
    with pytest.raises(discord.NotFound) as info:
        await channel.fetch_message(sent.id)
    assert info.value.code == 10008


async def test_allowed_mentions_respected(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    quiet = await channel.send(f"{world.alex.mention} @everyone", allowed_mentions=discord.AllowedMentions.none())
    stored = emu.message(quiet.id)
    assert stored.mentions == [] and not stored.mention_everyone
    assert stored.allowed_mentions == {"parse": []}  # exactly as sent


async def test_nonce_dedupe(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    first = await channel.send("only once", nonce=424242)
    second = await channel.send("only once", nonce=424242)
    assert first.id == second.id
    assert [m.content for m in emu.channel_messages(world.wins_id)] == ["only once"]
    other = await channel.send("only once", nonce=1)
    assert other.id != first.id


async def test_permission_overwrite_forbids_and_updates_cache(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    await emu.set_channel_permission(world.wins_id, emu.bot_user_id, deny=perms.SEND_MESSAGES)
    await emu.wait_until(
        lambda: not channel.permissions_for(channel.guild.me).send_messages, 2, "CHANNEL_UPDATE in the bot's cache"
    )
    with pytest.raises(discord.Forbidden) as info:
        await channel.send("hello")
    assert info.value.code == 50013
    await emu.set_channel_permission(world.wins_id, emu.bot_user_id)  # remove the overwrite
    await emu.set_channel_permission(world.wins_id, world.guild_id, deny=perms.EMBED_LINKS)
    await channel.send("plain text is fine")
    with pytest.raises(discord.Forbidden):
        await channel.send(embed=discord.Embed(title="nope"))
    await emu.set_channel_permission(world.wins_id, world.guild_id, deny=perms.VIEW_CHANNEL)
    with pytest.raises(discord.Forbidden) as hidden:
        await channel.send("hello")
    assert hidden.value.code == 50001


async def test_delete_channel(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    await emu.delete_channel(world.wins_id)
    await emu.wait_until(lambda: bot.get_channel(world.wins_id) is None, 2, "CHANNEL_DELETE")
    with pytest.raises(discord.NotFound) as info:
        await channel.send("anyone?")
    assert info.value.code == 10003


async def test_validation_errors(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)
    with pytest.raises(discord.HTTPException) as too_long:
        await channel.send("x" * 2001)
    assert too_long.value.code == 50035
    with pytest.raises(discord.HTTPException) as big_embed:
        await channel.send(embed=discord.Embed(title="t" * 257))
    assert big_embed.value.code == 50035
    with pytest.raises(discord.HTTPException) as empty:
        await channel.send(content="")
    assert empty.value.code == 50006


async def test_multipart_upload_and_attachment_urls(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    channel = text_channel(bot, world.wins_id)

    sent = await channel.send(
        "chart",
        files=[discord.File(io.BytesIO(b"\x89PNG..."), "chart.png"), discord.File(io.BytesIO(b"a,b"), "d.csv")],
    )
    stored = emu.message(sent.id)
    assert [(a.filename, a.content_type, a.data) for a in stored.attachments] == [
        ("chart.png", "image/png", b"\x89PNG..."),
        ("d.csv", "text/csv", b"a,b"),
    ]
    assert await sent.attachments[1].read() == b"a,b"
    await sent.edit(attachments=[sent.attachments[1]])
    assert [a.filename for a in stored.attachments] == ["d.csv"]
    await emu.set_channel_permission(world.wins_id, world.guild_id, deny=perms.ATTACH_FILES)
    with pytest.raises(discord.Forbidden):
        await channel.send(file=discord.File(io.BytesIO(b"x"), "x.txt"))


async def test_fail_next_500_is_retried(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    emu.fail_next("POST", r"^/channels/\d+/messages$", status=500)
    msg = await text_channel(bot, world.wins_id).send("eventually")
    assert emu.message(msg.id).content == "eventually"
    assert emu.stats.faults_injected == 1
    assert emu.stats.count("POST", "/channels/{channel_id}/messages") == 2


async def test_fail_next_route_429_is_obeyed(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    emu.fail_next("POST", r"^/channels/\d+/messages$", status=429, body={"retry_after": 0.2})
    loop = asyncio.get_running_loop()
    started = loop.time()
    await text_channel(bot, world.wins_id).send("after a pause")
    assert loop.time() - started >= 0.2
    assert emu.stats.count("POST", "/channels/{channel_id}/messages") == 2


async def test_global_rate_limit_obeyed(world: World) -> None:
    emu = DiscordEmulator(global_rate_limit=10)
    await emu.start()
    try:
        guild = emu.create_guild("Limited")
        channel_id = emu.general_channel(guild.id).id
        async with connect_client(emu, make_bot()) as client:
            emu.stats.reset()
            channel = client.get_channel(channel_id)
            assert isinstance(channel, discord.TextChannel)
            await asyncio.gather(*(channel.send(f"m{i}") for i in range(20)))
        assert len(emu.channel_messages(channel_id)) == 20
        assert 1 <= emu.stats.rate_limited_global <= 20
        accepted = emu.stats.total_requests - emu.stats.rate_limited_global
        assert accepted >= 20
    finally:
        await emu.stop()


async def test_route_rate_limit_headers_and_enforcement(world: World) -> None:
    emu = DiscordEmulator(route_rate_limits={"POST /channels/{channel_id}/messages": (3, 0.5)})
    await emu.start()
    try:
        guild = emu.create_guild("Limited")
        channel_id = emu.general_channel(guild.id).id
        async with connect_client(emu, make_bot()) as client:
            channel = client.get_channel(channel_id)
            assert isinstance(channel, discord.TextChannel)
            await asyncio.gather(*(channel.send(f"m{i}") for i in range(7)))
        assert len(emu.channel_messages(channel_id)) == 7
        # discord.py reads the bucket headers and waits pre-emptively, so it never trips the limit
        assert emu.stats.rate_limited_route == 0
    finally:
        await emu.stop()


async def test_raw_http_contract(emu: DiscordEmulator, world: World) -> None:
    headers = {"Authorization": f"Bot {emu.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/users/@me") as resp:
            assert resp.status == 401 and resp.headers["Content-Type"] == "application/json"
        async with http.get(f"{emu.api_base}/users/@me", headers=headers) as resp:
            assert resp.status == 200 and (await resp.json())["id"] == str(emu.bot_user_id)
            assert {
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset-After",
                "X-RateLimit-Bucket",
            } <= set(resp.headers)
        async with http.get(f"{emu.api_base}/nope", headers=headers) as resp:
            assert resp.status == 404 and "message" in await resp.json()
        async with http.get(f"{emu.api_base}/channels/123/messages", headers=headers) as resp:
            assert resp.status == 404 and (await resp.json())["code"] == 10003
        async with http.get(f"{emu.api_base}/guilds/{world.guild_id}/members/1", headers=headers) as resp:
            assert (await resp.json())["code"] == 10007
        async with http.get(f"{emu.api_base}/gateway/bot", headers=headers) as resp:
            assert (await resp.json())["url"] == emu.gateway_url


async def test_wrong_token_is_login_failure(emu: DiscordEmulator, world: World) -> None:
    with pytest.raises(discord.LoginFailure):
        async with connect_client(emu, make_bot(), token="wrong"):
            pass


async def test_route_limit_enforced_for_raw_clients(world: World) -> None:
    emu = DiscordEmulator(route_rate_limits=True)
    await emu.start()
    try:
        guild = emu.create_guild("Raw")
        url = f"{emu.api_base}/channels/{emu.general_channel(guild.id).id}/messages"
        headers = {"Authorization": f"Bot {emu.token}"}
        statuses = []
        async with aiohttp.ClientSession() as http:
            for i in range(6):
                async with http.post(url, json={"content": str(i)}, headers=headers) as resp:
                    statuses.append(resp.status)
                    if resp.status == 429:
                        body = await resp.json()
                        assert body["global"] is False and body["retry_after"] > 0
                        assert resp.headers["Via"] and resp.headers["X-RateLimit-Scope"] == "user"
                    else:
                        remaining = int(resp.headers["X-RateLimit-Remaining"])
                        assert remaining == 4 - i
        assert statuses == [200] * 5 + [429]
        assert emu.stats.rate_limited_route == 1
    finally:
        await emu.stop()


async def test_fail_next_on_interaction_callback(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    emu.fail_next("POST", r"^/interactions/\d+/[^/]+/callback$", status=502)
    res = await world.alex.slash("rejected", company="Acme", stage="onsite")  # discord.py retries the 502
    assert res.message is not None and emu.stats.faults_injected == 1
