"""Composing one nudge's DM: its text from the pool, one personal add-on, the footer and its buttons."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord

from bot import readmodel
from bot.care import words as care_words
from bot.client import BouncebackBot
from bot.ui import CALM
from cogs.nudges.logic import ClaimedNudge, Personal, footer_text, personal_line, words
from cogs.nudges.views import nudge_view

log = logging.getLogger(__name__)

MAX_QUESTION = 200
HARD_QUESTIONS_LOOKED_AT = 20


def nudge_table() -> dict[str, dict[str, str]]:
    """Nudges by id, in the data file's order."""
    return {nudge["id"]: nudge for nudge in words()["nudge"]}


def theme_titles() -> dict[str, str]:
    """The embed title of each theme."""
    return dict(words()["titles"]["themes"])


class NudgeComposer:
    """Builds a nudge's embed and buttons, personalised from what the member has shared."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def personal(self, user_id: int, now: datetime, pick: int) -> Personal:
        """Gather the personal touches for one member (a few small indexed reads)."""
        latest = await self.bot.checkins.recent(user_id, 1)
        days_since = (now - latest[0].created_at).days if latest else None
        shots = await self.bot.checkins.count(user_id)
        return Personal(
            days_since_checkin=days_since,
            shots=shots,
            feedback=await readmodel.feedback_nudge_state(self.bot.database, user_id, now),
            hard_question=await self._hard_question(user_id, pick),
        )

    async def _hard_question(self, user_id: int, pick: int) -> str | None:
        questions = await readmodel.hard_questions(
            self.bot.database, self.bot.cipher, user_id, HARD_QUESTIONS_LOOKED_AT
        )
        texts = [text for text in (question.text.strip() for question in questions) if text]
        if not texts:
            return None
        text = texts[pick % len(texts)]
        if len(text) > MAX_QUESTION:
            text = text[: MAX_QUESTION - 1].rstrip() + "…"
        return discord.utils.escape_markdown(" ".join(text.split()))

    async def compose(self, nudge: ClaimedNudge, now: datetime) -> tuple[discord.Embed, discord.ui.View]:
        """The DM for a claimed nudge: its text, one personal line, the footer, and its buttons."""
        table = nudge_table()
        item = table.get(nudge.nudge_id) or next(iter(table.values()))
        pick = nudge.ledger_id
        if await self.bot.care.active(nudge.user_id):
            return self.gentle_checkin(nudge), nudge_view(nudge.ledger_id, nudge.user_id)
        try:
            personal = await self.personal(nudge.user_id, now, pick)
        except Exception:  # a personal touch is a bonus; the nudge itself must still go out
            log.warning("could not personalise nudge %d; sending it plain", nudge.ledger_id, exc_info=True)
            personal = Personal()
        text: dict[str, Any] = words()
        lines = [item["text"]]
        extra = personal_line(personal, pick, text["personal"])
        if extra:
            lines.append(extra)
        titles = text["titles"]
        embed = discord.Embed(
            title=titles["themes"].get(item["theme"], titles["default"]), description="\n\n".join(lines),
            colour=CALM,
        )
        if nudge.last_of_run:
            texts = text["run_end"]["texts"]
            embed.add_field(name=titles["run_end"], value=texts[nudge.ledger_id % len(texts)], inline=False)
        footer = footer_text(personal, nudge, text["footer"])
        if footer:
            embed.set_footer(text=footer)
        return embed, nudge_view(nudge.ledger_id, nudge.user_id, last_of_run=nudge.last_of_run)

    def gentle_checkin(self, nudge: ClaimedNudge) -> discord.Embed:
        """The nudge after a hard moment: no task, no add-ons, just asking how they are."""
        text = care_words()["nudge"]
        return discord.Embed(
            title=text["title"], description=text["texts"][nudge.ledger_id % len(text["texts"])], colour=CALM
        )
