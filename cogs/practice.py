"""`/practice`: interview role play with rule-based feedback, a self-rating, mock interviews and spaced repetition.

A session asks one question at a time (the member's own hard questions first). "Answer" opens a modal; the
reply is checked by bot/practice_feedback.py and stored encrypted. Every button is a DynamicItem whose
custom id carries the state and the owner's id, so old messages keep working after a restart.
"""

from __future__ import annotations

import logging
import random
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import practice_feedback as rules
from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.content import load_content
from bot.delete_one import delete_this_button
from bot.storage import practice as store
from bot.ui import (
    CALM,
    NO_MENTIONS,
    WARM,
    BaseModal,
    IntsFromCustomId,
    NextStep,
    guarded,
    refuse_if_not_owner,
    reply,
    report_error,
    untracked,
)

log = logging.getLogger(__name__)

MAX_ANSWER = 4000
FIELD_LIMIT = 1024
QUESTION_QUOTE = 200
ANY = "any"
CATEGORY_CHOICES = [
    app_commands.Choice(name="Behavioural", value="behavioural"),
    app_commands.Choice(name="Motivation", value="motivation"),
    app_commands.Choice(name="Situational", value="situational"),
    app_commands.Choice(name="Technical (general)", value="technical"),
    app_commands.Choice(name="My hard questions", value=rules.OWN_CATEGORY),
]
START_CATEGORIES = (*rules.CATEGORIES, rules.OWN_CATEGORY, store.REVIEW_CATEGORY, ANY)

ANSWER_ID = r"practice:(?P<mode>answer|retry):(?P<turn_id>\d+):(?P<owner_id>\d+)"
RATE_ID = r"practice:rate:(?P<answer_id>\d+):(?P<rating>[1-5]):(?P<owner_id>\d+)"
NEXT_ID = r"practice:next:(?P<turn_id>\d+):(?P<owner_id>\d+)"
DONE_ID = r"practice:done:(?P<session_id>\d+):(?P<owner_id>\d+)"
START_ID = r"practice:start:(?P<category>[a-z]+):(?P<owner_id>\d+)"
MODAL_ID = re.compile(r"practice:modal:(?P<turn_id>\d+):(?P<owner_id>\d+)")
ANSWER_FIELD = "answer"

# Which question comes next is varied on purpose; nothing secret depends on it.
RNG = random.Random()


def words() -> dict[str, Any]:
    """The practice wording, from data/practice.toml."""
    return load_content("practice")


def clip(text: str, limit: int) -> str:
    """Shorten text to a Discord limit, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str) -> str:
    """Member-written text shown back inside our own formatting: markdown can't break the layout."""
    return discord.utils.escape_markdown(" ".join(text.split()))


# ---------------------------------------------------------------- asking


def question_embed(
    question: store.Question, turn: store.Turn, session: store.Session, *, opening: str | None = None
) -> discord.Embed:
    """The question, where it came from, and what a strong answer covers."""
    text = words()
    title = f"Question {turn.position} of {session.planned}" if session.mock else "Practice question"
    lines = [opening] if opening else []
    if turn.reason == "review":
        lines.append(f"🔁 *{text['from_review']}*")
    elif question.is_own:
        lines.append(f"📝 *{text['from_hard_question']}*")
    shown = plain(question.text) if question.is_own else question.text
    lines.append(f"**{clip(shown, 1000)}**")
    embed = discord.Embed(title=title, description="\n\n".join(lines), colour=CALM)
    embed.add_field(name=text["tip_heading"], value=question.tip or text["own_tip"], inline=False)
    embed.add_field(name=text["answer_heading"], value=text["answer_hint"], inline=False)
    category = text["categories"].get(question.category, question.category)
    embed.set_footer(text=category)
    return embed


