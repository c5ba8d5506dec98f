"""Per-server settings: the wins channel and the weekly digest (when, in which IANA time zone)."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time

import discord
from apscheduler.triggers.cron import CronTrigger

from bot.clock import from_iso, to_iso
from bot.storage.database import Database, Row
from bot.timezones import format_local_time, parse_local_time, resolve_zone

log = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEEKDAY = 4
DEFAULT_TIME = "17:00"
DEFAULT_TIMEZONE = "UTC"
# What the bot needs in a wins channel to post (required) and to add its 🎉 (nice to have).
WINS_CHANNEL_NEEDS = {"view_channel": "View Channel", "send_messages": "Send Messages", "embed_links": "Embed Links"}
WINS_CHANNEL_WANTS = {"add_reactions": "Add Reactions", "read_message_history": "Read Message History"}


class SettingsError(ValueError):
    """A setting an admin typed that cannot be used; the message says why, in plain words."""


def human_join(names: list[str]) -> str:
    """'**A**', '**A** and **B**', '**A**, **B** and **C**'."""
    bold = [f"**{name}**" for name in names]
    if len(bold) <= 1:
        return "".join(bold)
    return ", ".join(bold[:-1]) + " and " + bold[-1]


def permission_gaps(permissions: discord.Permissions) -> tuple[list[str], list[str]]:
    """Which permissions the bot lacks in a wins channel: (needed to post, needed for the 🎉 reaction)."""
    # Without View Channel every other permission reads as off, and without Send Messages so does Embed Links:
    # naming only the root cause tells the admin the one thing to change.
    if not permissions.view_channel:
        return [WINS_CHANNEL_NEEDS["view_channel"]], []
    needed = [label for flag, label in WINS_CHANNEL_NEEDS.items() if not getattr(permissions, flag)]
    if not permissions.send_messages:
        needed = [label for label in needed if label != WINS_CHANNEL_NEEDS["embed_links"]]
    wanted = [label for flag, label in WINS_CHANNEL_WANTS.items() if not getattr(permissions, flag)]
    return needed, wanted


def missing_channel_permissions(permissions: discord.Permissions) -> str:
    """The permissions that stop the bot posting in a channel, in words ('' when it can post)."""
    return human_join(permission_gaps(permissions)[0])


@dataclass(frozen=True)
class GuildSettings:
    """One server's settings (defaults when the server has never run /setup)."""

    guild_id: int
    wins_channel_id: int | None = None
    digest_enabled: bool = False
    digest_weekday: int = DEFAULT_WEEKDAY
    digest_time: str = DEFAULT_TIME
    digest_timezone: str = DEFAULT_TIMEZONE
    digest_last_posted_at: datetime | None = None
    # Whether the digest may say how many members checked in (never below a minimum; see cogs/wins/logic.py).
    digest_checkins_line: bool = True

    @property
    def weekday_name(self) -> str:
        """The digest's weekday, e.g. 'Friday'."""
        return WEEKDAYS[self.digest_weekday]

    @property
    def local_time(self) -> time:
        """The digest's local wall-clock time."""
        hour, minute = (int(part) for part in self.digest_time.split(":"))
        return time(hour, minute)

    def digest_trigger(self) -> CronTrigger:
        """The weekly cron trigger in the server's own zone, so the local time holds across DST changes."""
        local = self.local_time
        return CronTrigger(
            day_of_week=CRON_DAYS[self.digest_weekday],
            hour=local.hour,
            minute=local.minute,
            timezone=zoneinfo.ZoneInfo(self.digest_timezone),
        )

    def next_digest_at(self, now: datetime) -> datetime:
        """When the digest fires next after `now` (aware UTC)."""
        fire: datetime | None = self.digest_trigger().get_next_fire_time(None, now)
        assert fire is not None  # a weekly cron trigger with no end date always has a next time
        return fire.astimezone(UTC)


class GuildSettingsRepository:
    """Reads and writes per-server settings."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, guild_id: int) -> GuildSettings:
        """The server's settings, or the defaults."""
        row = await self._database.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        return GuildSettings(guild_id) if row is None else _from_row(row)

    async def set_wins_channel(self, guild_id: int, channel_id: int | None, now: datetime) -> None:
        """Choose (or clear) the channel wins are posted in."""
        await self._database.execute(
            "INSERT INTO guild_settings (guild_id, wins_channel_id, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET wins_channel_id = excluded.wins_channel_id, "
            "updated_at = excluded.updated_at",
            (guild_id, channel_id, to_iso(now)),
        )

    async def set_digest(
        self,
        guild_id: int,
        *,
        enabled: bool,
        weekday: int,
        at: str,
        timezone: str,
        now: datetime,
        checkins_line: bool = True,
    ) -> GuildSettings:
        """Switch the weekly digest on or off and set when it goes out; returns the new settings."""
        if not 0 <= weekday <= 6:
            raise SettingsError("The weekday must be one of Monday to Sunday.")
        # The same readers as /nudges (bot/timezones.py); /setup checks first, so the admin hears it kindly.
        parsed, zone = parse_local_time(at), resolve_zone(timezone)
        if parsed is None or zone is None:
            raise SettingsError(f"unusable digest time {at!r} or zone {timezone!r}")
        at, timezone = format_local_time(parsed), zone
        await self._database.execute(
            "INSERT INTO guild_settings (guild_id, digest_enabled, digest_weekday, digest_time, digest_timezone, "
            "digest_checkins_line, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "digest_enabled = excluded.digest_enabled, digest_weekday = excluded.digest_weekday, "
            "digest_time = excluded.digest_time, digest_timezone = excluded.digest_timezone, "
            "digest_checkins_line = excluded.digest_checkins_line, updated_at = excluded.updated_at",
            (guild_id, int(enabled), weekday, at, timezone, int(checkins_line), to_iso(now)),
        )
        return await self.get(guild_id)

    async def mark_digest_posted(self, guild_id: int, now: datetime) -> None:
        """Remember when the last digest went out (so a double fire does not post twice)."""
        await self._database.execute(
            "UPDATE guild_settings SET digest_last_posted_at = ? WHERE guild_id = ?", (to_iso(now), guild_id)
        )

    async def forget(self, guild_id: int) -> None:
        """The bot left the server: its settings go (wins and digest, and where support requests went)."""
        async with self._database.transaction() as tx:
            await tx.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
            await tx.execute("DELETE FROM support_settings WHERE guild_id = ?", (guild_id,))

    async def with_digest_enabled(self) -> list[GuildSettings]:
        """Every server that has the weekly digest switched on."""
        rows = await self._database.fetchall("SELECT * FROM guild_settings WHERE digest_enabled = 1 ORDER BY guild_id")
        return [_from_row(row) for row in rows]

    async def with_wins_channel(self) -> list[GuildSettings]:
        """Every server that has a wins channel."""
        rows = await self._database.fetchall(
            "SELECT * FROM guild_settings WHERE wins_channel_id IS NOT NULL ORDER BY guild_id"
        )
        return [_from_row(row) for row in rows]


def _from_row(row: Row) -> GuildSettings:
    last = row["digest_last_posted_at"]
    return GuildSettings(
        guild_id=row["guild_id"],
        wins_channel_id=row["wins_channel_id"],
        digest_enabled=bool(row["digest_enabled"]),
        digest_weekday=row["digest_weekday"],
        digest_time=row["digest_time"],
        digest_timezone=row["digest_timezone"],
        digest_last_posted_at=from_iso(last) if last else None,
        digest_checkins_line=bool(row["digest_checkins_line"]),
    )
