"""Sends DMs within a rate budget, remembers DM channels, and handles members whose DMs are closed."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from dataclasses import dataclass
from typing import Any

import discord

from bot.clock import Clock, to_iso
from bot.storage import Database

log = logging.getLogger(__name__)

CANNOT_DM_CODE = 50007


class DeliveryOutcome(enum.Enum):
    """What happened to one attempted DM."""

    SENT = "sent"
    DMS_CLOSED = "dms_closed"
    RETRY_LATER = "retry_later"


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of a DM, with the message when it was sent."""

    outcome: DeliveryOutcome
    message: discord.Message | None = None
    error: str | None = None

    @property
    def sent(self) -> bool:
        """True when the DM reached Discord."""
        return self.outcome is DeliveryOutcome.SENT


class RateBudget:
    """A token bucket shared by all sends, so the bot stays under its own budget before Discord has to say no."""

    def __init__(self, rate_per_second: float, burst: float | None = None) -> None:
        self.rate = rate_per_second
        self.capacity = burst if burst is not None else max(1.0, rate_per_second / 10)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until `cost` requests may be made."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= cost:
                    self._tokens -= cost
                    return
                await asyncio.sleep((cost - self._tokens) / self.rate)


class Delivery:
    """The one way the bot sends DMs: cached channel ids, a request budget, bounded concurrency."""

    def __init__(
        self, client: discord.Client, database: Database, clock: Clock, *, rate_per_second: float, concurrency: int
    ) -> None:
        self._client = client
        self._database = database
        self._clock = clock
        self.budget = RateBudget(rate_per_second)
        self._concurrency = asyncio.Semaphore(concurrency)
        self._channel_ids: dict[int, int] = {}

    async def warm_cache(self) -> None:
        """Load known DM channel ids so the first send after a restart costs one request."""
        rows = await self._database.fetchall("SELECT user_id, dm_channel_id FROM users WHERE dm_channel_id IS NOT NULL")
        self._channel_ids = {row["user_id"]: row["dm_channel_id"] for row in rows}

    def forget(self, user_id: int) -> None:
        """Drop a member's cached DM channel (after data deletion)."""
        self._channel_ids.pop(user_id, None)

    async def _channel_id(self, user_id: int) -> int:
        cached = self._channel_ids.get(user_id)
        if cached is not None:
            return cached
        await self.budget.acquire()
        data = await self._client.http.start_private_message(user_id)
        channel_id = int(data["id"])
        self._channel_ids[user_id] = channel_id
        await self._database.execute(
            "INSERT INTO users (user_id, created_at, dm_channel_id) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id",
            (user_id, to_iso(self._clock.now()), channel_id),
        )
        return channel_id

    async def send_dm(self, user_id: int, *, nonce: str | None = None, **kwargs: Any) -> DeliveryResult:
        """Send a DM (content, embed, view, file... as for `Messageable.send`); never raises for delivery faults."""
        async with self._concurrency:
            try:
                channel_id = await self._channel_id(user_id)
                channel = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
                await self.budget.acquire()
                if nonce is not None:
                    kwargs["nonce"] = nonce
                message = await channel.send(**kwargs)
            except discord.Forbidden as error:
                if error.code == CANNOT_DM_CODE:
                    await self.mark_unreachable(user_id)
                    return DeliveryResult(DeliveryOutcome.DMS_CLOSED, error=error.text)
                log.warning("DM to a member was refused (code %s)", error.code)
                return DeliveryResult(DeliveryOutcome.RETRY_LATER, error=str(error))
            except discord.NotFound:
                # The cached channel is gone; forget it so the next try opens a fresh one.
                self._channel_ids.pop(user_id, None)
                return DeliveryResult(DeliveryOutcome.RETRY_LATER, error="dm channel not found")
            except (TimeoutError, discord.HTTPException, OSError) as error:
                log.warning("DM delivery failed, will retry later: %s", error)
                return DeliveryResult(DeliveryOutcome.RETRY_LATER, error=str(error))
        if await self.is_unreachable(user_id):
            await self._database.execute(
                "UPDATE users SET dms_closed_at = NULL, dms_closed_notified_at = NULL WHERE user_id = ?", (user_id,)
            )
        return DeliveryResult(DeliveryOutcome.SENT, message=message)

    async def mark_unreachable(self, user_id: int) -> None:
        """Remember that a member's DMs are closed; the bot stops DMing them and tells them next time."""
        stamp = to_iso(self._clock.now())
        await self._database.execute(
            "INSERT INTO users (user_id, created_at, dms_closed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dms_closed_at = excluded.dms_closed_at, dms_closed_notified_at = NULL",
            (user_id, stamp, stamp),
        )
        self._client.dispatch("member_unreachable", user_id)

    async def is_unreachable(self, user_id: int) -> bool:
        """True while a member's DMs are known to be closed."""
        value = await self._database.fetchval("SELECT dms_closed_at FROM users WHERE user_id = ?", (user_id,))
        return value is not None

    async def take_unreachable_notice(self, user_id: int) -> bool:
        """True once after a member was marked unreachable: the moment to tell them."""
        changed = await self._database.execute(
            "UPDATE users SET dms_closed_notified_at = ? WHERE user_id = ? AND dms_closed_at IS NOT NULL "
            "AND dms_closed_notified_at IS NULL",
            (to_iso(self._clock.now()), user_id),
        )
        return changed > 0

    async def mark_reachable(self, user_id: int) -> None:
        """Clear the closed-DMs mark (the member says they opened DMs again)."""
        await self._database.execute(
            "UPDATE users SET dms_closed_at = NULL, dms_closed_notified_at = NULL WHERE user_id = ?", (user_id,)
        )
