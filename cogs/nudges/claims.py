"""Claiming due nudges under a lease (bot/claims.py), so several processes can share the work.

One transaction per batch: expired claims of a process that died are taken over first (marked recovered, so the
dispatcher checks before resending), then retries that are due, then schedules that fell due. Each daily nudge
claimed from a schedule gets its ledger row (one per member and local date) and its schedule moves on in the same
transaction, so a crash can never send a second one for that day. On PostgreSQL every SELECT here locks what it
picks `FOR UPDATE SKIP LOCKED`: claimers racing get disjoint rows and never fail on each other's ledger rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.claims import ClaimOwner
from bot.clock import from_iso, to_iso
from bot.storage.database import Database, Row, Transaction
from bot.timezones import Occurrence, next_occurrence, zone_or_none
from cogs.nudges.logic import CLAIMED, DAILY, ClaimedNudge, ClaimReport, daily_nonce, pool_position
from cogs.nudges.rows import claimed_from, sent_histories
from cogs.nudges.variety import LOOKAHEAD, Ideas, Sent, choose_nudge

log = logging.getLogger(__name__)

YIELD_EVERY = 25  # rows of Python work between chances for the event loop to breathe
LEDGER_CLAIM = (
    "SELECT l.*, u.dm_channel_id, s.state AS subscription_state FROM nudge_ledger l "
    "LEFT JOIN users u ON u.user_id = l.user_id LEFT JOIN nudge_subscriptions s ON s.user_id = l.user_id "
)
SCHEDULES_DUE = (
    "SELECT s.user_id, s.local_time, s.timezone, s.days_total, s.days_sent, s.sequence, s.next_due_at, "
    "s.next_local_date, u.dm_channel_id FROM nudge_subscriptions s LEFT JOIN users u ON u.user_id = s.user_id "
    "WHERE s.state = 'active' AND s.next_due_at <= ? ORDER BY s.next_due_at LIMIT ?"
)


class NudgeClaims:
    """The claiming half of `NudgeRepository`: recover, claim, renew."""

    _database: Database
    owner: ClaimOwner
    pool: list[str]
    ideas: Ideas

    def nudge_for(self, user_id: int, sequence: int) -> str:
        """The nudge id a member gets as their `sequence`-th."""
        return self.pool[pool_position(user_id, sequence, len(self.pool))]

    def next_nudge(self, user_id: int, sequence: int, history: Sequence[Sent], today: date) -> tuple[str, int]:
        """The nudge to send and the sequence after it: the member's next in order whose idea isn't recent."""
        candidates = [self.nudge_for(user_id, sequence + step) for step in range(LOOKAHEAD)]
        offset = choose_nudge(candidates, history, self.ideas, today)
        return candidates[offset], sequence + offset + 1

    async def recover(self, now: datetime) -> int:
        """At start-up, our own nudges left 'claimed' by a crash are retried now (they may have reached Discord).

        Only ours (our claim name, or none: claimed before claims had one); another process's claims are taken
        over by any claim round once their lease has run out.
        """
        count = await self._database.execute(
            "UPDATE nudge_ledger SET status = 'retry', retry_at = ?, recovered = 1, claimed_by = NULL, "
            "lease_until = NULL, updated_at = ? WHERE status = 'claimed' AND (claimed_by IS NULL OR claimed_by = ?)",
            (to_iso(now), to_iso(now), self.owner.name),
        )
        if count:
            log.warning("%d nudge(s) were interrupted by the last shutdown; checking and resending them", count)
        return count

    async def renew(self, until: datetime) -> None:
        """Extend the lease of every nudge this process holds claimed (while a round is sending them)."""
        await self._database.execute(
            "UPDATE nudge_ledger SET lease_until = ? WHERE status = 'claimed' AND claimed_by = ?",
            (to_iso(until), self.owner.name),
        )

    async def claim_due(self, now: datetime, *, limit: int, grace: timedelta) -> ClaimReport:
        """Claim up to `limit` due nudges in one transaction: expired claims, retries, then schedules that fell due.

        A nudge more than `grace` late is not sent; the schedule skips to its next day.
        """
        stamp = to_iso(now)
        report = ClaimReport(claimed=[])
        async with self._database.transaction() as tx:
            lock = tx.skip_locked("l")
            expired = f"{LEDGER_CLAIM}WHERE l.status = 'claimed' AND l.lease_until < ? ORDER BY l.lease_until LIMIT ?"
            await self._claim_ledger(tx, expired + lock, now, limit, grace, report, takeover=True)
            retries = f"{LEDGER_CLAIM}WHERE l.status = 'retry' AND l.retry_at <= ? ORDER BY l.retry_at LIMIT ?"
            if (room := limit - len(report.claimed)) > 0:
                await self._claim_ledger(tx, retries + lock, now, room, grace, report, takeover=False)
            if (room := limit - len(report.claimed)) > 0:
                await self._claim_schedules(tx, now, stamp, room, grace, report)
        return report

    async def _claim_ledger(
        self,
        tx: Transaction,
        select: str,
        now: datetime,
        limit: int,
        grace: timedelta,
        report: ClaimReport,
        *,
        takeover: bool,
    ) -> None:
        stamp = to_iso(now)
        rows = await tx.fetchall(select, (stamp, limit))
        report.rows += len(rows)
        if not rows:
            return
        if takeover:
            log.warning("taking over %d nudge(s) whose claim ran out (a process stopped mid-send)", len(rows))
        lease = to_iso(self.owner.lease_end(now))
        claim: list[tuple[Any, ...]] = []
        skip: list[tuple[str, str, int]] = []
        for row in rows:
            nudge = claimed_from(row)
            stopped = nudge.kind == DAILY and row["subscription_state"] in (None, "stopped", "unreachable")
            if stopped or (nudge.kind == DAILY and now - nudge.due_at > grace):
                skip.append(("stopped" if stopped else "too late", stamp, nudge.ledger_id))
                continue
            recovered = nudge.recovered or takeover
            # A recovered nudge keeps its first claim's time: the dispatcher measures the nonce window from it (a
            # send may date from then), however many processes took it over since.
            since = to_iso(nudge.claimed_at) if recovered and nudge.claimed_at else stamp
            claim.append((int(recovered), since, self.owner.name, lease, stamp, nudge.ledger_id))
            report.claimed.append(dataclasses.replace(nudge, attempts=nudge.attempts + 1, recovered=recovered))
        await tx.executemany(
            "UPDATE nudge_ledger SET status = 'claimed', attempts = attempts + 1, recovered = ?, claimed_at = ?, "
            "claimed_by = ?, lease_until = ?, updated_at = ? WHERE id = ?",
            claim,
        )
        await tx.executemany(
            "UPDATE nudge_ledger SET status = 'skipped', last_error = ?, lease_until = NULL, updated_at = ? "
            "WHERE id = ?",
            skip,
        )
        report.skipped += len(skip)

    async def _claim_schedules(
        self, tx: Transaction, now: datetime, stamp: str, limit: int, grace: timedelta, report: ClaimReport
    ) -> None:
        rows = await tx.fetchall(SCHEDULES_DUE + tx.skip_locked("s"), (stamp, limit))
        report.rows += len(rows)
        if not rows:
            return
        lease = to_iso(self.owner.lease_end(now))
        nonces = [daily_nonce(row["user_id"], date.fromisoformat(row["next_local_date"])) for row in rows]
        marks = ",".join("?" * len(nonces))
        existing = {
            row[0]
            for row in await tx.fetchall(f"SELECT nonce FROM nudge_ledger WHERE nonce IN ({marks})", nonces)  # noqa: S608
        }
        # One read for the whole batch: what each member met lately, so tomorrow's nudge brings a new idea.
        earliest = min(date.fromisoformat(row["next_local_date"]) for row in rows)
        histories = await sent_histories(tx, [row["user_id"] for row in rows], earliest)
        inserts: list[tuple[Any, ...]] = []
        advances: list[tuple[Any, ...]] = []
        pending: dict[str, tuple[Row, int | None, bool, str]] = {}
        for index, (row, nonce) in enumerate(zip(rows, nonces, strict=True)):
            if index and index % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            user_id = row["user_id"]
            due = from_iso(row["next_due_at"])
            local_date = date.fromisoformat(row["next_local_date"])
            zone = zone_or_none(row["timezone"])
            at = time.fromisoformat(row["local_time"])
            if zone is None:
                log.error("nudge schedule for a member has an unknown zone %r; stopping it", row["timezone"])
                advances.append(("stopped", None, None, row["days_sent"], row["sequence"], stamp, user_id))
                continue
            if nonce in existing or now - due > grace:
                # Already had today's nudge (e.g. the time was changed), or too late: move on to the next day.
                following = next_occurrence(at, zone, now, after_date=local_date)
                advances.append(_advance("active", following, row["days_sent"], row["sequence"], stamp, user_id))
                if nonce in existing:
                    report.duplicates += 1
                else:
                    report.skipped += 1
                continue
            run_day = row["days_sent"] + 1
            total = row["days_total"]
            last = total is not None and run_day >= total
            nudge_id, sequence = self.next_nudge(user_id, row["sequence"], histories.get(user_id, []), local_date)
            inserts.append(
                (
                    user_id,
                    DAILY,
                    local_date.isoformat(),
                    row["next_due_at"],
                    nudge_id,
                    nonce,
                    run_day,
                    total,
                    int(last),
                    CLAIMED,
                    1,
                    stamp,
                    self.owner.name,
                    lease,
                    stamp,
                    stamp,
                )
            )
            pending[nonce] = (row, total, last, nudge_id)
            if last:
                advances.append(("finished", None, None, run_day, sequence, stamp, user_id))
            else:
                following = next_occurrence(at, zone, max(now, due), after_date=local_date)
                advances.append(_advance("active", following, run_day, sequence, stamp, user_id))
        await tx.executemany(
            "INSERT INTO nudge_ledger (user_id, kind, local_date, due_at, nudge_id, nonce, run_day, run_days, "
            "last_of_run, status, attempts, claimed_at, claimed_by, lease_until, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
        await tx.executemany(
            "UPDATE nudge_subscriptions SET state = ?, next_due_at = ?, next_local_date = ?, days_sent = ?, "
            "sequence = ?, paused_until = NULL, updated_at = ? WHERE user_id = ?",
            advances,
        )
        if not pending:
            return
        marks = ",".join("?" * len(pending))
        for row in await tx.fetchall(
            f"SELECT id, nonce, user_id FROM nudge_ledger WHERE nonce IN ({marks})",  # noqa: S608
            list(pending),
        ):
            source, total, last, nudge_id = pending[row["nonce"]]
            report.claimed.append(
                ClaimedNudge(
                    ledger_id=row["id"],
                    user_id=row["user_id"],
                    kind=DAILY,
                    local_date=date.fromisoformat(source["next_local_date"]),
                    due_at=from_iso(source["next_due_at"]),
                    nudge_id=nudge_id,
                    nonce=row["nonce"],
                    run_day=source["days_sent"] + 1,
                    run_days=total,
                    last_of_run=last,
                    attempts=1,
                    recovered=False,
                    channel_id=source["dm_channel_id"],
                )
            )


def _advance(
    state: str, occurrence: Occurrence, days_sent: int, sequence: int, stamp: str, user_id: int
) -> tuple[Any, ...]:
    return (
        state,
        to_iso(occurrence.due_at),
        occurrence.local_date.isoformat(),
        days_sent,
        sequence,
        stamp,
        user_id,
    )
