"""`/practice`: interview role play with rule-based feedback, a self-rating, mock interviews and spaced repetition."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.ui import refuse_if_not_owner, report_error
from cogs.practice.analysis import CATEGORIES, OWN_CATEGORY
from cogs.practice.embeds import words
from cogs.practice.store import MAX_PLANNED
from cogs.practice.views import (
    ANSWER_FIELD,
    DYNAMIC_ITEMS,
    MODAL_PREFIX,
    NEXT_STEP,
    practice_store,
    start_session,
    submit_answer,
    submitted_value,
)

MODAL_ID = re.compile(re.escape(MODAL_PREFIX) + r":(?P<turn_id>\d+):(?P<owner_id>\d+)")
PRACTICE = command_words("practice")
CATEGORY_CHOICES = [
    app_commands.Choice(name=PRACTICE["choices"]["category"][value], value=value)
    for value in (*CATEGORIES, OWN_CATEGORY)
]


class PracticeCog(commands.Cog):
    """Interview practice."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent components, the next step after `/rejected`, "Delete this" and the modal route."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_next_step(NEXT_STEP)
        self.bot.register_deleter("answer", self.delete_answer)
        self.bot.register_custom_id_route(MODAL_ID, self.answer_form)

    async def cog_unload(self) -> None:
        """Withdraw everything `cog_load` registered."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_next_step(NEXT_STEP.key)
        self.bot.unregister_deleter("answer")
        self.bot.unregister_custom_id_route(MODAL_ID)

    async def delete_answer(self, answer_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """ "Delete this" on a practice answer."""
        return await practice_store(self.bot).delete_answer(answer_id, owner_id), []

    async def answer_form(self, interaction: Interaction, match: re.Match[str]) -> None:
        """Receive answer modals by custom id, so they work even if the bot restarted while the member typed."""
        if interaction.type is not discord.InteractionType.modal_submit or not isinstance(interaction.data, dict):
            return
        try:
            if await refuse_if_not_owner(interaction, int(match["owner_id"]), words()["not_yours"]):
                return
            components = interaction.data.get("components")
            submitted = submitted_value(components if isinstance(components, list) else [], ANSWER_FIELD)
            answer = (submitted or "").strip()
            await submit_answer(self.bot, interaction, int(match["turn_id"]), int(match["owner_id"]), answer)
        except Exception as error:
            await report_error(interaction, error)

    @app_commands.command(name="practice", description=PRACTICE["description"])
    @app_commands.describe(**PRACTICE["options"])
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def practice(
        self,
        interaction: Interaction,
        category: app_commands.Choice[str] | None = None,
        questions: app_commands.Range[int, 1, MAX_PLANNED] = 1,
    ) -> None:
        """Ask the first question of a practice session (or a mock interview of several)."""
        await start_session(
            self.bot, interaction, category=category.value if category else None, planned=questions, source="command"
        )
