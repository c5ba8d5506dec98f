"""Shared look and interaction helpers: colours, safe sending, owner checks, error reports."""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.content import load_content, plural
from bot.errors import classify, log_fault, member_text

log = logging.getLogger(__name__)

WARM = discord.Colour(0xF4A261)
CALM = discord.Colour(0x2A9D8F)
CARE = discord.Colour(0xE76F51)
WIN = discord.Colour(0xE9C46A)

NO_MENTIONS = discord.AllowedMentions.none()


# What a next-step button does once the core has checked who pressed it: (interaction, checkin_id, owner_id).
NextStepAction = Callable[[discord.Interaction[Any], int, int], Awaitable[None]]
STEP_UNAVAILABLE = "That option isn't available right now. `/help` shows what you can do."


@dataclass(frozen=True)
class NextStep:
    """A button offered after a check-in; feature cogs register theirs, with what it does, on the bot."""

    key: str
    label: str
    emoji: str
    order: int = 100
    action: NextStepAction | None = field(default=None, compare=False, repr=False)

    def custom_id(self, checkin_id: int, owner_id: int) -> str:
        """The persistent custom id `NextStepButton` answers."""
        return f"next:{self.key}:{checkin_id}:{owner_id}"


def cooldown_text(command: str, seconds: int) -> str:
    """'`/progress` is cooling down, so it can't run again just yet. It's ready again in N seconds.'"""
    return plural(load_content("common")["cooldown"]["text"], max(1, seconds), command=command)


class MemberCooldown:
    """A short per-member cooldown for heavy commands, on the bot's own clock (so tests can move time).

    Only the member's id and when they last used the command are held, in memory, for `seconds` at most.
    """

    def __init__(self, seconds: float) -> None:
        self.window = timedelta(seconds=seconds)
        self._last: dict[int, datetime] = {}

    def retry_after(self, user_id: int, now: datetime) -> int | None:
        """Seconds until the member may use the command again, or None (and the use is counted)."""
        last = self._last.get(user_id)
        if last is not None and now < last + self.window:
            return max(1, math.ceil((last + self.window - now).total_seconds()))
        if len(self._last) > 10_000:
            self._last = {uid: at for uid, at in self._last.items() if now < at + self.window}
        self._last[user_id] = now
        return None

    def forget(self, user_id: int) -> None:
        """Drop what is held about a member (after their data was deleted)."""
        self._last.pop(user_id, None)


def error_reference() -> str:
    """A short id shown to the member and written to the log with the traceback."""
    return secrets.token_hex(3).upper()


async def reply(interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any) -> None:
    """Answer privately, whether or not the interaction was already answered; mentions never ping."""
    kwargs.setdefault("ephemeral", True)
    kwargs.setdefault("allowed_mentions", NO_MENTIONS)
    if interaction.response.is_done():
        await interaction.followup.send(content or discord.utils.MISSING, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


NOT_YOURS = (
    "This button belongs to someone else's private check-in, so it won't do anything for you. "
    "You can start your own with `/rejected` whenever you like."
)


async def refuse_if_not_owner(interaction: discord.Interaction[Any], owner_id: int, message: str = NOT_YOURS) -> bool:
    """Politely refuse a button pressed by someone other than the member it belongs to; True if refused."""
    if interaction.user.id == owner_id:
        return False
    await reply(interaction, message)
    return True


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> str:
    """Tell the member kindly that something broke, log the traceback with the same reference, return it.

    Outside faults (storage refusing writes, Discord failing on its side) get their own plain wording and one
    log line instead of a reference, since there is no bug to look up; the returned reference is then "".
    """
    fault = classify(error)
    if fault is not None:
        log_fault(fault, error, describe_interaction(interaction))
        reference, text = "", member_text(fault)
    else:
        reference = error_reference()
        log.error("interaction failed [ref %s]", reference, exc_info=(type(error), error, error.__traceback__))
        text = (
            "Sorry — something went wrong on my side and I couldn't finish that. Nothing you wrote was shared. "
            f"Please try again in a moment; if it keeps happening, an admin can look up reference `{reference}`."
        )
    try:
        await reply(interaction, text)
    except (discord.HTTPException, aiohttp.ClientError):
        log.warning("could not tell the member about an error (%s)", reference or fault)
    return reference


def describe_interaction(interaction: discord.Interaction[Any]) -> str:
    """'/nudges start' or 'component checkin:vent' — what was being done, without ids or anything personal."""
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data: dict[str, Any] = dict(interaction.data) if isinstance(interaction.data, dict) else {}
    custom_id = str(data.get("custom_id", ""))
    kind = "modal" if interaction.type is discord.InteractionType.modal_submit else "component"
    return f"{kind} {':'.join(part for part in custom_id.split(':') if not part.isdigit())[:60]}"


class BaseView(discord.ui.View):
    """A view that reports its errors to the member instead of failing silently."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        """Send the member a kind message with a reference; log the traceback."""
        await report_error(interaction, error)


class BaseModal(discord.ui.Modal):
    """A modal that reports its errors to the member instead of failing silently, and that only the member it
    was shown to can submit (subclasses set `owner_id`)."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Refuse a submission from anyone but the owner (a forged one: the form stays open for its owner)."""
        owner_id = getattr(self, "owner_id", None)
        if owner_id is None or interaction.user.id == owner_id:
            return True
        await reply(
            interaction, "This form belongs to someone else, so I haven't taken anything from it. Nothing was saved."
        )
        return False

    async def on_error(  # type: ignore[override]  # Modal.on_error takes no item, unlike View's
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """Send the member a kind message with a reference; log the traceback."""
        await report_error(interaction, error)


def share_win_custom_id(source: str, source_id: int, owner_id: int) -> str:
    """Custom id of a "Share as a win" button; the wins cog prefills a preview from the source row."""
    return f"win:share:{source}:{source_id}:{owner_id}"


# What a member can delete one at a time ("Delete this"; see bot/delete_one.py).
DELETE_ONE_KINDS = ("vent", "reflection", "feedback", "answer", "win")
DELETE_ONE_KINDS_PATTERN = "|".join(DELETE_ONE_KINDS)
