"""kill -9 at random moments: in the middle of a nudge round, and between the steps of a check-in.

The randomness is seeded, so a failure names a schedule that can be replayed. After the last restart: every
member has exactly one nudge for the day, every schedule moved on exactly once, flows finish on the messages sent
by the killed processes, and the database file passes `PRAGMA integrity_check`.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cogs.nudges.compose import nudge_table
from cogs.nudges.store import NudgeRepository
from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, kill_hard, plaintext

SEED = 20261126
MEMBERS = 24
KILLS = 3
SLOW_ROUND = {"TIMER_TICK_SECONDS": "0.2", "NUDGE_RATE_PER_SECOND": "6", "NUDGE_CONCURRENCY": "2"}


def rows(harness: Harness, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Read the database directly (another process may own it: WAL on SQLite, any session on PostgreSQL)."""
    return harness.rows(sql, params)


def integrity(harness: Harness) -> str:
    """SQLite's full integrity check of the file; on PostgreSQL, no transaction left open by a killed process."""
    return harness.integrity()


def nudge_count(member: SimulatedMember) -> int:
    """Daily nudges in a member's DMs (the ones with the Helpful button)."""
    return sum(1 for m in member.dms() if any(b.label == "Helpful" for b in m.buttons()))


async def spawn_connected(harness: Harness, log_path: Path, **env: str) -> subprocess.Popen[bytes]:
    """`python -m bot` in its own process, connected to the emulator's gateway."""
    process = harness.spawn(log_path, **env)
    try:
        await harness.emulator.wait_for_connection(timeout=30)
    except BaseException:
        kill_hard(process)
        raise
    return process


async def kill_and_wait(harness: Harness, process: subprocess.Popen[bytes]) -> None:
    """SIGKILL, then wait until the emulator has noticed the dead socket."""
    kill_hard(process)
    await harness.emulator.wait_until(
        lambda: not harness.emulator.gateway.connected_sessions() or None, 10, "the killed bot's socket to close"
    )


async def subscribe_due_now(harness: Harness, members: list[SimulatedMember]) -> None:
    """Subscriptions whose first nudge fell due a minute ago on the real clock (the subprocess runs on it)."""
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


