"""`/progress`: a private dashboard of shots taken, reflections, feedback, practice, wins, streak and a chart."""

from __future__ import annotations

import io
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.ui import MemberCooldown, cooldown_text, reply
from cogs.progress.charts import render_progress_chart_async
from cogs.progress.learned import LearnedButton, add_patterns_field, load_patterns, quiet_observations, with_learned
from cogs.progress.store import ProgressRepository
from cogs.progress.streaks import current_streak
from cogs.progress.views import (
    CHART_FILENAME,
    FillInButton,
    chart_input,
    dashboard_embed,
    empty_embed,
    fill_view,
    today_for,
    words,
)

log = logging.getLogger(__name__)

PROGRESS_COOLDOWN_SECONDS = 20


class ProgressCog(commands.Cog):
    """The private `/progress` dashboard."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.repository = ProgressRepository(bot.database, bot.cipher)
        self.cooldown = MemberCooldown(PROGRESS_COOLDOWN_SECONDS)

    async def cog_load(self) -> None:
        """Register the persistent fill-in and "What I've learned" buttons."""
        self.bot.add_dynamic_items(FillInButton, LearnedButton)

    async def cog_unload(self) -> None:
        """Withdraw the persistent buttons."""
        self.bot.remove_dynamic_items(FillInButton, LearnedButton)

    @commands.Cog.listener()
    async def on_member_data_erased(self, user_id: int) -> None:
        """Forget when the member last drew their chart, too."""
        self.cooldown.forget(user_id)

    @app_commands.command(name="progress", description=command_words("progress")["description"])
    async def progress(self, interaction: Interaction) -> None:
        """Show the member's dashboard (only to them), with a chart of how their check-ins felt."""
        user_id = interaction.user.id
        wait = self.cooldown.retry_after(user_id, self.bot.now())
        if wait is not None:  # drawing the chart is the heaviest thing the bot does
            await reply(interaction, cooldown_text("progress", wait))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.repository.load(user_id)
        if data.is_empty:
            await reply(interaction, embed=empty_embed())
            return
        now = self.bot.now()
        today = today_for(self.bot, data)
        streak = current_streak(data.checkin_days(), today)
        care = await self.bot.care.active(user_id)  # patterns and observations step aside for support
        patterns = None if care else await load_patterns(self.bot, user_id, data)
        embed = await dashboard_embed(self.bot, user_id, data, streak, quiet_observations(patterns), care=care)
        add_patterns_field(embed, patterns, care=care)
        png = await render_progress_chart_async(chart_input(data, now))
        chart = discord.File(io.BytesIO(png), filename=CHART_FILENAME, description=words()["chart_alt"])
        extra: dict[str, Any] = {}
        if streak.fillable_day is not None:
            extra["view"] = fill_view(streak.fillable_day, today, user_id)
        if patterns is not None and not patterns.empty:
            extra["view"] = with_learned(extra.get("view"), user_id)
        await reply(interaction, embed=embed, file=chart, **extra)
