"""What /setup tells an admin, with no Discord in it: the wins channel's permissions, the digest's schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import discord_timestamp
from bot.content import load_content, plural
from bot.storage.guild_settings import GuildSettings, human_join
from bot.text import visible
from bot.timezones import search_zones

# (needed to post, needed for the 🎉) as permission names; None when the channel is gone.
PermissionGaps = tuple[list[str], list[str]] | None


def words() -> dict[str, Any]:
    """Everything /setup says, from data/setup.toml."""
    return load_content("setup")


def permission_report(channel_id: int, gaps: PermissionGaps) -> str:
    """A sentence an admin can act on: which permissions to give the bot in that channel, or that all is well."""
    text = words()["wins_channel"]
    if gaps is None:
        return str(text["gone"])
    needed, wanted = gaps
    channel = f"<#{channel_id}>"
    if needed:
        them = plural(text["them"], len(needed))
        return str(text["cannot_post"]).format(channel=channel, missing=human_join(needed), them=them)
    if wanted:
        return str(text["no_celebration"]).format(channel=channel, wanted=human_join(wanted))
    return str(text["all_set"]).format(channel=channel)


def digest_summary(settings: GuildSettings, now: datetime) -> str:
    """e.g. 'On — every Friday at 17:00 (Europe/London). Next: <t:…:F>'."""
    text = words()["digest"]
    if not settings.digest_enabled:
        return str(text["summary_off"])
    checkins = text["summary_checkins_on" if settings.digest_checkins_line else "summary_checkins_off"]
    return str(text["summary_on"]).format(
        weekday=settings.weekday_name,
        time=settings.digest_time,
        timezone=settings.digest_timezone,
        next=discord_timestamp(settings.next_digest_at(now), "F"),
        checkins=checkins,
    )


def digest_confirmation(settings: GuildSettings, now: datetime) -> str:
    """What the admin reads after /setup digest: off, or when it goes out and what it shares."""
    text = words()["digest"]
    if not settings.digest_enabled:
        return str(text["turned_off"])
    reply = str(text["turned_on"]).format(
        weekday=settings.weekday_name,
        time=settings.digest_time,
        timezone=settings.digest_timezone,
        next=discord_timestamp(settings.next_digest_at(now), "F"),
    )
    if settings.wins_channel_id is None:
        reply += "\n\n" + str(text["no_channel"])
    return reply


def bad_time_text(typed: str | None) -> str:
    """Why a digest time can't be read, kindly, with examples that work."""
    shown = visible(typed or "")[:16]
    text = words()["digest"]
    return str(text["bad_time"]).format(typed=shown) if shown else str(text["bad_time_blank"])


def bad_zone_text(typed: str | None) -> str:
    """Why a digest zone can't be used, with up to three suggestions when there are any."""
    shown = visible(typed or "")[:64]
    text = words()["digest"]
    hints = ", ".join(f"`{suggestion.name}`" for suggestion in search_zones(typed or "", limit=3)) if shown else ""
    more = str(text["zone_hints"]).format(hints=hints) if hints else ""
    return str(text["bad_zone"]).format(typed=shown, more=more) if shown else str(text["bad_zone_blank"])


def zone_was_read(typed: str, zone: str) -> bool:
    """True when what the admin typed is not simply the zone's own name (a city or an abbreviation)."""
    return typed.strip().replace(" ", "_").casefold() != zone.casefold()


def zone_read_text(typed: str, zone: str) -> str:
    """'I took “London” to mean Europe/London.'"""
    return str(words()["digest"]["zone_read"]).format(typed=visible(typed)[:64], zone=zone)
