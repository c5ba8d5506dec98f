"""What practice shows: the question, the feedback on an answer, the note after a self-rating, the summary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.content import load_content, plural
from bot.ui import CALM, WARM
from cogs.practice import logic
from cogs.practice.analysis import Analysis
from cogs.practice.questions import PLAN_REASON, Question, ReviewItem
from cogs.practice.store import Session, Turn

FIELD_LIMIT = 1024
QUESTION_QUOTE = 200


def words() -> dict[str, Any]:
    """The practice wording, from data/practice.toml."""
    return load_content("practice")


def plain(text: str) -> str:
    """Member-written text shown back inside our own formatting: markdown can't break the layout."""
    return discord.utils.escape_markdown(" ".join(text.split()))


def shown_text(question: Question) -> str:
    """A question's text as shown: the member's own are escaped, the bank's are ours and may use markdown."""
    return plain(question.text) if question.is_own else question.text


def question_embed(question: Question, turn: Turn, session: Session, *, opening: str | None = None) -> discord.Embed:
    """The question, where it came from, and what a strong answer covers."""
    text = words()
    title = (
        text["mock_question_title"].format(position=turn.position, planned=session.planned)
        if session.mock
        else text["question_title"]
    )
    lines = [opening] if opening else []
    if turn.reason == "review":
        lines.append(f"🔁 *{text['from_review']}*")
    elif turn.reason == PLAN_REASON:
        lines.append(f"📌 *{text['from_plan']}*")
    elif question.is_own:
        lines.append(f"📝 *{text['from_hard_question']}*")
    lines.append(f"**{logic.clip(shown_text(question), 1000)}**")
    embed = discord.Embed(title=title, description="\n\n".join(lines), colour=CALM)
    embed.add_field(name=text["tip_heading"], value=question.tip or text["own_tip"], inline=False)
    embed.add_field(name=text["answer_heading"], value=text["answer_hint"], inline=False)
    category = text["categories"].get(question.category, question.category)
    embed.set_footer(text=category)
    return embed


def feedback_embed(question: Question, analysis: Analysis, title: str) -> discord.Embed:
    """The structured feedback on one answer, each point explained, with an honest note on how it was checked."""
    text = words()
    feedback = logic.render(analysis, text)
    for shown in (3, 2, 1):
        if len(feedback.improvements) <= FIELD_LIMIT:
            break
        feedback = logic.render(analysis, text, max_improvements=shown)
    description = f"> {logic.clip(shown_text(question), QUESTION_QUOTE)}\n\n{feedback.summary}"
    embed = discord.Embed(title=title, description=description, colour=WARM)
    embed.add_field(name=feedback.structure_title, value=logic.clip(feedback.structure, FIELD_LIMIT), inline=False)
    embed.add_field(name=text["working_title"], value=logic.clip(feedback.strengths, FIELD_LIMIT), inline=False)
    embed.add_field(name=text["improve_title"], value=logic.clip(feedback.improvements, FIELD_LIMIT), inline=False)
    embed.set_footer(text=feedback.honesty)
    return embed


def rating_note(rating: int, review: ReviewItem | None) -> str:
    """What the bot says after a self-rating, including when a low-rated question comes back."""
    text = words()
    if review is not None:
        return str(text["rated_low"]).format(rating=rating, when=discord.utils.format_dt(review.due_at, "R"))
    return str(text["rated_high" if rating >= 4 else "rated_ok"]).format(rating=rating)


@dataclass(frozen=True)
class Answered:
    """One answered question of a session, for the summary: its best attempt and the member's last rating."""

    question: Question | None
    best: Analysis
    rating: int | None


def question_label(question: Question | None, limit: int = 150) -> str:
    """A question quoted in the summary (or a note that it is gone)."""
    if question is None:
        return str(words()["question_gone_label"])
    return f"“{logic.clip(shown_text(question), limit)}”"


def summary_embed(session: Session, answered: Sequence[Answered]) -> discord.Embed:
    """The summary: how many were answered, the strongest answer, one thing to work on, the member's own ratings."""
    text = words()
    planned = max(session.planned, len(answered)) if session.mock else len(answered)
    embed = discord.Embed(
        title=text["summary_title"],
        description=plural(text["summary_intro"], planned, answered=len(answered)),
        colour=WARM,
    )
    best_index = logic.strongest([item.best for item in answered])
    if best_index is None:
        strongest = str(text["strongest_none"])
    else:
        best = answered[best_index]
        reasons = logic.strongest_reasons(
            best.best, text["strongest_reasons"], text["strongest_fallback"], last=text["list_and"]
        )
        strongest = text["strongest_line"].format(
            number=best_index + 1, question=question_label(best.question), reasons=reasons
        )
    embed.add_field(name=text["strongest_heading"], value=logic.clip(strongest, FIELD_LIMIT), inline=False)
    focus = logic.one_thing_to_work_on([item.best for item in answered])
    embed.add_field(name=text["work_on_heading"], value=text["work_on"][focus or "nothing"], inline=False)
    lines = [
        f"{index}. {question_label(item.question, 80)}: {f'{item.rating}/5' if item.rating else text['unrated']}"
        for index, item in enumerate(answered, start=1)
    ]
    embed.add_field(name=text["ratings_heading"], value=logic.clip("\n".join(lines), FIELD_LIMIT), inline=False)
    embed.set_footer(text=text["summary_closing"])
    return embed
