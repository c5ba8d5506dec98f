"""`/mydata`: export everything the bot keeps about a member, or delete all of it; the day-before DM for kept vents.

The export and deletion machinery (`bot/storage/userdata.py`) and the retention purge (`bot/retention.py`) are core:
a member's data rights must not depend on this cog being loaded.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import command_words, plural
from bot.delivery import DeliveryOutcome
from bot.retention import VENT_WARNING_KIND, kept_vent, schedule_vent_warning
from bot.scheduling import Timer
from bot.storage.userdata import ErasureOutcome
from bot.ui import CALM, CARE, MemberCooldown, cooldown_text, reply
from cogs.mydata.views import DYNAMIC_ITEMS, delete_view, member_data, vent_keep_view, vent_words, words

log = logging.getLogger(__name__)

EXPORT_COOLDOWN_SECONDS = 60
MYDATA = command_words("mydata")


async def build_export(bot: BouncebackBot, user_id: int) -> dict[str, Any]:
    """Everything about the member, with a header that explains the file."""
    text = words()
    body = await member_data(bot).export(user_id, text["sections"], text["section_fallback"])
    return {
        "about": text["export_about"],
        "how_to_delete": text["export_how_to_delete"].format(
            after=plural(text["export_vent_days"], bot.settings.vent_retention_days)
        ),
        **body,
    }


class MyDataCog(commands.Cog, name="MyData"):
    """A member's data rights, and the day-before DM before a kept vent is cleared (the purge itself is core)."""

    mydata = app_commands.Group(name="mydata", description=MYDATA["description"])

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.export_cooldown = MemberCooldown(EXPORT_COOLDOWN_SECONDS)

    async def cog_load(self) -> None:
        """Register the buttons, check every table is covered, schedule the daily purge and catch up once now."""
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.register_erasure_hook("dms", self.erase_dms)
        self.bot.scheduler.on_timer(VENT_WARNING_KIND, self.warn_vent_expiry)
        coverage = await member_data(self.bot).coverage()
        if coverage.uncovered:
            log.error(
                "these tables have no user_id and are not listed as non-personal, so /mydata cannot export or "
                "delete them: %s (see bot/storage/userdata.py)",
                ", ".join(coverage.uncovered),
            )

    async def cog_unload(self) -> None:
        """Withdraw the buttons, the hook and the vent warning handler (the retention purge is a core job)."""
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.unregister_erasure_hook("dms")
        self.bot.scheduler.off_timer(VENT_WARNING_KIND)

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
        view = vent_keep_view(vent.checkin_id, vent.user_id)
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

    @mydata.command(name="export", description=MYDATA["export"]["description"])
    async def export(self, interaction: Interaction) -> None:
        """Send the member, privately, a JSON file of everything stored about them."""
        user_id = interaction.user.id
        wait = self.export_cooldown.retry_after(user_id, self.bot.now())
        if wait is not None:
            await reply(interaction, cooldown_text("mydata export", wait))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await build_export(self.bot, user_id)
        payload = json.dumps(export, indent=2, ensure_ascii=False).encode("utf-8")
        filename = f"bounceback-data-{self.bot.now():%Y-%m-%d}.json"
        await reply(interaction, words()["export_message"], file=discord.File(io.BytesIO(payload), filename=filename))

    @mydata.command(name="delete", description=MYDATA["delete"]["description"])
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
