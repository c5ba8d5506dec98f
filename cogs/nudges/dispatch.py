"""The nudge round: claim what is due in batches, send through `bot.delivery`, write outcomes back in batches.

This is the one loop that runs outside `bot.scheduler`'s durable timers, on purpose: the tick (`bot.scheduler.every`)
only starts a round, and the round claims due rows straight from `nudge_subscriptions` (an indexed next-due
instant per member), 50 at a time in one transaction. benchmarks/bench_nudges.py measures it against one cron
job per member (memory with 100,000 subscribers, the longest event-loop stall and the sending rate while 5,000
fall due at once); a timer row per member per day would add a write per nudge before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import time as monotonic_time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.claims import NONCE_WINDOW, renewing
from bot.client import BouncebackBot
from bot.delivery import DeliveryOutcome, DeliveryResult
from cogs.nudges.compose import NudgeComposer
from cogs.nudges.logic import CLOSED, RETRY, SENT, SKIPPED, ClaimedNudge, Outcome, retry_delay
from cogs.nudges.store import NudgeRepository

log = logging.getLogger(__name__)

CLAIM_BATCH = 50  # about a second of sends at the default budget: little is in flight if the process dies
RECORD_EVERY = 50
RECORD_INTERVAL = 1.0  # seconds between ledger writes while sending


@dataclass
class DispatchReport:
    """What one dispatch round did."""

    sent: int = 0
    closed: int = 0
    retry: int = 0
    skipped: int = 0
    duplicates: int = 0
    recovered_already_sent: int = 0

    @property
    def total(self) -> int:
        """Nudges that were handled (sent, closed, retried or skipped)."""
        return self.sent + self.closed + self.retry + self.skipped


class NudgeDispatcher:
    """Claims due nudges in batches (one transaction each) and sends them through `bot.delivery`.

    A fixed set of workers (the delivery concurrency) pulls from a short queue, so 5,000 nudges falling due at
    once are neither 5,000 tasks nor one long blocking loop; outcomes are written back in batches.
    """

    def __init__(self, bot: BouncebackBot, repository: NudgeRepository, composer: NudgeComposer) -> None:
        self.bot = bot
        self.repository = repository
        self.composer = composer
        self.grace = timedelta(seconds=bot.settings.nudge_late_grace_seconds)
        self.batch = CLAIM_BATCH
        self._lock = asyncio.Lock()
        self._outcomes: list[Outcome] = []
        self._flush_lock = asyncio.Lock()
        self._last_flush = 0.0

    @property
    def busy(self) -> bool:
        """True while a round is running."""
        return self._lock.locked()

    async def run_due(self) -> DispatchReport:
        """Send every nudge that is due now; return what happened."""
        async with self._lock:
            if self._outcomes:
                # Outcomes an earlier round could not write: first, so our claims on them are settled before any
                # claim round could take them for interrupted ones.
                await self._flush()
            report = DispatchReport()
            async with renewing(self.repository.owner, self.bot.clock, self.repository.renew):
                await self._round(report)
            if report.total or report.duplicates:
                log.info("nudge round: %s", report)
            return report

    async def _round(self, report: DispatchReport) -> None:
        workers_count = max(1, self.bot.delivery.concurrency)
        queue: asyncio.Queue[ClaimedNudge | None] = asyncio.Queue(maxsize=self.batch)
        workers = [asyncio.create_task(self._worker(queue, report)) for _ in range(workers_count)]
        self._last_flush = monotonic_time.monotonic()
        try:
            while True:
                claim = await self.repository.claim_due(self.bot.now(), limit=self.batch, grace=self.grace)
                report.skipped += claim.skipped
                report.duplicates += claim.duplicates
                self.bot.delivery.remember_channels((c.user_id, c.channel_id) for c in claim.claimed)
                for nudge in claim.claimed:
                    await queue.put(nudge)
                if claim.rows < self.batch:
                    break
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.shield(self._flush())

    async def _worker(self, queue: asyncio.Queue[ClaimedNudge | None], report: DispatchReport) -> None:
        while True:
            nudge = await queue.get()
            if nudge is None:
                return
            outcome = await self.deliver(nudge, report)
            self._outcomes.append(outcome)
            due_for_flush = monotonic_time.monotonic() - self._last_flush >= RECORD_INTERVAL
            if len(self._outcomes) >= RECORD_EVERY or due_for_flush:
                try:
                    await self._flush()
                except Exception as error:  # keep sending what is claimed; the outcomes wait for the next write
                    log.warning("could not record nudge outcomes yet (%s); keeping them for the next write", error)

    async def _flush(self) -> None:
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            self._last_flush = monotonic_time.monotonic()
            if outcomes:
                try:
                    await self.repository.record(outcomes, self.bot.now())
                except BaseException:
                    # Read-only or full database: keep them, so a later round records them instead of the
                    # nudges hanging as 'claimed' until a restart.
                    self._outcomes[:0] = outcomes
                    raise

    async def deliver(self, nudge: ClaimedNudge, report: DispatchReport) -> Outcome:
        """Send one claimed nudge and say what happened (never raises for a delivery problem)."""
        now = self.bot.now()
        if nudge.recovered and (nudge.claimed_at is None or now - nudge.claimed_at > NONCE_WINDOW):
            # Interrupted long enough ago that Discord may no longer recognise the nonce: look before resending.
            found = await self.bot.delivery.find_recent_dm(nudge.user_id, f"nudge:helpful:{nudge.ledger_id}:")
            if found is not None:
                report.recovered_already_sent += 1
                report.sent += 1
                return Outcome(nudge.ledger_id, nudge.user_id, SENT, message_id=found, channel_id=nudge.channel_id)
        addon = None
        try:
            composed = await self.composer.compose_nudge(nudge, now)
            addon = composed.addon
            result = await self.bot.delivery.send_dm(
                nudge.user_id, embed=composed.embed, view=composed.view, nonce=nudge.nonce
            )
        except Exception as error:  # one broken nudge must not stop the others; it is retried
            log.exception("could not prepare nudge %d", nudge.ledger_id)
            result = DeliveryResult(DeliveryOutcome.RETRY_LATER, error=f"{type(error).__name__}: {error}")
        return self.outcome(nudge, result, now, report, addon=addon)

    def outcome(
        self,
        nudge: ClaimedNudge,
        result: DeliveryResult,
        now: datetime,
        report: DispatchReport,
        *,
        addon: str | None = None,
    ) -> Outcome:
        """Turn a delivery result into a ledger outcome (retry later, unless that would be too late)."""
        if result.outcome is DeliveryOutcome.SENT and result.message is not None:
            report.sent += 1
            return Outcome(
                nudge.ledger_id,
                nudge.user_id,
                SENT,
                message_id=result.message.id,
                channel_id=result.message.channel.id,
                addon=addon,
            )
        if result.outcome is DeliveryOutcome.DMS_CLOSED:
            report.closed += 1
            return Outcome(nudge.ledger_id, nudge.user_id, CLOSED, error=result.error)
        retry_at = now + retry_delay(nudge.attempts)
        if retry_at - nudge.due_at > self.grace:
            report.skipped += 1
            return Outcome(nudge.ledger_id, nudge.user_id, SKIPPED, error=f"gave up: {result.error}")
        report.retry += 1
        return Outcome(nudge.ledger_id, nudge.user_id, RETRY, retry_at=retry_at, error=result.error)