async def test_kill_9_at_random_points_of_a_nudge_round(harness: Harness, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    members = [harness.member(f"member{i}") for i in range(MEMBERS)]
    await harness.stop()
    await subscribe_due_now(harness, members)
    schedules = rows(harness, "SELECT user_id, next_due_at FROM nudge_subscriptions")
    before = {row["user_id"]: row["next_due_at"] for row in schedules}
    log_path = tmp_path / "bot.log"
    delivered: list[int] = []
    in_flight: list[int] = []
    process: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(KILLS):
            process = await spawn_connected(harness, log_path, **SLOW_ROUND)
            so_far = sum(nudge_count(m) for m in members)

            def more_nudges(so_far: int = so_far) -> bool | None:
                return sum(nudge_count(m) for m in members) > so_far or None

            # This process is dispatching: now pick a random moment.
            await harness.emulator.wait_until(more_nudges, 30, "a nudge")
            await asyncio.sleep(rng.uniform(0.0, 0.8))
            await kill_and_wait(harness, process)
            delivered.append(sum(1 for m in members if nudge_count(m)))
            in_flight.append(len(rows(harness, "SELECT id FROM nudge_ledger WHERE status = 'claimed'")))
            assert integrity(harness) == "ok"

        process = await spawn_connected(harness, log_path, TIMER_TICK_SECONDS="0.2")

        def all_recorded() -> bool | None:
            ledger = rows(harness, "SELECT status FROM nudge_ledger WHERE kind = 'daily'")
            done = len(ledger) == MEMBERS and all(row["status"] == "sent" for row in ledger)
            return (done and all(nudge_count(m) for m in members)) or None

        await harness.emulator.wait_until(all_recorded, 30, "every nudge sent and recorded")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            await asyncio.to_thread(process.wait, 10)

    assert any(in_flight), f"no kill landed while nudges were claimed but not recorded: {delivered}, {in_flight}"
    assert Counter(nudge_count(m) for m in members) == Counter({1: MEMBERS}), f"kills after: {delivered}"
    ledger = rows(harness, "SELECT user_id, local_date FROM nudge_ledger WHERE kind = 'daily'")
    assert len({(r["user_id"], r["local_date"]) for r in ledger}) == MEMBERS == len(ledger)
    after = rows(harness, "SELECT user_id, next_due_at, days_sent FROM nudge_subscriptions")
    for row in after:  # every schedule moved on by exactly one day: nothing lost, nothing skipped
        moved = datetime.fromisoformat(row["next_due_at"]) - datetime.fromisoformat(before[row["user_id"]])
        assert (moved, row["days_sent"]) == (timedelta(days=1), 1)
    assert integrity(harness) == "ok"
    assert "Traceback" not in log_path.read_text(errors="replace")


# ---------------------------------------------------------------------------------------------- a multi-step flow

Step = Callable[[SimulatedMember, EmulatedMessage], Any]


async def test_kill_9_between_the_steps_of_a_check_in(harness: Harness, tmp_path: Path) -> None:
    """Each member is killed off at a different, randomly chosen step; after a restart they carry on from there."""
    rng = random.Random(SEED)
    await harness.stop()
    log_path = tmp_path / "bot.log"
    process = await spawn_connected(harness, log_path)
    outcomes: dict[str, tuple[str, int, bool]] = {}
    kill_points = rng.sample(range(4), 4)  # 0: after /rejected, 1: the feeling, 2: the rating, 3: the form opened
    try:
        for number, kill_after in enumerate(kill_points):
            member = harness.member(f"flow{number}")
            company = f"Company{number}"
            level = rng.randint(1, 5)
            state: dict[str, Any] = {}

            async def step(
                index: int, m: SimulatedMember = member, c: str = company, lv: int = level, s: dict[str, Any] = state
            ) -> None:
                if index == 0:
                    s["message"] = (await m.slash("rejected", company=c)).message
                elif index == 1:
                    s["message"] = (await m.select(s["message"], "checkin:feeling", ["anxious"])).message
                elif index == 2:
                    button = next(b for b in s["message"].buttons() if (b.custom_id or "").endswith(f":{lv}"))
                    s["message"] = (await m.click(s["message"], button.custom_id or "")).message
                elif index == 3:
                    s["modal"] = await m.click(s["message"], "Vent privately")
                else:
                    done = await m.submit_modal(s["modal"], {"vent": f"Notes for {c}.", "keep": ["yes"]})
                    s["reply"] = done.message

            for index in range(5):
                await step(index)
                if index == kill_after:
                    await kill_and_wait(harness, process)
                    assert integrity(harness) == "ok"
                    process = await spawn_connected(harness, log_path)
            reply = state["reply"]
            outcomes[company] = (reply.text(), level, kill_after == 3)
    finally:
        if process.poll() is None:
            process.terminate()
            await asyncio.to_thread(process.wait, 10)

    stored = {plaintext(r["company_encrypted"]): r for r in rows(harness, "SELECT * FROM checkins")}
    assert sorted(stored) == sorted(outcomes)
    for company, (reply_text, level, modal_outlived_the_process) in outcomes.items():
        row = stored[company]
        assert (row["feeling"], row["intensity"]) == ("anxious", level)
        if modal_outlived_the_process:
            # discord.py forgets open forms on restart: the member is told, shown their words, and nothing is kept.
            assert "open it again" in reply_text and f"Notes for {company}." in reply_text, reply_text
            assert row["vent_encrypted"] is None
        else:
            assert row["vent_encrypted"] is not None
    assert integrity(harness) == "ok"
    assert "Traceback" not in log_path.read_text(errors="replace")
