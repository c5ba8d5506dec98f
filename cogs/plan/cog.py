"""`/plan`: the member's growth plan, and the registrations that let other capabilities offer "Add to my plan"."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words
from bot.ui import CALM, refuse_if_not_owner, reply, report_error
from cogs.plan.logic import ACTIONS, MAX_OPEN, clean_text, words
from cogs.plan.offers import OfferButton, offers
from cogs.plan.store import NewItem
from cogs.plan.views import (
    ACTION_FIELD,
    FORM_PREFIX,
    TEXT_FIELD,
    ItemButton,
    NewButton,
    PickSelect,
    plan_embed,
    plan_store,
    plan_view,
    quote,
    submitted,
)

PLAN = command_words("plan")
FORM_ID = re.compile(re.escape(FORM_PREFIX) + r":(?P<item_id>\d+):(?P<owner_id>\d+)")
DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (OfferButton, PickSelect, ItemButton, NewButton)
OFFER = "plan"


class PlanCog(commands.Cog):
    """The growth plan."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent components, the "Add to my plan" offer and the form's route."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_offer(OFFER, self.offers)
        self.bot.register_custom_id_route(FORM_ID, self.form)

    async def cog_unload(self) -> None:
        """Withdraw everything `cog_load` registered."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_offer(OFFER)
        self.bot.unregister_custom_id_route(FORM_ID)

    async def offers(self, source: str, source_id: int, owner_id: int) -> list[discord.ui.Item[Any]]:
        """ "Add to my plan" buttons for a source another capability shows (see `bot.offer_items`)."""
        return await offers(self.bot, source, source_id, owner_id)

    @app_commands.command(name="plan", description=PLAN["description"])
    async def plan(self, interaction: Interaction) -> None:
        """Show the member's open items, with the picker and "Add my own"."""
        user_id = interaction.user.id
        store = plan_store(self.bot)
        items = await store.open_items(user_id)
        embed = plan_embed(items, await store.done_count(user_id), care=await self.bot.care.active(user_id))
        await reply(interaction, embed=embed, view=plan_view(items, user_id))

    async def form(self, interaction: Interaction, match: re.Match[str]) -> None:
        """Receive the add/edit form by custom id, so it arrives even if the bot restarted while the member typed."""
        if interaction.type is not discord.InteractionType.modal_submit or not isinstance(interaction.data, dict):
            return
        try:
            owner_id = int(match["owner_id"])
            if await refuse_if_not_owner(interaction, owner_id, words()["not_yours"]):
                return
            raw = interaction.data.get("components")
            components = raw if isinstance(raw, list) else []
            text = clean_text((submitted(components, TEXT_FIELD) or [""])[0])
            action = (submitted(components, ACTION_FIELD) or ["own"])[0]
            await self.save_form(
                interaction, owner_id, int(match["item_id"]), text, action if action in ACTIONS else "own"
            )
        except Exception as error:
            await report_error(interaction, error)

    async def save_form(self, interaction: Interaction, owner_id: int, item_id: int, text: str, action: str) -> None:
        """Read the words for care first, then add the item (item 0) or change it."""
        form = words()["form"]
        if not text:
            await reply(interaction, words()["gone"])
            return
        assessment = await self.bot.care.assess(interaction, owner_id, text)
        store = plan_store(self.bot)
        current = await store.get(item_id, owner_id) if item_id else None
        same = [item for item in await store.open_items(owner_id) if item.text == text]
        if (current and (current.text, current.action) == (text, action)) or (not item_id and same):
            # A form sent twice (or saved unchanged): nothing to write, and saying so is enough.
            await reply(interaction, words()["already"])
            return
        if item_id:
            saved = await store.edit(item_id, owner_id, text, action, self.bot.now())
            outcome = "added" if saved else "gone"
        else:
            outcome, _ = await store.add(owner_id, NewItem(text, "own", action), self.bot.now())
        if outcome == "gone":
            await reply(interaction, words()["gone"])
            return
        if outcome == "full":
            await reply(interaction, words()["full"].format(cap=MAX_OPEN))
            return
        if assessment.needs_care:
            care = await self.bot.care.reply_parts(interaction, assessment)
            quiet = discord.Embed(description=form["care_saved"], colour=CALM)
            await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
            return
        done = form["edited"] if item_id else form["saved"]
        await reply(interaction, embed=discord.Embed(description=done.format(text=quote(text)), colour=CALM))
