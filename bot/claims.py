"""Claims on due work (durable timers, nudges) held under a lease by a named process, not owned for ever.

Several processes of the bot claim due rows from the same tables. A claim writes who holds it (`claimed_by`, a
stable name per process: see `owner_name`) and until when (`lease_until`). While a process works through what it
claimed it renews the lease; a process killed mid-send stops renewing, and once the lease has run out any claim
round of any process takes the rows over, marked recovered, so the nonce (and, for nudges, a look at the recent DMs)
decides whether the message has to go out again. A process that starts again under the same name takes its own
interrupted claims back at once instead of waiting for their lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock

log = logging.getLogger(__name__)

# Discord drops a message whose nonce (with enforce_nonce) it saw a few minutes ago; we count on 2 minutes only.
NONCE_WINDOW = timedelta(minutes=2)
# A claim's lease is a quarter of the nonce window. Short enough that a dead process's last sends, resent by
# whoever takes its claims over (at most one lease and one tick after its last renewal), repeat a nonce Discord
# still remembers, so the repeat is dropped. Long enough that a live process, renewing every third of it, keeps
# its claims through an event-loop stall or a slow database of several seconds.
CLAIM_LEASE = NONCE_WINDOW / 4
RENEW_EVERY = CLAIM_LEASE / 3
SINGLE = "single"


def owner_name(configured: str | None, shard_ids: Iterable[int] = (), shard_count: int | None = None) -> str:
    """This process's stable claim name: CLAIM_OWNER if set, else its shards (the same after a restart)."""
    if configured:
        return configured
    shards = list(shard_ids)
    if shard_count is None or not shards:
        return SINGLE
    return f"shards={','.join(map(str, shards))}/{shard_count}"


@dataclass(frozen=True)
class ClaimOwner:
    """Who claims (a name stable across restarts) and for how long each claim holds without a renewal."""

    name: str = SINGLE
    lease: timedelta = CLAIM_LEASE

    def lease_end(self, now: datetime) -> datetime:
        """When a claim made or renewed now runs out."""
        return now + self.lease

    @property
    def renew_seconds(self) -> float:
        """Seconds between renewals while claims are held (three per lease)."""
        return (self.lease / 3).total_seconds()


Renewal = Callable[[datetime], Awaitable[object]]


@contextlib.asynccontextmanager
async def renewing(owner: ClaimOwner, clock: Clock, renew: Renewal) -> AsyncIterator[None]:
    """Keep this process's claims alive while the block runs: `renew(new lease end)` every third of a lease."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(owner.renew_seconds)
            try:
                await renew(owner.lease_end(clock.now()))
            except Exception as error:  # the next renewal tries again; the lease has room for two misses
                log.warning("could not renew claim leases: %s", error)

    task = asyncio.create_task(loop(), name="claim-renewal")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
