"""Fixtures for the emulator's own tests: an emulator, a small world, and a throwaway discord.py bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from emulator import DiscordEmulator, SimulatedMember
from emulator.testing import connect_client
from tests.emulator.testbot import TestBot, make_bot


@dataclass
class World:
    """A guild with a regular member (alex), a manager (sam) and a #wins channel."""

    guild_id: int
    general_id: int
    wins_id: int
    alex: SimulatedMember
    sam: SimulatedMember
    bob: SimulatedMember


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    """A started emulator with a short interaction deadline."""
    emulator = DiscordEmulator(interaction_timeout=3.0)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    """Job Seekers guild with alex, bob (regular) and sam (manager)."""
    guild = emu.create_guild(name="Job Seekers")
    wins = emu.create_text_channel(guild.id, "wins")
    return World(
        guild_id=guild.id,
        general_id=emu.general_channel(guild.id).id,
        wins_id=wins.id,
        alex=emu.create_member(guild.id, "alex"),
        sam=emu.create_member(guild.id, "sam", admin=True),
        bob=emu.create_member(guild.id, "bob"),
    )


@pytest.fixture
async def bot(emu: DiscordEmulator, world: World) -> AsyncIterator[TestBot]:
    """The throwaway bot, connected and ready, with its commands synced."""
    client = make_bot()
    async with connect_client(emu, client):
        yield client
