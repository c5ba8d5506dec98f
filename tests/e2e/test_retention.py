"""Retention: kept vents are cleared after `vent_retention_days` by a daily job; the check-in itself stays."""

from __future__ import annotations

from datetime import timedelta

from bot.client import RETENTION_JOB
from tests.e2e.mydata_helpers import Marker, keep_vent, log_rejection, rows
from tests.harness import Harness, message_of

DAY = timedelta(days=1)


def vents(harness: Harness) -> dict[int, tuple[bool, str | None, str | None]]:
    """Per check-in: whether a vent is stored, when it was kept, and the feeling (which must survive)."""
    return {
        row["id"]: (row["vent_encrypted"] is not None, row["vent_kept_at"], row["feeling"])
        for row in rows(harness, "SELECT id, vent_encrypted, vent_kept_at, feeling FROM checkins ORDER BY id")
    }


async def test_kept_vents_are_purged_after_the_retention_period_and_nothing_else_is(harness: Harness) -> None:
    alex, bob = harness.member("alex"), harness.member("bob")
    old_id, message = await log_rejection(alex, "sad", 4)
    await keep_vent(alex, message, Marker("alex").text("vent", "thirty days from now this should be gone"))
    harness.clock.advance(DAY * 20)
    new_id, message = await log_rejection(bob, "angry", 5)
    await keep_vent(bob, message, Marker("bob").text("vent", "this one is only ten days old later"))

    harness.clock.advance(DAY * 9 + timedelta(hours=23))  # alex's vent: 29 days 23 hours
    assert await harness.running.run_retention() == 0
    assert vents(harness)[old_id][0] is True

    harness.clock.advance(timedelta(hours=1))  # exactly 30 days
    assert await harness.running.run_retention() == 1
    after = vents(harness)
    assert after[old_id] == (False, None, "sad")  # the check-in and its feeling stay
    assert after[new_id][0] is True
    assert await harness.running.run_retention() == 0  # idempotent

    exported = await (await alex.slash("mydata export")).wait_final()
    assert b"thirty days" not in exported.attachments[0].data


async def test_the_purge_runs_daily_and_catches_up_at_start(harness: Harness) -> None:
    assert RETENTION_JOB in harness.running.scheduler.job_names()

    alex = harness.member("alex")
    checkin_id, message = await log_rejection(alex, "numb", 3)
    await keep_vent(alex, message, Marker("alex").text("vent", "a week is enough for this one"))
    harness.clock.advance(DAY * 8)
    # A shorter retention setting applies at once: the start-up catch-up clears what is already too old.
    await harness.restart(vent_retention_days=7)
    assert vents(harness)[checkin_id] == (False, None, "numb")

    # A core job: unloading the data-rights cog doesn't stop the promise that vents go away.
    await harness.running.unload_extension("cogs.mydata")
    assert RETENTION_JOB in harness.running.scheduler.job_names()


async def test_keeping_a_vent_says_until_when_and_the_day_before_a_dm_offers_to_keep_it_longer(
    harness: Harness,
) -> None:
    alex = harness.member("alex")
    checkin_id, message = await log_rejection(alex, "sad", 4)
    opened = await alex.click(message, "Vent privately")
    assert opened.modal is not None
    kept = await alex.submit_modal(opened.modal, {"vent": "alexvent quokka: a private vent", "keep": ["yes"]})
    expires = int((harness.clock.now() + DAY * 30).timestamp())
    assert f"I'll keep it for 30 days, until <t:{expires}:D>" in message_of(kept).text()

    await harness.advance(DAY * 29)  # the day before, 09:00 UTC: the warning waits for midday
    assert alex.dms() == []
    await harness.advance(timedelta(hours=3))
    [warning] = alex.dms()
    assert f"<t:{expires}:R>" in warning.text() and "quokka" not in warning.text()
    bob = harness.member("bob")
    refused = await bob.click(warning, "Keep it 30 more days")
    assert "someone else" in message_of(refused).text()
    pressed = await alex.click(warning, "Keep it 30 more days")
    assert "Kept." in message_of(pressed).text()

    await harness.advance(DAY * 2)  # past the first date: still kept
    assert await harness.running.run_retention() == 0
    assert vents(harness)[checkin_id][0] is True
    await harness.advance(DAY * 28)  # the day before the new date, midday UTC: warned again
    assert len(alex.dms()) == 2 and "Keep it 30 more days" in [b.label for b in alex.dms()[-1].buttons()]
    harness.clock.advance(DAY)
    assert await harness.running.run_retention() == 1
    assert vents(harness)[checkin_id][0] is False


async def test_the_daily_purge_fires_at_its_hour_on_the_bot_clock(harness: Harness) -> None:
    alex = harness.member("alex")
    checkin_id, message = await log_rejection(alex, "sad", 2)
    await keep_vent(alex, message, Marker("alex").text("vent", "gone after a month"))
    harness.clock.advance(DAY * 31)
    morning = harness.clock.now()  # 09:00 UTC: today's 03:15 purge has already passed
    await harness.running.scheduler.run_due(morning, morning.replace(hour=23))
    assert vents(harness)[checkin_id][0] is True
    await harness.running.scheduler.run_due(morning.replace(hour=23), morning + DAY)  # past 03:15 tomorrow
    assert vents(harness)[checkin_id][0] is False
