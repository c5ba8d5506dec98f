"""Runs the real bot, in this process, against the local Discord emulator, with a clock the test controls."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
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
from bot.storage.database import Database
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
    # Set when the run is on PostgreSQL (pytest --postgresql): the bot then stores there, not at database_path.
    database_url: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    bot: BouncebackBot | None = None
    _task: asyncio.Task[None] | None = None

    def settings(self, **extra: Any) -> Settings:
        """Settings pointing the bot at the emulator, with manual timer ticks."""
        values: dict[str, Any] = {
            "discord_token": self.emulator.token,
            "database_path": self.database_path,
            "database_url": self.database_url,
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

    @property
    def backend(self) -> str:
        """'postgresql' or 'sqlite': where the bot under test stores."""
        return "postgresql" if self.database_url else "sqlite"

    def rows(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        """Read the bot's database directly (SQLite-flavoured SQL, either backend); rows by index and name."""
        if self.database_url:
            from tests.pg import query

            return list(query(self.database_url, sql, params))
        with sqlite3.connect(self.database_path) as connection:
            connection.row_factory = sqlite3.Row
            return list(connection.execute(sql, params).fetchall())

    def integrity(self) -> str:
        """'ok' when the database is sound: SQLite's integrity_check; on PostgreSQL (whose pages the server keeps),
        that no session left a transaction open (a killed bot's transaction must have been rolled back)."""
        if self.database_url:
            stuck = self.rows(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )[0][0]
            return "ok" if stuck == 0 else f"{stuck} sessions idle in a transaction"
        return str(self.rows("PRAGMA integrity_check")[0][0])

    def table_columns(self) -> dict[str, list[str]]:
        """Every application table and its columns, from the database's own catalogue."""
        if self.database_url:
            tables = self.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                " AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
            query = (
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = ? ORDER BY ordinal_position"
            )
            return {row[0]: [column[0] for column in self.rows(query, (row[0],))] for row in tables}
        tables = self.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return {row[0]: [column[1] for column in self.rows(f'PRAGMA table_info("{row[0]}")')] for row in tables}

    def stored_bytes(self) -> bytes:
        """Everything the database holds, as bytes to search for plaintext: the SQLite file, or a text dump."""
        if self.database_url:
            from tests.pg import dump_text

            return dump_text(self.database_url)
        return self.database_path.read_bytes()

    async def open_database(self) -> Database:
        """A second connection to the bot's database (for tests that write behind the bot's back)."""
        if self.database_url:
            from bot.storage.postgres import PostgresDatabase

            return await PostgresDatabase.connect(self.database_url)
        return await Database.open(self.database_path)

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
            **({"DATABASE_URL": self.database_url} if self.database_url else {}),
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


def field_named(message: EmulatedMessage, name: str) -> str:
    """The value of the embed field with exactly this name; fails the test when there is none."""
    value = message.embed_field(name)
    assert value is not None, f"no field {name!r} in {message.embeds}"
    return value


def field_containing(message: EmulatedMessage, name_part: str) -> str:
    """The value of the first embed field whose name contains `name_part`; fails the test when there is none."""
    value = message.embed_field(name_part, partial=True)
    assert value is not None, f"no field {name_part!r} in {message.embeds}"
    return value


def message_of(result: InteractionResult) -> EmulatedMessage:
    """The message the bot answered `result` with; fails the test, naming the interaction, when there is none."""
    assert result.message is not None, f"no response message for {result!r}"
    return result.message
