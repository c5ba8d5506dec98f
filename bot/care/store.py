"""What care mode keeps: when it ends for a member, their country and language, support requests and settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.storage import Database
from bot.storage.database import Connection

START_CARE = (
    "INSERT INTO care_signals (user_id, until) VALUES (?, ?) "
    # CASE rather than SQLite's two-argument max(), so the statement runs on PostgreSQL as well.
    "ON CONFLICT (user_id) DO UPDATE SET until = CASE WHEN care_signals.until > excluded.until "
    "THEN care_signals.until ELSE excluded.until END"
)
CARE_UNTIL = "SELECT until FROM care_signals WHERE user_id = ?"


@dataclass(frozen=True)
class MemberContext:
    """What helps find a member's own helplines and a sensible hour: nothing they wrote."""

    country: str | None = None
    locale: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class SupportSettings:
    """A server's private moderators' channel and the role to mention there."""

    guild_id: int
    channel_id: int
    role_id: int


class CareStore:
    """Reads and writes the care tables."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def start_care(self, user_id: int, until: datetime) -> None:
        """Keep care mode on for a member until `until` (a later end always wins)."""
        await self._database.execute(START_CARE, (user_id, to_iso(until)))

    def start_care_in(self, connection: Connection, user_id: int, until: datetime) -> None:
        """`start_care`, in a unit of work already on the database thread (see `Database.run`)."""
        connection.execute(START_CARE, (user_id, to_iso(until)))

    async def care_until(self, user_id: int) -> datetime | None:
        """When care mode ends for a member, if it was ever started and not purged."""
        value = await self._database.fetchval(CARE_UNTIL, (user_id,))
        return None if value is None else from_iso(value)

    def care_until_in(self, connection: Connection, user_id: int) -> datetime | None:
        """`care_until`, in a unit of work already on the database thread (see `Database.run`)."""
        row = connection.execute(CARE_UNTIL, (user_id,)).fetchone()
        return None if row is None else from_iso(row[0])

    async def purge_expired(self, now: datetime) -> int:
        """Forget care signals whose day has passed; returns how many."""
        return await self._database.execute("DELETE FROM care_signals WHERE until <= ?", (to_iso(now),))

    async def remember_locale(self, user_id: int, locale: str, now: datetime) -> None:
        """Keep the language Discord reports for a member (a hint for country and hour when the bot writes first)."""
        await self._database.execute(
            "INSERT INTO member_context (user_id, locale, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale, updated_at = excluded.updated_at "
            # Not SQLite's `IS NOT` (PostgreSQL spells it IS DISTINCT FROM); the new locale is never NULL.
            "WHERE member_context.locale IS NULL OR member_context.locale <> excluded.locale",
            (user_id, locale, to_iso(now)),
        )

    async def remember_country(self, user_id: int, country: str, now: datetime) -> None:
        """Keep the country a member gave to /resources."""
        await self._database.execute(
            "INSERT INTO member_context (user_id, country, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET country = excluded.country, updated_at = excluded.updated_at",
            (user_id, country, to_iso(now)),
        )

    async def context(self, user_id: int) -> MemberContext:
        """The member's country, language and nudge time zone, as far as they are known."""
        row = await self._database.fetchone(
            "SELECT c.country, c.locale, s.timezone FROM (SELECT CAST(? AS BIGINT) AS user_id) AS m "
            "LEFT JOIN member_context AS c ON c.user_id = m.user_id "
            "LEFT JOIN nudge_subscriptions AS s ON s.user_id = m.user_id",
            (user_id,),
        )
        if row is None:
            return MemberContext()
        return MemberContext(country=row["country"], locale=row["locale"], timezone=row["timezone"])

    async def support_settings(self, guild_id: int) -> SupportSettings | None:
        """A server's support channel and role, if an admin set them."""
        row = await self._database.fetchone(
            "SELECT guild_id, channel_id, role_id FROM support_settings WHERE guild_id = ?", (guild_id,)
        )
        return None if row is None else SupportSettings(row["guild_id"], row["channel_id"], row["role_id"])

    async def set_support_settings(self, guild_id: int, channel_id: int, role_id: int, now: datetime) -> None:
        """Choose (or change) a server's support channel and role."""
        await self._database.execute(
            "INSERT INTO support_settings (guild_id, channel_id, role_id, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, role_id = excluded.role_id, "
            "updated_at = excluded.updated_at",
            (guild_id, channel_id, role_id, to_iso(now)),
        )

    async def clear_support_settings(self, guild_id: int) -> bool:
        """Turn support requests off for a server; False if they were not on."""
        return await self._database.execute("DELETE FROM support_settings WHERE guild_id = ?", (guild_id,)) > 0

    async def last_support_request(self, user_id: int, guild_id: int) -> datetime | None:
        """When the member last asked this server's moderators to reach out."""
        value = await self._database.fetchval(
            "SELECT max(requested_at) FROM support_requests WHERE user_id = ? AND guild_id = ?", (user_id, guild_id)
        )
        return None if value is None else from_iso(value)

    async def record_support_request(self, user_id: int, guild_id: int, now: datetime) -> None:
        """Note that the member asked (who, where, when; never their words)."""
        await self._database.execute(
            "INSERT INTO support_requests (user_id, guild_id, requested_at) VALUES (?, ?, ?)",
            (user_id, guild_id, to_iso(now)),
        )
