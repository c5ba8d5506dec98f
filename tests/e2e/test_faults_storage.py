"""Storage faults on the running bot's own connection: read-only (`PRAGMA query_only`) and full (`PRAGMA
max_page_count`). The member hears plainly that their words were not saved, the log says why in one line, the
bot stays up, the clock's ticks survive, and once the fault clears the same action works.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from bot.scheduling import Timer
from emulator import EmulatedMessage, InteractionResult, SimulatedMember
from tests.harness import Harness, message_of, plaintext

# The faults are made with SQLite's own PRAGMAs on the bot's connection.
pytestmark = pytest.mark.sqlite_only

NOT_SAVED = "not** saved"
LONG_VENT = "It stung more than I expected, and I keep replaying the last question. " * 55  # ~3,900 characters


def rows(harness: Harness, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Read the database file directly, as an auditor would."""
    return harness.rows(sql, params)


async def pragma(harness: Harness, statement: str) -> Any:
    """Run a PRAGMA on the bot's own connection (through its lock, like any other statement)."""
    return await harness.running.database.fetchval(statement)


@asynccontextmanager
async def read_only(harness: Harness) -> AsyncIterator[None]:
    """The database refuses every write, as when its file or folder turns read-only under the bot."""
    await pragma(harness, "PRAGMA query_only = ON")
    try:
        yield
    finally:
        await pragma(harness, "PRAGMA query_only = OFF")


@asynccontextmanager
async def disk_full(harness: Harness) -> AsyncIterator[None]:
    """The database may not grow by a single page, as when the disk is full."""
    limit = await pragma(harness, "PRAGMA max_page_count")
    pages = await pragma(harness, "PRAGMA page_count")
    await pragma(harness, f"PRAGMA max_page_count = {int(pages)}")
    try:
        yield
    finally:
        await pragma(harness, f"PRAGMA max_page_count = {int(limit)}")


def storage_log_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The one-line storage reports (no traceback: nothing to debug in the code)."""
    return [r for r in caplog.records if r.levelno == logging.ERROR and "storage fault" in r.getMessage()]


def assert_told_not_saved(result: InteractionResult | EmulatedMessage) -> None:
    """The member is told, privately and kindly, that nothing was saved and to try again later."""
    message = result.message if isinstance(result, InteractionResult) else result
    assert message is not None and message.ephemeral
    text = message.text()
    assert NOT_SAVED in text and "try again" in text, text
    assert "reference" not in text  # not dressed up as a bug


async def feeling_and_level(member: SimulatedMember, message: EmulatedMessage, level: int) -> EmulatedMessage:
    """Pick a feeling, then an intensity; returns the final check-in message."""
    picked = await member.select(message, "checkin:feeling", ["frustrated"])
    button = next(b for b in message_of(picked).buttons() if (b.custom_id or "").endswith(f":{level}"))
    final = await member.click(message_of(picked), button.custom_id or "")
    assert final.message is not None
    return final.message


async def test_read_only_database_tells_the_member_and_the_same_command_works_afterwards(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    alex = harness.member("alex")
    async with read_only(harness):
        refused = await alex.slash("rejected", company="Acme")
        assert_told_not_saved(refused)
        still_up = await alex.slash("help")  # reads only: the bot is still answering
        assert still_up.message is not None
    [line] = storage_log_lines(caplog)
    assert "read-only" in line.getMessage() and "/rejected" in line.getMessage()
    assert line.exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r is not line]
    assert rows(harness, "SELECT * FROM checkins") == []

    again = await alex.slash("rejected", company="Acme")
    final = await feeling_and_level(alex, message_of(again), 4)
    assert "Frustrated · 4/5" in final.text()
    stored = rows(harness, "SELECT * FROM checkins")
    assert [(plaintext(r["company_encrypted"]), r["intensity"]) for r in stored] == [("Acme", 4)]


async def test_read_only_during_a_button_and_a_modal_mid_flow(harness: Harness) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Globex")
    async with read_only(harness):
        refused = await alex.select(message_of(start), "checkin:feeling", ["sad"])
        assert_told_not_saved(refused)
    final = await feeling_and_level(alex, message_of(start), 3)  # the same select works once writes are back

    opened = await alex.click(final, "Vent privately")
    async with read_only(harness):
        refused = await alex.submit_modal(opened, {"vent": "I wanted this one so much.", "keep": ["yes"]})
        assert_told_not_saved(refused)
    assert rows(harness, "SELECT vent_encrypted FROM checkins")[0]["vent_encrypted"] is None
    reopened = await alex.click(final, "Vent privately")
    kept = await alex.submit_modal(reopened, {"vent": "I wanted this one so much.", "keep": ["yes"]})
    assert kept.ephemeral and NOT_SAVED not in kept.text()
    assert rows(harness, "SELECT vent_encrypted FROM checkins")[0]["vent_encrypted"] is not None


async def test_disk_full_while_keeping_a_long_vent(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    alex = harness.member("alex")
    start = await alex.slash("rejected", company="Initech")
    final = await feeling_and_level(alex, message_of(start), 5)
    opened = await alex.click(final, "Vent privately")
    async with disk_full(harness):
        refused = await alex.submit_modal(opened, {"vent": LONG_VENT, "keep": ["yes"]})
        assert_told_not_saved(refused)
    [line] = storage_log_lines(caplog)
    assert "database or disk is full" in line.getMessage() and "cannot rollback" not in line.getMessage()
    assert rows(harness, "SELECT vent_encrypted FROM checkins")[0]["vent_encrypted"] is None
    assert await harness.running.database.integrity_check() == "ok"

    reopened = await alex.click(final, "Vent privately")
    await alex.submit_modal(reopened, {"vent": LONG_VENT, "keep": ["yes"]})
    checkin = await harness.running.checkins.get(rows(harness, "SELECT id FROM checkins")[0]["id"], alex.user_id)
    assert checkin is not None and checkin.vent == LONG_VENT.strip()


async def fire(harness: Harness, job_id: str, done: Callable[[], bool]) -> None:
    """Run one of the bot's real scheduler jobs now and wait until `done()` says it has had its effect."""
    harness.running.scheduler.run_soon(job_id)
    await harness.emulator.wait_until(lambda: done() or None, 10, f"scheduler job {job_id}")


