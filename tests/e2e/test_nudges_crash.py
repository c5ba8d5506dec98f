"""kill -9 in the middle of a nudge round, then a restart: the rest are sent, nobody gets two that day."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cogs.nudges.compose import nudge_table
from cogs.nudges.store import NudgeRepository
from emulator import SimulatedMember
from tests.harness import Harness, kill_hard

MEMBERS = 30
KILL_AFTER = 8


def nudge_count(member: SimulatedMember) -> int:
    return sum(1 for m in member.dms() if any(b.label == "Helpful" for b in m.buttons()))


def ledger(harness: Harness) -> list[Any]:
    return harness.rows("SELECT user_id, local_date, status FROM nudge_ledger")


async def test_kill_during_a_round_then_restart_sends_the_rest_once(harness: Harness, tmp_path: Path) -> None:
    members = [harness.member(f"member{i}") for i in range(MEMBERS)]
    await harness.stop()
    # The spawned bot runs on the real clock, so the schedules fall due a minute ago, in real time.
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    database = await harness.open_database()
    try:
        repository = NudgeRepository(database, list(nudge_table()))
        for member in members:
            await repository.subscribe(
                user_id=member.user_id,
                guild_id=harness.guild_id,
                at=at,
                timezone="UTC",
                days=14,
                now=now - timedelta(minutes=2),
            )
    finally:
        await database.close()

    log_path = tmp_path / "bot.log"
    slow = {"TIMER_TICK_SECONDS": "0.2", "NUDGE_RATE_PER_SECOND": "4", "NUDGE_CONCURRENCY": "2"}
    first = harness.spawn(log_path, **slow)
    try:
        await harness.emulator.wait_until(
            lambda: sum(1 for m in members if nudge_count(m)) >= KILL_AFTER or None,
            timeout=30,
            what=f"{KILL_AFTER} nudges from the first process",
        )
    finally:
        kill_hard(first)
    delivered_before = sum(1 for m in members if nudge_count(m))
    assert delivered_before < MEMBERS, "the round finished before the kill; nothing was interrupted"
    assert any(row["status"] == "claimed" for row in ledger(harness))

    second = harness.spawn(log_path, TIMER_TICK_SECONDS="0.2")

    def all_recorded() -> bool | None:
        rows = ledger(harness)
        done = len(rows) == MEMBERS and all(row["status"] == "sent" for row in rows)
        return (done and all(nudge_count(m) for m in members)) or None

    try:
        await harness.emulator.wait_until(all_recorded, timeout=30, what="every nudge sent and recorded")
    finally:
        second.terminate()
        await asyncio.to_thread(second.wait, 10)

    counts = Counter(nudge_count(m) for m in members)
    assert counts == Counter({1: MEMBERS}), log_path.read_text()[-3000:]
    rows = ledger(harness)
    assert len({(row["user_id"], row["local_date"]) for row in rows}) == MEMBERS
