"""What `/journal` shows: a page of entries, Older/Newer, and a select to delete one entry (after a confirm)."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import discord

from bot import readmodel
from bot.client import BouncebackBot, Interaction
from bot.components import OwnedButton, OwnedSelect, StaticView
from bot.content import load_content, plural
from bot.delete_one import ConfirmDeleteButton, thing
from bot.delete_one import words as delete_words
from bot.local_time import UTC_ZONE
from bot.readmodel import JournalEntry
from bot.timezones import zone_or_none
from bot.ui import CALM, NO_MENTIONS, reply
from cogs.journal.logic import (
    PAGE_SIZE,
    Page,
    entry_body,
    entry_title,
    option_label,
    option_value,
    page_at,
    parse_option,
)


def words() -> dict[str, Any]:
    """The journal's wording, from data/journal.toml."""
    return load_content("journal")


@cache
def question_bank() -> dict[str, str]:
    """Practice questions by id, from data/practice_questions.toml (the words, not the practice capability)."""
    return {str(row["id"]): str(row["text"]) for row in load_content("practice_questions")["question"]}


async def render(bot: BouncebackBot, owner_id: int, offset: int) -> tuple[discord.Embed, discord.ui.View | None]:
    """The page of the member's journal starting at `offset` (or the nearest that still exists) and its controls."""
    text = words()
    entries, total = await readmodel.journal_page(bot.database, bot.cipher, owner_id, offset, PAGE_SIZE)
    page = page_at(offset, total)
    if total and page.offset != offset:  # entries were deleted meanwhile: show the nearest page that exists
        entries, total = await readmodel.journal_page(bot.database, bot.cipher, owner_id, page.offset, PAGE_SIZE)
        page = page_at(page.offset, total)
    if not entries:
        return discord.Embed(title=text["empty_title"], description=text["empty"], colour=CALM), None
    # Their own zone if they gave one (to /nudges), else UTC: a zone guessed from a language would mislead.
    zone = zone_or_none(await readmodel.member_timezone(bot.database, owner_id)) or UTC_ZONE
    first = page.offset + 1
    showing = plural(text["showing"], total, first=first, last=page.offset + len(entries))
    embed = discord.Embed(title=text["title"], description=showing, colour=CALM)
    for number, entry in enumerate(entries, start=first):
        embed.add_field(
            name=entry_title(entry, number, zone, text), value=entry_body(entry, text, question_bank()), inline=False
        )
    embed.set_footer(text=text["footer"].format(zone=zone.key))
    return embed, controls(page, entries, owner_id, zone)


def controls(page: Page, entries: list[JournalEntry], owner_id: int, zone: ZoneInfo) -> discord.ui.View:
    """Older/Newer (where there is somewhere to go) and the delete select for this page's entries."""
    items: list[discord.ui.Item[Any]] = []
    if page.has_newer:
        items.append(PageButton("newer", page.newer(), owner_id))
    if page.has_older:
        items.append(PageButton("older", page.older(), owner_id))
    select = DeleteEntrySelect(page.offset, owner_id)
    select.item.options = [
        discord.SelectOption(label=option_label(entry, number, zone, words()), value=option_value(entry))
        for number, entry in enumerate(entries, start=page.offset + 1)
    ]
    items.append(select)
    return StaticView(*items)


class PageButton(OwnedButton, prefix="journal:page", fields=(("way", "older|newer"), "offset", "owner_id")):
    """Older / Newer: the journal's message shows another page in place."""

    way: str
    offset: int
    owner_id: int
    not_yours = str(words()["not_yours"])

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled Older or Newer."""
        emoji = "⬅️" if self.way == "newer" else "➡️"
        return discord.ui.Button(label=words()[self.way], emoji=emoji, style=self.style, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Show the page, read afresh (so a deletion meanwhile shows)."""
        embed, view = await render(interaction.client, self.owner_id, self.offset)
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_MENTIONS)


class DeleteEntrySelect(OwnedSelect, prefix="journal:delete", fields=("offset", "owner_id")):
    """Pick one entry of the page to delete; the core's "Yes, delete it" confirm follows, privately."""

    offset: int
    owner_id: int
    not_yours = str(words()["not_yours"])

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        """The select; `controls` fills in the page's entries."""
        return discord.ui.Select(
            custom_id=custom_id,
            placeholder=words()["delete_placeholder"],
            min_values=1,
            max_values=1,
            options=[discord.SelectOption(label="-", value="-")],
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Ask first, with the same confirm every "Delete this" uses; its capability's deleter does the deleting."""
        picked = parse_option(self.values[0]) if self.values else None
        if picked is None:
            await reply(interaction, words()["gone"])
            return
        kind, item_id = picked
        confirm = ConfirmDeleteButton(kind, item_id, self.owner_id)
        await reply(interaction, delete_words()["confirm"].format(thing=thing(kind)), view=StaticView(confirm))


JOURNAL_ITEMS = (PageButton, DeleteEntrySelect)
