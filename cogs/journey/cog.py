"""`/log` (an application, an interview, an offer) and `/goal` (what the member is aiming for): quick and private."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import command_words
from bot.ui import CALM, WIN, reply
from cogs.journey.logic import KINDS, MAX_GOAL, MAX_NAME, OFFER, clean, count_line, problem, where, words
from cogs.journey.store import JourneyStore
from cogs.journey.views import DYNAMIC_ITEMS, offer_view, say_goal

log = logging.getLogger(__name__)

LOG = command_words("log")
GOAL = command_words("goal")


def quoted(text: str) -> str:
    """The member's own words in quotes, safe from markdown."""
    return f"“{discord.utils.escape_markdown(text)}”"


def safe(text: str | None) -> str | None:
    """A name as shown: markdown can't break the layout."""
    return discord.utils.escape_markdown(text) if text else None


class JourneyCog(commands.Cog):
    """The whole journey, not only the no's: `/log` and `/goal`."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.store = JourneyStore(bot.database, bot.cipher)

    async def cog_load(self) -> None:
        """Register "Clear my goal"."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        """Withdraw it."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    # The command tree reads `company` and `role` for care before this runs (bot/client.py): words that need care
    # get support first, and nothing is logged.
    @app_commands.command(name="log", description=LOG["description"])
    @app_commands.describe(**LOG["options"])
    @app_commands.choices(what=[app_commands.Choice(name=LOG["choices"]["what"][kind], value=kind) for kind in KINDS])
    async def log_step(
        self,
        interaction: Interaction,
        what: str,  # one of KINDS; a plain str so a forged value gets a clear word, not a transform error
        company: app_commands.Range[str, 1, MAX_NAME] | None = None,
        role: app_commands.Range[str, 1, MAX_NAME] | None = None,
    ) -> None:
        """Keep one step of the journey and answer in one private reply; an offer gets a warm moment."""
        error = problem("company", company, MAX_NAME) or problem("role", role, MAX_NAME)
        if error is not None or what not in KINDS:
            await reply(interaction, error or words()["errors"]["unknown"])
            return
        bot, user_id, kind = self.bot, interaction.user.id, what
        company_text, role_text = clean(company), clean(role)
        step_id, count = await self.store.log_step(user_id, kind, company_text, role_text, bot.now())
        text = words()["log"]
        place = where(safe(company_text), safe(role_text))
        if await bot.care.active(user_id):
            # After a hard moment: no cheer and no invitation, only that it is kept.
            await reply(interaction, embed=self._embed(text["quiet"].format(where=place), CALM))
            return
        line = (await bot.wording.pick(user_id, f"journey:{kind}", text[kind])).format(where=place)
        if kind == OFFER:
            embed = self._embed(f"{line}\n\n{text['offer_invite']}", WIN, title=text["offer_title"])
            await reply(interaction, embed=embed, view=offer_view(step_id, user_id))
        else:
            await reply(interaction, embed=self._embed(f"{line} {count_line(kind, count)}".strip(), CALM))
        log.info("journey step logged: %s", kind)

    @staticmethod
    def _embed(description: str, colour: discord.Colour, *, title: str | None = None) -> discord.Embed:
        embed = discord.Embed(title=title, description=description, colour=colour)
        embed.set_footer(text=words()["log"]["footer"])
        return embed

    @app_commands.command(name="goal", description=GOAL["description"])
    @app_commands.describe(**GOAL["options"])
    async def goal(self, interaction: Interaction, aim: app_commands.Range[str, 1, MAX_GOAL] | None = None) -> None:
        """With `aim`, keep it as the member's goal; without, show the goal (and "Clear my goal") or how to set one."""
        text, user_id = words()["goal"], interaction.user.id
        if aim is None:
            current = await self.store.goal(user_id)
            if current is None:
                await say_goal(interaction, text["none"])
                return
            shown = text["shown"].format(goal=quoted(current.text), when=discord_timestamp(current.set_at, "D"))
            await say_goal(interaction, shown, owner_id=user_id)
            return
        goal = clean(aim)
        error = problem("goal", aim, MAX_GOAL)
        if error is not None or goal is None:
            await reply(interaction, error or words()["errors"]["unknown"])
            return
        replaced = await self.store.set_goal(user_id, goal, self.bot.now())
        await say_goal(interaction, text["changed" if replaced else "saved"].format(goal=quoted(goal)))
