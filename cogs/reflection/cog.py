"""`/reflect` and "Reflect now": what was hard, what went well, what to practise — reflected back in their words."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.content import load_content
from bot.delete_one import delete_this_button
from bot.storage.checkins import Checkin
from bot.storage.reflections import save_reflection, split_items
from bot.text import parse_id, visible
from bot.ui import (
    CALM,
    BaseModal,
    NextStep,
    reply,
    share_win_custom_id,
    untracked,
)

log = logging.getLogger(__name__)

NEW = "new"
MAX_CHOICES = 25
MAX_HARD = 1500
MAX_ANSWER = 1000
MAX_WHERE = 100
QUOTE_LIMIT = 160
GONE = (
    "I couldn't find that rejection any more (it may have been deleted). "
    "`/reflect` lets you pick another or start fresh."
)
UNESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()-])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# "Data Analyst at Acme" or "Acme, Data Analyst" / "Acme - Data Analyst" / "Acme | Data Analyst".
ROLE_AT_COMPANY = re.compile(r"^(?P<role>.+?)\s+(?:at|@)\s+(?P<company>.+)$", re.IGNORECASE)
COMPANY_SEP_ROLE = re.compile(r"^(?P<company>.+?)\s*(?:,|\s[-–—|/]\s)\s*(?P<role>.+)$")


def words() -> dict[str, Any]:
    """The reflection's wording, from data/reflection.toml."""
    return load_content("reflection")


def plain(text: str | None) -> str:
    """Undo Discord markdown escaping (check-in fields are stored escaped) for labels and quotes."""
    return UNESCAPE.sub(r"\1", text or "")


def choice_label(checkin: Checkin) -> str:
    """How a check-in appears in the autocomplete list: what it was, and the date."""
    day = checkin.created_at
    label = f"{plain(checkin.describe())} · {day.day} {day:%b %Y}"
    return label if len(label) <= 100 else label[:99] + "…"


def parse_where(text: str | None) -> tuple[str | None, str | None]:
    """Read "Acme, Data Analyst" or "Data Analyst at Acme" as (company, role); anything else is the company."""
    cleaned = " ".join((text or "").split())[:MAX_WHERE]
    if not cleaned:
        return None, None
    match = ROLE_AT_COMPANY.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    match = COMPANY_SEP_ROLE.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    return cleaned, None


