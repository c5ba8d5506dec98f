"""Claims on due work under a lease: several claimers on one database (separate connections, as separate processes
have) never take the same row nor fail on each other; an expired claim is taken over, a live one is not.

Runs on SQLite (two connections to one file) and again on a real PostgreSQL with `--postgresql`, where the claims
select `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot import timers
from bot.claims import CLAIM_LEASE, NONCE_WINDOW, ClaimOwner, owner_name
from bot.clock import ManualClock
from bot.storage import Database
from bot.timers import Timer, TimerService
from cogs.nudges.logic import SENT, Outcome
from cogs.nudges.store import NudgeRepository
from tests.pg import open_test_database

pytestmark = pytest.mark.both_backends

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
GRACE = timedelta(hours=3)
POOL = [f"theme-{n:02d}" for n in range(12)]
CLAIMERS = 3
SECOND = timedelta(seconds=1)


@pytest.fixture
async def connections(tmp_path: Path, database_url: str | None) -> AsyncIterator[list[Database]]:
    """One connection per claimer to one database, as separate processes would have."""
    opened = [await open_test_database(tmp_path / "claims.sqlite3", database_url) for _ in range(CLAIMERS)]
    yield opened
    for database in opened:
        await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def test_the_lease_is_well_inside_the_nonce_window_and_names_are_stable() -> None:
    assert CLAIM_LEASE * 2 <= NONCE_WINDOW
    assert owner_name(None, (1, 2), 4) == owner_name(None, (1, 2), 4) == "shards=1,2/4"
    assert owner_name(None) == "single" and owner_name("eu-1", (0,), 2) == "eu-1"


async def test_the_claim_clause_is_skip_locked_on_postgresql_and_nothing_on_sqlite(connections: list[Database]) -> None:
    database = connections[0]
    async with database.transaction() as tx:
        clause = tx.skip_locked("l")
    expected = " FOR UPDATE OF l SKIP LOCKED" if database.BACKEND == "postgresql" else ""
    assert clause == expected and database.skip_locked() == expected.replace(" OF l", "")


async def test_racing_timer_claimers_run_every_timer_once(
    connections: list[Database], clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timers, "CLAIM_BATCH", 15)  # many small claims, so the claimers really interleave
    ran: list[tuple[str, int]] = []
    services = []
    for index, database in enumerate(connections):
        service = TimerService(database, clock, owner=ClaimOwner(f"p{index}"))

        async def handle(timer: Timer, name: str = f"p{index}") -> None:
            await asyncio.sleep(0.001)
            ran.append((name, timer.id))

        service.register("ping", handle)
        services.append(service)
    ids = [await services[0].schedule("ping", START - SECOND * n, user_id=n) for n in range(300)]
    totals = await asyncio.gather(*(service.run_due() for service in services for _ in range(2)))
    assert sum(totals) == 300
    counts = Counter(timer_id for _, timer_id in ran)
    assert sorted(counts) == sorted(ids) and set(counts.values()) == {1}
    assert len({name for name, _ in ran}) >= 2, "one claimer took everything: no race happened"
    left = await connections[0].fetchval("SELECT COUNT(*) FROM timers WHERE state <> 'done'")
    assert left == 0


async def test_an_expired_timer_claim_is_taken_over_and_a_live_one_is_not(
    connections: list[Database], clock: ManualClock
) -> None:
    dead = TimerService(connections[0], clock, owner=ClaimOwner("dead"))
    alive = TimerService(connections[1], clock, owner=ClaimOwner("alive"))
    seen: list[Timer] = []

    async def handle(timer: Timer) -> None:
        seen.append(timer)

    alive.register("ping", handle)
    dead.register("ping", handle)
    timer_id = await dead.schedule("ping", START - SECOND)
    [claimed] = await dead._claim()  # claimed, then the process is killed before its handler ran
    assert claimed.id == timer_id and not claimed.recovered
    clock.advance(CLAIM_LEASE - SECOND)
    assert await alive.run_due() == 0  # still within the dead process's lease
    await dead._renew(clock.now() + CLAIM_LEASE)  # a live process renews while its handlers run
    clock.advance(CLAIM_LEASE - SECOND)
    assert await alive.run_due() == 0
    clock.advance(2 * SECOND)  # renewals stopped: the lease has run out
    assert await alive.run_due() == 1
    [taken] = seen
    assert taken.id == timer_id and taken.recovered and taken.attempts == 2
    row = await connections[2].fetchone("SELECT state, claimed_by FROM timers WHERE id = ?", (timer_id,))
    assert row is not None and (row["state"], row["claimed_by"]) == ("done", "alive")


async def test_a_restarted_process_takes_back_only_its_own_claims(
    connections: list[Database], clock: ManualClock
) -> None:
    first = TimerService(connections[0], clock, owner=ClaimOwner("shards=0/2"))
    other = TimerService(connections[1], clock, owner=ClaimOwner("shards=1/2"))
    for service in (first, other):
        service.register("ping", lambda timer: asyncio.sleep(0))
        await service.schedule("ping", START - SECOND)
        await service._claim()
    again = TimerService(connections[2], clock, owner=ClaimOwner("shards=0/2"))  # the same name after a restart
    assert await again.recover() == 1
    rows = await connections[2].fetchall("SELECT state, claimed_by, recovered FROM timers ORDER BY id")
    assert [tuple(row) for row in rows] == [("pending", None, 1), ("running", "shards=1/2", 0)]


async def subscribe_many(repository: NudgeRepository, count: int) -> None:
    for n in range(count):
        await repository.subscribe(
            user_id=10**17 + n, guild_id=1, at=time(9, 0), timezone="Europe/London", days=None, now=START
        )


async def test_racing_nudge_claimers_claim_disjoint_schedules_without_failing(connections: list[Database]) -> None:
    repositories = [NudgeRepository(db, POOL, owner=ClaimOwner(f"p{i}")) for i, db in enumerate(connections)]
    await subscribe_many(repositories[0], 240)
    now = START + timedelta(hours=1, minutes=1)  # 09:01 in London
    claimed: dict[str, list[int]] = {}

    async def claimer(repository: NudgeRepository) -> None:
        while True:
            report = await repository.claim_due(now, limit=10, grace=GRACE)
            claimed.setdefault(repository.owner.name, []).extend(c.user_id for c in report.claimed)
            if report.rows == 0:
                return
            # A moment between rounds: SQLite's busy handler backs off while a lock holder loops straight back, so
            # without it one claimer could starve the others of the write lock and take everything.
            await asyncio.sleep(0.005)

    await asyncio.gather(*(claimer(repository) for repository in repositories))
    members = [member for names in claimed.values() for member in names]
    assert len(members) == 240 and len(set(members)) == 240
    assert sum(1 for names in claimed.values() if names) >= 2, "one claimer took everything: no race happened"
    rows = await connections[0].fetchall("SELECT claimed_by, COUNT(*) FROM nudge_ledger GROUP BY claimed_by")
    assert {row[0]: row[1] for row in rows} == {name: len(names) for name, names in claimed.items() if names}


async def test_an_expired_nudge_claim_is_taken_over_as_recovered_and_a_live_one_is_not(
    connections: list[Database],
) -> None:
    dead = NudgeRepository(connections[0], POOL, owner=ClaimOwner("dead"))
    alive = NudgeRepository(connections[1], POOL, owner=ClaimOwner("alive"))
    await subscribe_many(dead, 1)
    claimed_at = START + timedelta(hours=1)
    [nudge] = (await dead.claim_due(claimed_at, limit=10, grace=GRACE)).claimed
    assert not nudge.recovered
    live = claimed_at + CLAIM_LEASE - SECOND
    assert (await alive.claim_due(live, limit=10, grace=GRACE)).claimed == []
    await dead.renew(live + CLAIM_LEASE)
    assert (await alive.claim_due(live + CLAIM_LEASE - SECOND, limit=10, grace=GRACE)).claimed == []
    later = live + CLAIM_LEASE + SECOND
    [taken] = (await alive.claim_due(later, limit=10, grace=GRACE)).claimed
    assert (taken.ledger_id, taken.nonce, taken.recovered, taken.attempts) == (nudge.ledger_id, nudge.nonce, True, 2)
    assert taken.claimed_at == claimed_at  # the dispatcher measures the nonce window from the first claim
    # The dead process's outcome, written late, no longer counts; the one that took it over records.
    await dead.record([Outcome(nudge.ledger_id, nudge.user_id, SENT, message_id=1, channel_id=2)], later)
    status = await connections[2].fetchone(
        "SELECT status, claimed_by FROM nudge_ledger WHERE id = ?", (nudge.ledger_id,)
    )
    assert status is not None and tuple(status) == ("claimed", "alive")
    await alive.record([Outcome(taken.ledger_id, taken.user_id, SENT, message_id=3, channel_id=2)], later)
    status = await connections[2].fetchone(
        "SELECT status, message_id FROM nudge_ledger WHERE id = ?", (nudge.ledger_id,)
    )
    assert status is not None and tuple(status) == ("sent", 3)


async def test_a_restarted_nudge_process_retries_only_its_own_claims(connections: list[Database]) -> None:
    mine = NudgeRepository(connections[0], POOL, owner=ClaimOwner("a"))
    theirs = NudgeRepository(connections[1], POOL, owner=ClaimOwner("b"))
    await subscribe_many(mine, 2)
    now = START + timedelta(hours=1)
    assert len((await mine.claim_due(now, limit=1, grace=GRACE)).claimed) == 1
    assert len((await theirs.claim_due(now, limit=1, grace=GRACE)).claimed) == 1
    restarted = NudgeRepository(connections[2], POOL, owner=ClaimOwner("a"))
    assert await restarted.recover(now) == 1
    [again] = (await restarted.claim_due(now, limit=10, grace=GRACE)).claimed  # at once, not after the lease
    assert again.recovered and again.claimed_at == now
    rows = await connections[2].fetchall("SELECT claimed_by, status FROM nudge_ledger ORDER BY claimed_by")
    assert [tuple(row) for row in rows] == [("a", "claimed"), ("b", "claimed")]
