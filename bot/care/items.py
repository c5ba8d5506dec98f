"""The care buttons: one DynamicItem answers every `care:<action>:<owner>:<guild>` custom id, after restarts too."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import discord

from bot.care.service import CHECKIN_KIND, care_custom_id, words
from bot.clock import discord_timestamp
from bot.components import OwnedButton, StaticView
from bot.delivery import DeliveryOutcome
from bot.scheduling import Timer
from bot.support import crisis_embeds, helplines_embed
from bot.ui import CALM, CARE, reply

if TYPE_CHECKING:
    from bot.client import BouncebackBot

log = logging.getLogger(__name__)

ACTIONS_PATTERN = "talk|ground|okay|safe|unsafe|tomorrow|moderator|dmokay|dmhard"
ACTION = ("action", ACTIONS_PATTERN)
# One request reaches the moderators; asking again within this window only reassures the member.
MODERATOR_REQUEST_WINDOW = timedelta(hours=12)

Interaction = discord.Interaction[Any]


class CareButton(OwnedButton, prefix="care", fields=(ACTION, "owner_id", "guild_id")):
    """Every button under a crisis or concern reply, and under the next day's check-in DM (guild 0: none)."""

    action: str
    owner_id: int
    guild_id: int

    async def pressed(self, interaction: Interaction) -> None:
        """Do what the button says."""
        await ACTIONS[self.action](self, interaction, interaction.client)

    async def talk(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """Helplines for the member's own country."""
        region = await bot.care.region(self.owner_id, str(interaction.locale))
        await reply(interaction, embed=helplines_embed(region, title=words()["answers"]["talk_title"]))

    async def ground(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """A concrete minute of grounding."""
        text = words()["grounding"]
        steps = "\n".join(f"{number}. {step}" for number, step in enumerate(text["steps"], start=1))
        embed = discord.Embed(title=text["title"], description=f"{steps}\n\n{text['closing']}", colour=CALM)
        await reply(interaction, embed=embed)

    async def okay(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """Carry on, with /resources a command away."""
        await reply(interaction, words()["answers"]["okay"])

    async def safe(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """The member said they are safe: carry on gently."""
        await reply(interaction, words()["answers"]["okay_concern"])

    async def unsafe(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """The member said they are not safe: the crisis path."""
        region = await bot.care.region(self.owner_id, str(interaction.locale))
        buttons = await bot.care.crisis_buttons(self.owner_id, self.guild_id or None)
        await reply(interaction, embeds=crisis_embeds(region), view=StaticView(*buttons))

    async def tomorrow(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """Plan one gentle check-in DM for tomorrow, at a sensible local hour."""
        text = words()["tomorrow"]
        if await bot.delivery.is_unreachable(self.owner_id):
            await reply(interaction, text["dms_closed"])
            return
        await bot.care.store.remember_locale(self.owner_id, str(interaction.locale), bot.now())
        due, planned = await bot.care.plan_checkin(self.owner_id)
        await reply(interaction, text["scheduled" if planned else "already"].format(when=bot.care.when_text(due)))

    async def moderator(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """Tell the server's moderators that the member would like someone to reach out; never their words."""
        text = words()["moderator"]
        settings = await bot.care.store.support_settings(self.guild_id) if self.guild_id else None
        if settings is None:
            await reply(interaction, text["unavailable"])
            return
        now = bot.now()
        last = await bot.care.store.last_support_request(self.owner_id, settings.guild_id)
        if last is not None and now - last < MODERATOR_REQUEST_WINDOW:
            await reply(interaction, text["already"])
            return
        channel = bot.get_partial_messageable(
            settings.channel_id, guild_id=settings.guild_id, type=discord.ChannelType.text
        )
        request = text["request"].format(
            role=f"<@&{settings.role_id}>", member=f"<@{self.owner_id}>", when=discord_timestamp(now, "f")
        )
        try:
            await channel.send(
                request,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, roles=[discord.Object(settings.role_id)]
                ),
            )
        except discord.HTTPException as error:
            log.warning("could not post a support request in guild %s: %s", settings.guild_id, error)
            await reply(interaction, text["failed"])
            return
        await bot.care.store.record_support_request(self.owner_id, settings.guild_id, now)
        await reply(interaction, text["sent"])

    async def dmokay(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """From the check-in DM: the member is okay, so no more check-ins."""
        await bot.care.end_checkins(self.owner_id)
        await interaction.response.edit_message(view=None)
        await reply(interaction, words()["tomorrow"]["okay_reply"])

    async def dmhard(self, interaction: Interaction, bot: BouncebackBot) -> None:
        """From the check-in DM: still hard. Helplines, and the offer of one more check-in."""
        text = words()["tomorrow"]
        await bot.care.signal(self.owner_id)
        region = await bot.care.region(self.owner_id, str(interaction.locale))
        lead = discord.Embed(description=text["hard_reply"], colour=CARE)
        again = discord.ui.Button[Any](
            label=text["again"],
            emoji="🕊️",
            style=discord.ButtonStyle.secondary,
            custom_id=care_custom_id("tomorrow", self.owner_id),
        )
        await reply(interaction, embeds=[lead, helplines_embed(region)], view=StaticView(again))


CareAction = Callable[[CareButton, Interaction, "BouncebackBot"], Awaitable[None]]
ACTIONS: dict[str, CareAction] = {
    "talk": CareButton.talk,
    "ground": CareButton.ground,
    "okay": CareButton.okay,
    "safe": CareButton.safe,
    "unsafe": CareButton.unsafe,
    "tomorrow": CareButton.tomorrow,
    "moderator": CareButton.moderator,
    "dmokay": CareButton.dmokay,
    "dmhard": CareButton.dmhard,
}


def checkin_view(owner_id: int) -> discord.ui.View:
    """The buttons under the next day's check-in DM."""
    text = words()["tomorrow"]
    return StaticView(
        *(
            discord.ui.Button[Any](
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=care_custom_id(action, owner_id),
            )
            for label, action, emoji in (
                (text["dm_okay"], "dmokay", None),
                (text["dm_hard"], "dmhard", None),
                (text["dm_talk"], "talk", "📞"),
            )
        )
    )


async def send_checkin(bot: BouncebackBot, timer: Timer) -> None:
    """The check-in the member asked for: one DM asking how they are, helplines one click away."""
    if timer.user_id is None or await bot.delivery.is_unreachable(timer.user_id):
        return
    text = words()["tomorrow"]
    embed = discord.Embed(title=text["dm_title"], description=text["dm_text"], colour=CALM)
    result = await bot.delivery.send_dm(
        timer.user_id, nonce=f"care{timer.id}", embed=embed, view=checkin_view(timer.user_id)
    )
    if result.outcome is DeliveryOutcome.RETRY_LATER:
        raise RuntimeError(f"check-in DM not delivered yet: {result.error}")


__all__ = ["CHECKIN_KIND", "CareButton", "checkin_view", "send_checkin"]