def question_view(turn_id: int, owner_id: int) -> discord.ui.View:
    """The "Answer" button under a question."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton(turn_id, owner_id, "answer"))
    return untracked(view)


async def ask_next(
    bot: BouncebackBot, interaction: Interaction, session: store.Session, *,
    notice: str | None = None, position: int | None = None,
) -> None:
    """Show the question at `position` (choosing and recording it if it hasn't been asked yet), privately."""
    user_id = session.user_id
    turn = await store.turn_at(bot.database, session.id, position) if position is not None else None
    if turn is None:
        turns = await store.session_turns(bot.database, session.id, user_id)
        pick = await store.pick_question(
            bot.database, bot.cipher, user_id, session.category,
            exclude={asked.question_key for asked in turns}, now=bot.now(), rng=RNG,
        )
        if pick is None:
            await reply(interaction, words()["out_of_questions"])
            return
        turn = await store.add_turn(
            bot.database, session.id, user_id, pick.question.key, pick.reason, bot.now(), position=position
        )
    question = await store.question_for_key(bot.database, bot.cipher, user_id, turn.question_key)
    if question is None:
        await reply(interaction, words()["hard_question_gone"])
        return
    opening = None
    if turn.position == 1:
        opening = await bot.wording.pick(user_id, "practice_opening", words()["openings"])
    embed = question_embed(question, turn, session, opening=opening)
    await reply(interaction, notice, embed=embed, view=question_view(turn.id, user_id))


async def start_session(
    bot: BouncebackBot, interaction: Interaction, *, category: str | None, planned: int, source: str,
    checkin_id: int | None = None,
) -> None:
    """Begin a practice session for the member who interacted and ask its first question."""
    user_id = interaction.user.id
    notice = None
    if category == rules.OWN_CATEGORY and not await store.own_questions(bot.database, bot.cipher, user_id, limit=1):
        # Nothing of their own yet: say so, and practise from the bank rather than stopping here.
        notice, category = words()["no_hard_questions"], None
    session_id = await store.create_session(
        bot.database, user_id=user_id, category=category, planned=planned, source=source, now=bot.now(),
        checkin_id=checkin_id,
    )
    session = await store.get_session(bot.database, session_id, user_id)
    assert session is not None
    await ask_next(bot, interaction, session, notice=notice)


# ---------------------------------------------------------------- feedback


def feedback_embed(question: store.Question, analysis: rules.Analysis, title: str) -> discord.Embed:
    """The structured feedback on one answer, each point explained, with an honest note on how it was checked."""
    text = words()
    feedback = rules.render(analysis, text)
    for shown in (3, 2, 1):
        if len(feedback.improvements) <= FIELD_LIMIT:
            break
        feedback = rules.render(analysis, text, max_improvements=shown)
    shown_question = plain(question.text) if question.is_own else question.text
    description = f"> {clip(shown_question, QUESTION_QUOTE)}\n\n{feedback.summary}"
    embed = discord.Embed(title=title, description=description, colour=WARM)
    embed.add_field(name=feedback.structure_title, value=clip(feedback.structure, FIELD_LIMIT), inline=False)
    embed.add_field(name=text["working_title"], value=clip(feedback.strengths, FIELD_LIMIT), inline=False)
    embed.add_field(name=text["improve_title"], value=clip(feedback.improvements, FIELD_LIMIT), inline=False)
    embed.set_footer(text=feedback.honesty)
    return embed


def can_go_on(session: store.Session, turn: store.Turn) -> bool:
    """Whether "Next question" makes sense: always for open practice, until the last question of a mock."""
    return not session.mock or turn.position < session.planned


def feedback_view(
    answer_id: int, turn: store.Turn, session: store.Session, owner_id: int, chosen: int | None = None
) -> discord.ui.View:
    """Self-rating 1-5 on the first row; Try again, Next question and Done on the second."""
    view = discord.ui.View(timeout=None)
    for rating in range(1, 6):
        view.add_item(RateButton(answer_id, rating, owner_id, chosen=chosen == rating))
    view.add_item(AnswerButton(turn.id, owner_id, "retry"))
    if can_go_on(session, turn):
        view.add_item(NextButton(turn.id, owner_id))
    view.add_item(DoneButton(session.id, owner_id))
    view.add_item(delete_this_button("answer", answer_id, owner_id))
    return untracked(view)


def rating_note(rating: int, review: store.ReviewItem | None) -> str:
    """What the bot says after a self-rating, including when a low-rated question comes back."""
    text = words()
    if review is not None:
        return str(text["rated_low"]).format(rating=rating, when=discord.utils.format_dt(review.due_at, "R"))
    return str(text["rated_high" if rating >= 4 else "rated_ok"]).format(rating=rating)


class AnswerModal(BaseModal):
    """One paragraph for the answer; "Try again" opens it with the last attempt filled in.

    The submission is handled by `PracticeCog.on_interaction` from the custom id, not by this object, so an
    answer typed while the bot restarts still arrives (discord.py forgets open modals on restart).
    """

    def __init__(self, turn_id: int, owner_id: int, question: store.Question, previous: str | None = None) -> None:
        modal_words = words()["modal"]
        super().__init__(title=modal_words["title"], custom_id=modal_custom_id(turn_id, owner_id))
        self.answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=MAX_ANSWER, min_length=1, required=True,
            placeholder=modal_words["placeholder"], custom_id=ANSWER_FIELD, default=previous,
        )
        self.add_item(
            discord.ui.Label(
                text=modal_words["label"], description=clip(" ".join(question.text.split()), 100), component=self.answer
            )
        )