async def test_the_timer_tick_and_the_nudge_tick_survive_and_catch_up(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await harness.restart(feedback_remind_delay_seconds=1800)  # the reminder falls due at 09:30, the nudge at 10:00
    alex = harness.member("alex")
    # Nudges first: their zone (London) is where the reminder's 09:30 is daytime, so it is not moved.
    started = await alex.slash("nudges start", time="10:00", timezone="Europe/London")
    if started.deferred:
        await started.wait_final()
    await alex.wait_for_dm()  # the welcome
    await alex.slash("rejected", company="Acme")
    choices = await alex.autocomplete("feedback draft", "rejection", "")
    drafted = await alex.slash("feedback draft", rejection=choices[0]["value"])
    await alex.click(message_of(drafted), "Remind me")  # a durable timer
    harness.clock.advance(timedelta(hours=1))  # the reminder and a nudge are both due

    def logged(text: str) -> Callable[[], bool]:
        return lambda: any(text in r.getMessage() for r in caplog.records)

    async with read_only(harness):
        await fire(harness, "timers-tick", logged("timers-tick failed"))
        await fire(harness, "nudges-tick", logged("nudge round"))
        assert alex.dms()[1:] == []
    assert harness.running.scheduler.running
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures and all(r.exc_info is None and "read-only" in r.getMessage() for r in failures)

    def states(sql: str) -> list[str]:
        return [row[0] for row in rows(harness, sql)]

    reminder_done = "SELECT state FROM timers WHERE kind = 'feedback_remind'"
    nudge_sent = "SELECT status FROM nudge_ledger"
    await fire(harness, "timers-tick", lambda: states(reminder_done) == ["done"])
    await fire(harness, "nudges-tick", lambda: states(nudge_sent) == ["sent"])
    assert any("Acme" in m.text() for m in alex.dms())
    assert any(any(b.label == "Helpful" for b in m.buttons()) for m in alex.dms())
    assert len(alex.dms()) == 3  # welcome, reminder, nudge: each once


async def test_a_timer_whose_bookkeeping_hits_the_fault_is_recorded_once_the_fault_clears(harness: Harness) -> None:
    """The work is done, then the write saying so fails: the timer must neither hang in 'running' nor run twice."""
    bot = harness.running
    runs: list[int] = []

    async def probe(timer: Timer) -> None:
        runs.append(timer.id)
        await pragma(harness, "PRAGMA query_only = ON")  # the disk turns read-only right after the work

    bot.timers.register("fault_probe", probe)
    timer_id = await bot.timers.schedule("fault_probe", bot.now())
    with pytest.raises(sqlite3.OperationalError):
        await harness.tick()
    assert rows(harness, "SELECT state FROM timers WHERE id = ?", (timer_id,))[0]["state"] == "running"
    await pragma(harness, "PRAGMA query_only = OFF")
    await harness.tick()
    assert rows(harness, "SELECT state FROM timers WHERE id = ?", (timer_id,))[0]["state"] == "done"
    assert runs == [timer_id]


async def test_nudges_sent_while_the_ledger_cannot_be_written_are_recorded_later_and_not_resent(
    harness: Harness,
) -> None:
    await harness.restart(nudge_rate_per_second=4, nudge_concurrency=1)  # a round slow enough to break into
    members = [harness.member(f"member{i}") for i in range(4)]
    for member in members:
        started = await member.slash("nudges start", time="10:00", timezone="Europe/London")
        if started.deferred:
            await started.wait_final()
    harness.clock.advance(timedelta(hours=1))
    cog: Any = harness.running.get_cog("NudgesCog")

    def nudges(member: SimulatedMember) -> int:
        return sum(1 for m in member.dms() if any(b.label == "Helpful" for b in m.buttons()))

    round_ = asyncio.create_task(cog.run_due_nudges())
    await harness.emulator.wait_until(lambda: any(nudges(m) for m in members) or None, 10, "the first nudge")
    async with read_only(harness):
        with pytest.raises(sqlite3.OperationalError):
            await round_  # its final write fails, but every claimed nudge went out
        assert [nudges(m) for m in members] == [1, 1, 1, 1]
        assert {r["status"] for r in rows(harness, "SELECT status FROM nudge_ledger")} == {"claimed"}
    report = await cog.run_due_nudges()  # the next round writes what the last one could not
    assert report.sent == 0
    assert [r["status"] for r in rows(harness, "SELECT status FROM nudge_ledger")] == ["sent"] * 4
    assert [nudges(m) for m in members] == [1, 1, 1, 1]
