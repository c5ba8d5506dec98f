"""`/setup` for server admins (Manage Server only): the wins channel, the weekly digest, support requests."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.storage.guild_settings import (
    WEEKDAYS,
    WINS_CHANNEL_NEEDS,
    GuildSettingsRepository,
    SettingsError,
    human_join,
    permission_gaps,
)
from bot.timezones import format_local_time, parse_local_time, resolve_zone, search_zones
from bot.ui import CALM, reply
from cogs.setup.logic import (
    PermissionGaps,
    bad_time_text,
    bad_zone_text,
    digest_confirmation,
    digest_summary,
    permission_report,
    words,
    zone_read_text,
    zone_was_read,
)

log = logging.getLogger(__name__)

MAX_CHOICES = 25
SETUP = command_words("setup")
ON_OFF = ("on", "off")


async def channel_check(guild: discord.Guild, channel_id: int) -> PermissionGaps:
    """What the bot lacks in a channel, read fresh from Discord: (needed to post, for the 🎉); None if it's gone."""
    try:
        channel = await guild.fetch_channel(channel_id)
    except discord.Forbidden:
        # Without View Channel the bot can't even read the channel's settings.
        return [WINS_CHANNEL_NEEDS["view_channel"]], []
    except discord.NotFound:
        return None
    return permission_gaps(channel.permissions_for(guild.me))


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ServerSetup(commands.GroupCog, name="Setup", group_name="setup", group_description=SETUP["description"]):
    """Server settings; only members with Manage Server see or can use these commands."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.settings = GuildSettingsRepository(bot.database)
        super().__init__()

    @app_commands.command(name="wins-channel", description=SETUP["wins-channel"]["description"])
    @app_commands.describe(**SETUP["wins-channel"]["options"])
    @app_commands.checks.has_permissions(manage_guild=True)
    async def wins_channel(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        """Save the wins channel and say whether the bot can post there (and which permission is missing)."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        await self.settings.set_wins_channel(guild.id, channel.id, self.bot.now())
        gaps = await channel_check(guild, channel.id)
        lead = words()["wins_channel"]["saved"].format(channel=channel.mention)
        await reply(interaction, f"{lead}\n\n{permission_report(channel.id, gaps)}")

    @app_commands.command(name="digest", description=SETUP["digest"]["description"])
    @app_commands.describe(**SETUP["digest"]["options"])
    @app_commands.choices(
        state=[app_commands.Choice(name=SETUP["digest"]["choices"]["state"][value], value=value) for value in ON_OFF],
        checkins_line=[
            app_commands.Choice(name=SETUP["digest"]["choices"]["checkins_line"][value], value=value)
            for value in ON_OFF
        ],
    )
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
        # One reader for times and zones, the same as /nudges: "9am", "London", "EST" all work here too.
        at = parse_local_time(time) if time else current.local_time
        zone = resolve_zone(timezone) if timezone else current.digest_timezone
        problem = bad_time_text(time) if at is None else bad_zone_text(timezone) if zone is None else None
        if problem is not None:
            await reply(interaction, words()["digest"]["refused"].format(error=problem))
            return
        assert at is not None and zone is not None
        try:
            updated = await self.settings.set_digest(
                guild_id,
                enabled=state.value == "on",
                weekday=weekday.value if weekday is not None else current.digest_weekday,
                at=format_local_time(at),
                timezone=zone,
                now=self.bot.now(),
                checkins_line=checkins_line.value == "on" if checkins_line else current.digest_checkins_line,
            )
        except SettingsError as error:
            await reply(interaction, words()["digest"]["refused"].format(error=error))
            return
        self.bot.dispatch("digest_settings_changed", guild_id)
        confirmation = digest_confirmation(updated, self.bot.now())
        if timezone and zone_was_read(timezone, updated.digest_timezone):
            confirmation += "\n\n" + zone_read_text(timezone, updated.digest_timezone)
        await reply(interaction, confirmation)

    @digest.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Zones matching cities, abbreviations and zone names (the same search as /nudges)."""
        found = search_zones(current, now=self.bot.now(), locale=str(interaction.locale), limit=MAX_CHOICES)
        return [app_commands.Choice(name=suggestion.label, value=suggestion.name) for suggestion in found]

    @app_commands.command(name="support-channel", description=SETUP["support-channel"]["description"])
    @app_commands.describe(**SETUP["support-channel"]["options"])
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

    @app_commands.command(name="show", description=SETUP["show"]["description"])
    @app_commands.checks.has_permissions(manage_guild=True)
    async def show(self, interaction: Interaction) -> None:
        """The wins channel (and whether the bot can post there) and the digest schedule."""
        guild = interaction.guild
        assert guild is not None  # guild_only
        settings = await self.settings.get(guild.id)
        text = words()["show"]
        embed = discord.Embed(title=text["title"].format(guild=guild.name), colour=CALM)
        if settings.wins_channel_id is None:
            channel_line = text["wins_channel_unset"]
        else:
            gaps = await channel_check(guild, settings.wins_channel_id)
            channel_line = permission_report(settings.wins_channel_id, gaps)
        embed.add_field(name=text["wins_channel"], value=channel_line, inline=False)
        embed.add_field(name=text["digest"], value=digest_summary(settings, self.bot.now()), inline=False)
        support = await self.bot.care.store.support_settings(guild.id)
        value = (
            care_words()["setup"]["show_on"].format(channel=f"<#{support.channel_id}>", role=f"<@&{support.role_id}>")
            if support
            else care_words()["setup"]["show_off"]
        )
        embed.add_field(name=text["support"], value=value, inline=False)
        await reply(interaction, embed=embed)
