"""Webhook edits, context menus, DMs from guild-less users, late-world changes, member updates."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from emulator import CommandNotVisible, DiscordEmulator, EmulatorError
from emulator import permissions as perms
from emulator.testing import connect_client
from tests.emulator.conftest import World
from tests.emulator.testbot import TestBot, add_extra_commands, make_bot


@pytest.fixture
async def extra_bot(emu: DiscordEmulator, world: World) -> AsyncIterator[TestBot]:
    """A bot with the extra commands (connected for the test's duration)."""
    client = make_bot()
    add_extra_commands(client)
    async with connect_client(emu, client):
        yield client


async def test_original_response_edits_and_followups(emu: DiscordEmulator, world: World, extra_bot: TestBot) -> None:
    res = await world.alex.slash("progress")
    assert res.message is not None
    await emu.wait_until(lambda: len(res.followups()) == 2 and res.followups()[1].deleted, 3, "follow-ups")
    assert res.message.content == "step 2" and res.message.history[0]["content"] == "step 1"
    note, temporary = res.followups()
    assert note.content == "note edited"
    assert temporary.ephemeral and temporary.deleted
    events = [await res.followup() for _ in range(4)]
    assert [m.id for m in events] == [res.message.id, note.id, note.id, temporary.id]


async def test_context_menus(world: World, extra_bot: TestBot) -> None:
    cheered = await world.alex.context_menu("Cheer on", world.bob)
    assert cheered.message is not None and cheered.message.content == "cheering bob"
    post = await world.bob.send("I got the offer!")
    saved = await world.alex.context_menu("Save win", post)
    assert saved.message is not None and saved.message.content == "saved I got the offer!"


async def test_slash_in_dm_and_component_defer(emu: DiscordEmulator, world: World, extra_bot: TestBot) -> None:
    res = await world.alex.slash("where", dm=True)
    assert res.message is not None and res.message.content == "in dm" and res.message.guild_id is None
    assert world.alex.dms()[-1] is res.message
    panel = await world.alex.slash("panel")
    assert panel.message is not None
    clicked = await world.alex.click(panel.message, "Later")
    assert clicked.type == 6 and clicked.message is panel.message
    await emu.wait_until(lambda: panel.message is not None and panel.message.content == "updated later", 3, "edit")
    assert panel.message.components == []


async def test_dm_needs_a_mutual_guild(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    user = await bot.fetch_user(world.bob.user_id)
    await user.send("hello while you are here")
    await emu.remove_member(world.guild_id, world.bob.user_id)
    with pytest.raises(discord.Forbidden) as info:
        await user.send("hello after you left")
    assert info.value.code == 50007
    stranger = emu.create_user("stranger")
    await stranger.send("hi bot", dm=True)
    who = await bot.fetch_user(stranger.user_id)
    await who.send("hi stranger")
    assert (await stranger.wait_for_dm()).content == "hi stranger"


async def test_world_changes_after_connect(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    role = emu.create_role(world.guild_id, "Mentor", perms.MANAGE_MESSAGES)
    await emu.set_member_roles(world.guild_id, world.alex.user_id, [role.id])
    guild = bot.get_guild(world.guild_id)
    assert guild is not None
    await emu.wait_until(lambda: guild.get_role(role.id), 3, "GUILD_ROLE_CREATE")
    await emu.set_role_permissions(world.guild_id, world.guild_id, perms.DEFAULT_EVERYONE & ~perms.EMBED_LINKS)
    await emu.wait_until(lambda: not guild.default_role.permissions.embed_links, 3, "GUILD_ROLE_UPDATE")
    channel = guild.get_channel(world.wins_id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send(embed=discord.Embed(title="bot role still allows embeds"))
    await emu.remove_bot_from_guild(world.guild_id)
    await emu.wait_until(lambda: bot.get_guild(world.guild_id) is None, 3, "GUILD_DELETE")


async def test_members_cannot_click_other_users_messages(world: World, bot: TestBot) -> None:
    own = await world.alex.send("not a bot message")
    with pytest.raises(EmulatorError):
        await world.bob.click(own, "anything")


async def test_sync_world_changes_before_loop_are_not_duplicated(emu: DiscordEmulator, world: World) -> None:
    client = make_bot()
    async with connect_client(emu, client):
        guild = client.get_guild(world.guild_id)
        assert guild is not None and guild.member_count == 5  # owner, bot, alex, sam, bob; no duplicate adds


async def test_hidden_channel_cannot_be_clicked_or_used(emu: DiscordEmulator, world: World, bot: TestBot) -> None:
    panel = await world.alex.slash("mood", channel_id=world.wins_id)
    assert panel.message is not None
    await emu.set_channel_permission(world.wins_id, world.alex.user_id, deny=perms.VIEW_CHANNEL)
    with pytest.raises(EmulatorError, match="cannot see"):
        await world.alex.click(panel.message, "Reflect now")
    with pytest.raises(CommandNotVisible):
        await world.alex.slash("mood", channel_id=world.wins_id)
    forced = await world.alex.click(panel.message, "Reflect now", force=True)
    assert forced.type == 7


async def test_attachment_and_role_options(emu: DiscordEmulator, world: World, extra_bot: TestBot) -> None:
    role = emu.create_role(world.guild_id, "Mentors")
    res = await world.alex.slash("upload", file=("cv.pdf", b"%PDF-1.4 hello"), role=role.id)
    assert res.message is not None and res.message.content == "cv.pdf: 14 bytes for Mentors"
    assert res.text() == "cv.pdf: 14 bytes for Mentors"


async def test_files_in_interaction_responses(emu: DiscordEmulator, world: World, extra_bot: TestBot) -> None:
    res = await world.alex.slash("chart")
    assert res.message is not None and res.ephemeral
    assert [(a.filename, a.content_type, a.data) for a in res.message.attachments] == [
        ("progress.png", "image/png", b"\x89PNG fake chart")
    ]
    copy = await res.followup()
    assert copy.attachments[0].data == b"copy" and not copy.ephemeral
