"""Slash commands, components, modals, autocomplete and DMs through the real discord.py client."""

from __future__ import annotations

import aiohttp
import discord
import pytest

from emulator import (
    CommandNotFound,
    CommandNotVisible,
    DiscordEmulator,
    EmulatorError,
    InteractionNotAnswered,
    OptionError,
)
from tests.emulator.conftest import World
from tests.emulator.testbot import TestBot


async def test_ready_and_guild_cache(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    guild = bot.get_guild(world.guild_id)
    assert guild is not None and guild.name == "Job Seekers"
    assert {c.name for c in guild.text_channels} == {"general", "wins"}
    assert bot.user is not None and bot.user.id == emu.bot_user_id
    assert bot.application_id == emu.application_id
    me = guild.me
    assert me is not None and any(r.name == "Bounceback" and r.managed for r in me.roles)
    perms = guild.text_channels[0].permissions_for(me)
    assert perms.send_messages and perms.embed_links and perms.attach_files and not perms.manage_messages
    # zlib-stream, or zstd-stream when a zstd module is importable (discord.py then prefers it)
    assert emu.gateway.compression_used == [discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE]
    assert emu.stats.identifies == 1 and emu.stats.heartbeats >= 1


async def test_command_sync_registers_full_objects(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    names = {c["name"] for c in emu.commands()}
    assert {"rejected", "slow", "mood", "dmme", "config", "nudges"} <= names
    before = {c["name"]: c["id"] for c in emu.commands()}
    synced = await bot.tree.sync()
    assert {c.name: str(c.id) for c in synced} == before  # ids are stable across re-syncs
    config = next(c for c in synced if c.name == "config")
    assert config.default_member_permissions is not None and config.default_member_permissions.manage_guild
    bot.tree.copy_global_to(guild=discord.Object(world.guild_id))
    guild_synced = await bot.tree.sync(guild=discord.Object(world.guild_id))
    assert {c.guild_id for c in guild_synced} == {world.guild_id}
    assert len(emu.commands(world.guild_id)) == len(synced)


async def test_slash_with_options_ephemeral(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    res = await world.alex.slash(
        "rejected", company="Acme", stage="onsite", rounds=3, channel=world.wins_id, buddy=world.bob
    )
    assert res.type == 4 and res.ephemeral
    assert res.message is not None
    assert res.message.content == "Logged Acme at onsite rounds=3 channel=wins buddy=bob"
    assert res.latency is not None and res.latency < 1
    by_name = await world.alex.slash("rejected", company="Beta", stage="Phone")  # choice by display name
    assert by_name.message is not None and "at phone" in by_name.message.content
    assert emu.interactions[-1] is by_name


async def test_slash_typos_raise_clear_errors(world: World, bot: TestBot) -> None:
    with pytest.raises(CommandNotFound):
        await world.alex.slash("rejectd", company="Acme", stage="onsite")
    with pytest.raises(OptionError, match="missing required option 'stage'"):
        await world.alex.slash("rejected", company="Acme")
    with pytest.raises(OptionError, match="not one of the choices"):
        await world.alex.slash("rejected", company="Acme", stage="final")
    with pytest.raises(OptionError, match="unknown option"):
        await world.alex.slash("rejected", company="Acme", stage="onsite", compnay="x")
    with pytest.raises(OptionError, match="outside"):
        await world.alex.slash("rejected", company="Acme", stage="onsite", rounds=11)
    with pytest.raises(CommandNotFound, match="needs a subcommand"):
        await world.alex.slash("nudges")


async def test_default_member_permissions(world: World, bot: TestBot) -> None:
    with pytest.raises(CommandNotVisible):
        await world.alex.slash("config")
    ok = await world.sam.slash("config")
    assert ok.message is not None and ok.message.content == "configured"
    refused = await world.alex.slash("config", bypass_visibility=True)
    assert refused.message is not None and refused.message.content == "You need Manage Server."


async def test_deferred_then_followups(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    res = await world.alex.slash("slow")
    assert res.type == 5 and res.message is not None
    placeholder_id = res.message.id
    final = await res.wait_final()
    assert final.id == placeholder_id and final.content == "done thinking"  # first follow-up edits the placeholder
    first = await res.followup()
    second = await res.followup()
    assert first.id == placeholder_id
    assert second.content == "and one more" and second.id != placeholder_id
    assert [m.content for m in emu.channel_messages(world.general_id)] == ["done thinking", "and one more"]
    eph = await world.alex.slash("slow", ephemeral=True)
    final_eph = await eph.wait_final()
    assert final_eph.ephemeral
    assert len(emu.channel_messages(world.general_id)) == 2  # ephemeral not in channel history


async def test_button_updates_message_and_select(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    res = await world.alex.slash("mood")
    msg = res.message
    assert msg is not None and not msg.ephemeral
    assert [b.label for b in msg.buttons()] == ["Reflect now", "Vent"]
    clicked = await world.alex.click(msg, "Reflect")
    assert clicked.type == 7 and clicked.message is msg
    assert msg.content == "Reflecting…" and msg.edited_at is not None
    assert msg.find_button("mood:reflect").disabled
    with pytest.raises(EmulatorError, match="disabled"):
        await world.alex.click(msg, "Reflect now")
    picked = await world.bob.select(msg, "How do you feel?", ["sad"])
    assert picked.message is not None and picked.message.content == "you feel sad"
    with pytest.raises(OptionError):
        await world.bob.select(msg, "mood:pick", ["angry"])
    assert any(m.id == msg.id for m in bot.seen_messages)  # MESSAGE_CREATE reached the bot


async def test_modal_round_trip_classic_and_label(world: World, bot: TestBot) -> None:
    panel = await world.alex.slash("mood")
    assert panel.message is not None
    opened = await world.alex.click(panel.message, "Vent")
    assert opened.type == 9 and opened.modal is not None
    assert opened.modal.title == "Vent"
    assert [(f.custom_id, f.label, f.max_length) for f in opened.modal.fields] == [
        ("vent", "What happened?", 200),
        ("word", "One word", None),
    ]
    with pytest.raises(OptionError, match="at most 200"):
        await world.alex.submit_modal(opened, {"vent": "x" * 201})
    done = await world.alex.submit_modal(opened, {"What happened?": "six rounds then ghosted"})
    assert done.message is not None and done.message.content == "heard: six rounds then ghosted / -"

    label = await world.alex.slash("reflect")
    assert label.modal is not None
    assert [(f.label, f.type) for f in label.modal.fields] == [("Lesson learned", 4), ("Energy", 3)]
    with pytest.raises(OptionError, match="at least 3"):
        await world.alex.submit_modal(label, {"lesson": "no", "energy": ["low"]})
    sent = await world.alex.submit_modal(label, {"Lesson learned": "ask earlier", "Energy": ["High"]})
    assert sent.message is not None and sent.message.content == "lesson=ask earlier energy=['high']"
    again = await world.alex.slash("reflect")
    defaulted = await world.alex.submit_modal(again, {"lesson": "rest"})  # select keeps its default option
    assert defaulted.message is not None and defaulted.message.content == "lesson=rest energy=['low']"


async def test_autocomplete(world: World, bot: TestBot) -> None:
    choices = await world.alex.autocomplete("nudges start", "timezone", "lon", time="09:00")
    assert [c["value"] for c in choices] == ["Europe/London"]
    res = await world.alex.slash("nudges start", time="09:00", timezone="Europe/London")
    assert res.message is not None and res.message.content == "nudging at 09:00 Europe/London"


async def test_dm_with_file_and_dm_clicks(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    res = await world.alex.slash("dmme")
    assert (await res.wait_final()).content == "sent"
    dm = await world.alex.wait_for_dm()
    assert dm.guild_id is None and dm.content == "Here is your report"
    assert dm.attachments[0].filename == "report.txt" and dm.attachments[0].data == b"weekly report"
    assert world.alex.dms() == [dm]
    cached = next(m for m in bot.seen_messages if m.id == dm.id)
    assert await cached.attachments[0].read() == b"weekly report"  # served back to discord.py
    mine = await world.alex.click(dm, "Reflect now")
    assert mine.type == 7 and dm.content == "Reflecting…"
    payload = mine.pending.payload
    assert "user" in payload and "member" not in payload and "guild_id" not in payload
    assert payload["channel"]["type"] == 1
    intruder = await world.bob.click(dm, "Vent")
    assert intruder.message is not None and intruder.message.content == "Not yours."


async def test_dms_closed_gives_50007(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    emu.set_dms_closed(world.alex.user_id, True)
    res = await world.alex.slash("dmme")
    assert (await res.wait_final()).content == "cannot DM you (50007)"
    user = await bot.fetch_user(world.alex.user_id)
    with pytest.raises(discord.Forbidden) as info:
        await user.send("hi")
    assert info.value.code == 50007 and info.value.status == 403


async def test_late_callback_is_unknown_interaction(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    emu.interaction_timeout = 0.2
    with pytest.raises(InteractionNotAnswered, match="after"):
        await world.alex.slash("sleepy", seconds=0.4)
    # The emulator answers the late callback with 404 before the bot has read that answer: wait for the bot.
    await emu.wait_until(lambda: any(isinstance(e, discord.NotFound) for e in bot.errors) or None, 5, "the 404")
    errors = [e for e in bot.errors if isinstance(e, discord.NotFound)]
    assert errors[0].code == 10062
    assert emu.stats.late_interaction_callbacks == 1


async def test_second_ack_is_rejected(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    res = await world.alex.slash("rejected", company="Acme", stage="onsite")
    url = f"{emu.api_base}/interactions/{res.id}/{res.token}/callback"
    async with aiohttp.ClientSession() as http, http.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
        assert resp.status == 400
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["code"] == 40060
