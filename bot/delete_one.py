""" "Delete this": a member deletes one vent, reflection, feedback request, practice answer or win, after a confirm.

A member's right to delete is core; what a thing is and how it goes is its capability's business. So each
capability registers a deleter for its kind (`bot.register_deleter("win", ...)` in `cog_load`) and adds the button
to the messages that show its things (`bot.ui.delete_this_button`). The buttons' state lives in their custom ids,
so they work after a restart, and every deletion is scoped by the owner's id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.components import OwnedButton, StaticView
from bot.content import load_content
from bot.ui import DELETE_ONE_KINDS, DELETE_ONE_KINDS_PATTERN, refuse_if_not_owner, reply

if TYPE_CHECKING:
    from bot.client import BouncebackBot

Interaction = discord.Interaction["BouncebackBot"]
# What a capability registers for its kind: delete one item of the owner's; (whether it was found, jump links
# to anything that is still up, e.g. a post the bot could not take down).
Deleter = Callable[[int, int], Awaitable[tuple[bool, list[str]]]]

log = logging.getLogger(__name__)


def words() -> dict[str, Any]:
    """The wording, from data/progress.toml."""
    return dict(load_content("progress")["delete_one"])


def thing(kind: str) -> str:
    """What is being deleted, in words ('reflection')."""
    return str(words()["things"][kind])


KIND = ("kind", DELETE_ONE_KINDS_PATTERN)


class DeleteThisButton(OwnedButton, prefix="del", fields=(KIND, "item_id", "owner_id")):
    """'Delete this': asks first, privately."""

    kind: str
    item_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """The button under a thing the member wrote."""
        return discord.ui.Button(
            label=str(words()["button"]), emoji="🗑️", style=discord.ButtonStyle.secondary, custom_id=custom_id
        )

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only its owner may delete it."""
        return not await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"])

    async def pressed(self, interaction: Interaction) -> None:
        """Show the confirm step."""
        confirm = ConfirmDeleteButton(self.kind, self.item_id, self.owner_id)
        await reply(interaction, words()["confirm"].format(thing=thing(self.kind)), view=StaticView(confirm))


class ConfirmDeleteButton(OwnedButton, prefix="delok", fields=(KIND, "item_id", "owner_id")):
    """'Yes, delete it'."""

    kind: str
    item_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """The red confirm button."""
        return discord.ui.Button(label=words()["confirm_button"], style=discord.ButtonStyle.danger, custom_id=custom_id)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only its owner may delete it."""
        return not await refuse_if_not_owner(interaction, self.owner_id, words()["not_yours"])

    async def pressed(self, interaction: Interaction) -> None:
        """Delete the one thing (scoped by its owner) and say what happened."""
        text = words()
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
    """Delete one of the member's things through its capability's deleter; (found, links to anything still up)."""
    deleter = bot.deleters.get(kind)
    if deleter is None:  # its capability isn't loaded: nothing is deleted, and the member is told it's gone
        log.warning("no deleter registered for %r", kind)
        return False, []
    return await deleter(item_id, owner_id)


DELETE_ONE_ITEMS = (DeleteThisButton, ConfirmDeleteButton)


def delete_this_button(kind: str, item_id: int, owner_id: int) -> DeleteThisButton:
    """The "Delete this" button for one thing a member wrote; it asks before deleting anything."""
    if kind not in DELETE_ONE_KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return DeleteThisButton(kind, item_id, owner_id)
