"""The reflection modal (four short questions) and the reply that reflects back what the member wrote."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot import readmodel
from bot.care import words as care_words
from bot.client import BouncebackBot
from bot.components import StaticView
from bot.content import plural
from bot.delete_one import delete_this_button
from bot.ui import CALM, BaseModal, reply, share_win_custom_id
from cogs.reflection.logic import (
    MAX_WHERE,
    NOTHING_GOOD_TOPIC,
    Line,
    modal_title,
    parse_where,
    reflect_back,
    split_items,
    words,
)
from cogs.reflection.store import ReflectionStore

log = logging.getLogger(__name__)

MAX_HARD = 1500
MAX_ANSWER = 1000
MAX_PLAN_OFFERS = 5  # "Add to my plan" buttons under one reflection: a row of them at most


def quote(text: str) -> str:
    """Put the member's own words in quotes, safe from markdown."""
    return f"“{discord.utils.escape_markdown(text)}”"


async def say(bot: BouncebackBot, user_id: int, line: Line) -> str:
    """A line of the reply: a variant never shown twice in a row, with the member's words quoted in it."""
    variant = await bot.wording.pick(user_id, line.topic, line.variants)
    return variant.format(**line.values, **{name: quote(value) for name, value in line.quoted.items()})


class ReflectionModal(BaseModal):
    """Four short questions (plus "which company and role" for a rejection not logged yet)."""

    def __init__(
        self, owner_id: int, *, checkin_id: int | None, about: str | None = None, where_default: str | None = None
    ) -> None:
        text = words()["modal"]
        super().__init__(title=modal_title(about), custom_id=f"reflect:modal:{checkin_id or 0}:{owner_id}")
        self.owner_id = owner_id
        self.checkin_id = checkin_id
        self.hard = self._input("hard", text["hard_placeholder"], MAX_HARD, required=False)
        # Optional: someone who feels nothing went well must not be pushed into writing something.
        self.went_well = self._input("went_well", text["well_placeholder"], MAX_ANSWER, required=False)
        self.practise = self._input("practise", text["practise_placeholder"], MAX_ANSWER, required=False)
        self.differently = self._input("differently", text["differently_placeholder"], MAX_ANSWER, required=False)
        self.add_item(
            discord.ui.Label(text=text["hard_label"], description=text["hard_description"], component=self.hard)
        )
        self.add_item(
            discord.ui.Label(text=text["well_label"], description=text["well_description"], component=self.went_well)
        )
        self.add_item(discord.ui.Label(text=text["practise_label"], component=self.practise))
        self.add_item(discord.ui.Label(text=text["differently_label"], component=self.differently))
        self.where: discord.ui.TextInput[Any] | None = None
        if checkin_id is None:
            self.where = discord.ui.TextInput(
                style=discord.TextStyle.short,
                custom_id="where",
                required=False,
                max_length=MAX_WHERE,
                placeholder=text["where_placeholder"],
                default=(where_default or "")[:MAX_WHERE] or None,
            )
            self.add_item(
                discord.ui.Label(text=text["where_label"], description=text["where_description"], component=self.where)
            )

    @staticmethod
    def _input(custom_id: str, placeholder: str, max_length: int, *, required: bool) -> discord.ui.TextInput[Any]:
        return discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            custom_id=custom_id,
            required=required,
            max_length=max_length,
            placeholder=placeholder[:100],
        )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Save the reflection and its hard questions, then reflect back what they did well and a next step."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        hard_text = self.hard.value.strip()
        went_well = self.went_well.value.strip()
        practise = self.practise.value.strip() or None
        differently = self.differently.value.strip() or None
        where = self.where.value.strip() if self.where is not None else ""
        assessment = await bot.care.assess(
            interaction, self.owner_id, hard_text, went_well, practise, differently, where
        )
        checkin_id = self.checkin_id
        if checkin_id is None and where:
            # A rejection they hadn't logged yet: it becomes a check-in, so feedback and progress can use it too.
            company, role = parse_where(where)
            checkin_id = await bot.checkins.create(
                user_id=self.owner_id,
                guild_id=interaction.guild_id,
                now=bot.now(),
                company=discord.utils.escape_markdown(company) if company else None,
                role=discord.utils.escape_markdown(role) if role else None,
                stage=None,
            )
        questions = split_items(hard_text)
        reflection_id = await ReflectionStore(bot.database, bot.cipher).save(
            user_id=self.owner_id,
            checkin_id=checkin_id,
            now=bot.now(),
            went_well=went_well,
            practise_next=practise,
            do_differently=differently,
            hard_questions=questions,
        )
        if assessment.needs_care:
            # No praise and no "share as a win" for words like these: support first, and a plain word that it's kept.
            care = await bot.care.reply_parts(interaction, assessment)
            quiet = discord.Embed(description=care_words()["quiet"]["reflection_saved"], colour=CALM)
            await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
            bot.dispatch("reflection_saved", self.owner_id, reflection_id)
            return
        checkin = None if checkin_id is None else await bot.checkins.get(checkin_id, self.owner_id)
        embed, view = await reflected(
            bot,
            self.owner_id,
            reflection_id,
            went_well,
            practise,
            differently,
            questions,
            stage=checkin.stage if checkin else None,
        )
        await reply(interaction, embeds=[embed], view=view)
        log.info("reflection %d saved with %d hard questions", reflection_id, len(questions))
        bot.dispatch("reflection_saved", self.owner_id, reflection_id)


async def reflected(
    bot: BouncebackBot,
    owner_id: int,
    reflection_id: int,
    went_well: str,
    practise: str | None,
    differently: str | None,
    questions: list[str],
    *,
    stage: str | None = None,
) -> tuple[discord.Embed, discord.ui.View]:
    """The reply to a saved reflection: their words reflected back, "Share as a win" and "Delete this"."""
    well, step = reflect_back(
        went_well=went_well,
        practise_next=practise,
        do_differently=differently,
        hard_questions=questions,
        stage=stage,
    )
    description = f"{await say(bot, owner_id, well)}\n\n{await say(bot, owner_id, step)}"
    text = words()
    goal = None if await bot.care.active(owner_id) else await readmodel.goal_for(bot.database, bot.cipher, owner_id)
    if goal:  # the member's own aim, from /goal: where this reflection is taking them
        description += "\n\n" + text["goal_line"].format(goal=quote(goal))
    title = await bot.wording.pick(owner_id, "reflect:title", text["titles"])
    embed = discord.Embed(title=title, description=description, colour=CALM)
    footer = text["saved_footer"]
    if questions:
        footer += " " + plural(text["kept_questions"], len(questions))
    embed.set_footer(text=footer)
    share = discord.ui.Button[Any](
        label=text["share_button"],
        emoji="🎉",
        style=discord.ButtonStyle.secondary,
        custom_id=share_win_custom_id("reflection", reflection_id, owner_id),
    )
    delete = delete_this_button("reflection", reflection_id, owner_id)
    # "Add to my plan" for each hard question, if a capability offers it (none in care mode); it answers them.
    offers: list[discord.ui.Item[Any]] = []
    store = ReflectionStore(bot.database, bot.cipher)
    for question_id in (await store.question_ids(reflection_id, owner_id))[:MAX_PLAN_OFFERS]:
        offers.extend(await bot.offer_items("plan", "question", question_id, owner_id))
    if well.topic == NOTHING_GOOD_TOPIC:
        return embed, StaticView(delete, *offers)  # nothing they named as good is theirs to share as a win
    # The wins capability's DynamicItem answers "Share as a win" by its custom id; core answers "Delete this".
    view = StaticView(share, delete, *offers)
    return embed, view
