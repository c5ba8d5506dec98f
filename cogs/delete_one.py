""""Delete this": a member deletes one vent, reflection, feedback request, practice answer or win, after a confirm.

The button sits on the messages that show each thing (cogs add it with `bot.ui.delete_this_button`); its state lives
in its custom id, so it works after a restart, and every deletion is scoped by the owner's id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import load_content
from bot.retention import VENT_WARNING_KIND
from bot.ui import DELETE_ONE_TEMPLATE, guarded, refuse_if_not_owner, reply, untracked

log = logging.getLogger(__name__)

CONFIRM_TEMPLATE = r"delok:(?P<kind>vent|reflection|feedback|answer|win):(?P<item_id>\d+):(?P<owner_id>\d+)"


def words() -> dict[str, Any]:
    """The wording, from data/progress.toml."""
    return dict(load_content("progress")["delete_one"])


def thing(kind: str) -> str:
    """What is being deleted, in words ('reflection')."""
    return str(words()["things"][kind])


class DeleteThisButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=DELETE_ONE_TEMPLATE):
    """'Delete this': asks first, privately."""

    def __init__(self, kind: str, item_id: int, owner_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"del:{kind}:{item_id}:{owner_id}"))
        self.kind, self.item_id, self.owner_id = kind, item_id, owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteThisButton:
        """Rebuild from a custom id (works after a restart)."""
        return cls(match["kind"], int(match["item_id"]), int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Show the confirm step."""
        text = words()
        if await refuse_if_not_owner(interaction, self.owner_id, text["not_yours"]):
            return
        button = discord.ui.Button[Any](
            label=text["confirm_button"], style=discord.ButtonStyle.danger,
            custom_id=f"delok:{self.kind}:{self.item_id}:{self.owner_id}",
        )
        view = untracked(discord.ui.View(timeout=None).add_item(button))
        await reply(interaction, text["confirm"].format(thing=thing(self.kind)), view=view)


class ConfirmDeleteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CONFIRM_TEMPLATE):
    """'Yes, delete it'."""

    def __init__(self, kind: str, item_id: int, owner_id: int) -> None:
        super().__init__(discord.ui.Button(custom_id=f"delok:{kind}:{item_id}:{owner_id}"))
        self.kind, self.item_id, self.owner_id = kind, item_id, owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ConfirmDeleteButton:
        """Rebuild from a custom id (works after a restart)."""
        return cls(match["kind"], int(match["item_id"]), int(match["owner_id"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Delete the one thing (scoped by its owner) and say what happened."""
        text = words()
        if await refuse_if_not_owner(interaction, self.owner_id, text["not_yours"]):
            return
        await interaction.response.defer()
        found, still_up = await delete_one(interaction.client, self.kind, self.item_id, self.owner_id)
        name = thing(self.kind)
        if not found:
            content = text["gone"].format(thing=name)
        elif still_up:
            content = text["done_still_up"].format(links=", ".join(still_up))
        else:
            content = text["done"].format(thing=name)
        await interaction.edit_original_response(content=content, view=None)


async def delete_one(bot: BouncebackBot, kind: str, item_id: int, owner_id: int) -> tuple[bool, list[str]]:
    """Delete one of the member's things; (whether it was found, jump links to anything still up)."""
    database = bot.database
    if kind == "vent":
        found = await database.execute(
            "UPDATE checkins SET vent_encrypted = NULL, vent_kept_at = NULL, vent_expires_at = NULL "
            "WHERE id = ? AND user_id = ? AND vent_encrypted IS NOT NULL",
            (item_id, owner_id),
        ) > 0
        await bot.timers.cancel(VENT_WARNING_KIND, user_id=owner_id, payload_match={"checkin_id": item_id})
        return found, []
    if kind == "reflection":
        # Its hard questions go with it (ON DELETE CASCADE); notes only lose their link to it.
        return await database.execute(
            "DELETE FROM reflections WHERE id = ? AND user_id = ?", (item_id, owner_id)
        ) > 0, []
    if kind == "feedback":
        async with database.transaction() as tx:
            await tx.execute("DELETE FROM feedback_notes WHERE request_id = ? AND user_id = ?", (item_id, owner_id))
            found = await tx.execute(
                "DELETE FROM feedback_requests WHERE id = ? AND user_id = ?", (item_id, owner_id)
            ) > 0
            # Its reminder and follow-ups must not arrive about a request that is gone.
            await tx.execute(
                "UPDATE timers SET state = 'cancelled' WHERE user_id = ? AND state = 'pending' "
                "AND json_extract(payload, '$.request_id') = ?",
                (owner_id, item_id),
            )
        return found, []
    if kind == "answer":
        return await database.execute(
            "DELETE FROM practice_answers WHERE id = ? AND user_id = ?", (item_id, owner_id)
        ) > 0, []
    if kind == "win":
        wins: Any = bot.get_cog("Wins")
        if wins is None:
            return False, []
        found, still_up = await wins.delete_one(item_id, owner_id)
        return bool(found), list(still_up)
    raise ValueError(f"unknown kind {kind!r}")


class DeleteOneCog(commands.Cog):
    """Answers every "Delete this" button."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent buttons."""
        self.bot.add_dynamic_items(DeleteThisButton, ConfirmDeleteButton)

    async def cog_unload(self) -> None:
        """Withdraw them."""
        self.bot.remove_dynamic_items(DeleteThisButton, ConfirmDeleteButton)


async def setup(bot: BouncebackBot) -> None:
    """Load the delete-one cog."""
    await bot.add_cog(DeleteOneCog(bot))
