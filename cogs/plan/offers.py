"""'Add to my plan': the offers other capabilities show under their replies (through `bot.offer_items("plan", ...)`),
and what one click adds. Nothing is added without a click; the core shows no offer in care mode."""

from __future__ import annotations

from typing import Any

import discord

from bot import readmodel
from bot.client import BouncebackBot, Interaction
from bot.ui import reply
from cogs.plan.logic import MAX_OPEN, PRACTISE, actionable_lines, clean_text, words
from cogs.plan.store import NewItem
from cogs.plan.views import PlanButton, plan_store, quote

OFFER_SOURCES = ("question", "feedback", "answer")
LOW_RATING = 2  # a practice answer rated 1 or 2 ("shaky") is one to work on
MAX_LABEL = 80


class OfferButton(
    PlanButton, prefix="plan:add", fields=(("source", "|".join(OFFER_SOURCES)), "source_id", "part", "owner_id")
):
    """ "Add to my plan" under a hard question, a feedback line or a practice answer: one click adds it."""

    emoji, style = "📌", discord.ButtonStyle.secondary
    source: str
    source_id: int
    part: int

    def __init__(self, source: str, source_id: int, part: int, owner_id: int, *, item: str | None = None) -> None:
        self._item = item  # what the button adds, shown when known; unneeded when rebuilt from a custom id
        super().__init__(source, source_id, part, owner_id)

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """'Plan: System design', or 'Add to my plan'."""
        text = words()
        label = text["offer_label"] if self._item is None else text["offer_label_item"].format(text=self._item)
        return discord.ui.Button(
            label=clean_text(label, MAX_LABEL), emoji=self.emoji, style=self.style, custom_id=custom_id
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Add the source as an open item (once), or say kindly why not."""
        bot = interaction.client
        item = await resolve(bot, self.source, self.source_id, self.part, self.owner_id)
        if item is None:
            await reply(interaction, words()["source_gone"])
            return
        outcome, _ = await plan_store(bot).add(self.owner_id, item, bot.now())
        text = words()
        if outcome == "full":
            await reply(interaction, text["full"].format(cap=MAX_OPEN))
        elif outcome == "already":
            await reply(interaction, text["already"])
        else:
            await reply(interaction, text["added"].format(text=quote(item.text)))


async def resolve(bot: BouncebackBot, source: str, source_id: int, part: int, owner_id: int) -> NewItem | None:
    """What an offer adds, read again from its source (so a custom id carries ids, never words); None if gone."""
    database, cipher = bot.database, bot.cipher
    if source == "question":
        question = await readmodel.hard_question(database, cipher, owner_id, source_id)
        if question is None:
            return None
        key = f"hard:{source_id}"
        return NewItem(clean_text(question), source, PRACTISE, source_id=source_id, question_key=key)
    if source == "answer":
        practiced = await readmodel.practiced_question(database, cipher, owner_id, source_id)
        if practiced is None:
            return None
        text = clean_text(practiced.text)
        return NewItem(text, source, PRACTISE, source_id=source_id, question_key=practiced.question_key)
    note = await readmodel.feedback_note(database, cipher, owner_id, source_id)
    lines = actionable_lines(note) if note is not None else []
    if not 0 <= part < len(lines):
        return None
    line = lines[part]
    return NewItem(line.text, source, line.action, source_id=source_id, source_part=part)


async def offers(bot: BouncebackBot, source: str, source_id: int, owner_id: int) -> list[discord.ui.Item[Any]]:
    """The "Add to my plan" buttons for one source: one per actionable feedback line, one for a hard question,
    one for a practice answer rated low; none for anything else."""
    database, cipher = bot.database, bot.cipher
    if source == "question":
        question = await readmodel.hard_question(database, cipher, owner_id, source_id)
        return [] if question is None else [OfferButton(source, source_id, 0, owner_id, item=question)]
    if source == "answer":
        practiced = await readmodel.practiced_question(database, cipher, owner_id, source_id)
        low = practiced is not None and practiced.rating is not None and practiced.rating <= LOW_RATING
        return [OfferButton(source, source_id, 0, owner_id)] if low else []
    if source == "feedback":
        note = await readmodel.feedback_note(database, cipher, owner_id, source_id)
        lines = actionable_lines(note) if note is not None else []
        return [OfferButton(source, source_id, part, owner_id, item=line.text) for part, line in enumerate(lines)]
    return []
