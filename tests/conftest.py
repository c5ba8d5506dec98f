"""Fixtures: a started emulator with a demo server, and a harness running the real bot against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from emulator import DiscordEmulator
from tests.harness import DEFAULT_START, Harness


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    """A fresh local Discord for one test."""
    emu = DiscordEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def harness(emulator: DiscordEmulator, tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot, started and ready, in a demo server called Job Seekers."""
    guild = emulator.create_guild(name="Job Seekers")
    rig = Harness(
        emulator=emulator,
        guild_id=guild.id,
        database_path=tmp_path / "bounceback.sqlite3",
        clock=ManualClock(DEFAULT_START),
    )
    await rig.start()
    try:
        yield rig
    finally:
        await rig.stop()
