"""`/mydata`: export everything the bot keeps about a member, or delete all of it; plus the daily retention purge."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import load_content, plural
from bot.delivery import DeliveryOutcome
from bot.retention import VENT_WARNING_KIND, keep_vent_longer, kept_vent, schedule_vent_warning
from bot.scheduling import Timer
from bot.storage.userdata import ErasureOutcome, ErasureReport, MemberData, erase_member
from bot.ui import CALM, CARE, IntsFromCustomId, MemberCooldown, guarded, refuse_if_not_owner, reply, untracked

log = logging.getLogger(__name__)

DELETE_ID = r"mydata:delete:(?P<issued>\d+):(?P<owner_id>\d+)"
CANCEL_ID = r"mydata:cancel:(?P<owner_id>\d+)"
VENT_KEEP_ID = r"vent:keep:(?P<checkin_id>\d+):(?P<owner_id>\d+)"
# A confirmation left lying around should not delete anything days later by accident.
CONFIRM_FOR = timedelta(minutes=15)
EXPORT_COOLDOWN_SECONDS = 60
# How many still-visible messages the confirmation links to (an embed description holds 4096 characters).
STILL_UP_SHOWN = 20


def words() -> dict[str, Any]:
    """The `/mydata` wording, from data/progress.toml."""
    return dict(load_content("progress")["mydata"])


def member_data(bot: BouncebackBot) -> MemberData:
    """The generic export/deletion service over the live schema."""
    return MemberData(bot.database, bot.cipher, bot.clock)


async def build_export(bot: BouncebackBot, user_id: int) -> dict[str, Any]:
    """Everything about the member, with a header that explains the file."""
    text = words()
    body = await member_data(bot).export(user_id, text["sections"], text["section_fallback"])
    return {
        "about": text["export_about"],
        "how_to_delete": text["export_how_to_delete"].format(days=bot.settings.vent_retention_days),
        **body,
    }


def cooldown_text(seconds: int) -> str:
    """'That's cooling down; ready again in N seconds.'"""
    return plural(load_content("progress")["cooldown"]["text"], seconds)


def deletion_embed(report: ErasureReport) -> discord.Embed:
    """What was deleted, what was taken down elsewhere, and exactly what is still up (never 'everything')."""
    text = words()
    records = plural(text["records"], report.total)
    removed = [
        plural(text[f"removed_{kind}"], report.removed[kind])
        for kind in ("posts", "digests", "dms") if report.removed.get(kind)
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


def delete_view(owner_id: int, issued: datetime) -> discord.ui.View:
    """The red "Delete everything" button and "Cancel"."""
    view = discord.ui.View(timeout=None)
    view.add_item(DeleteButton(owner_id, int(issued.timestamp())))
    view.add_item(CancelButton(owner_id))
    return untracked(view)


class DeleteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=DELETE_ID):
    """Deletes everything about its owner: erasure hooks first (posted wins come down), then every row."""

    def __init__(self, owner_id: int, issued: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=words()["delete_button"], emoji="🗑️", style=discord.ButtonStyle.danger,
                custom_id=f"mydata:delete:{issued}:{owner_id}",
            )
        )
        self.owner_id = owner_id
        self.issued = issued

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> DeleteButton:
        """Rebuild from a custom id (works after a restart)."""
        return cls(int(match["owner_id"]), int(match["issued"]))

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Erase the member's data and say so kindly."""
        text = words()
        if await refuse_if_not_owner(interaction, self.owner_id, text["not_yours"]):
            return
        bot = interaction.client
        issued = datetime.fromtimestamp(self.issued, UTC)
        if bot.now() - issued > CONFIRM_FOR:
            await interaction.response.edit_message(
                embed=discord.Embed(description=text["expired"], colour=CALM), view=None
            )
            return
        await interaction.response.defer()
        report = await erase_member(member_data(bot), self.owner_id, bot.erasure_hooks, bot.delivery.forget)
        bot.dispatch("member_data_erased", self.owner_id)
        await interaction.edit_original_response(embed=deletion_embed(report), view=None)


def vent_words() -> dict[str, Any]:
    """How a kept vent's clearing date is said, from data/checkin.toml."""
    return dict(load_content("checkin")["vent_retention"])


class VentKeepButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=VENT_KEEP_ID):
    """'Keep it 30 more days' on the day-before DM: the member keeps a vent longer on purpose."""

    def __init__(self, checkin_id: int, owner_id: int) -> None:
        text = vent_words()
        super().__init__(
            discord.ui.Button(
                label=text["keep_button"].format(days=text["extra_days"]), style=discord.ButtonStyle.primary,
                custom_id=f"vent:keep:{checkin_id}:{owner_id}",
            )
        )
        self.checkin_id = checkin_id
        self.owner_id = owner_id

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Move the clearing date on and plan the next day-before DM."""
        text = vent_words()
        if await refuse_if_not_owner(interaction, self.owner_id, text["not_yours"]):
            return
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


class CancelButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=CANCEL_ID):
    """Leaves everything as it was."""

    def __init__(self, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=words()["cancel_button"], style=discord.ButtonStyle.secondary,
                custom_id=f"mydata:cancel:{owner_id}",
            )
        )
        self.owner_id = owner_id


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Say nothing was deleted and take the buttons away."""
        text = words()
        if await refuse_if_not_owner(interaction, self.owner_id, text["not_yours"]):
            return
        await interaction.response.edit_message(
            embed=discord.Embed(description=text["cancelled"], colour=CALM), view=None
        )


