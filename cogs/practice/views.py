"""Practice's persistent buttons, the answer modal, and the steps of a session they drive.

A session asks one question at a time (the member's own hard questions first). "Answer" opens a modal; the reply
is checked by `analysis.py` and stored encrypted. Every button keeps its state and its owner's id in its custom
id, so old messages keep working after a restart.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

import discord

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, StaticView
from bot.delete_one import delete_this_button
from bot.ui import NO_MENTIONS, WARM, BaseModal, NextStep, refuse_if_not_owner, reply
from cogs.practice import logic
from cogs.practice.analysis import CATEGORIES, OWN_CATEGORY, analyse
from cogs.practice.embeds import Answered, feedback_embed, question_embed, rating_note, summary_embed, words
from cogs.practice.questions import REVIEW_CATEGORY, Question, category_of_key
from cogs.practice.store import PracticeStore, Session, Turn

MAX_ANSWER = 4000
ANY = "any"
START_CATEGORIES = (*CATEGORIES, OWN_CATEGORY, REVIEW_CATEGORY, ANY)
ANSWER_FIELD = "answer"
MODAL_PREFIX = "practice:modal"

# Which question comes next is varied on purpose; nothing secret depends on it.
RNG = random.Random()


def practice_store(bot: BouncebackBot) -> PracticeStore:
    """Practice's tables over the bot's database and cipher."""
    return PracticeStore(bot.database, bot.cipher)


# ---------------------------------------------------------------- the steps of a session


async def ask_next(
    bot: BouncebackBot,
    interaction: Interaction,
    session: Session,
    *,
    notice: str | None = None,
    position: int | None = None,
) -> None:
    """Show the question at `position` (choosing and recording it if it hasn't been asked yet), privately."""
    store = practice_store(bot)
    user_id = session.user_id
    turn = await store.turn_at(session.id, position) if position is not None else None
    if turn is None:
        turns = await store.session_turns(session.id, user_id)
        pick = await store.pick_question(
            user_id, session.category, exclude={asked.question_key for asked in turns}, now=bot.now(), rng=RNG
        )
        if pick is None:
            await reply(interaction, words()["out_of_questions"])
            return
        turn = await store.add_turn(session.id, user_id, pick.question.key, pick.reason, bot.now(), position=position)
    question = await store.question_for_key(user_id, turn.question_key)
    if question is None:
        await reply(interaction, words()["hard_question_gone"])
        return
    opening = None
    if turn.position == 1:
        opening = await bot.wording.pick(user_id, "practice_opening", words()["openings"])
    embed = question_embed(question, turn, session, opening=opening)
    await reply(interaction, notice, embed=embed, view=StaticView(AnswerButton("answer", turn.id, user_id)))


async def start_session(
    bot: BouncebackBot,
    interaction: Interaction,
    *,
    category: str | None,
    planned: int,
    source: str,
    checkin_id: int | None = None,
) -> None:
    """Begin a practice session for the member who interacted and ask its first question."""
    store = practice_store(bot)
    user_id = interaction.user.id
    notice = None
    if category == OWN_CATEGORY and not await store.own_questions(user_id, limit=1):
        # Nothing of their own yet: say so, and practise from the bank rather than stopping here.
        notice, category = words()["no_hard_questions"], None
    session_id = await store.create_session(
        user_id=user_id, category=category, planned=planned, source=source, now=bot.now(), checkin_id=checkin_id
    )
    session = await store.get_session(session_id, user_id)
    assert session is not None
    await ask_next(bot, interaction, session, notice=notice)


def can_go_on(session: Session, turn: Turn) -> bool:
    """Whether "Next question" makes sense: always for open practice, until the last question of a mock."""
    return not session.mock or turn.position < session.planned


def feedback_view(answer_id: int, turn: Turn, session: Session, owner_id: int, chosen: int | None = None) -> StaticView:
    """Self-rating 1-5 on the first row; Try again, Next question and Done on the second."""
    view = StaticView(*(RateButton(answer_id, rating, owner_id, chosen=chosen == rating) for rating in range(1, 6)))
    view.add_item(AnswerButton("retry", turn.id, owner_id))
    if can_go_on(session, turn):
        view.add_item(NextButton(turn.id, owner_id))
    view.add_item(DoneButton(session.id, owner_id))
    view.add_item(delete_this_button("answer", answer_id, owner_id))
    return view


async def submit_answer(bot: BouncebackBot, interaction: Interaction, turn_id: int, owner_id: int, answer: str) -> None:
    """Check the answer, store it encrypted, and reply with feedback, the self-rating and what's next."""
    text = words()
    store = practice_store(bot)
    turn = await store.get_turn(turn_id, owner_id)
    session = await store.get_session(turn.session_id, owner_id) if turn else None
    if turn is None or session is None:
        await reply(interaction, text["gone"])
        return
    question = await store.question_for_key(owner_id, turn.question_key)
    if question is None:
        await reply(interaction, text["hard_question_gone"])
        return
    attempts = await store.turn_answers(turn.id, owner_id)
    if attempts and attempts[-1].text == answer:
        # The same form arrived twice (a double submit, or a stale copy): it is one answer, not two attempts.
        await reply(interaction, text["same_answer_twice"])
        return
    analysis = analyse(answer, question.category, asked(question))
    answer_id = await store.save_answer(
        turn_id=turn.id, user_id=owner_id, text=answer, codes=analysis.codes, score=analysis.score, now=bot.now()
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


async def answered_questions(store: PracticeStore, session: Session) -> list[Answered]:
    """Each answered question of a session with its strongest attempt and the member's last rating."""
    answered: list[Answered] = []
    for turn in await store.session_turns(session.id, session.user_id):
        attempts = await store.turn_answers(turn.id, session.user_id)
        if not attempts:
            continue
        question = await store.question_for_key(session.user_id, turn.question_key)
        category = question.category if question else category_of_key(turn.question_key)
        analyses = [analyse(attempt.text, category, asked(question)) for attempt in attempts]
        ratings = [attempt.self_rating for attempt in attempts if attempt.self_rating is not None]
        best = logic.strongest(analyses)
        # Every attempt answered something else: the latest one stands for the turn (and is never the strongest).
        chosen = analyses[best if best is not None else -1]
        answered.append(Answered(question, chosen, ratings[-1] if ratings else None))
    return answered


def asked(question: Question | None) -> tuple[str, ...]:
    """What an answer is compared with to see whether it answers the question: its text and its tip."""
    if question is None:
        return ()
    return (question.text, question.tip) if question.tip else (question.text,)


async def practise_after_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """ "Practise a question" after /rejected: one question, privately."""
    bot = interaction.client
    checkin = await bot.checkins.get(checkin_id, owner_id)
    await start_session(
        bot,
        interaction,
        category=None,
        planned=1,
        source="next_step",
        checkin_id=checkin.id if checkin else None,
    )


NEXT_STEP = NextStep("practice", words()["start_button"], "🎯", 40, practise_after_checkin)


# ---------------------------------------------------------------- the answer modal


def modal_custom_id(turn_id: int, owner_id: int) -> str:
    """Custom id of the answer modal for a turn (answered by the cog's custom-id route, restart or not)."""
    return f"{MODAL_PREFIX}:{turn_id}:{owner_id}"


class AnswerModal(BaseModal):
    """One paragraph for the answer; "Try again" opens it with the last attempt filled in.

    The submission is handled by the cog's custom-id route, not by this object, so an answer typed while the
    bot restarts still arrives (discord.py forgets open modals on restart).
    """

    def __init__(self, turn_id: int, owner_id: int, question: Question, previous: str | None = None) -> None:
        modal_words = words()["modal"]
        super().__init__(title=modal_words["title"], custom_id=modal_custom_id(turn_id, owner_id))
        self.answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=MAX_ANSWER,
            min_length=1,
            required=True,
            placeholder=modal_words["placeholder"],
            custom_id=ANSWER_FIELD,
            default=previous,
        )
        self.add_item(
            discord.ui.Label(
                text=modal_words["label"],
                description=logic.clip(" ".join(question.text.split()), 100),
                component=self.answer,
            )
        )


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


# ---------------------------------------------------------------- persistent buttons


class PracticeButton(OwnedButton):
    """What every practice button shares: its label from data/practice.toml, a fixed row, practice's refusal."""

    label_key: ClassVar[str] = ""
    on_row: ClassVar[int | None] = None
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """A button labelled from the wording file."""
        label = str(words()[self.label_key])
        return discord.ui.Button(label=label, emoji=self.emoji, style=self.style, custom_id=custom_id, row=self.on_row)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member whose practice it is; anyone else is told so in practice's words."""
        return not await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"])


class AnswerButton(PracticeButton, prefix="practice", fields=(("mode", "answer|retry"), "turn_id", "owner_id")):
    """ "Answer" under a question, or "Try again" under feedback: opens the answer modal."""

    mode: str
    turn_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """ "Answer" stands out; "Try again" sits on the second row of the feedback's buttons."""
        retry = self.mode == "retry"
        return discord.ui.Button(
            label=str(words()["retry_button" if retry else "answer_button"]),
            emoji="🔁" if retry else "✍️",
            style=discord.ButtonStyle.secondary if retry else discord.ButtonStyle.primary,
            custom_id=custom_id,
            row=1 if retry else None,
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Open the modal for this question (with the last attempt filled in when trying again)."""
        store = practice_store(interaction.client)
        turn = await store.get_turn(self.turn_id, self.owner_id)
        if turn is None:
            await reply(interaction, words()["gone"])
            return
        question = await store.question_for_key(self.owner_id, turn.question_key)
        if question is None:
            await reply(interaction, words()["hard_question_gone"])
            return
        previous = None
        if self.mode == "retry":
            attempts = await store.turn_answers(turn.id, self.owner_id)
            previous = attempts[-1].text if attempts else None
        modal = AnswerModal(turn.id, self.owner_id, question, previous)
        await interaction.response.send_modal(modal)
        # Stop discord.py listening for it: the cog handles every submission from its custom id, restart or not.
        modal.stop()


class RateButton(PracticeButton, prefix="practice:rate", fields=("answer_id", ("rating", "[1-5]"), "owner_id")):
    """One of the five self-rating buttons under feedback (the chosen one is green)."""

    answer_id: int
    rating: int | str  # an int when built here, the digit from the custom id when rebuilt

    def __init__(self, answer_id: int, rating: int | str, owner_id: int, *, chosen: bool = False) -> None:
        self.chosen = chosen
        super().__init__(answer_id, rating, owner_id)

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled 1 (shaky) to 5 (solid), on the first row."""
        labels: list[str] = words()["rating_labels"]
        style = discord.ButtonStyle.success if self.chosen else discord.ButtonStyle.secondary
        return discord.ui.Button(label=labels[int(self.rating) - 1], style=style, custom_id=custom_id, row=0)

    async def pressed(self, interaction: Interaction) -> None:
        """Store the rating, schedule the question to come back if it was low, and mark the choice."""
        bot = interaction.client
        store = practice_store(bot)
        rating = int(self.rating)
        found, review = await store.rate_answer(
            answer_id=self.answer_id, user_id=self.owner_id, rating=rating, now=bot.now()
        )
        answer = await store.get_answer(self.answer_id, self.owner_id) if found else None
        turn = await store.get_turn(answer.turn_id, self.owner_id) if answer else None
        session = await store.get_session(turn.session_id, self.owner_id) if turn else None
        if turn is None or session is None:
            await reply(interaction, words()["gone"])
            return
        view = feedback_view(self.answer_id, turn, session, self.owner_id, chosen=rating)
        # An answer rated low may go on the member's plan, if a capability offers it (it answers the button).
        for offer in await bot.offer_items("plan", "answer", self.answer_id, self.owner_id):
            view.add_item(offer)
        content = rating_note(rating, review)
        if not can_go_on(session, turn):
            content += "\n" + words()["last_question_hint"]
        await interaction.response.edit_message(content=content, view=view, allowed_mentions=NO_MENTIONS)


class NextButton(PracticeButton, prefix="practice:next", fields=("turn_id", "owner_id")):
    """ "Next question": asks the session's next question (once, however often it is pressed)."""

    label_key, emoji, style, on_row = "next_button", "➡️", discord.ButtonStyle.primary, 1
    turn_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Show the next question; if it was already asked (a second press), show that one again."""
        bot = interaction.client
        store = practice_store(bot)
        turn = await store.get_turn(self.turn_id, self.owner_id)
        session = await store.get_session(turn.session_id, self.owner_id) if turn else None
        if turn is None or session is None:
            await reply(interaction, words()["gone"])
            return
        if not can_go_on(session, turn):
            await reply(interaction, words()["last_question_hint"])
            return
        await ask_next(bot, interaction, session, position=turn.position + 1)


class DoneButton(PracticeButton, prefix="practice:done", fields=("session_id", "owner_id")):
    """ "Done": ends the session, with a summary for a mock interview (or any run of two or more answers)."""

    label_key, emoji, on_row = "done_button", "✅", 1
    session_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Finish the session and sum it up."""
        bot = interaction.client
        store = practice_store(bot)
        text = words()
        session = await store.get_session(self.session_id, self.owner_id)
        if session is None:
            await reply(interaction, text["gone"])
            return
        await store.finish_session(session.id, self.owner_id, bot.now())
        answered = await answered_questions(store, session)
        if not answered:
            await reply(interaction, text["done_nothing"])
        elif session.mock or len(answered) >= 2:
            await reply(interaction, embed=summary_embed(session, answered))
        else:
            closing = await bot.wording.pick(self.owner_id, "practice_done", text["done_single"])
            await reply(interaction, closing)


class StartButton(PracticeButton, prefix="practice:start", fields=(("category", "[a-z]+"), "owner_id")):
    """Starts one practice question; other features (e.g. nudges offering a due question) add this button."""

    label_key, emoji, style = "start_button", "🎯", discord.ButtonStyle.primary
    category: str

    async def pressed(self, interaction: Interaction) -> None:
        """Ask one question of the button's category ("review" = one that's due to come back)."""
        category = self.category if self.category in START_CATEGORIES and self.category != ANY else None
        await start_session(interaction.client, interaction, category=category, planned=1, source="button")


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    AnswerButton,
    RateButton,
    NextButton,
    DoneButton,
    StartButton,
)
