"""Sends DMs within a rate budget, remembers DM channels, and handles members whose DMs are closed."""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord

from bot.clock import Clock, to_iso
from bot.storage import Database

log = logging.getLogger(__name__)

CANNOT_DM_CODE = 50007
# DM channel ids kept in memory; the users table keeps all of them, so a miss costs a local read, not a request.
CHANNEL_CACHE_SIZE = 10_000


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
    """A token bucket shared by all sends, so the bot stays under its own budget before Discord has to say no.

    Waiters are served in order (the lock is fair), and the bucket holds at most `burst` tokens, so in any
    one-second window at most `rate + burst` requests leave: 44 with the defaults, under Discord's 50.
    """

    def __init__(self, rate_per_second: float, burst: float | None = None) -> None:
        self.rate = rate_per_second
        self.capacity = burst if burst is not None else max(1.0, rate_per_second / 10)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()
        self.acquired = 0

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until `cost` requests may be made."""
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= cost:
                    self._tokens -= cost
                    self.acquired += 1
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
        self.concurrency = concurrency
        self._concurrency = asyncio.Semaphore(concurrency)
        self._channel_ids: OrderedDict[int, int] = OrderedDict()
        self._unreachable: set[int] = set()

    async def warm_cache(self) -> None:
        """Load who is known unreachable, and some DM channel ids, so the first sends after a restart are cheap."""
        rows = await self._database.fetchall("SELECT user_id FROM users WHERE dms_closed_at IS NOT NULL")
        self._unreachable = {row["user_id"] for row in rows}
        rows = await self._database.fetchall(
            "SELECT user_id, dm_channel_id FROM users WHERE dm_channel_id IS NOT NULL LIMIT ?", (CHANNEL_CACHE_SIZE,)
        )
        self._channel_ids = OrderedDict((row["user_id"], row["dm_channel_id"]) for row in rows)

    def remember_channels(self, channels: Iterable[tuple[int, int | None]]) -> None:
        """Note DM channel ids already read from the database (e.g. with a batch of due nudges)."""
        for user_id, channel_id in channels:
            if channel_id is not None:
                self._remember(user_id, channel_id)

    def _remember(self, user_id: int, channel_id: int) -> None:
        self._channel_ids[user_id] = channel_id
        self._channel_ids.move_to_end(user_id)
        while len(self._channel_ids) > CHANNEL_CACHE_SIZE:
            self._channel_ids.popitem(last=False)

    def forget(self, user_id: int) -> None:
        """Drop what is cached about a member (after data deletion)."""
        self._channel_ids.pop(user_id, None)
        self._unreachable.discard(user_id)

    async def _channel_id(self, user_id: int) -> int:
        cached = self._channel_ids.get(user_id)
        if cached is not None:
            return cached
        stored = await self._database.fetchval("SELECT dm_channel_id FROM users WHERE user_id = ?", (user_id,))
        if stored is not None:
            self._remember(user_id, int(stored))
            return int(stored)
        await self.budget.acquire()
        data = await self._client.http.start_private_message(user_id)
        channel_id = int(data["id"])
        self._remember(user_id, channel_id)
        await self._database.execute(
            "INSERT INTO users (user_id, created_at, dm_channel_id) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dm_channel_id = excluded.dm_channel_id",
            (user_id, to_iso(self._clock.now()), channel_id),
        )
        return channel_id

    async def _drop_channel(self, user_id: int) -> None:
        self._channel_ids.pop(user_id, None)
        await self._database.execute("UPDATE users SET dm_channel_id = NULL WHERE user_id = ?", (user_id,))

    async def send_dm(
        self, user_id: int, *, nonce: str | None = None, record: str | None = None, **kwargs: Any
    ) -> DeliveryResult:
        """Send a DM (content, embed, view, file... as for `Messageable.send`); never raises for delivery faults.

        A nonce makes Discord drop a repeat of the same message (enforce_nonce), so a resend after a crash
        cannot produce a duplicate. `record` (what kind of DM it is) keeps the message's id in `dm_messages`:
        pass it for every DM that carries the member's words, so `/mydata delete` can delete the message too.
        """
        if nonce is not None:
            kwargs["nonce"] = nonce
        async with self._concurrency:
            for attempt in range(2):
                try:
                    channel_id = await self._channel_id(user_id)
                    channel = self._client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
                    await self.budget.acquire()
                    message = await channel.send(**kwargs)
                    break
                except discord.Forbidden as error:
                    if error.code == CANNOT_DM_CODE:
                        await self.mark_unreachable(user_id)
                        return DeliveryResult(DeliveryOutcome.DMS_CLOSED, error=error.text)
                    log.warning("DM to a member was refused (code %s)", error.code)
                    return DeliveryResult(DeliveryOutcome.RETRY_LATER, error=str(error))
                except discord.NotFound:
                    # The stored channel is gone: forget it and open a fresh one, once.
                    await self._drop_channel(user_id)
                    if attempt:
                        return DeliveryResult(DeliveryOutcome.RETRY_LATER, error="dm channel not found")
                except (TimeoutError, discord.HTTPException, OSError) as error:
                    log.warning("DM delivery failed, will retry later: %s", error)
                    return DeliveryResult(DeliveryOutcome.RETRY_LATER, error=str(error))
        if user_id in self._unreachable:
            await self.mark_reachable(user_id)
        if record is not None:
            await self._database.execute(
                "INSERT INTO dm_messages (user_id, channel_id, message_id, kind, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_id, message_id) DO NOTHING",
                (user_id, message.channel.id, message.id, record, to_iso(self._clock.now())),
            )
        return DeliveryResult(DeliveryOutcome.SENT, message=message)

    async def delete_member_dms(self, user_id: int) -> tuple[int, list[str]]:
        """Delete every DM of ours whose id we kept for a member (recorded ones and daily nudges).

        Returns how many are gone (a message already deleted counts) and a jump link for each that is not.
        """
        rows = await self._database.fetchall(
            "SELECT channel_id, message_id FROM dm_messages WHERE user_id = ? "
            "UNION SELECT channel_id, message_id FROM nudge_ledger WHERE user_id = ? "
            "AND channel_id IS NOT NULL AND message_id IS NOT NULL",
            (user_id, user_id),
        )
        gone, left = 0, []
        for row in rows:
            channel_id, message_id = int(row["channel_id"]), int(row["message_id"])
            try:
                await self.budget.acquire()
                await self._client.http.delete_message(channel_id, message_id)
            except discord.NotFound:
                gone += 1
            except (TimeoutError, discord.HTTPException, OSError) as error:
                log.warning("could not delete a DM during a member's data deletion: %s", error)
                left.append(f"https://discord.com/channels/@me/{channel_id}/{message_id}")
            else:
                gone += 1
        return gone, left

    async def find_recent_dm(self, user_id: int, custom_id_part: str, *, limit: int = 10) -> int | None:
        """The id of a recent DM of ours carrying a component whose custom id contains `custom_id_part`.

        Used after a crash to learn whether a message went out before the process died; costs one request.
        """
        channel_id = self._channel_ids.get(user_id) or await self._database.fetchval(
            "SELECT dm_channel_id FROM users WHERE user_id = ?", (user_id,)
        )
        if channel_id is None:
            return None
        try:
            await self.budget.acquire()
            messages = await self._client.http.logs_from(int(channel_id), limit)
        except (TimeoutError, discord.HTTPException, OSError) as error:
            log.warning("could not read back recent DMs: %s", error)
            return None
        me = self._client.user.id if self._client.user else None
        for data in messages:
            if me is not None and int(data.get("author", {}).get("id", 0)) != me:
                continue
            components: list[dict[str, Any]] = list(data.get("components", []))  # type: ignore[arg-type]
            if any(custom_id_part in custom_id for custom_id in _custom_ids(components)):
                return int(data["id"])
        return None

    async def mark_unreachable(self, user_id: int) -> None:
        """Remember that a member's DMs are closed; the bot stops DMing them and tells them next time."""
        stamp = to_iso(self._clock.now())
        await self._database.execute(
            "INSERT INTO users (user_id, created_at, dms_closed_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET dms_closed_at = excluded.dms_closed_at, dms_closed_notified_at = NULL",
            (user_id, stamp, stamp),
        )
        self._unreachable.add(user_id)
        self._client.dispatch("member_unreachable", user_id)

    async def is_unreachable(self, user_id: int) -> bool:
        """True while a member's DMs are known to be closed."""
        value = await self._database.fetchval("SELECT dms_closed_at FROM users WHERE user_id = ?", (user_id,))
        return value is not None

    def may_owe_notice(self, user_id: int) -> bool:
        """Whether the member might still need telling that their DMs are closed (no database, no await)."""
        return user_id in self._unreachable

    async def take_unreachable_notice(self, user_id: int) -> bool:
        """True once after a member was marked unreachable: the moment to tell them."""
        if not self.may_owe_notice(user_id):
            return False  # the common case answers without touching the database
        changed = await self._database.execute(
            "UPDATE users SET dms_closed_notified_at = ? WHERE user_id = ? AND dms_closed_at IS NOT NULL "
            "AND dms_closed_notified_at IS NULL",
            (to_iso(self._clock.now()), user_id),
        )
        return changed > 0

    async def mark_reachable(self, user_id: int) -> None:
        """Clear the closed-DMs mark (a DM got through, or the member says they opened DMs again)."""
        self._unreachable.discard(user_id)
        await self._database.execute(
            "UPDATE users SET dms_closed_at = NULL, dms_closed_notified_at = NULL WHERE user_id = ?", (user_id,)
        )


def _custom_ids(components: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for component in components:
        if isinstance(component.get("custom_id"), str):
            found.append(component["custom_id"])
        found.extend(_custom_ids(component.get("components", [])))
    return found
