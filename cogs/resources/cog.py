"""`/resources [country]`: helplines and support links, privately."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words, load_content
from bot.support import default_region, find_region, helplines_embed, regions, resolve_region_and_source
from bot.text import visible
from bot.ui import reply

log = logging.getLogger(__name__)


# Which line says where the helplines shown came from.
NOTE_FOR_SOURCE = {"country": "picked_saved", "timezone": "picked_zone", "locale": "picked", "default": "no_country"}
RESOURCES = command_words("resources")


class Resources(commands.Cog):
    """Helplines from data/resources.toml."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    @app_commands.command(name="resources", description=RESOURCES["description"])
    @app_commands.describe(**RESOURCES["options"])
    async def resources(self, interaction: Interaction, country: app_commands.Range[str, 1, 60] | None = None) -> None:
        """Show a country's helplines: the one named, else the one the member's Discord language points to."""
        country = visible(country) or None  # blank or invisible input reads as no country at all
        messages = load_content("resources")["messages"]
        if country:
            region = find_region(country)
            if region is None:
                embed = helplines_embed(default_region())
                known = ", ".join(r.name for r in regions())
                note = messages["unknown_country"].format(
                    query=discord.utils.escape_markdown(country[:60]), known=known
                )
            else:
                # Kept so that crisis replies show these lines without asking again (see bot/care).
                await self.bot.care.store.remember_country(interaction.user.id, region.key, self.bot.now())
                embed, note = helplines_embed(region), messages["remembered"].format(name=region.name)
        else:
            context = await self.bot.care.store.context(interaction.user.id)
            locale = str(interaction.locale)
            region, source = resolve_region_and_source(
                country=context.country, timezone=context.timezone, locale=locale
            )
            embed = helplines_embed(region)
            note = messages[NOTE_FOR_SOURCE[source]].format(name=region.name)
        if note:
            embed.description = f"{note}\n\n{embed.description or ''}"
        await reply(interaction, embeds=[embed])

    @resources.autocomplete("country")
    async def country_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest countries the bot has helplines for."""
        wanted = current.casefold().strip()
        return [
            app_commands.Choice(name=region.name, value=region.name)
            for region in regions()
            if not wanted or wanted in region.name.casefold() or any(a.startswith(wanted) for a in region.aliases)
        ][:25]
