"""The one scheduling API: recurring jobs on APScheduler's clock, durable timers (bot/timers.py) in the database."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.errors import classify
from bot.leases import Leases
from bot.storage import Transaction
from bot.timers import Timer as Timer  # re-exported: cogs import the timer record from here
from bot.timers import TimerHandler
from bot.timers import TimerService as TimerService

log = logging.getLogger(__name__)

# An interval job's lease outlives one interval by half of one: the process holding it renews it at each run,
# the others skip; if it dies, another takes over at most one and a half intervals later.
INTERVAL_LEASE_FACTOR = 1.5
# A cron job's lease ends this long before its next fire time, so that fire is free for whoever comes first.
CRON_LEASE_MARGIN = timedelta(seconds=1)
CRON_LEASE_FALLBACK = timedelta(days=1)
TIMERS_TICK = "timers-tick"


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
