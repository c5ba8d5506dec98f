"""Retention: kept vent text is cleared once it is older than the retention period (a daily job runs this)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.clock import discord_timestamp, from_iso, to_iso
from bot.content import load_content, plural
from bot.local_time import member_zone, sensible_moment
from bot.storage.database import Database
from bot.timezones import local_due

if TYPE_CHECKING:
    from bot.client import BouncebackBot

VENT_WARNING_KIND = "vent_expiry_warning"
# The day-before DM goes out at this local hour in the member's zone (nudge zone, else their locale's, else UTC).
WARNING_LOCAL_HOUR = 10

log = logging.getLogger(__name__)


async def purge_expired_vents(database: Database, now: datetime, retention_days: int) -> int:
    """Clear vents kept more than `retention_days` ago; the check-in itself (feeling, stage) stays. Returns how many."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = to_iso(now - timedelta(days=retention_days))
    # A vent the member chose to keep longer has its own date; every other one goes `retention_days` after keeping.
    purged = await database.execute(
        "UPDATE checkins SET vent_encrypted = NULL, vent_kept_at = NULL, vent_expires_at = NULL "
        "WHERE vent_encrypted IS NOT NULL AND CASE WHEN vent_expires_at IS NOT NULL THEN vent_expires_at <= ? "
        "ELSE COALESCE(vent_kept_at, created_at) <= ? END",
        (to_iso(now), cutoff),
    )
    if purged:
        log.info("retention: cleared %d kept vent(s) older than %d days", purged, retention_days)
        await database.scrub()
    return purged


@dataclass(frozen=True)
class KeptVent:
    """When a kept vent was kept and when it will be cleared (never its words)."""

    checkin_id: int
    user_id: int
    kept_at: datetime
    expires_at: datetime


async def kept_vent(database: Database, checkin_id: int, user_id: int, retention_days: int) -> KeptVent | None:
    """The member's kept vent on a check-in, or None if there is none (any more)."""
    row = await database.fetchone(
        "SELECT vent_kept_at, created_at, vent_expires_at FROM checkins "
        "WHERE id = ? AND user_id = ? AND vent_encrypted IS NOT NULL",
        (checkin_id, user_id),
    )
    if row is None:
        return None
    kept_at = from_iso(row["vent_kept_at"] or row["created_at"])
    extended = row["vent_expires_at"]
    expires_at = from_iso(extended) if extended else kept_at + timedelta(days=retention_days)
    return KeptVent(checkin_id, user_id, kept_at, expires_at)


async def keep_vent_longer(database: Database, vent: KeptVent, days: int, now: datetime) -> datetime:
    """Move a kept vent's clearing date on by `days` (from today if it was already due); returns the new date."""
    expires_at = max(vent.expires_at, now) + timedelta(days=days)
    await database.execute(
        "UPDATE checkins SET vent_expires_at = ? WHERE id = ? AND user_id = ? AND vent_encrypted IS NOT NULL",
        (to_iso(expires_at), vent.checkin_id, vent.user_id),
    )
    return expires_at


async def warning_time(database: Database, user_id: int, expires_at: datetime, now: datetime) -> datetime:
    """When to warn: the day before, mid-morning in the member's zone (see `bot.local_time`), in their daytime."""
    zone = await member_zone(database, user_id)
    day = (expires_at.astimezone(zone) - timedelta(days=1)).date()
    at = local_due(day, time(WARNING_LOCAL_HOUR), zone)
    if at >= expires_at:
        at = expires_at - timedelta(hours=12)
    at = max(at, now)
    moved = sensible_moment(at, zone)
    # Only while it still comes before the vent is cleared: a late warning would be no warning at all.
    return moved if moved < expires_at else at


async def schedule_vent_warning(bot: BouncebackBot, vent: KeptVent) -> None:
    """Replace any pending day-before DM for this vent with one for its current clearing date."""
    match = {"checkin_id": vent.checkin_id}
    await bot.scheduler.cancel_timers(VENT_WARNING_KIND, user_id=vent.user_id, payload_match=match)
    due = await warning_time(bot.database, vent.user_id, vent.expires_at, bot.now())
    await bot.scheduler.timer(VENT_WARNING_KIND, due, user_id=vent.user_id, payload={"checkin_id": vent.checkin_id})


async def after_vent_kept(bot: BouncebackBot, checkin_id: int, user_id: int) -> str:
    """Schedule the day-before DM and say, in the member's words file, how long the vent is kept and until when."""
    days = bot.settings.vent_retention_days
    vent = await kept_vent(bot.database, checkin_id, user_id, days)
    if vent is None:
        return ""
    await schedule_vent_warning(bot, vent)
    text = load_content("checkin")["vent_retention"]
    return plural(text["kept_for"], days, date=discord_timestamp(vent.expires_at, "D"))
