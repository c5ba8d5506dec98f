"""Runs the real bot, in this process, against the local Discord emulator, with a clock the test controls."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

from cryptography.fernet import Fernet

from bot.client import BouncebackBot, create_bot
from bot.clock import ManualClock
from bot.config import PROJECT_ROOT, Settings
from emulator import DiscordEmulator, EmulatedMessage, InteractionResult, SimulatedMember

TEST_KEY = Fernet.generate_key().decode()
# A Thursday, 09:00 UTC: far from DST changes unless a test moves it.
DEFAULT_START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class Harness:
    """One emulated Discord, one demo server, and the bot under test (restartable on the same database)."""

    emulator: DiscordEmulator
    guild_id: int
    database_path: Path
    clock: ManualClock
    overrides: dict[str, Any] = field(default_factory=dict)
    bot: BouncebackBot | None = None
    _task: asyncio.Task[None] | None = None

    def settings(self, **extra: Any) -> Settings:
        """Settings pointing the bot at the emulator, with manual timer ticks."""
        values: dict[str, Any] = {
            "discord_token": self.emulator.token,
            "database_path": self.database_path,
            "discord_api_base": self.emulator.api_base,
            "discord_gateway_url": self.emulator.gateway_url,
            "encryption_key": TEST_KEY,
            "timer_tick_seconds": 3600,
            "guild_ready_timeout": 0.2,
            "log_level": "DEBUG",
        }
        values.update(self.overrides)
        values.update(extra)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self, **extra: Any) -> BouncebackBot:
        """Start the bot and wait until it is connected and ready."""
        if extra:
            self.overrides.update(extra)
        bot = create_bot(self.settings(), clock=self.clock)
        self.bot = bot
        self._task = asyncio.create_task(bot.start(self.emulator.token), name="bot-under-test")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # raises whatever stopped start-up
            raise RuntimeError("bot stopped before it was ready")
        if ready not in done:
            ready.cancel()
            raise TimeoutError("bot did not become ready in 15 s")
        return bot

    async def stop(self) -> None:
        """Close the bot gracefully, as on SIGTERM."""
        if self.bot is not None:
            await self.bot.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=10)
        # Let events discord.py scheduled while closing run now, not be collected unrun at loop teardown.
        for _ in range(3):
            await asyncio.sleep(0)
        self.bot, self._task = None, None

    async def restart(self, **extra: Any) -> BouncebackBot:
        """Stop gracefully, then start a new bot on the same database."""
        await self.stop()
        return await self.start(**extra)

    @property
    def running(self) -> BouncebackBot:
        """The bot, which must be running."""
        assert self.bot is not None, "bot is not running"
        return self.bot

    def member(self, name: str, *, admin: bool = False, **kwargs: Any) -> SimulatedMember:
        """A new member of the demo server."""
        return self.emulator.create_member(self.guild_id, name, admin=admin, **kwargs)

    async def advance(self, delta: timedelta) -> int:
        """Move time forward and run whatever timers fell due, as the tick would."""
        self.clock.advance(delta)
        return await self.running.timers.run_due()

    async def tick(self) -> int:
        """Run due timers now, without moving time."""
        return await self.running.timers.run_due()

    def environment(self, **extra: str) -> dict[str, str]:
        """Environment for running `python -m bot` as a separate process against the emulator."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("DISCORD_", "DATABASE_"))}
        env.update(
            DISCORD_TOKEN=self.emulator.token,
            DATABASE_PATH=str(self.database_path),
            DISCORD_API_BASE=self.emulator.api_base,
            DISCORD_GATEWAY_URL=self.emulator.gateway_url,
            ENCRYPTION_KEY=TEST_KEY,
            GUILD_READY_TIMEOUT="0.2",
            LOG_LEVEL="INFO",
        )
        env.update(extra)
        return env

    def spawn(self, log_path: Path, **extra: str) -> subprocess.Popen[bytes]:
        """Start the bot as its own process (for kill -9 tests); output goes to `log_path`."""
        handle = log_path.open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=PROJECT_ROOT,
            env=self.environment(**extra),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """kill -9: no cleanup, no goodbyes."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


@overload
def plaintext(token: str) -> str: ...


@overload
def plaintext(token: None) -> None: ...


def plaintext(token: str | None) -> str | None:
    """Decrypt a column the bot stored encrypted with the test key (for reading the database file directly)."""
    return None if token is None else Fernet(TEST_KEY.encode()).decrypt(token.encode()).decode()


def message_of(result: InteractionResult) -> EmulatedMessage:
    """The message the bot answered `result` with; fails the test, naming the interaction, when there is none."""
    assert result.message is not None, f"no response message for {result!r}"
    return result.message
