"""Durable timers end to end: restarts (graceful and kill -9) between a DM and its click, catch-up after
downtime, and a failing handler retried with backoff until it is recorded as failed."""

from __future__ import annotations

import asyncio
import logging
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import from_iso
from bot.timezones import LOCALE_ZONES
from emulator import EmulatedMessage, SimulatedMember
from tests.harness import Harness, kill_hard, message_of, plaintext

DAY = timedelta(days=1)


def daytime_locale() -> str:
    """A Discord locale whose zone is in the middle of its day right now, for tests on the real clock."""
    now = datetime.now(UTC)
    for locale, zone in LOCALE_ZONES.items():
        if 10 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return locale
    raise AssertionError("some zone is always in daytime")  # pragma: no cover


@pytest.fixture(autouse=True)
def new_york_morning(harness: Harness) -> None:
    """Start at 10:00 in New York, the zone the emulator's en-US locale suggests, so feedback DMs due a whole
    number of days (or minutes) later fall in the member's daytime and are not moved."""
    harness.clock.advance(timedelta(hours=6))


COMPANIES = ("Acme", "Globex", "Initech")
MESSAGES_ROUTE = r"^/channels/\d+/messages$"
MISSING_ACCESS = {"code": 50001, "message": "Missing Access"}


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
    """Read the database file directly (works while another process owns it: WAL)."""
    return harness.rows(sql, params)


def states(harness: Harness) -> dict[str, str]:
    """Each request's state, by company."""
    found = rows(
        harness,
        "SELECT c.company_encrypted, r.state FROM feedback_requests r JOIN checkins c ON c.id = r.checkin_id "
        "ORDER BY r.id",
    )
    return {plaintext(row["company_encrypted"]): row["state"] for row in found}


async def three_sent_requests(member: SimulatedMember) -> None:
    """Three rejections, a draft for each, and "I sent it" on all three."""
    for company in COMPANIES:
        await member.slash("rejected", company=company, role="Analyst")
    for number, company in enumerate(COMPANIES, start=1):
        choices = await member.autocomplete("feedback draft", "rejection", company)
        assert choices and choices[0]["name"].startswith(company), choices
        drafted = await member.slash("feedback draft", rejection=choices[0]["value"])
        assert drafted.message is not None, f"draft {number}"
        await member.click(drafted.message, "I sent it")


async def follow_ups_by_company(member: SimulatedMember, wait_seconds: float = 5.0) -> dict[str, EmulatedMessage]:
    """Wait for the three "did they reply?" DMs and index them by company."""
    found: dict[str, EmulatedMessage] = {}
    while len(found) < len(COMPANIES):
        dm = await member.wait_for_dm(
            lambda m: any(b.label == "They replied" for b in m.buttons()), timeout=wait_seconds
        )
        company = next(name for name in COMPANIES if name in dm.text())
        found.setdefault(company, dm)
    return found


async def answer_all_three(harness: Harness, member: SimulatedMember, dms: dict[str, EmulatedMessage]) -> None:
    """Acme: they replied (with a note). Globex: not yet. Initech: no reply."""
    opened = await member.click(dms["Acme"], "They replied")
    assert opened.modal is not None
    thanks = await member.submit_modal(opened.modal, {"note": "Loved the portfolio; wanted more SQL depth."})
    thanked = message_of(thanks).text()
    assert "Thank you" in thanked or "Kept" in thanked or "Saved" in thanked
    later = await member.click(dms["Globex"], "Not yet")
    assert "again" in message_of(later).text()
    closed = await member.click(dms["Initech"], "No reply")
    assert "closed" in message_of(closed).text().lower()
    assert states(harness) == {"Acme": "replied", "Globex": "sent", "Initech": "no_reply"}
    assert len(rows(harness, "SELECT * FROM feedback_notes")) == 1


async def test_follow_up_buttons_work_after_a_graceful_restart(harness: Harness) -> None:
    alex = harness.member("alex")
    await three_sent_requests(alex)
    await harness.advance(7 * DAY)
    dms = await follow_ups_by_company(alex)
    await harness.restart()
    await answer_all_three(harness, alex, dms)
    pending = rows(harness, "SELECT due_at FROM timers WHERE kind = 'feedback_followup' AND state = 'pending'")
    assert [from_iso(row["due_at"]) for row in pending] == [harness.clock.now() + 7 * DAY]