def first_point(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """The first concrete point of an answer (first line / bullet / sentence), trimmed to fit a quote."""
    items = split_items(text)
    if not items:
        return None
    # One concrete thing: the first real sentence (three words or more), not a whole paragraph.
    point = next((sentence for sentence in SENTENCE_END.split(items[0]) if len(sentence.split()) >= 3), items[0])
    if len(point) > limit:
        point = point[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    point = point.rstrip(" .")
    return point if visible(point) else None  # nothing readable (only invisible characters) is no point at all


def quote(text: str) -> str:
    """Put the member's own words in quotes, safe from markdown."""
    return f"“{discord.utils.escape_markdown(text)}”"


async def reflect_back(
    bot: BouncebackBot, user_id: int, *, went_well: str, practise_next: str | None,
    do_differently: str | None, hard_questions: list[str],
) -> tuple[str, str]:
    """One concrete thing they did well and one next step, both drawn from what they wrote."""
    text = words()
    thing = first_point(went_well) or visible(went_well)[:QUOTE_LIMIT]
    if thing:
        well = (await bot.wording.pick(user_id, "reflect:went_well", text["went_well"])).format(thing=quote(thing))
    else:  # nothing readable to quote back (e.g. only spaces or invisible characters)
        well = "Thank you for taking the time to look back at this one. That's not easy, and it counts."
    step = first_point(practise_next)
    if step:
        line = await bot.wording.pick(user_id, "reflect:practise", text["practise_step"])
        return well, line.format(step=quote(step))
    if hard_questions:
        question = first_point(hard_questions[0]) or hard_questions[0]
        line = await bot.wording.pick(user_id, "reflect:question", text["question_step"])
        return well, line.format(question=quote(question))
    change = first_point(do_differently)
    if change:
        line = await bot.wording.pick(user_id, "reflect:change", text["change_step"])
        return well, line.format(change=quote(change))
    return well, await bot.wording.pick(user_id, "reflect:fallback", text["fallback_step"])


class ReflectionModal(BaseModal):
    """Four short questions (plus "which company and role" for a rejection not logged yet)."""

    def __init__(
        self, owner_id: int, *, checkin_id: int | None, about: str | None = None, where_default: str | None = None
    ) -> None:
        text = words()["modal"]
        title = f"Reflect: {about}" if about else text["title"]
        super().__init__(
            title=title if len(title) <= 45 else title[:44] + "…",
            custom_id=f"reflect:modal:{checkin_id or 0}:{owner_id}",
        )
        self.owner_id = owner_id
        self.checkin_id = checkin_id
        self.hard = self._input("hard", text["hard_placeholder"], MAX_HARD, required=False)
        self.went_well = self._input("went_well", text["well_placeholder"], MAX_ANSWER, required=True)
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
                style=discord.TextStyle.short, custom_id="where", required=False, max_length=MAX_WHERE,
                placeholder=text["where_placeholder"], default=(where_default or "")[:MAX_WHERE] or None,
            )
            self.add_item(
                discord.ui.Label(text=text["where_label"], description=text["where_description"], component=self.where)
            )

    @staticmethod
    def _input(custom_id: str, placeholder: str, max_length: int, *, required: bool) -> discord.ui.TextInput[Any]:
        return discord.ui.TextInput(
            style=discord.TextStyle.paragraph, custom_id=custom_id, required=required,
            max_length=max_length, placeholder=placeholder[:100],
        )

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Save the reflection and its hard questions, then reflect back what they did well and a next step."""
        bot = interaction.client
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
                user_id=self.owner_id, guild_id=interaction.guild_id, now=bot.now(),
                company=discord.utils.escape_markdown(company) if company else None,
                role=discord.utils.escape_markdown(role) if role else None,
                stage=None,
            )
        questions = split_items(hard_text)
        reflection_id = await save_reflection(
            bot.database, bot.cipher, user_id=self.owner_id, checkin_id=checkin_id, now=bot.now(),
            went_well=went_well, practise_next=practise, do_differently=differently, hard_questions=questions,
        )
        if assessment.needs_care:
            # No praise and no "share as a win" for words like these: support first, and a plain word that it's kept.
            care = await bot.care.reply_parts(interaction, assessment)
            quiet = discord.Embed(description=care_words()["quiet"]["reflection_saved"], colour=CALM)
            await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
            bot.dispatch("reflection_saved", self.owner_id, reflection_id)
            return
        well_line, step_line = await reflect_back(
            bot, self.owner_id, went_well=went_well, practise_next=practise,
            do_differently=differently, hard_questions=questions,
        )
        text = words()
        title = await bot.wording.pick(self.owner_id, "reflect:title", text["titles"])
        embed = discord.Embed(title=title, description=f"{well_line}\n\n{step_line}", colour=CALM)
        footer = text["saved_footer"]
        if questions:
            kept = "1 hard question" if len(questions) == 1 else f"{len(questions)} hard questions"
            footer += f" {kept} kept for practice."
        embed.set_footer(text=footer)
        view = discord.ui.View(timeout=None)
        view.add_item(
            discord.ui.Button(
                label="Share as a win", emoji="🎉", style=discord.ButtonStyle.secondary,
                custom_id=share_win_custom_id("reflection", reflection_id, self.owner_id),
            )
        )
        view.add_item(delete_this_button("reflection", reflection_id, self.owner_id))
        untracked(view)  # the wins cog's DynamicItem answers it; discord.py needn't keep or time this view
        await reply(interaction, embeds=[embed], view=view)
        log.info("reflection %d saved with %d hard question(s)", reflection_id, len(questions))
        bot.dispatch("reflection_saved", self.owner_id, reflection_id)


async def reflect_on_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """"Reflect now" after /rejected: open the reflection for that check-in."""
    checkin = await interaction.client.checkins.get(checkin_id, owner_id)
    if checkin is None:
        await reply(interaction, GONE)
        return
    await interaction.response.send_modal(
        ReflectionModal(owner_id, checkin_id=checkin.id, about=plain(checkin.describe()))
    )


class ReflectionCog(commands.Cog):
    """`/reflect` and the "Reflect now" next step."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Offer "Reflect now" after /rejected."""
        self.bot.register_next_step(NextStep("reflect", "Reflect now", "📝", 10, reflect_on_checkin))
        self.bot.register_deleter("reflection", self.delete_reflection)

    async def cog_unload(self) -> None:
        """Withdraw them."""
        self.bot.unregister_next_step("reflect")
        self.bot.unregister_deleter("reflection")

    async def delete_reflection(self, reflection_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """"Delete this" on a reflection: its hard questions go with it (ON DELETE CASCADE)."""
        deleted = await self.bot.database.execute(
            "DELETE FROM reflections WHERE id = ? AND user_id = ?", (reflection_id, owner_id)
        )
        return deleted > 0, []

    @app_commands.command(name="reflect", description="Look back on a rejection: what was hard, what went well")
    @app_commands.describe(rejection="Which rejection? Your recent ones are listed; or pick \"A new one\"")
    async def reflect(self, interaction: Interaction, rejection: str) -> None:
        """Open the reflection modal for the chosen check-in, or for a new one."""
        value = rejection.strip()
        checkin_id = parse_id(value)
        if checkin_id is not None:
            checkin = await self.bot.checkins.get(checkin_id, interaction.user.id)
            if checkin is None:
                await reply(interaction, GONE)
                return
            modal = ReflectionModal(interaction.user.id, checkin_id=checkin.id, about=plain(checkin.describe()))
        else:
            # "A new one", or text typed without picking: treat it as the company/role of a new one.
            typed = "" if value.casefold() in {NEW, "a new one"} else value
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
        return [*choices[: MAX_CHOICES - 1], app_commands.Choice(name="A new one", value=NEW)]


async def setup(bot: BouncebackBot) -> None:
    """Load the reflection cog."""
    await bot.add_cog(ReflectionCog(bot))
