"""Journey's components: "Clear my goal" (persistent, owned) and the invitation under an offer."""

from __future__ import annotations

from typing import Any

import discord

from bot.client import Interaction
from bot.components import OwnedButton, StaticView
from bot.ui import CALM, reply, share_win_custom_id
from cogs.journey.logic import words
from cogs.journey.store import JourneyStore


class ClearGoalButton(OwnedButton, prefix="journey:goalclear", fields=("owner_id",)):
    """Under `/goal`: forget the member's goal (only theirs, and it works after a restart)."""

    label, emoji = str(words()["goal"]["clear_button"]), "🧹"
    not_yours = str(words()["goal"]["not_yours"])
    owner_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Delete the goal and say so in place of the message that showed it."""
        bot = interaction.client
        text = words()["goal"]
        gone = await JourneyStore(bot.database, bot.cipher).clear_goal(self.owner_id)
        embed = discord.Embed(description=text["cleared"] if gone else text["already_clear"], colour=CALM)
        await interaction.response.edit_message(embed=embed, view=None)


DYNAMIC_ITEMS = (ClearGoalButton,)


def goal_view(owner_id: int) -> discord.ui.View:
    """The "Clear my goal" button under a shown goal."""
    return StaticView(ClearGoalButton(owner_id))


def offer_view(step_id: int, owner_id: int) -> discord.ui.View:
    """ "Share as a win" under an offer: the wins capability answers it by its custom id with a private draft."""
    share = discord.ui.Button[Any](
        label=words()["log"]["share_button"],
        emoji="🎉",
        style=discord.ButtonStyle.secondary,
        custom_id=share_win_custom_id("offer", step_id, owner_id),
    )
    return StaticView(share)


async def say_goal(interaction: Interaction, description: str, *, owner_id: int | None = None) -> None:
    """Answer privately with one calm embed, with "Clear my goal" when `owner_id` is given."""
    embed = discord.Embed(description=description, colour=CALM)
    if owner_id is None:
        await reply(interaction, embed=embed)
    else:
        await reply(interaction, embed=embed, view=goal_view(owner_id))