async def test_a_timer_due_while_the_bot_was_down_is_delivered_at_start(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme", role="Analyst")
    choices = await alex.autocomplete("feedback draft", "rejection", "")
    drafted = await alex.slash("feedback draft", rejection=choices[0]["value"])
    await alex.click(message_of(drafted), "Remind me")
    await harness.stop()
    harness.clock.advance(3 * DAY)
    assert alex.dms() == []
    await harness.start()  # the tick interval is an hour in tests: only the start-up catch-up can send it
    reminder = await alex.wait_for_dm(timeout=5)
    assert "Acme" in reminder.text() and reminder.find_button("I sent it")
    sent = await alex.click(reminder, "I sent it")
    assert "<t:" in message_of(sent).text()


async def test_a_failing_timer_is_retried_with_backoff_then_recorded_as_failed(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.restart(timer_max_attempts=3, timer_retry_base_seconds=60)
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    choices = await alex.autocomplete("feedback draft", "rejection", "")
    drafted = await alex.slash("feedback draft", rejection=choices[0]["value"])
    await alex.click(message_of(drafted), "Remind me")
    harness.emulator.fail_next("POST", MESSAGES_ROUTE, status=403, times=3, body=MISSING_ACCESS)
    caplog.set_level(logging.INFO)

    await harness.advance(2 * DAY)
    timer = rows(harness, "SELECT * FROM timers WHERE kind = 'feedback_remind'")[0]
    assert (timer["state"], timer["attempts"]) == ("pending", 1)
    assert "DeliveryDeferred" in timer["last_error"]
    assert from_iso(timer["due_at"]) == harness.clock.now() + timedelta(minutes=1)
    await harness.advance(timedelta(seconds=59))
    assert rows(harness, "SELECT attempts FROM timers")[0]["attempts"] == 1  # not before its backoff
    await harness.advance(timedelta(seconds=1))
    assert rows(harness, "SELECT attempts FROM timers")[0]["attempts"] == 2
    tidied = asyncio.ensure_future(harness.running.wait_for("feedback_state_changed", timeout=5))
    await harness.advance(timedelta(minutes=2))  # the backoff doubled
    assert (await tidied)[2] == "drafted"  # no promise of a reminder left hanging
    timer = rows(harness, "SELECT * FROM timers WHERE kind = 'feedback_remind'")[0]
    assert (timer["state"], timer["attempts"]) == ("failed", 3)
    assert alex.dms() == []
    assert any("failed 3 times; giving up" in record.getMessage() for record in caplog.records)
    assert rows(harness, "SELECT state FROM feedback_requests")[0]["state"] == "drafted"
    await harness.advance(7 * DAY)
    assert rows(harness, "SELECT state, attempts FROM timers")[0]["attempts"] == 3


async def test_a_failed_attempt_is_retried_and_then_delivered(harness: Harness) -> None:
    alex = harness.member("alex")
    await alex.slash("rejected", company="Acme")
    choices = await alex.autocomplete("feedback draft", "rejection", "")
    drafted = await alex.slash("feedback draft", rejection=choices[0]["value"])
    await alex.click(message_of(drafted), "Remind me")
    harness.emulator.fail_next("POST", MESSAGES_ROUTE, status=403, times=1, body=MISSING_ACCESS)
    await harness.advance(2 * DAY)
    assert alex.dms() == []
    await harness.advance(timedelta(minutes=1))
    assert "Acme" in (await alex.wait_for_dm()).text()
    assert [r["state"] for r in rows(harness, "SELECT state FROM timers")] == ["done"]


async def spawn_ready(harness: Harness, log_path: Path, **env: str) -> subprocess.Popen[bytes]:
    """Start `python -m bot` and wait until it is connected to the emulator's gateway."""
    process = harness.spawn(log_path, **env)
    try:
        await harness.emulator.wait_for_connection(timeout=30)
    except BaseException:
        kill_hard(process)
        raise
    return process


async def wait_disconnected(harness: Harness) -> None:
    """After a kill, wait until the emulator has noticed the dead connection."""
    await harness.emulator.wait_until(
        lambda: not harness.emulator.gateway.connected_sessions() or None, 10, "the killed bot's socket to close"
    )


async def wait_for_rows(harness: Harness, sql: str, count: int) -> None:
    """Wait until another process has written what we expect (the shared SQLite file is re-read as we wait)."""
    await harness.emulator.wait_until(lambda: len(rows(harness, sql)) >= count, 10, f"{count} row(s) for {sql!r}")


async def test_kill_9_between_the_dm_and_the_click(harness: Harness, tmp_path: Path) -> None:
    """A real `python -m bot` process: timers survive SIGKILL, overdue ones are caught up, old DM buttons work."""
    await harness.stop()  # the subprocesses own the database from here on
    log_path = tmp_path / "bot.log"
    alex = harness.member("alex", locale=daytime_locale())  # the real clock: follow-ups wait for daytime
    processes: list[subprocess.Popen[bytes]] = []
    try:
        # 1. A bot whose clock never ticks after start-up: "I sent it" stores timers due in 0.3 s, then it dies.
        first = await spawn_ready(harness, log_path, TIMER_TICK_SECONDS="3600", FEEDBACK_FOLLOWUP_DELAY_SECONDS="0.3")
        processes.append(first)
        await three_sent_requests(alex)
        kill_hard(first)
        await wait_disconnected(harness)
        pending = rows(harness, "SELECT due_at FROM timers WHERE kind = 'feedback_followup' AND state = 'pending'")
        assert len(pending) == 3
        assert alex.dms() == []
        latest_due = max(from_iso(row["due_at"]) for row in pending)
        await asyncio.sleep(max(0.0, (latest_due - datetime.now(UTC)).total_seconds()) + 0.05)

        # 2. Started again: the follow-ups that fell due while it was down arrive; killed right after the asks.
        env = {"TIMER_TICK_SECONDS": "0.2", "FEEDBACK_FOLLOWUP_DELAY_SECONDS": "30"}
        second = await spawn_ready(harness, log_path, **env)
        processes.append(second)
        dms = await follow_ups_by_company(alex, wait_seconds=15)
        await wait_for_rows(harness, "SELECT id FROM feedback_requests WHERE asks = 1", 3)
        kill_hard(second)
        await wait_disconnected(harness)

        # 3. A third process: the buttons on the DMs sent by the killed one all work.
        third = await spawn_ready(harness, log_path, **env)
        processes.append(third)
        await answer_all_three(harness, alex, dms)
        assert len(alex.dms()) == 3  # no follow-up was sent twice
    finally:
        for process in processes:
            if process.poll() is None:
                kill_hard(process)
    assert "Traceback" not in log_path.read_text(errors="replace")
