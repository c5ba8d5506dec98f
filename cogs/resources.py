"""`/resources [country]`: helplines and support links, privately."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.support import default_region, find_region, helplines_embed, regions
from bot.text import visible
from bot.ui import reply

log = logging.getLogger(__name__)


class Resources(commands.Cog):
    """Helplines from data/resources.toml."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    @app_commands.command(name="resources", description="Helplines and support links, shown only to you")
    @app_commands.describe(country="Your country, e.g. UK, United States, India (optional)")
    async def resources(self, interaction: Interaction, country: app_commands.Range[str, 1, 60] | None = None) -> None:
        """Show a country's helplines, or the international ones."""
        country = visible(country) or None  # blank or invisible input reads as no country at all
        region = find_region(country)
        embeds: list[discord.Embed] = []
        if region is None:
            embed = helplines_embed(default_region())
            if country:
                known = ", ".join(r.name for r in regions())
                embed.description = (
                    f"I don't have a list for “{discord.utils.escape_markdown(country[:60])}” yet, so here are "
                    f"international services that cover most countries. Countries I know: {known}.\n\n"
                    f"{embed.description or ''}"
                )
            embeds.append(embed)
        else:
            embeds.append(helplines_embed(region))
        await reply(interaction, embeds=embeds)

    @resources.autocomplete("country")
    async def country_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Suggest countries the bot has helplines for."""
        wanted = current.casefold().strip()
        return [
            app_commands.Choice(name=region.name, value=region.name)
            for region in regions()
            if not wanted or wanted in region.name.casefold() or any(a.startswith(wanted) for a in region.aliases)
        ][:25]


async def setup(bot: BouncebackBot) -> None:
    """Load the resources cog."""
    await bot.add_cog(Resources(bot))
