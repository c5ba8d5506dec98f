"""Composing one nudge's DM: its text from the pool, one personal add-on, the footer and its buttons."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from bot import readmodel
from bot.care import words as care_words
from bot.client import BouncebackBot
from bot.ui import CALM
from cogs.nudges.logic import ClaimedNudge, Personal, addon_options, addon_text, footer_text, words
from cogs.nudges.store import NudgeRepository
from cogs.nudges.variety import KIND_EVERY_DAYS, Ideas, choose_addon, ideas_from
from cogs.nudges.views import nudge_view

log = logging.getLogger(__name__)

MAX_QUESTION = 200
HARD_QUESTIONS_LOOKED_AT = 20


def _quotable(text: str) -> str:
    """A member's words cut to fit a nudge, on one line, safe from markdown."""
    if len(text) > MAX_QUESTION:
        text = text[: MAX_QUESTION - 1].rstrip() + "…"
    return discord.utils.escape_markdown(" ".join(text.split()))


def nudge_table() -> dict[str, dict[str, str]]:
    """Nudges by id, in the data file's order."""
    return {nudge["id"]: nudge for nudge in words()["nudge"]}


def theme_titles() -> dict[str, str]:
    """The embed title of each theme."""
    return dict(words()["titles"]["themes"])


def nudge_ideas() -> Ideas:
    """The ideas nudges and add-ons share, from data/nudges.toml."""
    text = words()
    return ideas_from(text["nudge"], text.get("personal_ideas", {}))


@dataclass(frozen=True)
class Composed:
    """A nudge ready to send, and the add-on kind it carries (recorded in the ledger once it is sent)."""

    embed: discord.Embed
    view: discord.ui.View
    addon: str | None = None


class NudgeComposer:
    """Builds a nudge's embed and buttons, personalised from what the member has shared."""

    def __init__(self, bot: BouncebackBot, repository: NudgeRepository | None = None) -> None:
        self.bot = bot
        self.repository = repository  # where the member's nudge history is read; without it, no variety rules

    async def personal(self, user_id: int, now: datetime, pick: int) -> Personal:
        """Gather the personal touches for one member (a few small indexed reads)."""
        latest = await self.bot.checkins.recent(user_id, 1)
        days_since = (now - latest[0].created_at).days if latest else None
        shots = await readmodel.shots_taken_count(self.bot.database, self.bot.cipher, user_id)
        return Personal(
            days_since_checkin=days_since,
            shots=shots,
            feedback=await readmodel.feedback_nudge_state(self.bot.database, user_id, now),
            hard_question=await self._hard_question(user_id, pick),
            plan_item=await self._plan_item(user_id, pick),
        )

    async def _plan_item(self, user_id: int, pick: int) -> str | None:
        """One of the member's open plan items to practise (they take turns), ready to quote."""
        items = await readmodel.open_plan_items(self.bot.database, self.bot.cipher, user_id, "practise")
        texts = [text for text in (item.text.strip() for item in items) if text]
        return _quotable(texts[pick % len(texts)]) if texts else None

    async def _hard_question(self, user_id: int, pick: int) -> str | None:
        questions = await readmodel.hard_questions(
            self.bot.database, self.bot.cipher, user_id, HARD_QUESTIONS_LOOKED_AT
        )
        texts = [text for text in (question.text.strip() for question in questions) if text]
        if not texts:
            return None
        return _quotable(texts[pick % len(texts)])

    async def compose(self, nudge: ClaimedNudge, now: datetime) -> tuple[discord.Embed, discord.ui.View]:
        """The DM for a claimed nudge: its text, one personal line, the footer, and its buttons."""
        composed = await self.compose_nudge(nudge, now)
        return composed.embed, composed.view

    async def compose_nudge(self, nudge: ClaimedNudge, now: datetime) -> Composed:
        """`compose`, with the add-on kind it chose (from the member's recent nudges, see variety.py)."""
        table = nudge_table()
        item = table.get(nudge.nudge_id) or next(iter(table.values()))
        # A question's add-on comes at most every third day, so the third of the date moves on each time: the
        # member's own questions take turns.
        pick = nudge.local_date.toordinal() // KIND_EVERY_DAYS
        if await self.bot.care.active(nudge.user_id):
            return Composed(self.gentle_checkin(nudge), nudge_view(nudge.ledger_id, nudge.user_id))
        addon: str | None = None
        goal: str | None = None
        try:
            personal = await self.personal(nudge.user_id, now, pick)
            addon = await self._addon(nudge, personal)
            goal = await readmodel.goal_for(self.bot.database, self.bot.cipher, nudge.user_id)
        except Exception:  # a personal touch is a bonus; the nudge itself must still go out
            log.warning("could not personalise nudge %d; sending it plain", nudge.ledger_id, exc_info=True)
            personal = Personal()
        text: dict[str, Any] = words()
        lines = [item["text"]]
        if addon:
            lines.append(addon_text(addon, personal, text["personal"]))
        if goal:  # the member's aim, from /goal (care mode returned above: no goal talk then)
            lines.append(text["personal"]["goal"].format(goal=f"“{_quotable(goal)}”"))
        titles = text["titles"]
        embed = discord.Embed(
            title=titles["themes"].get(item["theme"], titles["default"]),
            description="\n\n".join(lines),
            colour=CALM,
        )
        if nudge.last_of_run:
            texts = text["run_end"]["texts"]
            embed.add_field(name=titles["run_end"], value=texts[nudge.ledger_id % len(texts)], inline=False)
        footer = footer_text(personal, nudge, text["footer"])
        if footer:
            embed.set_footer(text=footer)
        return Composed(embed, nudge_view(nudge.ledger_id, nudge.user_id, last_of_run=nudge.last_of_run), addon)

    async def _addon(self, nudge: ClaimedNudge, personal: Personal) -> str | None:
        options = addon_options(personal)
        if not options:
            return None
        if self.repository is None:
            return options[0]
        history = await self.repository.history(nudge.user_id, nudge.local_date, exclude=nudge.ledger_id)
        return choose_addon(options, history, self.repository.ideas, nudge.local_date, nudge.nudge_id)

    def gentle_checkin(self, nudge: ClaimedNudge) -> discord.Embed:
        """The nudge after a hard moment: no task, no add-ons, just asking how they are."""
        text = care_words()["nudge"]
        return discord.Embed(
            title=text["title"], description=text["texts"][nudge.ledger_id % len(text["texts"])], colour=CALM
        )
