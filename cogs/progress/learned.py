"""Patterns on the `/progress` dashboard and the "What I've learned" summary behind its button.

The rules are pure (`patterns.py`); this module gathers the member's records for them (through
`bot.readmodel`), words what they find (data/patterns.toml), and steps aside in care mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord

from bot import readmodel
from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, StaticView
from bot.content import load_content
from bot.ui import CALM, NO_MENTIONS, reply
from cogs.progress.observations import load_themes
from cogs.progress.patterns import (
    CheckinPoint,
    NoteFacts,
    Patterns,
    ReflectionFacts,
    feelings_sentence,
    find_patterns,
    pattern_lines,
    stage_sentence,
    strength_sentence,
    theme_sentence,
)
from cogs.progress.store import ProgressData, ProgressRepository
from cogs.progress.views import feelings, weight

FIELD_LIMIT = 1024
QUOTE_LIMIT = 200


def words() -> dict[str, Any]:
    """The patterns' wording, from data/patterns.toml."""
    return load_content("patterns")


def feeling_labels() -> dict[str, str]:
    """Feeling keys to the labels members picked them by."""
    return {key: str(feeling["label"]) for key, feeling in feelings().items()}


async def load_patterns(bot: BouncebackBot, user_id: int, data: ProgressData) -> Patterns:
    """The member's patterns, from their check-ins (already in `data`), reflections and feedback notes."""
    reflections, notes = await readmodel.pattern_texts(bot.database, bot.cipher, user_id)
    text = words()
    return find_patterns(
        checkins=[CheckinPoint(r.at, r.stage, r.feeling, weight(r.feeling, r.intensity)) for r in data.rejections],
        reflections=[ReflectionFacts(r.at, r.hard, r.went_well) for r in reflections],
        notes=[NoteFacts(n.at, n.text) for n in notes],
        themes=load_themes(text["themes"]),
        strengths=load_themes(text["strengths"]),
        now=bot.now(),
    )


def quiet_observations(patterns: Patterns | None) -> frozenset[str]:
    """Observations a pattern already says better (the dashboard shows a thing once)."""
    if patterns is None:
        return frozenset()
    quiet: set[str] = set()
    if patterns.themes:
        quiet.add("theme")
    if patterns.feelings is not None:
        quiet |= {"easing", "heavier", "feeling"}
    return frozenset(quiet)


def add_patterns_field(embed: discord.Embed, patterns: Patterns | None, *, care: bool) -> None:
    """The dashboard's patterns field: the findings with their counts, the gentle line in care mode, or nothing."""
    text = words()
    if care:
        embed.add_field(name=text["field"], value=text["care"], inline=False)
        return
    if patterns is None or patterns.empty:  # too little to count honestly: say nothing
        return
    lines = pattern_lines(patterns, text, feeling_labels())
    embed.add_field(name=text["field"], value=fit("\n".join(f"• {line}" for line in lines), FIELD_LIMIT), inline=False)


def fit(text: str, limit: int) -> str:
    """The text cut to `limit` characters at a line or word, with an ellipsis if anything was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    return (cut[:boundary] if boundary > limit // 2 else cut).rstrip() + "…"


def with_learned(view: discord.ui.View | None, owner_id: int) -> discord.ui.View:
    """The dashboard's view with the "What I've learned" button added (after "Fill in yesterday", if there)."""
    button = LearnedButton(owner_id)
    if view is None:
        return StaticView(button)
    view.add_item(button)
    return view


def quote(text: str) -> str:
    """The member's own words as a short, safe quote (no markdown, no mentions, one line)."""
    return f'"{discord.utils.escape_markdown(fit(" ".join(text.split()), QUOTE_LIMIT))}"'


def summary_embed(patterns: Patterns, labels: Mapping[str, str]) -> discord.Embed:
    """The private "What I've learned" summary: each finding under its heading, with the evidence counted."""
    text = words()
    headings = text["headings"]
    embed = discord.Embed(title=text["title"], description=text["intro"], colour=CALM)
    if patterns.empty:
        embed.description = text["nothing"]
    if patterns.themes:
        lines = [theme_sentence(finding, text) for finding in patterns.themes] + [text["sentences"]["themes_next"]]
        embed.add_field(name=headings["themes"], value=fit("\n\n".join(lines), FIELD_LIMIT), inline=False)
    if patterns.stage is not None:
        lines = [stage_sentence(patterns.stage, text)]
        meaning = text["stage_meaning"].get(patterns.stage.stage)
        if meaning:
            lines.append(str(meaning))
        embed.add_field(name=headings["stage"], value=fit("\n\n".join(lines), FIELD_LIMIT), inline=False)
    if patterns.strengths:
        lines = []
        for finding in patterns.strengths:
            own = text["sentences"]["in_your_words"].format(quote=quote(finding.quote))
            lines.append(f"{strength_sentence(finding, text)}\n{own}")
        embed.add_field(name=headings["strengths"], value=fit("\n\n".join(lines), FIELD_LIMIT), inline=False)
    if patterns.feelings is not None:
        value = feelings_sentence(patterns.feelings, text, labels)
        embed.add_field(name=headings["feelings"], value=fit(value, FIELD_LIMIT), inline=False)
    embed.set_footer(text=text["footer"])
    return embed


class LearnedButton(OwnedButton, prefix="progress:learned", fields=("owner_id",)):
    """ "What I've learned": the patterns as a private summary, worked out afresh when pressed."""

    emoji = "🧭"
    not_yours = str(words()["not_yours"])
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled from data/patterns.toml."""
        return discord.ui.Button(label=words()["button"], emoji=self.emoji, style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Show the summary, or in care mode the gentle line instead."""
        bot = interaction.client
        if await bot.care.active(self.owner_id):
            await reply(interaction, words()["care"])
            return
        data = await ProgressRepository(bot.database, bot.cipher).load(self.owner_id)
        patterns = await load_patterns(bot, self.owner_id, data)
        await reply(interaction, embed=summary_embed(patterns, feeling_labels()), allowed_mentions=NO_MENTIONS)
