"""`/help`: what the bot does, privacy in a paragraph, and that it is peer support, not therapy."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words, load_content, plural
from bot.ui import CALM, reply

FIELD_LIMIT = 1024


def words() -> dict[str, Any]:
    """The wording of /help, from data/help.toml."""
    return load_content("help")


class Help(commands.Cog):
    """The `/help` command; lists whatever commands are loaded."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description=command_words("help")["description"])
    async def help(self, interaction: Interaction) -> None:
        """Explain the bot in a few lines."""
        text = words()
        embed = discord.Embed(title=text["title"], description=text["about"], colour=CALM)
        commands_text = "\n".join(
            f"`/{command.name}` — {command.description}"
            for command in sorted(self.bot.tree.get_commands(), key=lambda c: c.name)
            if isinstance(command, app_commands.Command | app_commands.Group) and command.name != "help"
        )
        embed.add_field(
            name=text["commands_heading"], value=commands_text[:FIELD_LIMIT] or text["no_commands"], inline=False
        )
        days = plural(load_content("common")["units"]["days"], self.bot.settings.vent_retention_days)
        privacy = text["privacy"].format(days=days)
        embed.add_field(name=text["privacy_heading"], value=privacy, inline=False)
        embed.add_field(name=text["not_therapy_heading"], value=text["not_therapy"], inline=False)
        await reply(interaction, embed=embed)
