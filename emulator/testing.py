"""Helpers to run a real discord.py client against a DiscordEmulator in tests."""

# ruff: noqa: ASYNC109  # the public API deliberately takes timeout= like asyncio.wait_for

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import yarl

from .server import DiscordEmulator

log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextlib.contextmanager
def point_discord_at(emu: DiscordEmulator) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the emulator; restore them afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def connect_client(
    emu: DiscordEmulator,
    client: ClientT,
    token: str | None = None,
    *,
    timeout: float = 10.0,
    guild_ready_timeout: float | None = None,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``emu`` as a task, wait for on_ready, and close it (restoring globals) on exit.

    Raises whatever the client raised if it dies before becoming ready (e.g. LoginFailure for a bad token).
    """
    with point_discord_at(emu):
        if guild_ready_timeout is not None:
            client._connection.guild_ready_timeout = guild_ready_timeout
        task = asyncio.create_task(client.start(token if token is not None else emu.token), name="emulated-client")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait({task, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                task.result()  # re-raise the client's failure
                raise RuntimeError("discord client stopped before becoming ready")
            if ready not in done:
                raise TimeoutError(f"discord client not ready after {timeout}s")
            await emu.flush()
            yield client
        finally:
            ready.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await ready
            await client.close()
            try:
                await asyncio.wait_for(task, timeout=5.0)
            except (Exception, asyncio.CancelledError) as exc:  # the client's own failure was reported above
                log.debug("client task ended with %r", exc)
