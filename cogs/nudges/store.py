"""The nudge tables: schedules, the once-a-day ledger and mood logs (migration 0020_nudges.sql).

Claiming due nudges (under a lease, several processes at once) is cogs/nudges/claims.py; the repository inherits it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.claims import ClaimOwner
from bot.clock import to_iso
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Transaction
from bot.timezones import next_occurrence, zone_or_none
from cogs.nudges.claims import NudgeClaims
from cogs.nudges.logic import (
    CLOSED,
    PREVIEW,
    RETRY,
    SENT,
    SKIPPED,
    ClaimedNudge,
    Outcome,
    Subscription,
    preview_nonce,
)
from cogs.nudges.rows import LedgerReactions, sent_histories, subscription_from
from cogs.nudges.variety import Ideas, Sent

log = logging.getLogger(__name__)


class NudgeRepository(NudgeClaims, LedgerReactions):
    """Reads and writes nudge schedules and the ledger; claims due work in batches, one transaction each."""

    def __init__(
        self, database: Database, pool: Sequence[str], ideas: Ideas | None = None, *, owner: ClaimOwner | None = None
    ) -> None:
        if not pool:
            raise ValueError("the nudge pool is empty")
        self._database = database
        self.owner = owner or ClaimOwner()
        self.pool = list(pool)
        self.ideas = ideas or Ideas()

    async def history(self, user_id: int, today: date, *, exclude: int | None = None) -> list[Sent]:
        """What reached the member in the 14 days up to `today` (any later rows too), oldest first."""
        found = await sent_histories(self._database, [user_id], today, exclude=exclude)
        return found.get(user_id, [])

    async def get(self, user_id: int) -> Subscription | None:
        """A member's schedule, or None if they never started nudges."""
        row = await self._database.fetchone("SELECT * FROM nudge_subscriptions WHERE user_id = ?", (user_id,))
        return None if row is None else subscription_from(row)

    async def _last_daily_date(self, tx: Transaction, user_id: int) -> date | None:
        value = await tx.fetchval(
            "SELECT MAX(local_date) FROM nudge_ledger WHERE user_id = ? AND kind = 'daily'", (user_id,)
        )
        return date.fromisoformat(value) if value else None

    async def subscribe(
        self,
        *,
        user_id: int,
        guild_id: int | None,
        at: time,
        timezone: str,
        days: int | None,
        now: datetime,
        reachable: bool = True,
    ) -> Subscription:
        """Start (or restart) a member's nudges at a local time; a day that already had its nudge is not repeated."""
        zone = zone_or_none(timezone)
        if zone is None:
            raise ValueError(f"unknown time zone {timezone!r}")
        stamp = to_iso(now)
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            occurrence = next_occurrence(at, zone, now, after_date=await self._last_daily_date(tx, user_id))
            await tx.execute(
                # A first schedule continues the order previews already drew from, so nothing repeats.
                "INSERT INTO nudge_subscriptions (user_id, guild_id, local_time, timezone, days_total, days_sent, "
                "sequence, state, next_due_at, next_local_date, paused_until, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 0, (SELECT COUNT(*) FROM nudge_ledger WHERE user_id = ?), ?, ?, ?, NULL, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "guild_id = COALESCE(excluded.guild_id, nudge_subscriptions.guild_id), "
                "local_time = excluded.local_time, timezone = excluded.timezone, days_total = excluded.days_total, "
                "days_sent = 0, state = excluded.state, next_due_at = excluded.next_due_at, "
                "next_local_date = excluded.next_local_date, paused_until = NULL, updated_at = excluded.updated_at",
                (
                    user_id,
                    guild_id,
                    f"{at:%H:%M}",
                    timezone,
                    days,
                    user_id,
                    "active" if reachable else "unreachable",
                    to_iso(occurrence.due_at),
                    occurrence.local_date.isoformat(),
                    stamp,
                    stamp,
                ),
            )
        subscription = await self.get(user_id)
        assert subscription is not None
        return subscription

    async def stop(self, user_id: int, now: datetime) -> bool:
        """Stop a member's nudges; False if there were none running."""
        changed = await self._database.execute(
            "UPDATE nudge_subscriptions SET state = 'stopped', next_due_at = NULL, next_local_date = NULL, "
            "paused_until = NULL, updated_at = ? WHERE user_id = ? AND state IN ('active', 'unreachable')",
            (to_iso(now), user_id),
        )
        return changed > 0

    async def _reschedule(
        self,
        user_id: int,
        now: datetime,
        *,
        after: datetime,
        after_date: date | None,
        paused_until: datetime | None,
    ) -> Subscription | None:
        async with self._database.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM nudge_subscriptions WHERE user_id = ? AND state = 'active'", (user_id,)
            )
            if row is None:
                return None
            current = subscription_from(row)
            zone = zone_or_none(current.timezone)
            if zone is None:
                return None
            last = await self._last_daily_date(tx, user_id)
            floor = max((d for d in (after_date, last) if d is not None), default=None)
            occurrence = next_occurrence(current.local_time, zone, max(after, now), after_date=floor)
            if current.next_due_at is not None and current.next_due_at >= occurrence.due_at:
                return current  # already at or beyond that point
            await tx.execute(
                "UPDATE nudge_subscriptions SET next_due_at = ?, next_local_date = ?, paused_until = ?, "
                "updated_at = ? WHERE user_id = ?",
                (
                    to_iso(occurrence.due_at),
                    occurrence.local_date.isoformat(),
                    to_iso(paused_until) if paused_until else None,
                    to_iso(now),
                    user_id,
                ),
            )
        return await self.get(user_id)

    async def pause(self, user_id: int, days: int, now: datetime) -> Subscription | None:
        """No nudges for the next `days` days; None if nudges are not running."""
        until = now + timedelta(days=days)
        return await self._reschedule(user_id, now, after=until, after_date=None, paused_until=until)

    async def snooze(self, user_id: int, local_date: date, now: datetime) -> Subscription | None:
        """Skip the day after a nudge's local date (pressing it twice changes nothing); None if not running."""
        return await self._reschedule(
            user_id, now, after=now, after_date=local_date + timedelta(days=1), paused_until=None
        )

    async def extend(self, user_id: int, days: int | None, now: datetime) -> Subscription | None:
        """Carry on after a run ended (or add days to a running one); None if the member stopped or has none."""
        async with self._database.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM nudge_subscriptions WHERE user_id = ? AND state IN ('active', 'finished')", (user_id,)
            )
            if row is None:
                return None
            current = subscription_from(row)
            zone = zone_or_none(current.timezone)
            if zone is None:
                return None
            total = None if days is None else current.days_sent + days
            if current.state == "active" and current.next_due_at is not None:
                await tx.execute(
                    "UPDATE nudge_subscriptions SET days_total = ?, updated_at = ? WHERE user_id = ?",
                    (total, to_iso(now), user_id),
                )
            else:
                occurrence = next_occurrence(
                    current.local_time, zone, now, after_date=await self._last_daily_date(tx, user_id)
                )
                await tx.execute(
                    "UPDATE nudge_subscriptions SET state = 'active', days_total = ?, next_due_at = ?, "
                    "next_local_date = ?, updated_at = ? WHERE user_id = ?",
                    (total, to_iso(occurrence.due_at), occurrence.local_date.isoformat(), to_iso(now), user_id),
                )
        return await self.get(user_id)

    async def mark_unreachable(self, user_id: int, now: datetime) -> bool:
        """Pause a member's nudges because their DMs are closed; `/nudges start` resumes them."""
        changed = await self._database.execute(
            "UPDATE nudge_subscriptions SET state = 'unreachable', updated_at = ? "
            "WHERE user_id = ? AND state = 'active'",
            (to_iso(now), user_id),
        )
        return changed > 0

    async def record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        """Write a batch of send outcomes in one transaction."""
        if not outcomes:
            return
        stamp = to_iso(now)
        sent = [(o.channel_id, o.message_id, o.addon, stamp, o.ledger_id) for o in outcomes if o.status == SENT]
        retry = [
            (to_iso(o.retry_at) if o.retry_at else stamp, o.error, stamp, o.ledger_id)
            for o in outcomes
            if o.status == RETRY
        ]
        ended = [(o.status, o.error, stamp, o.ledger_id) for o in outcomes if o.status in (SKIPPED, CLOSED)]
        closed_members = [(stamp, o.user_id) for o in outcomes if o.status == CLOSED]
        # Only while the claim is still ours: if our lease ran out and another process took a nudge over, what it
        # finds (the nonce, the recent DMs) is what counts.
        ours = "lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?"
        me = self.owner.name
        async with self._database.transaction() as tx:
            await tx.executemany(
                "UPDATE nudge_ledger SET status = 'sent', channel_id = ?, message_id = ?, addon = ?, "  # noqa: S608
                f"last_error = NULL, {ours}",
                [(*row, me) for row in sent],
            )
            await tx.executemany(
                f"UPDATE nudge_ledger SET status = 'retry', retry_at = ?, last_error = ?, {ours}",  # noqa: S608
                [(*row, me) for row in retry],
            )
            await tx.executemany(
                f"UPDATE nudge_ledger SET status = ?, last_error = ?, {ours}",  # noqa: S608
                [(*row, me) for row in ended],
            )
            # The day did not reach them, so it does not count against their run.
            await tx.executemany(
                "UPDATE nudge_subscriptions SET state = 'unreachable', "
                "days_sent = CASE WHEN days_sent > 0 THEN days_sent - 1 ELSE 0 END, "
                "updated_at = ? WHERE user_id = ? AND state IN ('active', 'finished')",
                closed_members,
            )

    async def create_preview(self, user_id: int, now: datetime, local_date: date) -> ClaimedNudge:
        """A ledger row for a preview nudge (not the daily one), drawing the member's next nudge from the pool."""
        stamp = to_iso(now)
        async with self._database.transaction() as tx:
            sequence = await tx.fetchval("SELECT sequence FROM nudge_subscriptions WHERE user_id = ?", (user_id,))
            subscribed = sequence is not None
            if not subscribed:
                sequence = await tx.fetchval("SELECT COUNT(*) FROM nudge_ledger WHERE user_id = ?", (user_id,))
            history = (await sent_histories(tx, [user_id], local_date)).get(user_id, [])
            nudge_id, following = self.next_nudge(user_id, int(sequence or 0), history, local_date)
            if subscribed:
                await tx.execute("UPDATE nudge_subscriptions SET sequence = ? WHERE user_id = ?", (following, user_id))
            nonce = preview_nonce(user_id, now)
            ledger_id = await tx.execute(
                "INSERT INTO nudge_ledger (user_id, kind, local_date, due_at, nudge_id, nonce, status, attempts, "
                "claimed_at, claimed_by, lease_until, created_at, updated_at) "
                "VALUES (?, 'preview', ?, ?, ?, ?, 'claimed', 1, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    local_date.isoformat(),
                    stamp,
                    nudge_id,
                    nonce,
                    stamp,
                    self.owner.name,
                    to_iso(self.owner.lease_end(now)),
                    stamp,
                    stamp,
                ),
            )
            channel_id = await tx.fetchval("SELECT dm_channel_id FROM users WHERE user_id = ?", (user_id,))
        return ClaimedNudge(
            ledger_id=ledger_id,
            user_id=user_id,
            kind=PREVIEW,
            local_date=local_date,
            due_at=now,
            nudge_id=nudge_id,
            nonce=nonce,
            run_day=None,
            run_days=None,
            last_of_run=False,
            attempts=1,
            recovered=False,
            channel_id=channel_id,
        )
