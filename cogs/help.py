"""`/help`: what the bot does, privacy in a paragraph, and that it is peer support, not therapy."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.ui import CALM, reply

ABOUT = (
    "A \"no\" after an interview stings. Bounceback is a quiet corner for the moment after: tell it how it went, "
    "let it out, and turn the setback into a few small next steps — at your own pace."
)
PRIVACY = (
    "Everything personal stays between you and the bot: answers only you can see, or DMs. Nothing you write is "
    "posted anywhere shared unless you click to share it. Vents are not kept unless you choose to keep them, and "
    "kept text is encrypted. `/mydata` shows you everything stored about you and deletes it all with one click."
)
NOT_THERAPY = (
    "Bounceback is peer support, not therapy or medical advice, and it is not a crisis service. If you are "
    "struggling to stay safe, please reach out to someone now — `/resources` lists helplines."
)


class Help(commands.Cog):
    """The `/help` command; lists whatever commands are loaded."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What Bounceback does, how it keeps your privacy, where to get help")
    async def help(self, interaction: Interaction) -> None:
        """Explain the bot in a few lines."""
        embed = discord.Embed(title="Bounceback", description=ABOUT, colour=CALM)
        commands_text = "\n".join(
            f"`/{command.name}` — {command.description}"
            for command in sorted(self.bot.tree.get_commands(), key=lambda c: c.name)
            if isinstance(command, app_commands.Command | app_commands.Group) and command.name != "help"
        )
        embed.add_field(name="What you can do", value=commands_text[:1024] or "—", inline=False)
        embed.add_field(name="Your privacy", value=PRIVACY, inline=False)
        embed.add_field(name="Not therapy", value=NOT_THERAPY, inline=False)
        await reply(interaction, embed=embed)


async def setup(bot: BouncebackBot) -> None:
    """Load the help cog."""
    await bot.add_cog(Help(bot))
