"""`/setup` for server admins (Manage Server only): the wins channel and the weekly digest."""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.storage.guild_settings import (
    WEEKDAYS,
    GuildSettings,
    GuildSettingsRepository,
    SettingsError,
    human_join,
    iana_zones,
    permission_gaps,
)
from bot.ui import CALM, reply

log = logging.getLogger(__name__)

MAX_CHOICES = 25


async def channel_check(guild: discord.Guild, channel_id: int) -> tuple[list[str], list[str]] | None:
    """What the bot lacks in a channel, read fresh from Discord: (needed to post, for the 🎉); None if it's gone."""
    try:
        channel = await guild.fetch_channel(channel_id)
    except discord.Forbidden:
        # Without View Channel the bot can't even read the channel's settings.
        return ["View Channel"], []
    except discord.NotFound:
        return None
    return permission_gaps(channel.permissions_for(guild.me))


def permission_report(channel_id: int, gaps: tuple[list[str], list[str]] | None) -> str:
    """A sentence an admin can act on: which permissions to give the bot in that channel, or that all is well."""
    if gaps is None:
        return "That channel seems to have been deleted. Please choose another with `/setup wins-channel`."
    needed, wanted = gaps
    if needed:
        return (
            f"I can't post in <#{channel_id}> yet: I'm missing {human_join(needed)} there. Give my role "
            f"{'that permission' if len(needed) == 1 else 'those permissions'} in the channel's settings "
            "(Edit Channel → Permissions), then check with `/setup show`."
        )
    if wanted:
        return (
            f"I can post in <#{channel_id}>, but without {human_join(wanted)} I can't add the 🎉 to each win. "
            "Everything else works."
        )
    return f"I can post in <#{channel_id}> and add a 🎉 to each win. All set."


