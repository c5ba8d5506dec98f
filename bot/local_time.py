"""A sensible local hour for every DM the bot sends on its own: the member's zone, and the next daytime moment.

Feedback reminders and follow-ups, the warning before a kept vent is cleared and the care check-in all ask here,
so nothing the member did not just ask for arrives in the middle of their night.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.storage.database import Database
from bot.timezones import local_due, zone_for_locale, zone_or_none

# Local daytime: a DM the bot sends on its own arrives at or after DAY_START and before DAY_END.
DAY_START = time(9, 0)
DAY_END = time(20, 0)
UTC_ZONE = ZoneInfo("UTC")
# What is known of where a member's day happens: the zone they gave /nudges, and the last Discord locale seen.
MEMBER_HINTS = (
    "SELECT c.locale, s.timezone FROM (SELECT CAST(? AS BIGINT) AS user_id) AS m "
    "LEFT JOIN member_context AS c ON c.user_id = m.user_id "
    "LEFT JOIN nudge_subscriptions AS s ON s.user_id = m.user_id"
)


def zone_of(timezone: str | None, locale: str | None) -> ZoneInfo:
    """The member's zone: their nudge zone if known, else the one their Discord locale suggests, else UTC."""
    return zone_or_none(timezone) or zone_or_none(zone_for_locale(locale)) or UTC_ZONE


async def member_zone(database: Database, user_id: int) -> ZoneInfo:
    """Where the member's day happens, from what the bot already keeps (see `zone_of`)."""
    row = await database.fetchone(MEMBER_HINTS, (user_id,))
    return UTC_ZONE if row is None else zone_of(row["timezone"], row["locale"])


def sensible_moment(after: datetime, zone: ZoneInfo) -> datetime:
    """The first moment at or after `after` that falls in local daytime (09:00-20:00) in `zone`.

    A due time at 23:00 local moves to 09:00 the next morning; one at 06:00 to 09:00 the same day. Correct across
    DST: 09:00 is found on the local calendar, not by adding hours.
    """
    if after.tzinfo is None:
        raise ValueError("naive datetime")
    local = after.astimezone(zone)
    if DAY_START <= local.time() < DAY_END:
        return after
    day = local.date() if local.time() < DAY_START else local.date() + timedelta(days=1)
    return local_due(day, DAY_START, zone)


async def sensible_moment_for(database: Database, user_id: int, after: datetime) -> datetime:
    """`sensible_moment` in the member's own zone."""
    return sensible_moment(after, await member_zone(database, user_id))
