"""Durable timers: scheduling, claiming, retry with backoff, failure, crash recovery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.scheduling import Scheduler, Timer, TimerService
from bot.storage import Database

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "timers.sqlite3")
    yield db
    await db.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def test_due_timer_runs_once_and_is_marked_done(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    seen: list[Timer] = []

    async def handler(timer: Timer) -> None:
        seen.append(timer)

    service.register("hello", handler)
    await service.schedule("hello", START + timedelta(hours=1), user_id=7, payload={"a": 1})
    assert await service.run_due() == 0
    clock.advance(timedelta(hours=1))
    assert await service.run_due() == 1
    assert await service.run_due() == 0
    assert [(t.kind, t.user_id, t.payload) for t in seen] == [("hello", 7, {"a": 1})]
    assert await database.fetchval("SELECT state FROM timers") == "done"


async def test_failing_handler_is_retried_with_backoff_then_failed(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock, max_attempts=3, retry_base=timedelta(minutes=1))
    calls = 0

    async def broken(timer: Timer) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    service.register("broken", broken)
    await service.schedule("broken", START)
    assert await service.run_due() == 1
    row = await database.fetchone("SELECT state, attempts, due_at, last_error FROM timers")
    assert row is not None
    assert (row["state"], row["attempts"]) == ("pending", 1)
    assert "RuntimeError: boom" in row["last_error"]
    assert await service.run_due() == 0  # not yet: backoff of one minute
    clock.advance(timedelta(minutes=1))
    assert await service.run_due() == 1
    clock.advance(timedelta(minutes=1))
    assert await service.run_due() == 0  # second retry waits two minutes
    clock.advance(timedelta(minutes=1))
    assert await service.run_due() == 1
    assert calls == 3
    assert await database.fetchval("SELECT state FROM timers") == "failed"
    clock.advance(timedelta(days=2))
    assert await service.run_due() == 0


async def test_one_failure_does_not_stop_the_others(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    done: list[int] = []

    async def sometimes(timer: Timer) -> None:
        if timer.payload["n"] == 2:
            raise ValueError("only this one")
        done.append(timer.payload["n"])

    service.register("mixed", sometimes)
    for n in range(5):
        await service.schedule("mixed", START, payload={"n": n})
    assert await service.run_due() == 5
    assert sorted(done) == [0, 1, 3, 4]
    states = [row[0] for row in await database.fetchall("SELECT state FROM timers ORDER BY id")]
    assert states == ["done", "done", "pending", "done", "done"]


async def test_running_timers_are_recovered_after_a_crash(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    await service.schedule("later", START)
    await database.execute("UPDATE timers SET state = 'running'")  # as if the process died mid-handler
    assert await service.recover() == 1
    ran: list[int] = []

    async def handler(timer: Timer) -> None:
        ran.append(timer.id)

    service.register("later", handler)
    assert await service.run_due() == 1
    assert len(ran) == 1


async def test_cancel_by_payload_and_user(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    await service.schedule("remind", START, user_id=1, payload={"request": 10})
    await service.schedule("remind", START, user_id=1, payload={"request": 11})
    await service.schedule("remind", START, user_id=2, payload={"request": 10})
    assert await service.cancel("remind", user_id=1, payload_match={"request": 10}) == 1
    remaining = await service.pending("remind")
    assert sorted((t.user_id, t.payload["request"]) for t in remaining) == [(1, 11), (2, 10)]


async def test_timers_without_a_handler_wait(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    await service.schedule("unloaded", START)
    assert await service.run_due() == 0
    assert len(await service.pending("unloaded")) == 1


def test_backoff_doubles_and_caps(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock, retry_base=timedelta(minutes=1))
    assert [service.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert service.backoff(30) == timedelta(days=1)


async def test_many_due_timers_are_claimed_in_batches(database: Database, clock: ManualClock) -> None:
    service = TimerService(database, clock)
    count = 0

    async def handler(timer: Timer) -> None:
        nonlocal count
        count += 1

    service.register("bulk", handler)
    async with database.transaction() as tx:
        for n in range(6_000):
            await service.schedule("bulk", START - timedelta(seconds=n), tx=tx)
    assert await service.run_due() == 6_000
    assert count == 6_000


async def test_ticker_catches_up_overdue_timers_at_start(database: Database, clock: ManualClock) -> None:
    ran: list[int] = []
    ticked = asyncio.Event()

    async def handler(timer: Timer) -> None:
        ran.append(timer.id)

    class ObservedService(TimerService):
        async def run_due(self) -> int:
            count = await super().run_due()
            ticked.set()
            return count

    service = ObservedService(database, clock)
    service.register("overdue", handler)
    await service.schedule("overdue", START - timedelta(days=3))
    ticker = Scheduler(service, tick_seconds=3600)  # an hour-long interval: only the start-up run can fire it
    ticker.start()
    try:
        await asyncio.wait_for(ticked.wait(), timeout=5)
    finally:
        ticker.shutdown()
    assert len(ran) == 1
    assert await database.fetchval("SELECT state FROM timers") == "done"


async def test_done_and_failed_timers_are_announced(database: Database, clock: ManualClock) -> None:
    events: list[tuple[str, int]] = []
    service = TimerService(
        database, clock, max_attempts=1, dispatch=lambda name, timer: events.append((name, timer.id))
    )

    async def handler(timer: Timer) -> None:
        if timer.payload.get("fail"):
            raise RuntimeError("no")

    service.register("job", handler)
    good = await service.schedule("job", START)
    bad = await service.schedule("job", START, payload={"fail": True})
    await service.run_due()
    assert sorted(events) == [("job_timer_done", good), ("job_timer_failed", bad)]
