"""Cluster leases and `once_across_cluster` jobs: two processes' connections on one SQLite file, one runs the job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.clock import ManualClock
from bot.leases import Leases, process_holder
from bot.scheduling import Scheduler, TimerService
from bot.storage import Database

START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # a Monday, 03:00 UTC
HOUR = timedelta(hours=1)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two connections to one file, as two processes of the bot would have."""
    first = await Database.open(tmp_path / "cluster.sqlite3")
    second = await Database.open(tmp_path / "cluster.sqlite3")
    yield first, second
    await first.close()
    await second.close()


async def test_a_lease_is_held_renewed_and_taken_over_after_it_expires(
    databases: tuple[Database, Database], clock: ManualClock
) -> None:
    a = Leases(databases[0], clock, "a")
    b = Leases(databases[1], clock, "b")
    assert await a.take("job:x", START + HOUR)
    assert not await b.take("job:x", START + HOUR)
    assert await a.holder_of("job:x") == "a" and await b.holder_of("job:x") == "a"
    clock.advance(timedelta(minutes=59))
    assert await a.take("job:x", clock.now() + HOUR)  # the holder renews while it still holds it
    clock.advance(timedelta(minutes=59))
    assert not await b.take("job:x", clock.now() + HOUR)
    clock.advance(timedelta(minutes=2))  # a stopped renewing (it died): the lease has run out
    assert await b.holder_of("job:x") is None
    assert await b.take("job:x", clock.now() + HOUR)
    assert not await a.take("job:x", clock.now() + HOUR)
    assert await a.take("job:other", clock.now() + HOUR)  # leases are independent by name
    assert not await a.release("job:x") and await b.release("job:x")
    assert await a.take("job:x", clock.now() + HOUR)  # released: free at once


async def test_racing_processes_take_a_lease_exactly_once(
    databases: tuple[Database, Database], clock: ManualClock
) -> None:
    contenders = [Leases(databases[i % 2], clock, f"p{i}") for i in range(8)]
    for round_number in range(5):
        name = f"job:race-{round_number}"
        taken = await asyncio.gather(*(lease.take(name, START + HOUR) for lease in contenders))
        assert taken.count(True) == 1, taken


def test_holder_names_are_unique_per_process_start_and_name_the_shards() -> None:
    first, second = process_holder((0, 2)), process_holder((0, 2))
    assert first != second and ":shards=0,2:" in first
    assert ":shards=-:" in process_holder()


def scheduler_on(database: Database, clock: ManualClock, holder: str) -> Scheduler:
    return Scheduler(TimerService(database, clock), 3600, leases=Leases(database, clock, holder))


async def test_a_cron_job_once_across_the_cluster_fires_in_one_process_only(
    databases: tuple[Database, Database], clock: ManualClock
) -> None:
    runs: list[str] = []
    schedulers = [scheduler_on(db, clock, name) for db, name in zip(databases, ("a", "b"), strict=True)]
    for name, scheduler in zip(("a", "b"), schedulers, strict=True):

        async def job(name: str = name) -> None:
            runs.append(name)

        scheduler.cron("retention", CronTrigger(hour=3, minute=15, timezone=UTC), job, once_across_cluster=True)

    for day in range(3):
        first, second = schedulers if day % 2 == 0 else reversed(schedulers)
        before = clock.now()
        clock.advance(HOUR)  # past 03:15
        await first.run_due(before, clock.now())
        await second.run_due(before, clock.now())
        clock.advance(5 * HOUR)  # the other process firing late (within a 6-hour grace) must not run it again
        await second.run_due(before, clock.now())
        clock.advance(18 * HOUR)
    assert runs == ["a", "b", "a"]  # each day's fire ran once, in whichever process came first


async def test_an_interval_job_runs_where_its_lease_is_and_moves_when_that_process_stops(
    databases: tuple[Database, Database], clock: ManualClock
) -> None:
    runs: list[str] = []
    a, b = (scheduler_on(db, clock, name) for db, name in zip(databases, ("a", "b"), strict=True))
    for name, scheduler in (("a", a), ("b", b)):

        async def job(name: str = name) -> None:
            runs.append(name)

        scheduler.every("care-purge", HOUR, job, once_across_cluster=True)

    for _ in range(3):
        await a.run_due(clock.now(), clock.now())
        clock.advance(timedelta(minutes=20))
        await b.run_due(clock.now(), clock.now())
        clock.advance(timedelta(minutes=40))
    assert runs == ["a", "a", "a"]
    clock.advance(2 * HOUR)  # a has stopped: its lease runs out and b takes the job over
    await b.run_due(clock.now(), clock.now())
    assert runs[-1] == "b"


async def test_a_plain_job_still_runs_in_every_process_and_once_needs_leases(
    databases: tuple[Database, Database], clock: ManualClock
) -> None:
    runs: list[int] = []

    async def job() -> None:
        runs.append(1)

    schedulers = [scheduler_on(db, clock, name) for db, name in zip(databases, ("a", "b"), strict=True)]
    for scheduler in schedulers:
        scheduler.every("tick", HOUR, job)
        await scheduler.run_due(clock.now(), clock.now())
    assert len(runs) == 2
    bare = Scheduler(TimerService(databases[0], clock), 3600)
    with pytest.raises(ValueError, match="no leases"):
        bare.every("x", HOUR, job, once_across_cluster=True)
