"""`/reflect` and "Reflect now": what was hard, what went well, what to practise — reflected back in their words."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.text import parse_id
from bot.ui import NextStep, reply
from cogs.reflection.logic import choice_label, plain, words
from cogs.reflection.store import ReflectionStore
from cogs.reflection.views import ReflectionModal

NEW = "new"
MAX_CHOICES = 25
REFLECT = command_words("reflect")


async def reflect_on_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """ "Reflect now" after /rejected: open the reflection for that check-in."""
    checkin = await interaction.client.checkins.get(checkin_id, owner_id)
    if checkin is None:
        await reply(interaction, words()["gone"])
        return
    await interaction.response.send_modal(
        ReflectionModal(owner_id, checkin_id=checkin.id, about=plain(checkin.describe()))
    )


class ReflectionCog(commands.Cog):
    """`/reflect` and the "Reflect now" next step."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.store = ReflectionStore(bot.database, bot.cipher)

    async def cog_load(self) -> None:
        """Offer "Reflect now" after /rejected, and say how one reflection is deleted."""
        self.bot.register_next_step(NextStep("reflect", words()["reflect_now"], "📝", 10, reflect_on_checkin))
        self.bot.register_deleter("reflection", self.delete_reflection)

    async def cog_unload(self) -> None:
        """Withdraw them."""
        self.bot.unregister_next_step("reflect")
        self.bot.unregister_deleter("reflection")

    async def delete_reflection(self, reflection_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """ "Delete this" on a reflection: its hard questions go with it."""
        return await self.store.delete(reflection_id, owner_id), []

    @app_commands.command(name="reflect", description=REFLECT["description"])
    @app_commands.describe(**REFLECT["options"])
    async def reflect(self, interaction: Interaction, rejection: str) -> None:
        """Open the reflection modal for the chosen check-in, or for a new one."""
        value = rejection.strip()
        checkin_id = parse_id(value)
        if checkin_id is not None:
            checkin = await self.bot.checkins.get(checkin_id, interaction.user.id)
            if checkin is None:
                await reply(interaction, words()["gone"])
                return
            modal = ReflectionModal(interaction.user.id, checkin_id=checkin.id, about=plain(checkin.describe()))
        else:
            # "A new one", or text typed without picking: treat it as the company/role of a new one.
            typed = "" if value.casefold() in {NEW, words()["new_one"].casefold()} else value
            modal = ReflectionModal(interaction.user.id, checkin_id=None, where_default=typed)
        await interaction.response.send_modal(modal)

    @reflect.autocomplete("rejection")
    async def rejection_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The member's recent check-ins, newest first, then "A new one"."""
        needle = current.casefold().strip()
        choices = [
            app_commands.Choice(name=choice_label(checkin), value=str(checkin.id))
            for checkin in await self.bot.checkins.recent(interaction.user.id, limit=50)
        ]
        if needle:
            choices = [choice for choice in choices if needle in choice.name.casefold()]
        return [*choices[: MAX_CHOICES - 1], app_commands.Choice(name=words()["new_one"], value=NEW)]
