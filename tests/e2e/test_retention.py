"""Retention: kept vents are cleared after `vent_retention_days` by a daily job; the check-in itself stays."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from cogs.mydata import RETENTION_JOB_ID, MyDataCog
from tests.e2e.mydata_helpers import Marker, keep_vent, log_rejection, rows
from tests.harness import Harness

DAY = timedelta(days=1)


def cog(harness: Harness) -> MyDataCog:
    """The loaded data-rights cog, which owns the daily purge."""
    loaded = harness.running.get_cog("MyData")
    # discord.py loads extensions as fresh module objects, so compare by name rather than isinstance.
    assert loaded is not None and type(loaded).__name__ == MyDataCog.__name__
    return cast(MyDataCog, loaded)


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
    assert await cog(harness).run_retention() == 0
    assert vents(harness)[old_id][0] is True

    harness.clock.advance(timedelta(hours=1))  # exactly 30 days
    assert await cog(harness).run_retention() == 1
    after = vents(harness)
    assert after[old_id] == (False, None, "sad")  # the check-in and its feeling stay
    assert after[new_id][0] is True
    assert await cog(harness).run_retention() == 0  # idempotent

    exported = await (await alex.slash("mydata export")).wait_final()
    assert b"thirty days" not in exported.attachments[0].data


async def test_the_purge_runs_daily_and_catches_up_at_start(harness: Harness) -> None:
    scheduler = harness.running.ticker.scheduler
    job = scheduler.get_job(RETENTION_JOB_ID)
    assert job is not None
    assert "cron" in str(job.trigger) and "hour='3'" in str(job.trigger)

    alex = harness.member("alex")
    checkin_id, message = await log_rejection(alex, "numb", 3)
    await keep_vent(alex, message, Marker("alex").text("vent", "a week is enough for this one"))
    harness.clock.advance(DAY * 8)
    # A shorter retention setting applies at once: the start-up catch-up clears what is already too old.
    await harness.restart(vent_retention_days=7)
    assert vents(harness)[checkin_id] == (False, None, "numb")

    await harness.running.unload_extension("cogs.mydata")
    assert harness.running.ticker.scheduler.get_job(RETENTION_JOB_ID) is None
