"""Durable timers: the database says what is due; claims under a lease (bot/claims.py) run each one once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.claims import ClaimOwner, renewing
from bot.clock import Clock, from_iso, to_iso
from bot.storage import Database, Transaction

log = logging.getLogger(__name__)

MAX_ERROR_TEXT = 500
CLAIM_BATCH = 5_000

TimerHandler = Callable[["Timer"], Awaitable[None]]
EventDispatcher = Callable[..., None]


@dataclass(frozen=True)
class Timer:
    """One piece of due work, as stored."""

    id: int
    kind: str
    user_id: int | None
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    # Taken over from a claim that was interrupted (a process killed mid-run): the handler may have run already.
    recovered: bool = False


class TimerService:
    """Schedules, claims and runs durable timers; marks them done only after their handler succeeded."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        max_attempts: int = 5,
        retry_base: timedelta = timedelta(minutes=1),
        concurrency: int = 50,
        dispatch: EventDispatcher | None = None,
        owner: ClaimOwner | None = None,
    ) -> None:
        self._database = database
        self.owner = owner or ClaimOwner()
        self._clock = clock
        self._handlers: dict[str, TimerHandler] = {}
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._semaphore = asyncio.Semaphore(concurrency)
        self._dispatch = dispatch
        self._run_lock = asyncio.Lock()
        # Outcomes whose write failed (read-only or full database): written first on the next run, so the
        # timers neither hang in 'running' until a restart nor run their handlers twice.
        self._unrecorded: list[tuple[list[Timer], list[BaseException | None]]] = []

    def register(self, kind: str, handler: TimerHandler) -> None:
        """Say which coroutine handles timers of a kind (called from a cog's `cog_load`)."""
        if kind in self._handlers and self._handlers[kind] is not handler:
            raise ValueError(f"a handler for timer kind {kind!r} is already registered")
        self._handlers[kind] = handler

    def unregister(self, kind: str) -> None:
        """Forget a kind's handler (cog unload); its timers wait in the table."""
        self._handlers.pop(kind, None)

    async def schedule(
        self,
        kind: str,
        due_at: datetime,
        *,
        user_id: int | None = None,
        payload: dict[str, Any] | None = None,
        tx: Transaction | None = None,
    ) -> int:
        """Store a timer and return its id; pass `tx` to make it part of a larger write."""
        now = to_iso(self._clock.now())
        sql = (
            "INSERT INTO timers (kind, user_id, due_at, payload, state, attempts, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)"
        )
        params = (kind, user_id, to_iso(due_at), json.dumps(payload or {}, sort_keys=True), now, now)
        if tx is not None:
            return await tx.execute(sql, params)
        return await self._database.execute(sql, params)

    async def cancel(
        self,
        kind: str,
        *,
        user_id: int | None = None,
        payload_match: dict[str, Any] | None = None,
        tx: Transaction | None = None,
    ) -> int:
        """Cancel pending timers of a kind (for a member, and whose payload contains `payload_match`)."""

        async def run(transaction: Transaction) -> int:
            rows = await transaction.fetchall(
                # Typed placeholders: PostgreSQL cannot tell the type of a bare `? IS NULL`.
                "SELECT id, payload FROM timers WHERE kind = ? AND state = 'pending' "
                "AND (CAST(? AS BIGINT) IS NULL OR user_id = ?)",
                (kind, user_id, user_id),
            )
            ids = [row["id"] for row in rows if _payload_matches(json.loads(row["payload"]), payload_match)]
            stamp = to_iso(self._clock.now())
            await transaction.executemany(
                "UPDATE timers SET state = 'cancelled', updated_at = ? WHERE id = ?", [(stamp, i) for i in ids]
            )
            return len(ids)

        if tx is not None:
            return await run(tx)
        async with self._database.transaction() as own:
            return await run(own)

    async def pending(self, kind: str | None = None, user_id: int | None = None) -> list[Timer]:
        """List pending timers, soonest first."""
        rows = await self._database.fetchall(
            "SELECT * FROM timers WHERE state = 'pending' AND (CAST(? AS TEXT) IS NULL OR kind = ?) "
            "AND (CAST(? AS BIGINT) IS NULL OR user_id = ?) "
            "ORDER BY due_at",
            (kind, kind, user_id, user_id),
        )
        return [_timer_from_row(row) for row in rows]

    async def recover(self) -> int:
        """Put this process's own timers left 'running' by a crash back in the queue at once (at-least-once).

        Only ours (our claim name, or no name: claimed before claims had one): another live process's claims are
        its own, and a dead one's are taken over by any claim round once their lease runs out.
        """
        count = await self._database.execute(
            "UPDATE timers SET state = 'pending', recovered = 1, claimed_by = NULL, lease_until = NULL, updated_at = ? "
            "WHERE state = 'running' AND (claimed_by IS NULL OR claimed_by = ?)",
            (to_iso(self._clock.now()), self.owner.name),
        )
        if count:
            log.warning("recovered %d timer(s) interrupted by the last shutdown", count)
        return count

    async def run_due(self) -> int:
        """Claim every due timer in one transaction, run the handlers, record outcomes in one more."""
        async with self._run_lock:
            while self._unrecorded:
                await self._record(*self._unrecorded[0])
                self._unrecorded.pop(0)
            total = 0
            while True:
                claimed = await self._claim()
                if not claimed:
                    return total
                total += len(claimed)
                async with renewing(self.owner, self._clock, self._renew):
                    outcomes = await asyncio.gather(*(self._run_one(timer) for timer in claimed))
                try:
                    await self._record(claimed, outcomes)
                except Exception:
                    self._unrecorded.append((claimed, list(outcomes)))
                    raise
                if len(claimed) < CLAIM_BATCH:
                    return total

    async def _claim(self) -> list[Timer]:
        """Claim due timers, and running ones whose lease ran out (their process died), under our lease.

        On PostgreSQL the rows are selected `FOR UPDATE SKIP LOCKED`: processes claiming at the same moment get
        disjoint rows and never wait on (or fail because of) each other. Two statements rather than one with OR,
        so each follows its own index (pending by due time, running by lease end).
        """
        now = self._clock.now()
        stamp = to_iso(now)
        kinds = sorted(self._handlers)
        if not kinds:
            return []
        marks = ",".join("?" for _ in kinds)
        mine = (stamp, self.owner.name, to_iso(self.owner.lease_end(now)))
        async with self._database.transaction() as tx:
            lock = tx.skip_locked()
            rows = await tx.fetchall(
                _claim_sql("1", "state = 'running' AND lease_until < ?", marks, CLAIM_BATCH, lock),
                (*mine, stamp, *kinds),
            )
            if rows:
                log.warning("took over %d timer(s) whose claim ran out (a process stopped mid-run)", len(rows))
            if len(rows) < CLAIM_BATCH:
                rows += await tx.fetchall(
                    _claim_sql("recovered", "state = 'pending' AND due_at <= ?", marks, CLAIM_BATCH - len(rows), lock),
                    (*mine, stamp, *kinds),
                )
        return sorted((_timer_from_row(row) for row in rows), key=lambda timer: (timer.due_at, timer.id))

    async def _renew(self, until: datetime) -> None:
        await self._database.execute(
            "UPDATE timers SET lease_until = ? WHERE state = 'running' AND claimed_by = ?",
            (to_iso(until), self.owner.name),
        )

    async def _run_one(self, timer: Timer) -> BaseException | None:
        handler = self._handlers.get(timer.kind)
        if handler is None:
            return LookupError(f"no handler for timer kind {timer.kind!r}")
        async with self._semaphore:
            try:
                await handler(timer)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a failing handler must never stop the other timers
                log.exception("timer %d (%s) failed on attempt %d", timer.id, timer.kind, timer.attempts)
                return error
        if self._dispatch is not None:
            self._dispatch(f"{timer.kind}_timer_done", timer)
        return None

    async def _record(self, timers: list[Timer], outcomes: list[BaseException | None]) -> None:
        now = self._clock.now()
        stamp = to_iso(now)
        done: list[tuple[str, int]] = []
        retry: list[tuple[str, str, str, int]] = []
        failed: list[tuple[str, str, int]] = []
        for timer, outcome in zip(timers, outcomes, strict=True):
            if outcome is None:
                done.append((stamp, timer.id))
                continue
            message = f"{type(outcome).__name__}: {outcome}"[:MAX_ERROR_TEXT]
            if timer.attempts >= self._max_attempts:
                log.error("timer %d (%s) failed %d times; giving up", timer.id, timer.kind, timer.attempts)
                failed.append((message, stamp, timer.id))
            else:
                retry_at = now + self.backoff(timer.attempts)
                retry.append((message, to_iso(retry_at), stamp, timer.id))
        # Only while the claim is still ours: if our lease ran out and another process took the timer over, its
        # outcome is the one that counts.
        ours = "WHERE id = ? AND state = 'running' AND claimed_by = ?"
        me = self.owner.name
        async with self._database.transaction() as tx:
            await tx.executemany(
                f"UPDATE timers SET state = 'done', lease_until = NULL, updated_at = ? {ours}",  # noqa: S608
                [(*row, me) for row in done],
            )
            await tx.executemany(
                "UPDATE timers SET state = 'pending', last_error = ?, due_at = ?, recovered = 0, "  # noqa: S608
                f"lease_until = NULL, updated_at = ? {ours}",
                [(*row, me) for row in retry],
            )
            await tx.executemany(
                f"UPDATE timers SET state = 'failed', last_error = ?, lease_until = NULL, updated_at = ? {ours}",  # noqa: S608
                [(*row, me) for row in failed],
            )
        if self._dispatch is not None:
            # Lets a feature tidy up after giving up (e.g. stop promising a reminder that never came).
            given_up = {timer_id for _, _, timer_id in failed}
            for timer in timers:
                if timer.id in given_up:
                    self._dispatch(f"{timer.kind}_timer_failed", timer)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try: doubles with each failed attempt, capped at a day."""
        delay: timedelta = self._retry_base * (2 ** max(attempts - 1, 0))
        return min(delay, timedelta(days=1))

    async def purge_finished(self, older_than: timedelta) -> int:
        """Delete done and cancelled timers older than a cut-off (failed ones stay for inspection)."""
        cutoff = to_iso(self._clock.now() - older_than)
        return await self._database.execute(
            "DELETE FROM timers WHERE state IN ('done', 'cancelled') AND updated_at < ?", (cutoff,)
        )


def _claim_sql(recovered: str, due: str, marks: str, limit: int, lock: str) -> str:
    """One claim statement: our name and lease on up to `limit` rows matching `due` (our own fixed SQL only)."""
    return (
        "UPDATE timers SET state = 'running', attempts = attempts + 1, updated_at = ?, claimed_by = ?, "  # noqa: S608
        f"lease_until = ?, recovered = {recovered} WHERE id IN (SELECT id FROM timers WHERE {due} "
        f"AND kind IN ({marks}) ORDER BY due_at LIMIT {limit}{lock}) RETURNING *"
    )


def _timer_from_row(row: Any) -> Timer:
    return Timer(
        id=row["id"],
        kind=row["kind"],
        user_id=row["user_id"],
        due_at=from_iso(row["due_at"]),
        payload=json.loads(row["payload"]),
        attempts=row["attempts"],
        recovered=bool(row["recovered"]),
    )


def _payload_matches(payload: dict[str, Any], match: dict[str, Any] | None) -> bool:
    return match is None or all(payload.get(key) == value for key, value in match.items())