def digest_summary(settings: GuildSettings, now: datetime) -> str:
    """e.g. 'On — every Friday at 17:00 (Europe/London). Next: <t:…:F>'."""
    if not settings.digest_enabled:
        return "Off."
    when = f"every {settings.weekday_name} at {settings.digest_time} ({settings.digest_timezone})"
    checkins = (
        "It says how many members checked in (when 5 or more did)." if settings.digest_checkins_line
        else "It leaves out how many members checked in."
    )
    return f"On — {when}. Next one: {discord_timestamp(settings.next_digest_at(now), 'F')}. {checkins}"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ServerSetup(
    commands.GroupCog, name="Setup", group_name="setup", group_description="Server settings for Bounceback (admins)"
):
    """Server settings; only members with Manage Server see or can use these commands."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.settings = GuildSettingsRepository(bot.database)
        super().__init__()

    @app_commands.command(name="wins-channel", description="Choose the channel where members' wins are posted")
    @app_commands.describe(channel="The channel for wins")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def wins_channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Save the wins channel and say whether the bot can post there (and which permission is missing)."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        await self.settings.set_wins_channel(guild.id, channel.id, self.bot.now())
        gaps = await channel_check(guild, channel.id)
        lead = f"Wins will be posted in {channel.mention}."
        await reply(interaction, f"{lead}\n\n{permission_report(channel.id, gaps)}")

    @app_commands.command(name="digest", description="Turn the weekly wins digest on or off, and choose when")
    @app_commands.describe(
        state="On or off",
        weekday="Which day it goes out (default: as before, or Friday)",
        time="Local time, 24-hour, e.g. 17:00 (default: as before, or 17:00)",
        timezone="Your server's time zone, e.g. Europe/London (default: as before, or UTC)",
        checkins_line="Say how many members checked in that week (never when fewer than 5; default: as before, or on)",
    )
    @app_commands.choices(state=[app_commands.Choice(name=value, value=value) for value in ("on", "off")])
    @app_commands.choices(checkins_line=[app_commands.Choice(name=value, value=value) for value in ("on", "off")])
    @app_commands.choices(weekday=[app_commands.Choice(name=name, value=index) for index, name in enumerate(WEEKDAYS)])
    @app_commands.checks.has_permissions(manage_guild=True)
    async def digest(
        self,
        interaction: Interaction,
        state: app_commands.Choice[str],
        weekday: app_commands.Choice[int] | None = None,
        time: app_commands.Range[str, 1, 10] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        checkins_line: app_commands.Choice[str] | None = None,
    ) -> None:
        """Save the digest settings; the wins cog rebuilds the server's weekly job."""
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only
        current = await self.settings.get(guild_id)
        try:
            updated = await self.settings.set_digest(
                guild_id,
                enabled=state.value == "on",
                weekday=weekday.value if weekday is not None else current.digest_weekday,
                at=time or current.digest_time,
                timezone=timezone or current.digest_timezone,
                now=self.bot.now(),
                checkins_line=checkins_line.value == "on" if checkins_line else current.digest_checkins_line,
            )
        except SettingsError as error:
            await reply(interaction, f"{error} Nothing was changed.")
            return
        self.bot.dispatch("digest_settings_changed", guild_id)
        if not updated.digest_enabled:
            await reply(interaction, "The weekly digest is off. You can switch it back on any time.")
            return
        text = (
            f"The weekly digest is on: every {updated.weekday_name} at {updated.digest_time} "
            f"({updated.digest_timezone}). The next one goes out "
            f"{discord_timestamp(updated.next_digest_at(self.bot.now()), 'F')}. It shares counts only — how many "
            "wins were posted and, unless you turn it off with `checkins_line`, how many members checked in "
            "(never when fewer than 5, so nobody can be picked out) — plus a few wins people shared with their name."
        )
        if updated.wins_channel_id is None:
            text += "\n\nThere's no wins channel yet, so it has nowhere to go: choose one with `/setup wins-channel`."
        await reply(interaction, text)

    @digest.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """IANA zone names matching what the admin typed (start of a word first)."""
        needle = current.strip().replace(" ", "_").casefold()
        zones = sorted(iana_zones())
        starts = [zone for zone in zones if any(part.casefold().startswith(needle) for part in zone.split("/"))]
        contains = [zone for zone in zones if needle in zone.casefold() and zone not in starts]
        return [app_commands.Choice(name=zone, value=zone) for zone in (starts + contains)[:MAX_CHOICES]]

    @app_commands.command(
        name="support-channel", description="Where members can ask a moderator to reach out (private channel)"
    )
    @app_commands.describe(
        channel="A private channel only moderators can see (leave both empty to turn this off)",
        role="The moderators' role to mention with each request",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def support_channel(
        self, interaction: Interaction, channel: discord.TextChannel | None = None, role: discord.Role | None = None
    ) -> None:
        """Choose (or turn off) the private channel where a member's request for a moderator goes."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        text = care_words()["setup"]
        if channel is None and role is None:
            cleared = await self.bot.care.store.clear_support_settings(guild.id)
            await reply(interaction, text["off" if cleared else "already_off"])
            return
        if channel is None or role is None:
            await reply(interaction, text["needs_both"])
            return
        try:
            fresh = await guild.fetch_channel(channel.id)
        except discord.NotFound:
            await reply(interaction, text["channel_gone"])
            return
        except discord.Forbidden:
            await reply(interaction, text["cannot_post"].format(channel=channel.mention, missing="**View Channel**"))
            return
        mine = fresh.permissions_for(guild.me)
        needs = (("View Channel", mine.view_channel), ("Send Messages", mine.send_messages))
        missing = [name for name, allowed in needs if not allowed]
        if missing:
            shown = human_join(missing)
            await reply(interaction, text["cannot_post"].format(channel=channel.mention, missing=shown))
            return
        await self.bot.care.store.set_support_settings(guild.id, channel.id, role.id, self.bot.now())
        lines = [text["saved"].format(channel=channel.mention, role=role.mention)]
        if fresh.permissions_for(guild.default_role).view_channel:
            lines.append(text["public_warning"].format(channel=channel.mention))
        await reply(interaction, "\n\n".join(lines))

    @app_commands.command(name="show", description="See this server's Bounceback settings")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: Interaction) -> None:
        """The wins channel (and whether the bot can post there) and the digest schedule."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        settings = await self.settings.get(guild.id)
        embed = discord.Embed(title=f"Bounceback in {guild.name}", colour=CALM)
        if settings.wins_channel_id is None:
            embed.add_field(
                name="Wins channel", value="Not set yet — choose one with `/setup wins-channel`.", inline=False
            )
        else:
            gaps = await channel_check(guild, settings.wins_channel_id)
            embed.add_field(name="Wins channel", value=permission_report(settings.wins_channel_id, gaps), inline=False)
        embed.add_field(name="Weekly digest", value=digest_summary(settings, self.bot.now()), inline=False)
        support = await self.bot.care.store.support_settings(guild.id)
        value = (
            care_words()["setup"]["show_on"].format(channel=f"<#{support.channel_id}>", role=f"<@&{support.role_id}>")
            if support else care_words()["setup"]["show_off"]
        )
        embed.add_field(name="Support requests", value=value, inline=False)
        await reply(interaction, embed=embed)


async def setup(bot: BouncebackBot) -> None:
    """Load the /setup commands."""
    await bot.add_cog(ServerSetup(bot))
