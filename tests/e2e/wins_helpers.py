"""Shared steps for the wins, setup and digest end-to-end tests."""

from __future__ import annotations

from typing import Any

from emulator import EmulatedMessage, InteractionResult, SimulatedMember
from emulator.state import ChannelRecord
from tests.harness import Harness, message_of


def stored_wins(harness: Harness) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows("SELECT * FROM wins ORDER BY id")


def cheer_rows(harness: Harness) -> list[Any]:
    """Every stored cheer."""
    return harness.rows("SELECT * FROM win_cheers ORDER BY win_id, user_id")


async def set_up_wins_channel(harness: Harness, name: str = "wins") -> ChannelRecord:
    """An admin creates #wins and points the bot at it with /setup."""
    channel = harness.emulator.create_text_channel(harness.guild_id, name)
    admin = harness.member(f"admin-{name}", admin=True)
    await admin.slash("setup wins-channel", channel=channel)
    return channel


def posts(harness: Harness, channel: ChannelRecord) -> list[EmulatedMessage]:
    """The bot's messages in a channel."""
    return [m for m in harness.emulator.channel_messages(channel.id) if m.author_id == harness.emulator.bot_user_id]


async def share(member: SimulatedMember, text: str, **options: object) -> tuple[EmulatedMessage, InteractionResult]:
    """/win, then Post; return the (edited) preview and the click's result."""
    preview = await member.slash("win", options={"text": text, **options})
    clicked = await member.click(message_of(preview), "Post")
    return await clicked.followup(), clicked


def cheer_label(message: EmulatedMessage) -> str:
    """The Cheer button's label."""
    return next(b.label or "" for b in message.buttons() if (b.custom_id or "").startswith("win:cheer:"))


async def log_rejection(member: SimulatedMember, **options: object) -> EmulatedMessage:
    """/rejected, a feeling and an intensity: one shot taken. Returns the final check-in message."""
    start = await member.slash("rejected", options=options)
    picked = await member.select(message_of(start), "checkin:feeling", ["disappointed"])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(":3"))
    final = await member.click(message_of(picked), button.custom_id or "")
    return message_of(final)