def modal_custom_id(turn_id: int, owner_id: int) -> str:
    """Custom id of the answer modal for a turn."""
    return f"practice:modal:{turn_id}:{owner_id}"


def submitted_value(components: list[Any], custom_id: str) -> str | None:
    """The value of one text input in a raw modal submission (inside labels or action rows)."""
    for component in components:
        if not isinstance(component, dict):
            continue
        if component.get("custom_id") == custom_id and "value" in component:
            return str(component["value"])
        nested = component.get("components") or ([component["component"]] if "component" in component else [])
        found = submitted_value(nested, custom_id)
        if found is not None:
            return found
    return None


async def submit_answer(bot: BouncebackBot, interaction: Interaction, turn_id: int, owner_id: int, answer: str) -> None:
    """Check the answer, store it encrypted, and reply with feedback, the self-rating and what's next."""
    text = words()
    turn = await store.get_turn(bot.database, turn_id, owner_id)
    session = await store.get_session(bot.database, turn.session_id, owner_id) if turn else None
    if turn is None or session is None:
        await reply(interaction, text["gone"])
        return
    question = await store.question_for_key(bot.database, bot.cipher, owner_id, turn.question_key)
    if question is None:
        await reply(interaction, text["hard_question_gone"])
        return
    attempts = await store.turn_answers(bot.database, bot.cipher, turn.id, owner_id)
    if attempts and attempts[-1].text == answer:
        # The same form arrived twice (a double submit, or a stale copy): it is one answer, not two attempts.
        await reply(interaction, "I already have that answer (it came through twice), so nothing changed — "
                                 "its feedback is in the message above.")
        return
    analysis = rules.analyse(answer, question.category)
    answer_id = await store.save_answer(
        bot.database, bot.cipher, turn_id=turn.id, user_id=owner_id, text=answer,
        codes=analysis.codes, score=analysis.score, now=bot.now(),
    )
    assessment = await bot.care.assess(interaction, owner_id, answer)
    if assessment.needs_care:
        # No critique of words like these: support first, and a plain word that the answer is kept.
        care = await bot.care.reply_parts(interaction, assessment)
        quiet = discord.Embed(description=care_words()["quiet"]["practice_saved"], colour=WARM)
        await reply(interaction, embeds=[*care.embeds, quiet], view=care.view())
        return
    title = await bot.wording.pick(owner_id, "practice_feedback_title", text["feedback_titles"])
    embeds = [feedback_embed(question, analysis, title)]
    content = text["rating_prompt"]
    if not can_go_on(session, turn):
        content += "\n" + text["last_question_hint"]
    await reply(interaction, content, embeds=embeds, view=feedback_view(answer_id, turn, session, owner_id))


# ---------------------------------------------------------------- summary


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def strongest_reasons(analysis: rules.Analysis) -> str:
    """Why an answer was the strongest, from its strengths (e.g. "all four STAR parts and concrete figures")."""
    reasons_table: dict[str, str] = words()["strongest_reasons"]
    reasons: list[str] = []
    for finding in analysis.strengths:
        reason = reasons_table.get(finding.code)
        if reason and reason not in reasons:
            reasons.append(reason)
    return _join(reasons[:3]) or words()["strongest_fallback"]


async def summary_embed(bot: BouncebackBot, session: store.Session) -> tuple[int, discord.Embed | None]:
    """How many questions were answered, and the summary: strongest answer, one thing to work on, own ratings."""
    text = words()
    answered: list[tuple[store.Turn, store.Question | None, rules.Analysis, int | None]] = []
    for turn in await store.session_turns(bot.database, session.id, session.user_id):
        attempts = await store.turn_answers(bot.database, bot.cipher, turn.id, session.user_id)
        if not attempts:
            continue
        question = await store.question_for_key(bot.database, bot.cipher, session.user_id, turn.question_key)
        category = question.category if question else store.category_of_key(turn.question_key)
        analyses = [rules.analyse(attempt.text, category) for attempt in attempts]
        best = analyses[rules.strongest(analyses) or 0]
        ratings = [attempt.self_rating for attempt in attempts if attempt.self_rating is not None]
        answered.append((turn, question, best, ratings[-1] if ratings else None))
    if not answered:
        return 0, None
    planned = max(session.planned, len(answered)) if session.mock else len(answered)
    embed = discord.Embed(
        title=text["summary_title"],
        description=text["summary_intro"].format(
            answered=len(answered), total=planned, noun="question" if planned == 1 else "questions"
        ),
        colour=WARM,
    )
    best_index = rules.strongest([analysis for _, _, analysis, _ in answered]) or 0
    turn, question, analysis, _ = answered[best_index]
    embed.add_field(
        name=text["strongest_heading"],
        value=clip(
            text["strongest_line"].format(
                number=best_index + 1, question=_question_label(question), reasons=strongest_reasons(analysis)
            ),
            FIELD_LIMIT,
        ),
        inline=False,
    )
    focus = rules.one_thing_to_work_on([analysis for _, _, analysis, _ in answered])
    embed.add_field(name=text["work_on_heading"], value=text["work_on"][focus or "nothing"], inline=False)
    lines = [
        f"{index}. {_question_label(question, 80)}: {f'{rating}/5' if rating else text['unrated']}"
        for index, (_, question, _, rating) in enumerate(answered, start=1)
    ]
    embed.add_field(name=text["ratings_heading"], value=clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text=text["summary_closing"])
    return len(answered), embed