class MyDataCog(commands.Cog, name="MyData"):
    """A member's data rights, and the retention purge that keeps kept vents from lingering."""

    mydata = app_commands.Group(name="mydata", description="Export or delete everything Bounceback keeps about you")

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.export_cooldown = MemberCooldown(EXPORT_COOLDOWN_SECONDS)

    async def cog_load(self) -> None:
        """Register the buttons, check every table is covered, schedule the daily purge and catch up once now."""
        self.bot.add_dynamic_items(DeleteButton, CancelButton, VentKeepButton)
        self.bot.register_erasure_hook("dms", self.erase_dms)
        self.bot.timers.register(VENT_WARNING_KIND, self.warn_vent_expiry)
        coverage = await member_data(self.bot).coverage()
        if coverage.uncovered:
            log.error(
                "these tables have no user_id and are not listed as non-personal, so /mydata cannot export or "
                "delete them: %s (see bot/storage/userdata.py)", ", ".join(coverage.uncovered),
            )

    async def cog_unload(self) -> None:
        """Withdraw the buttons, the hook and the vent warning handler (the retention purge is a core job)."""
        self.bot.remove_dynamic_items(DeleteButton, CancelButton, VentKeepButton)
        self.bot.unregister_erasure_hook("dms")
        self.bot.timers.unregister(VENT_WARNING_KIND)

    async def warn_vent_expiry(self, timer: Timer) -> None:
        """The day before a kept vent is cleared: say so by DM, with a button to keep it longer."""
        bot = self.bot
        checkin_id = timer.payload.get("checkin_id")
        if timer.user_id is None or not isinstance(checkin_id, int):
            return
        vent = await kept_vent(bot.database, checkin_id, timer.user_id, bot.settings.vent_retention_days)
        if vent is None or await bot.delivery.is_unreachable(vent.user_id):
            return  # cleared or deleted already, or DMs closed
        if vent.expires_at - bot.now() > timedelta(days=2):
            await schedule_vent_warning(bot, vent)  # the date moved on (kept longer): warn then instead
            return
        text = vent_words()
        content = text["warning"].format(
            kept=discord_timestamp(vent.kept_at, "D"), when=discord_timestamp(vent.expires_at, "R")
        )
        view = untracked(discord.ui.View(timeout=None).add_item(VentKeepButton(vent.checkin_id, vent.user_id)))
        result = await bot.delivery.send_dm(
            vent.user_id, content=content, view=view, nonce=f"vent{timer.id}", record="vent_warning"
        )
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            raise RuntimeError(f"vent warning not delivered: {result.error}")

    async def erase_dms(self, user_id: int) -> ErasureOutcome:
        """Delete the DMs the bot sent the member that carry their words (their ids go with their data)."""
        gone, left = await self.bot.delivery.delete_member_dms(user_id)
        outcome = ErasureOutcome(still_up=left)
        if gone:
            outcome.add("dms", gone)
        return outcome

    @commands.Cog.listener()
    async def on_member_data_erased(self, user_id: int) -> None:
        """Forget the member's last export time too."""
        self.export_cooldown.forget(user_id)

    @mydata.command(name="export", description="Get a file with everything Bounceback keeps about you")
    async def export(self, interaction: Interaction) -> None:
        """Send the member, privately, a JSON file of everything stored about them."""
        user_id = interaction.user.id
        wait = self.export_cooldown.retry_after(user_id, self.bot.now())
        if wait is not None:
            await reply(interaction, cooldown_text(wait))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await build_export(self.bot, user_id)
        payload = json.dumps(export, indent=2, ensure_ascii=False).encode("utf-8")
        filename = f"bounceback-data-{self.bot.now():%Y-%m-%d}.json"
        await reply(interaction, words()["export_message"], file=discord.File(io.BytesIO(payload), filename=filename))

    @mydata.command(name="delete", description="Delete everything Bounceback keeps about you (asks first)")
    async def delete(self, interaction: Interaction) -> None:
        """Ask for confirmation, showing what will go and that posted wins are taken down."""
        text = words()
        user_id = interaction.user.id
        counts = await member_data(self.bot).counts(user_id)
        if not counts:
            await reply(interaction, embed=discord.Embed(description=text["delete_nothing"], colour=CALM))
            return
        description = f"{text['delete_body']}\n\n{plural(text['delete_counts'], sum(counts.values()))}"
        embed = discord.Embed(title=text["delete_title"], description=description, colour=CARE)
        await reply(interaction, embed=embed, view=delete_view(user_id, self.bot.now()))


async def setup(bot: BouncebackBot) -> None:
    """Load the data-rights cog."""
    await bot.add_cog(MyDataCog(bot))
