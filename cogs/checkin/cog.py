"""`/rejected`: a private check-in — how it feels, an optional vent, validation, a reframe, next steps."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import ASSESSES_OWN_TEXT, BouncebackBot, Interaction
from bot.content import command_words
from bot.retention import VENT_WARNING_KIND
from bot.storage.checkins import STAGES
from bot.storage.database import Connection
from bot.ui import NO_MENTIONS, WARM
from cogs.checkin.logic import MAX_FIELD, messages, where_text, words
from cogs.checkin.views import FeelingSelect, IntensityButton, VentButton, feeling_view

REJECTED = command_words("rejected")


def clean_option(text: str | None) -> str | None:
    """Trim an optional text option; blank becomes None, and markdown can't break the layout."""
    if text is None:
        return None
    collapsed = " ".join(text.split())[:MAX_FIELD]
    return discord.utils.escape_markdown(collapsed) or None


class CheckinCog(commands.Cog):
    """The `/rejected` check-in."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        """Register the persistent components and how one kept vent is deleted."""
        self.bot.add_dynamic_items(FeelingSelect, IntensityButton, VentButton)
        self.bot.register_deleter("vent", self.delete_vent)

    async def cog_unload(self) -> None:
        """Withdraw the persistent components and the deleter."""
        self.bot.remove_dynamic_items(FeelingSelect, IntensityButton, VentButton)
        self.bot.unregister_deleter("vent")

    async def delete_vent(self, checkin_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """ "Delete this" on a vent: the words go, the check-in (feeling, stage) stays; no warning DM follows."""
        found = await self.bot.checkins.delete_vent(checkin_id, owner_id)
        match = {"checkin_id": checkin_id}
        await self.bot.scheduler.cancel_timers(VENT_WARNING_KIND, user_id=owner_id, payload_match=match)
        return found, []

    @app_commands.command(name="rejected", description=REJECTED["description"], extras={ASSESSES_OWN_TEXT: True})
    @app_commands.describe(**REJECTED["options"])
    @app_commands.choices(stage=[app_commands.Choice(name=label, value=key) for key, label in STAGES.items()])
    async def rejected(
        self,
        interaction: Interaction,
        company: app_commands.Range[str, 1, MAX_FIELD] | None = None,
        role: app_commands.Range[str, 1, MAX_FIELD] | None = None,
        stage: app_commands.Choice[str] | None = None,
    ) -> None:
        """Acknowledge the rejection and ask how it feels."""
        company_text, role_text = clean_option(company), clean_option(role)
        stage_key = stage.value if stage else None
        bot, user_id, openings = self.bot, interaction.user.id, words()["openings"]
        assessment = await bot.care.assess(interaction, user_id, company, role)
        now = bot.now()

        def start(connection: Connection) -> tuple[int, str]:
            checkin_id = bot.checkins.create_in(
                connection,
                user_id=user_id,
                guild_id=interaction.guild_id,
                now=now,
                company=company_text,
                role=role_text,
                stage=stage_key,
            )
            return checkin_id, bot.wording.pick_in(connection, user_id, "opening", openings)

        # One trip to the database before the first answer: the check-in and its opening line together.
        checkin_id, opening = await bot.database.run(start)
        text = messages()
        embed = discord.Embed(title=text["title"], description=opening, colour=WARM)
        context = where_text(company_text, role_text, stage_key)
        if context:
            embed.add_field(name=text["what_happened"], value=context, inline=False)
        if assessment.needs_care:
            # Support first; the feeling select stays below it, for when they're ready.
            care = await bot.care.reply_parts(interaction, assessment)
            embeds, view = [*care.embeds, embed], care.view(FeelingSelect(checkin_id, user_id))
        else:
            embeds, view = [embed], feeling_view(checkin_id, user_id)
        await interaction.response.send_message(
            embeds=embeds,
            view=view,
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