def _question_label(question: store.Question | None, limit: int = 150) -> str:
    if question is None:
        return "(a question that's no longer there)"
    return f"“{clip(plain(question.text) if question.is_own else question.text, limit)}”"


# ---------------------------------------------------------------- persistent components


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_ID):
    """"Answer" under a question, or "Try again" under feedback: opens the answer modal."""

    def __init__(self, turn_id: int, owner_id: int, mode: str) -> None:
        retry = mode == "retry"
        super().__init__(
            discord.ui.Button(
                label="Try again" if retry else "Answer", emoji="🔁" if retry else "✍️",
                style=discord.ButtonStyle.secondary if retry else discord.ButtonStyle.primary,
                custom_id=f"practice:{mode}:{turn_id}:{owner_id}", row=1 if retry else None,
            )
        )
        self.turn_id = turn_id
        self.owner_id = owner_id
        self.mode = mode

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        """Rebuild from a custom id."""
        return cls(int(match["turn_id"]), int(match["owner_id"]), match["mode"])

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Open the modal for this question (with the last attempt filled in when trying again)."""
        if await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"]):
            return
        bot = interaction.client
        turn = await store.get_turn(bot.database, self.turn_id, self.owner_id)
        if turn is None:
            await reply(interaction, words()["gone"])
            return
        question = await store.question_for_key(bot.database, bot.cipher, self.owner_id, turn.question_key)
        if question is None:
            await reply(interaction, words()["hard_question_gone"])
            return
        previous = None
        if self.mode == "retry":
            attempts = await store.turn_answers(bot.database, bot.cipher, turn.id, self.owner_id)
            previous = attempts[-1].text if attempts else None
        modal = AnswerModal(turn.id, self.owner_id, question, previous)
        await interaction.response.send_modal(modal)
        # Stop discord.py listening for it: the cog handles every submission from its custom id, restart or not.
        modal.stop()


class RateButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=RATE_ID):
    """One of the five self-rating buttons under feedback."""

    def __init__(self, answer_id: int, rating: int, owner_id: int, *, chosen: bool = False) -> None:
        labels: list[str] = words()["rating_labels"]
        super().__init__(
            discord.ui.Button(
                label=labels[rating - 1],
                style=discord.ButtonStyle.success if chosen else discord.ButtonStyle.secondary,
                custom_id=f"practice:rate:{answer_id}:{rating}:{owner_id}", row=0,
            )
        )
        self.answer_id = answer_id
        self.rating = rating
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RateButton:
        """Rebuild from a custom id."""
        return cls(int(match["answer_id"]), int(match["rating"]), int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Store the rating, schedule the question to come back if it was low, and mark the choice."""
        if await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"]):
            return
        bot = interaction.client
        found, review = await store.rate_answer(
            bot.database, answer_id=self.answer_id, user_id=self.owner_id, rating=self.rating, now=bot.now()
        )
        answer = await store.get_answer(bot.database, bot.cipher, self.answer_id, self.owner_id) if found else None
        turn = await store.get_turn(bot.database, answer.turn_id, self.owner_id) if answer else None
        session = await store.get_session(bot.database, turn.session_id, self.owner_id) if turn else None
        if turn is None or session is None:
            await reply(interaction, words()["gone"])
            return
        view = feedback_view(self.answer_id, turn, session, self.owner_id, chosen=self.rating)
        content = rating_note(self.rating, review)
        if not can_go_on(session, turn):
            content += "\n" + words()["last_question_hint"]
        await interaction.response.edit_message(content=content, view=view, allowed_mentions=NO_MENTIONS)


class NextButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_ID):
    """"Next question": asks the session's next question (once, however often it is pressed)."""

    def __init__(self, turn_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next question", emoji="➡️", style=discord.ButtonStyle.primary,
                custom_id=f"practice:next:{turn_id}:{owner_id}", row=1,
            )
        )
        self.turn_id = turn_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Show the next question; if it was already asked (a second press), show that one again."""
        if await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"]):
            return
        bot = interaction.client
        turn = await store.get_turn(bot.database, self.turn_id, self.owner_id)
        session = await store.get_session(bot.database, turn.session_id, self.owner_id) if turn else None
        if turn is None or session is None:
            await reply(interaction, words()["gone"])
            return
        if not can_go_on(session, turn):
            await reply(interaction, words()["last_question_hint"])
            return
        await ask_next(bot, interaction, session, position=turn.position + 1)


class DoneButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=DONE_ID):
    """"Done": ends the session, with a summary for a mock interview (or any run of two or more answers)."""

    def __init__(self, session_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Done", emoji="✅", style=discord.ButtonStyle.secondary,
                custom_id=f"practice:done:{session_id}:{owner_id}", row=1,
            )
        )
        self.session_id = session_id
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Finish the session and sum it up."""
        if await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"]):
            return
        bot = interaction.client
        text = words()
        session = await store.get_session(bot.database, self.session_id, self.owner_id)
        if session is None:
            await reply(interaction, text["gone"])
            return
        await store.finish_session(bot.database, session.id, self.owner_id, bot.now())
        answered, summary = await summary_embed(bot, session)
        if summary is None:
            await reply(interaction, text["done_nothing"])
        elif session.mock or answered >= 2:
            await reply(interaction, embed=summary)
        else:
            closing = await bot.wording.pick(self.owner_id, "practice_done", text["done_single"])
            await reply(interaction, closing)


class StartButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=START_ID):
    """Starts one practice question; other features (e.g. nudges offering a due question) add this button."""

    def __init__(self, category: str, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Practise a question", emoji="🎯", style=discord.ButtonStyle.primary,
                custom_id=store.start_custom_id(category, owner_id),
            )
        )
        self.category = category
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> StartButton:
        """Rebuild from a custom id."""
        return cls(match["category"], int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Ask one question of the button's category ("review" = one that's due to come back)."""
        if await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"]):
            return
        category = self.category if self.category in START_CATEGORIES and self.category != ANY else None
        await start_session(interaction.client, interaction, category=category, planned=1, source="button")


async def practise_after_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """"Practise a question" after /rejected: one question, privately."""
    bot = interaction.client
    checkin = await bot.checkins.get(checkin_id, owner_id)
    await start_session(
        bot, interaction, category=None, planned=1, source="next_step", checkin_id=checkin.id if checkin else None,
    )


NEXT_STEP = NextStep("practice", "Practise a question", "🎯", 40, practise_after_checkin)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AnswerButton, RateButton, NextButton, DoneButton, StartButton,
)


class PracticeCog(commands.Cog):
    """Interview practice."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent components and the next step after `/rejected`."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_next_step(NEXT_STEP)
        self.bot.register_deleter("answer", self.delete_answer)
        self.bot.register_custom_id_route(MODAL_ID, self.answer_form)

    async def cog_unload(self) -> None:
        """Withdraw the components and the next step."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_next_step(NEXT_STEP.key)
        self.bot.unregister_deleter("answer")
        self.bot.unregister_custom_id_route(MODAL_ID)

    async def delete_answer(self, answer_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """"Delete this" on a practice answer."""
        deleted = await self.bot.database.execute(
            "DELETE FROM practice_answers WHERE id = ? AND user_id = ?", (answer_id, owner_id)
        )
        return deleted > 0, []

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

    @app_commands.command(name="practice", description="Practise interview questions and get feedback on your answers")
    @app_commands.describe(
        category="Which kind of question (your own hard questions come first when you have some)",
        questions="How many questions in a row: more than one makes a mock interview with a summary",
    )
    @app_commands.choices(category=CATEGORY_CHOICES)
    async def practice(
        self,
        interaction: Interaction,
        category: app_commands.Choice[str] | None = None,
        questions: app_commands.Range[int, 1, store.MAX_PLANNED] = 1,
    ) -> None:
        """Ask the first question of a practice session (or a mock interview of several)."""
        await start_session(
            self.bot, interaction, category=category.value if category else None, planned=questions, source="command"
        )


async def setup(bot: BouncebackBot) -> None:
    """Load the practice cog."""
    await bot.add_cog(PracticeCog(bot))
