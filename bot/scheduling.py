"""Durable timers: the database says what is due, one APScheduler tick dispatches it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.claims import ClaimOwner, renewing
from bot.clock import Clock, from_iso, to_iso
from bot.errors import classify
from bot.leases import Leases
from bot.storage import Database, Transaction

log = logging.getLogger(__name__)

MAX_ERROR_TEXT = 500
# An interval job's lease outlives one interval by half of one: the process holding it renews it at each run,
# the others skip; if it dies, another takes over at most one and a half intervals later.
INTERVAL_LEASE_FACTOR = 1.5
# A cron job's lease ends this long before its next fire time, so that fire is free for whoever comes first.
CRON_LEASE_MARGIN = timedelta(seconds=1)
CRON_LEASE_FALLBACK = timedelta(days=1)
CLAIM_BATCH = 5_000
TIMERS_TICK = "timers-tick"

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


Job = Callable[[], Awaitable[Any]]


class Scheduler:
    """The bot's one scheduling API: recurring jobs on APScheduler's clock, durable timers in the database.

    `every` and `cron` are for work that recurs for the whole bot (a tick, the weekly digest of a server, the
    daily retention purge); `timer` is for one-off work that must survive a restart (a reminder in 7 days).
    APScheduler never holds per-member work: 100,000 members would be 100,000 jobs in memory (see
    docs/ARCHITECTURE.md). `run_due` runs what fell due between two moments, for tests and the sandbox,
    whose clocks move by hand.

    Every process of the bot schedules the same recurring jobs; those that must not run twice across the cluster
    say `once_across_cluster=True` and run only where their lease (bot/leases.py) is taken.
    """

    def __init__(self, timers: TimerService, tick_seconds: float, *, leases: Leases | None = None) -> None:
        self.timers = timers
        self.leases = leases
        self._apscheduler = AsyncIOScheduler(timezone="UTC")
        self._tick_seconds = tick_seconds

    def start(self) -> None:
        """Start the clock; call from `setup_hook`, inside the running loop. The first timer tick runs at once."""
        # First run now, not one interval later: timers that fell due while the bot was down are caught up
        # at start-up instead of waiting up to a whole tick.
        self._apscheduler.add_job(
            self._guarded(TIMERS_TICK, self.timers.run_due),
            "interval",
            seconds=self._tick_seconds,
            id=TIMERS_TICK,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
        self._apscheduler.start()

    def every(self, name: str, interval: timedelta, job: Job, *, once_across_cluster: bool = False) -> None:
        """Run `job` every `interval` (replacing a job of the same name); a failing run is logged, not fatal.

        `once_across_cluster`: of all the bot's processes, only the one holding the job's lease runs it.
        """
        if once_across_cluster:
            job = self._once(name, job, lambda now: now + interval * INTERVAL_LEASE_FACTOR)
        self._apscheduler.add_job(
            self._guarded(name, job),
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def cron(
        self,
        name: str,
        trigger: CronTrigger,
        job: Job,
        *,
        grace: timedelta | None = None,
        once_across_cluster: bool = False,
    ) -> None:
        """Run `job` at the calendar times of `trigger` (in its own time zone); late runs within `grace` still run.

        `once_across_cluster`: each fire runs in one process of the bot only, whichever takes the lease first;
        the lease lasts until just before the next fire, so a process firing late (within `grace`) skips too.
        """
        if once_across_cluster:
            job = self._once(name, job, lambda now: _cron_lease_end(trigger, now))
        self._apscheduler.add_job(
            self._guarded(name, job),
            trigger=trigger,
            id=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None if grace is None else int(grace.total_seconds()),
            replace_existing=True,
        )

    def cancel_job(self, name: str) -> None:
        """Stop a recurring job, if it is scheduled."""
        if self._apscheduler.get_job(name) is not None:
            self._apscheduler.remove_job(name)

    def next_fire_time(self, name: str, after: datetime) -> datetime | None:
        """When a recurring job next fires after a moment (None if it isn't scheduled)."""
        job = self._apscheduler.get_job(name)
        if job is None:
            return None
        fire: datetime | None = job.trigger.get_next_fire_time(None, after)
        return None if fire is None else fire.astimezone(UTC)

    def run_soon(self, name: str) -> None:
        """Have APScheduler's own clock run a recurring job now (as if its time had come)."""
        job = self._apscheduler.get_job(name)
        if job is None:
            raise KeyError(name)
        job.modify(next_run_time=datetime.now(UTC))
        self._apscheduler.wakeup()

    @property
    def running(self) -> bool:
        """True while APScheduler's clock runs."""
        return bool(self._apscheduler.running)

    def job_names(self) -> list[str]:
        """The recurring jobs scheduled now (the timer tick included)."""
        return sorted(job.id for job in self._apscheduler.get_jobs())

    async def timer(
        self,
        kind: str,
        due_at: datetime,
        *,
        user_id: int | None = None,
        payload: dict[str, Any] | None = None,
        tx: Transaction | None = None,
    ) -> int:
        """Store a durable timer; its handler (see `on_timer`) runs once it is due, after a restart too."""
        return await self.timers.schedule(kind, due_at, user_id=user_id, payload=payload, tx=tx)

    async def cancel_timers(
        self,
        kind: str,
        *,
        user_id: int | None = None,
        payload_match: dict[str, Any] | None = None,
        tx: Transaction | None = None,
    ) -> int:
        """Cancel pending timers of a kind (for a member, and whose payload contains `payload_match`)."""
        return await self.timers.cancel(kind, user_id=user_id, payload_match=payload_match, tx=tx)

    async def pending_timers(self, kind: str | None = None, user_id: int | None = None) -> list[Timer]:
        """Pending timers (of a kind, for a member), soonest first."""
        return await self.timers.pending(kind, user_id)

    def on_timer(self, kind: str, handler: TimerHandler) -> None:
        """Say which coroutine runs timers of a kind (from `cog_load`)."""
        self.timers.register(kind, handler)

    def off_timer(self, kind: str) -> None:
        """Forget a kind's handler (cog unload); its timers wait in the table."""
        self.timers.unregister(kind)

    async def run_due(self, since: datetime, until: datetime) -> int:
        """Run what fell due in (since, until]: each interval job once, cron jobs that fired, then due timers.

        For tests and the sandbox, which move the clock by hand; returns how many jobs and timers ran.
        """
        ran = 0
        for job in list(self._apscheduler.get_jobs()):
            if job.id == TIMERS_TICK:
                continue
            if not isinstance(job.trigger, IntervalTrigger):
                fire = job.trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
                if fire is None or fire > until:
                    continue
            ran += 1
            await job.func()
        return ran + await self.timers.run_due()

    def pause(self) -> None:
        """Stop APScheduler's own clock from firing anything (the sandbox runs jobs itself through `run_due`)."""
        self._apscheduler.pause()

    def shutdown(self) -> None:
        """Stop the clock without waiting for running jobs (the database keeps what is unfinished)."""
        if self._apscheduler.running:
            self._apscheduler.shutdown(wait=False)

    def _once(self, name: str, job: Job, lease_until: Callable[[datetime], datetime]) -> Job:
        leases = self.leases
        if leases is None:
            raise ValueError(f"job {name!r} asks to run once across the cluster, but the scheduler has no leases")

        async def run() -> Any:
            now = leases.clock.now()
            if not await leases.take(f"job:{name}", lease_until(now)):
                return None
            return await job()

        return run

    @staticmethod
    def _guarded(name: str, job: Job) -> Job:
        async def run() -> None:
            try:
                await job()
            except Exception as error:  # a recurring job must survive a bad run (e.g. disk full) and try again
                fault = classify(error)
                if fault is None:
                    log.exception("scheduled job %s failed", name)
                else:
                    log.error("scheduled job %s failed: %s (%s); trying again next time", name, fault.value, error)

        return run


def _cron_lease_end(trigger: CronTrigger, now: datetime) -> datetime:
    """Just before the trigger's next fire after this one: that fire must be free to take."""
    upcoming: datetime | None = trigger.get_next_fire_time(None, now + CRON_LEASE_MARGIN)
    if upcoming is None:
        return now + CRON_LEASE_FALLBACK
    return max(now, upcoming.astimezone(UTC) - CRON_LEASE_MARGIN)


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
