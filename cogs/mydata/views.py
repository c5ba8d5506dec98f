"""`/mydata`'s buttons and what they show: confirm or cancel deleting everything, keep a vent longer."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import discord

from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.components import OwnedButton, StaticView
from bot.content import load_content, plural
from bot.retention import keep_vent_longer, kept_vent, schedule_vent_warning
from bot.storage.userdata import ErasureReport, MemberData, erase_member
from bot.ui import CALM, refuse_if_not_owner

# A confirmation left lying around should not delete anything days later by accident.
CONFIRM_FOR = timedelta(minutes=15)
# How many still-visible messages the confirmation links to (an embed description holds 4096 characters).
STILL_UP_SHOWN = 20


def words() -> dict[str, Any]:
    """The `/mydata` wording, from data/progress.toml."""
    return dict(load_content("progress")["mydata"])


def vent_words() -> dict[str, Any]:
    """How a kept vent's clearing date is said, from data/checkin.toml."""
    return dict(load_content("checkin")["vent_retention"])


def member_data(bot: BouncebackBot) -> MemberData:
    """The generic export/deletion service over the live schema."""
    return MemberData(bot.database, bot.cipher, bot.clock)


def deletion_embed(report: ErasureReport) -> discord.Embed:
    """What was deleted, what was taken down elsewhere, and exactly what is still up (never 'everything')."""
    text = words()
    records = plural(text["records"], report.total)
    removed = [
        plural(text[f"removed_{kind}"], report.removed[kind])
        for kind in ("posts", "digests", "dms")
        if report.removed.get(kind)
    ]
    if report.still_up:
        shown = report.still_up[:STILL_UP_SHOWN]
        lines = [plural(text["still_up"], len(report.still_up), records=records)]
        lines.append("\n".join(f"• {link}" for link in shown) + ("\n• …" if len(report.still_up) > len(shown) else ""))
        lines.append(text["still_up_after"])
        title = text["partly_title"]
    else:
        # random, not bot.wording: remembering which wording they saw would store something about them again.
        lines = [random.choice(text["deleted"]).format(records=records)]
        title = text["deleted_title"]
    if removed:
        lines.append("\n".join(removed))
    if report.failed_hooks:
        lines.append(text["hook_failed"])
        title = text["partly_title"]
    return discord.Embed(title=title, description="\n\n".join(lines)[:4096], colour=CALM)


def delete_view(owner_id: int, issued: datetime) -> StaticView:
    """The red "Delete everything" button and "Cancel"."""
    return StaticView(DeleteButton(int(issued.timestamp()), owner_id), CancelButton(owner_id))


def vent_keep_view(checkin_id: int, owner_id: int) -> StaticView:
    """'Keep it 30 more days' under the day-before DM."""
    return StaticView(VentKeepButton(checkin_id, owner_id))


class MyDataButton(OwnedButton):
    """A data-rights button: refuses anyone but its owner in its own words."""

    owner_id: int

    def refusal(self) -> str:
        """What someone else pressing it is told."""
        return str(words()["not_yours"])

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Only the member whose data it is."""
        return not await refuse_if_not_owner(interaction, self.owner_id, self.refusal())


class DeleteButton(MyDataButton, prefix="mydata:delete", fields=("issued", "owner_id")):
    """Deletes everything about its owner: erasure hooks first (posted wins come down), then every row."""

    issued: int  # when the confirmation was shown, in Unix seconds

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """The red button."""
        return discord.ui.Button(
            label=words()["delete_button"], emoji="🗑️", style=discord.ButtonStyle.danger, custom_id=custom_id
        )

    async def pressed(self, interaction: Interaction) -> None:
        """Erase the member's data and say so kindly."""
        bot = interaction.client
        if bot.now() - datetime.fromtimestamp(self.issued, UTC) > CONFIRM_FOR:
            embed = discord.Embed(description=words()["expired"], colour=CALM)
            await interaction.response.edit_message(embed=embed, view=None)
            return
        await interaction.response.defer()
        report = await erase_member(member_data(bot), self.owner_id, bot.erasure_hooks, bot.delivery.forget)
        bot.dispatch("member_data_erased", self.owner_id)
        await interaction.edit_original_response(embed=deletion_embed(report), view=None)


class CancelButton(MyDataButton, prefix="mydata:cancel", fields=("owner_id",)):
    """Leaves everything as it was."""

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """The grey button."""
        label = words()["cancel_button"]
        return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Say nothing was deleted and take the buttons away."""
        embed = discord.Embed(description=words()["cancelled"], colour=CALM)
        await interaction.response.edit_message(embed=embed, view=None)


class VentKeepButton(MyDataButton, prefix="vent:keep", fields=("checkin_id", "owner_id")):
    """'Keep it 30 more days' on the day-before DM: the member keeps a vent longer on purpose."""

    checkin_id: int

    def refusal(self) -> str:
        """In the vent's own words."""
        return str(vent_words()["not_yours"])

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Says how many more days."""
        text = vent_words()
        label = plural(text["keep_button"], int(text["extra_days"]))
        return discord.ui.Button(label=label, style=discord.ButtonStyle.primary, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Move the clearing date on and plan the next day-before DM."""
        text = vent_words()
        bot = interaction.client
        vent = await kept_vent(bot.database, self.checkin_id, self.owner_id, bot.settings.vent_retention_days)
        if vent is None:
            await interaction.response.edit_message(content=text["gone"], embed=None, view=None)
            return
        until = await keep_vent_longer(bot.database, vent, int(text["extra_days"]), bot.now())
        await schedule_vent_warning(bot, dataclasses.replace(vent, expires_at=until))
        await interaction.response.edit_message(
            content=text["kept_longer"].format(when=discord_timestamp(until, "F")), embed=None, view=None
        )


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (DeleteButton, CancelButton, VentKeepButton)
