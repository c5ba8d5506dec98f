"""Nudge schedules and the once-a-day ledger: claiming, lateness, runs, retries, crashes, pauses."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.storage import Database
from cogs.nudges.logic import (
    CLOSED,
    RETRY,
    SENT,
    Outcome,
    base36,
    daily_nonce,
    pool_position,
    preview_nonce,
)
from cogs.nudges.store import NudgeRepository

START = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 08:00 in London, 03:00 in New York
GRACE = timedelta(hours=3)
POOL = [f"theme-{n:02d}" for n in range(12)]
ALEX, BO = 111111111111111111, 222222222222222222


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "nudges.sqlite3")
    yield db
    await db.close()


@pytest.fixture
def repo(database: Database) -> NudgeRepository:
    return NudgeRepository(database, POOL)


async def subscribe(
    repo: NudgeRepository,
    user_id: int = ALEX,
    *,
    at: str = "09:00",
    zone: str = "Europe/London",
    days: int | None = 14,
    now: datetime = START,
) -> None:
    await repo.subscribe(user_id=user_id, guild_id=1, at=time.fromisoformat(at), timezone=zone, days=days, now=now)


async def send_all(repo: NudgeRepository, now: datetime) -> list[int]:
    """Claim what is due and record every one as sent; return the member ids."""
    report = await repo.claim_due(now, limit=100, grace=GRACE)
    await repo.record([Outcome(c.ledger_id, c.user_id, SENT, message_id=1, channel_id=2) for c in report.claimed], now)
    return [c.user_id for c in report.claimed]


async def test_subscribe_schedules_the_next_local_time(repo: NudgeRepository) -> None:
    await subscribe(repo)
    await subscribe(repo, BO, at="09:00", zone="America/New_York")
    alex, bo = await repo.get(ALEX), await repo.get(BO)
    assert alex is not None and bo is not None
    assert alex.next_due_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert bo.next_due_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    assert (alex.days_left, alex.active, alex.next_local_date) == (14, True, date(2026, 11, 26))


async def test_unknown_zone_is_refused(repo: NudgeRepository) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        await subscribe(repo, zone="Mars/Olympus_Mons")


async def test_claims_only_what_is_due_and_moves_to_the_next_day(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    assert await send_all(repo, START + timedelta(minutes=59)) == []
    assert await send_all(repo, START + timedelta(hours=1)) == [ALEX]
    assert await send_all(repo, START + timedelta(hours=1)) == []
    alex = await repo.get(ALEX)
    assert alex is not None
    assert alex.next_due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert (alex.days_sent, alex.sequence, alex.days_left) == (1, 1, 13)
    row = await database.fetchone("SELECT * FROM nudge_ledger")
    assert row is not None
    expected = ("sent", "2026-11-26", daily_nonce(ALEX, date(2026, 11, 26)))
    assert (row["status"], row["local_date"], row["nonce"]) == expected


async def test_one_nudge_per_local_day_even_if_the_time_changes(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    await send_all(repo, START + timedelta(hours=1))
    # Same day, a later time: the schedule starts tomorrow, because today already had its nudge.
    await subscribe(repo, at="18:00", now=START + timedelta(hours=2))
    alex = await repo.get(ALEX)
    assert alex is not None and alex.next_local_date == date(2026, 11, 27)
    assert await send_all(repo, START + timedelta(hours=10)) == []
    assert await database.fetchval("SELECT COUNT(*) FROM nudge_ledger") == 1


async def test_ledger_refuses_a_second_daily_row_for_the_same_date(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    await send_all(repo, START + timedelta(hours=1))
    # Simulate a schedule pointing at a day that already had its nudge (e.g. a bug or a restored backup).
    await database.execute(
        "UPDATE nudge_subscriptions SET next_due_at = '2026-11-26T09:00:00.000000Z', next_local_date = '2026-11-26'"
    )
    report = await repo.claim_due(START + timedelta(hours=1), limit=10, grace=GRACE)
    assert report.claimed == [] and report.duplicates == 1
    assert await database.fetchval("SELECT COUNT(*) FROM nudge_ledger") == 1


async def test_up_to_three_hours_late_is_still_sent(repo: NudgeRepository) -> None:
    await subscribe(repo)
    assert await send_all(repo, START + timedelta(hours=4)) == [ALEX]  # due 09:00, now 12:00


async def test_later_than_the_grace_skips_to_the_next_day(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    report = await repo.claim_due(START + timedelta(hours=4, minutes=1), limit=10, grace=GRACE)
    assert report.claimed == [] and report.skipped == 1
    alex = await repo.get(ALEX)
    assert alex is not None
    assert alex.next_due_at == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert alex.days_sent == 0  # a skipped day does not use up the run
    assert await database.fetchval("SELECT COUNT(*) FROM nudge_ledger") == 0


async def test_long_downtime_skips_to_the_next_future_day(repo: NudgeRepository) -> None:
    await subscribe(repo)
    report = await repo.claim_due(START + timedelta(days=3, hours=5), limit=10, grace=GRACE)
    assert report.skipped == 1
    alex = await repo.get(ALEX)
    assert alex is not None and alex.next_due_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def test_a_run_ends_with_a_last_nudge_and_can_continue(repo: NudgeRepository) -> None:
    await subscribe(repo, days=2)
    first = await repo.claim_due(START + timedelta(hours=1), limit=10, grace=GRACE)
    assert [(c.run_day, c.run_days, c.last_of_run) for c in first.claimed] == [(1, 2, False)]
    second = await repo.claim_due(START + timedelta(days=1, hours=1), limit=10, grace=GRACE)
    assert [(c.run_day, c.last_of_run) for c in second.claimed] == [(2, True)]
    alex = await repo.get(ALEX)
    assert alex is not None and (alex.state, alex.next_due_at, alex.days_left) == ("finished", None, 0)
    assert await send_all(repo, START + timedelta(days=2, hours=1)) == []
    extended = await repo.extend(ALEX, 14, START + timedelta(days=1, hours=2))
    assert extended is not None and extended.active and extended.days_left == 14
    assert extended.next_due_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def test_until_stopped_runs_have_no_last_day(repo: NudgeRepository) -> None:
    await subscribe(repo, days=None)
    for day in range(5):
        report = await repo.claim_due(START + timedelta(days=day, hours=1), limit=10, grace=GRACE)
        assert [c.last_of_run for c in report.claimed] == [False]
    alex = await repo.get(ALEX)
    assert alex is not None and alex.days_left is None and alex.active


async def test_retry_waits_for_its_time_then_goes_again(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    now = START + timedelta(hours=1)
    claimed = (await repo.claim_due(now, limit=10, grace=GRACE)).claimed[0]
    await repo.record([Outcome(claimed.ledger_id, ALEX, RETRY, retry_at=now + timedelta(seconds=30), error="503")], now)
    assert (await repo.claim_due(now + timedelta(seconds=29), limit=10, grace=GRACE)).claimed == []
    again = (await repo.claim_due(now + timedelta(seconds=30), limit=10, grace=GRACE)).claimed
    assert [(c.ledger_id, c.attempts, c.nonce) for c in again] == [(claimed.ledger_id, 2, claimed.nonce)]
    assert await database.fetchval("SELECT COUNT(*) FROM nudge_ledger") == 1


async def test_retry_too_late_or_after_stop_is_skipped(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo)
    await subscribe(repo, BO)
    now = START + timedelta(hours=1)
    claimed = (await repo.claim_due(now, limit=10, grace=GRACE)).claimed
    retry_at = now + timedelta(minutes=1)
    await repo.record([Outcome(c.ledger_id, c.user_id, RETRY, retry_at=retry_at) for c in claimed], now)
    await repo.stop(BO, now)
    report = await repo.claim_due(now + timedelta(hours=3, minutes=1), limit=10, grace=GRACE)
    assert report.claimed == [] and report.skipped == 2
    statuses = {row[0] for row in await database.fetchall("SELECT status FROM nudge_ledger")}
    assert statuses == {"skipped"}


async def test_crash_recovery_marks_claimed_nudges_for_a_checked_resend(
    repo: NudgeRepository, database: Database
) -> None:
    await subscribe(repo)
    now = START + timedelta(hours=1)
    claimed = (await repo.claim_due(now, limit=10, grace=GRACE)).claimed[0]
    # The process dies here, after the claim and before recording the outcome.
    assert await repo.recover(now + timedelta(minutes=5)) == 1
    again = (await repo.claim_due(now + timedelta(minutes=5), limit=10, grace=GRACE)).claimed
    assert len(again) == 1
    assert again[0].recovered and again[0].nonce == claimed.nonce and again[0].claimed_at == now
    assert await repo.recover(now + timedelta(minutes=6)) == 1  # still unrecorded: recovered again next start


async def test_closed_dms_pause_the_schedule_and_give_the_day_back(repo: NudgeRepository) -> None:
    await subscribe(repo)
    now = START + timedelta(hours=1)
    claimed = (await repo.claim_due(now, limit=10, grace=GRACE)).claimed[0]
    await repo.record([Outcome(claimed.ledger_id, ALEX, CLOSED, error="50007")], now)
    alex = await repo.get(ALEX)
    assert alex is not None and (alex.state, alex.days_sent, alex.active) == ("unreachable", 0, False)
    assert await send_all(repo, now + timedelta(days=1)) == []
    await subscribe(repo, now=now + timedelta(days=1))
    restarted = await repo.get(ALEX)
    assert restarted is not None and restarted.active


async def test_batches_respect_the_limit(repo: NudgeRepository) -> None:
    for user_id in range(1, 26):
        await subscribe(repo, user_id)
    now = START + timedelta(hours=1)
    sizes = []
    while True:
        report = await repo.claim_due(now, limit=10, grace=GRACE)
        if not report.claimed:
            break
        sizes.append(len(report.claimed))
    assert sizes == [10, 10, 5]


async def test_pause_moves_the_next_nudge_past_the_pause(repo: NudgeRepository) -> None:
    await subscribe(repo)
    paused = await repo.pause(ALEX, 3, START)
    assert paused is not None
    assert paused.next_due_at == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert paused.paused_until == START + timedelta(days=3)


async def test_snooze_skips_the_next_day_once(repo: NudgeRepository) -> None:
    await subscribe(repo)
    await send_all(repo, START + timedelta(hours=1))
    now = START + timedelta(hours=2)
    first = await repo.snooze(ALEX, date(2026, 11, 26), now)
    second = await repo.snooze(ALEX, date(2026, 11, 26), now)
    assert first is not None and second is not None
    assert first.next_due_at == second.next_due_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


async def test_pause_and_snooze_need_running_nudges(repo: NudgeRepository) -> None:
    assert await repo.pause(ALEX, 2, START) is None
    await subscribe(repo)
    assert await repo.stop(ALEX, START)
    assert not await repo.stop(ALEX, START)
    assert await repo.snooze(ALEX, date(2026, 11, 26), START) is None


async def test_no_repeat_until_the_pool_is_seen(repo: NudgeRepository, database: Database) -> None:
    await subscribe(repo, days=None)
    for day in range(len(POOL) * 2):
        await send_all(repo, START + timedelta(days=day, hours=1))
    rows = await database.fetchall("SELECT nudge_id FROM nudge_ledger ORDER BY local_date")
    seen = [row[0] for row in rows]
    assert sorted(seen[: len(POOL)]) == sorted(POOL)
    assert sorted(seen[len(POOL) :]) == sorted(POOL)
    assert all(a != b for a, b in itertools.pairwise(seen))


async def test_preview_draws_from_the_same_order_and_is_not_the_daily_one(
    repo: NudgeRepository, database: Database
) -> None:
    await subscribe(repo)
    preview = await repo.create_preview(ALEX, START, date(2026, 11, 26))
    assert preview.kind == "preview" and preview.nonce.startswith("p") and len(preview.nonce) <= 25
    # Recorded at once, as the command does (a claim left unrecorded for an hour would be taken over as interrupted).
    await repo.record([Outcome(preview.ledger_id, ALEX, SENT, message_id=1, channel_id=2)], START)
    assert await send_all(repo, START + timedelta(hours=1)) == [ALEX]
    ids = [row[0] for row in await database.fetchall("SELECT nudge_id FROM nudge_ledger ORDER BY id")]
    assert ids[0] != ids[1]


async def test_helpful_and_moods(repo: NudgeRepository) -> None:
    await subscribe(repo)
    claimed = (await repo.claim_due(START + timedelta(hours=1), limit=10, grace=GRACE)).claimed[0]
    assert await repo.mark_helpful(claimed.ledger_id, ALEX, START)
    assert not await repo.mark_helpful(claimed.ledger_id, BO, START)
    entry = await repo.entry(claimed.ledger_id, ALEX)
    assert entry is not None and entry.helpful_at == START
    assert await repo.entry(claimed.ledger_id, BO) is None
    await repo.log_mood(ALEX, 4, START, claimed.ledger_id)
    await repo.log_mood(ALEX, 2, START + timedelta(hours=1))
    assert await repo.moods(ALEX) == [(2, START + timedelta(hours=1)), (4, START)]
    with pytest.raises(ValueError, match="1–5"):
        await repo.log_mood(ALEX, 6, START)


def test_nonces_fit_discords_limit() -> None:
    biggest = 2**64 - 1
    assert len(daily_nonce(biggest, date(2099, 12, 31))) <= 25
    assert len(preview_nonce(biggest, datetime(2099, 12, 31, tzinfo=UTC))) <= 25
    assert daily_nonce(ALEX, date(2026, 11, 26)) == daily_nonce(ALEX, date(2026, 11, 26))
    assert daily_nonce(ALEX, date(2026, 11, 26)) != daily_nonce(ALEX, date(2026, 11, 27))
    assert base36(0) == "0" and base36(35) == "z" and base36(36) == "10"


@pytest.mark.parametrize("size", [1, 2, 3, 7, 12, 66, 72])
def test_pool_order_is_a_permutation_per_cycle_without_back_to_back_repeats(size: int) -> None:
    for user_id in (1, 42, ALEX, BO):
        order = [pool_position(user_id, n, size) for n in range(size * 4)]
        for cycle in range(4):
            assert sorted(order[cycle * size : (cycle + 1) * size]) == list(range(size))
        if size > 1:
            assert all(a != b for a, b in itertools.pairwise(order))


def test_pool_order_differs_between_members() -> None:
    orders = {tuple(pool_position(user_id, n, 72) for n in range(10)) for user_id in range(20)}
    assert len(orders) > 10
