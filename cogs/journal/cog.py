"""`/journal`: the member reads back what they wrote, newest first, a page at a time, privately."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.ui import NO_MENTIONS, reply
from cogs.journal.views import JOURNAL_ITEMS, render


class JournalCog(commands.Cog):
    """The private `/journal`."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent page buttons and delete select."""
        self.bot.add_dynamic_items(*JOURNAL_ITEMS)

    async def cog_unload(self) -> None:
        """Withdraw them."""
        self.bot.remove_dynamic_items(*JOURNAL_ITEMS)

    @app_commands.command(name="journal", description=command_words("journal")["description"])
    async def journal(self, interaction: Interaction) -> None:
        """Show the newest page of the member's journal, only to them."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        embed, view = await render(self.bot, interaction.user.id, 0)
        if view is None:
            await reply(interaction, embed=embed, allowed_mentions=NO_MENTIONS)
        else:
            await reply(interaction, embed=embed, view=view, allowed_mentions=NO_MENTIONS)
