"""Nudge rows as records, and what a member's presses write to the ledger and mood log (Helpful, a 1–5 mood)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.clock import from_iso, to_iso
from bot.storage.database import Database, Row, Transaction
from cogs.nudges.logic import ClaimedNudge, LedgerEntry, Subscription
from cogs.nudges.variety import IDEA_DAYS, Sent


async def sent_histories(
    reader: Database | Transaction, user_ids: Sequence[int], today: date, *, exclude: int | None = None
) -> dict[int, list[Sent]]:
    """What reached each member in the IDEA_DAYS up to `today` (any later rows too), oldest first; one read."""
    if not user_ids:
        return {}
    since = (today - timedelta(days=IDEA_DAYS)).isoformat()
    marks = ",".join("?" * len(user_ids))
    rows = await reader.fetchall(
        "SELECT id, user_id, local_date, nudge_id, addon FROM nudge_ledger "  # noqa: S608
        f"WHERE user_id IN ({marks}) AND local_date >= ? AND status = 'sent' ORDER BY local_date, id",
        (*user_ids, since),
    )
    found: dict[int, list[Sent]] = {}
    for row in (row for row in rows if row["id"] != exclude):
        found.setdefault(row["user_id"], []).append(Sent(date.fromisoformat(row["local_date"]), *row[3:]))
    return found


def subscription_from(row: Row) -> Subscription:
    """A nudge_subscriptions row as a record."""
    return Subscription(
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        local_time=time.fromisoformat(row["local_time"]),
        timezone=row["timezone"],
        days_total=row["days_total"],
        days_sent=row["days_sent"],
        sequence=row["sequence"],
        state=row["state"],
        next_due_at=from_iso(row["next_due_at"]) if row["next_due_at"] else None,
        next_local_date=date.fromisoformat(row["next_local_date"]) if row["next_local_date"] else None,
        paused_until=from_iso(row["paused_until"]) if row["paused_until"] else None,
    )


def claimed_from(row: Row) -> ClaimedNudge:
    """A claimed nudge_ledger row (joined with its DM channel) as a record."""
    return ClaimedNudge(
        ledger_id=row["id"],
        user_id=row["user_id"],
        kind=row["kind"],
        local_date=date.fromisoformat(row["local_date"]),
        due_at=from_iso(row["due_at"]),
        nudge_id=row["nudge_id"],
        nonce=row["nonce"],
        run_day=row["run_day"],
        run_days=row["run_days"],
        last_of_run=bool(row["last_of_run"]),
        attempts=row["attempts"],
        recovered=bool(row["recovered"]),
        channel_id=row["dm_channel_id"],
        claimed_at=from_iso(row["claimed_at"]) if row["claimed_at"] else None,
    )


class LedgerReactions:
    """Reads and writes for the buttons under a nudge; `NudgeRepository` inherits them."""

    _database: Database

    async def entry(self, ledger_id: int, user_id: int) -> LedgerEntry | None:
        """One of the member's ledger rows, or None."""
        row = await self._database.fetchone(
            "SELECT * FROM nudge_ledger WHERE id = ? AND user_id = ?", (ledger_id, user_id)
        )
        if row is None:
            return None
        return LedgerEntry(
            id=row["id"],
            user_id=row["user_id"],
            kind=row["kind"],
            local_date=date.fromisoformat(row["local_date"]),
            nudge_id=row["nudge_id"],
            status=row["status"],
            last_of_run=bool(row["last_of_run"]),
            run_day=row["run_day"],
            run_days=row["run_days"],
            helpful_at=from_iso(row["helpful_at"]) if row["helpful_at"] else None,
        )

    async def mark_helpful(self, ledger_id: int, user_id: int, now: datetime) -> bool:
        """Remember that a nudge helped; False if it is not the member's."""
        changed = await self._database.execute(
            "UPDATE nudge_ledger SET helpful_at = COALESCE(helpful_at, ?) WHERE id = ? AND user_id = ?",
            (to_iso(now), ledger_id, user_id),
        )
        return changed > 0

    async def log_mood(self, user_id: int, level: int, now: datetime, ledger_id: int | None = None) -> int:
        """Store a quick 1–5 mood and return its id."""
        if not 1 <= level <= 5:
            raise ValueError("mood level must be 1–5")
        return await self._database.execute(
            "INSERT INTO mood_logs (user_id, ledger_id, level, created_at) VALUES (?, ?, ?, ?)",
            (user_id, ledger_id, level, to_iso(now)),
        )

    async def moods(self, user_id: int, limit: int = 30) -> list[tuple[int, datetime]]:
        """The member's recent mood logs, newest first, as (level, when)."""
        rows = await self._database.fetchall(
            "SELECT level, created_at FROM mood_logs WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [(row["level"], from_iso(row["created_at"])) for row in rows]

    async def last_outcome(self, user_id: int) -> str | None:
        """The status of the member's latest daily nudge or preview that finished (sent / closed / skipped...)."""
        value = await self._database.fetchval(
            "SELECT status FROM nudge_ledger WHERE user_id = ? AND status != 'claimed' "
            "ORDER BY updated_at DESC, id DESC LIMIT 1",
            (user_id,),
        )
        return None if value is None else str(value)
