"""Care mode: what follows a crisis or concern signal, wherever a member wrote it.

Every flow asks `bot.care.assess(interaction, *texts)`; when the words need care, care mode starts for a day
and the flow leads with `bot.care.reply_parts(...)`: support first, then only what is neutral. For that day
nothing celebrates, critiques or goes public, and the next nudge is a gentle check-in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord

from bot.care.store import CareStore, MemberContext
from bot.clock import discord_timestamp
from bot.components import StaticView
from bot.content import load_content
from bot.local_time import zone_of
from bot.safety import BENIGN, SafetyAssessment, SafetyRules, Tier
from bot.storage.database import Connection
from bot.support import Region, crisis_embeds, resolve_region
from bot.timezones import local_due
from bot.ui import CARE

if TYPE_CHECKING:
    from bot.client import BouncebackBot

log = logging.getLogger(__name__)

CHECKIN_KIND = "care_checkin"
# The check-in is one of the DMs the bot sends on its own: its hour sits inside local daytime (bot.local_time).
CHECKIN_HOUR = time(10, 0)
# A check-in "tomorrow" never comes sooner than this, so pressing the button late at night doesn't bring a DM
# a few hours later.
CHECKIN_MIN_GAP = timedelta(hours=12)


def words() -> dict[str, Any]:
    """Care mode's wording, from data/care.toml."""
    return load_content("care")


def care_custom_id(action: str, owner_id: int, guild_id: int | None = None) -> str:
    """The custom id of a care button; `CareButton` answers every one of them, after a restart too."""
    return f"care:{action}:{owner_id}:{guild_id or 0}"


@dataclass
class CareReply:
    """What leads a reply when care is needed: embeds, and buttons that can sit beside a flow's own."""

    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: list[discord.ui.Button[Any]] = field(default_factory=list)

    def view(self, *extra: discord.ui.Item[Any]) -> discord.ui.View:
        """A view with the care buttons first, then any of the flow's own items (all answered by custom id)."""
        return StaticView(*self.buttons, *extra)


def sensible_checkin_time(now: datetime, zone: ZoneInfo) -> datetime:
    """The first 10:00 in the member's zone that is at least 12 hours away (correct across DST)."""
    day = now.astimezone(zone).date()
    for offset in range(4):
        due = local_due(day + timedelta(days=offset), CHECKIN_HOUR, zone)
        if due - now >= CHECKIN_MIN_GAP:
            return due
    raise AssertionError("10:00 happens at least once in four days")  # pragma: no cover


class CareService:
    """Assesses what members write, keeps care mode for a day, and builds the caring replies."""

    def __init__(self, bot: BouncebackBot, safety: SafetyRules) -> None:
        self.bot = bot
        self.safety = safety
        self.store = CareStore(bot.database)

    @property
    def duration(self) -> timedelta:
        """How long care mode lasts after a signal."""
        return timedelta(hours=int(words()["hours"]))

    async def assess(
        self, interaction: discord.Interaction[Any] | None, user_id: int, *texts: str | None
    ) -> SafetyAssessment:
        """Assess what a member wrote; when it needs care, start care mode and remember their language."""
        assessment = self.safety.assess(*texts)
        if assessment.needs_care:
            await self.signal(user_id)
            if interaction is not None:
                await self.store.remember_locale(user_id, str(interaction.locale), self.bot.now())
        return assessment

    async def signal(self, user_id: int) -> None:
        """Start (or extend) care mode for a member, e.g. after a 1/5 mood."""
        await self.store.start_care(user_id, self.bot.now() + self.duration)

    async def active(self, user_id: int) -> bool:
        """True while care mode is on for a member: no celebration, no critique, nothing public."""
        until = await self.store.care_until(user_id)
        return until is not None and until > self.bot.now()

    def signal_in(self, connection: Connection, user_id: int, now: datetime) -> None:
        """`signal`, in a unit of work already on the database thread (see `Database.run`)."""
        self.store.start_care_in(connection, user_id, now + self.duration)

    def active_in(self, connection: Connection, user_id: int, now: datetime) -> bool:
        """`active`, in a unit of work already on the database thread (see `Database.run`)."""
        until = self.store.care_until_in(connection, user_id)
        return until is not None and until > now

    async def region(self, user_id: int, locale: str | None = None) -> Region:
        """The member's helplines: the country they gave, else their nudge zone's, else their language's."""
        context = await self.store.context(user_id)
        return resolve_region(country=context.country, timezone=context.timezone, locale=locale or context.locale)

    async def reply_parts(
        self, interaction: discord.Interaction[Any], assessment: SafetyAssessment, *, owner_id: int | None = None
    ) -> CareReply:
        """The caring lead for a reply: helplines and choices for a crisis, a plain "are you safe?" for concern."""
        if not assessment.needs_care:
            return CareReply()
        owner = owner_id if owner_id is not None else interaction.user.id
        if assessment.tier is Tier.CRISIS:
            region = await self.region(owner, str(interaction.locale))
            return CareReply(crisis_embeds(region), await self.crisis_buttons(owner, interaction.guild_id))
        return await self.concern_reply(interaction, owner)

    async def concern_reply(self, interaction: discord.Interaction[Any], owner_id: int) -> CareReply:
        """The plain "are you safe right now?" with its choices (also after a 1/5 mood)."""
        return CareReply([self.concern_embed()], await self.concern_buttons(owner_id, interaction.guild_id))

    def concern_embed(self) -> discord.Embed:
        """The gentle question asked when words sound hopeless without a stated wish to die."""
        text = words()["concern"]
        return discord.Embed(title=text["title"], description=text["text"], colour=CARE)

    async def crisis_buttons(self, owner_id: int, guild_id: int | None) -> list[discord.ui.Button[Any]]:
        """Talk to someone now · a grounding minute · I'm okay · check in tomorrow · ask a moderator (if set up)."""
        text = words()
        buttons = [
            _button(text["crisis"]["talk"], "talk", owner_id, guild_id, "📞", discord.ButtonStyle.primary),
            _button(text["crisis"]["ground"], "ground", owner_id, guild_id, "🌿"),
            _button(text["crisis"]["okay"], "okay", owner_id, guild_id),
        ]
        return buttons + await self._optional_buttons(owner_id, guild_id)

    async def concern_buttons(self, owner_id: int, guild_id: int | None) -> list[discord.ui.Button[Any]]:
        """I'm not safe · I'm safe, carry on · talk to someone · check in tomorrow · ask a moderator (if set up)."""
        text = words()
        buttons = [
            _button(text["concern"]["unsafe"], "unsafe", owner_id, guild_id, None, discord.ButtonStyle.danger),
            _button(text["concern"]["okay"], "safe", owner_id, guild_id),
            _button(text["concern"]["talk"], "talk", owner_id, guild_id, "📞", discord.ButtonStyle.primary),
        ]
        return buttons + await self._optional_buttons(owner_id, guild_id)

    async def _optional_buttons(self, owner_id: int, guild_id: int | None) -> list[discord.ui.Button[Any]]:
        text = words()
        buttons = [_button(text["tomorrow"]["button"], "tomorrow", owner_id, guild_id, "🕊️")]
        if guild_id is not None and await self.store.support_settings(guild_id) is not None:
            buttons.append(_button(text["moderator"]["button"], "moderator", owner_id, guild_id, "🤝"))
        return buttons

    async def member_zone(self, user_id: int, context: MemberContext | None = None) -> ZoneInfo:
        """Where the member's day happens: their nudge zone, else the zone their language suggests, else UTC."""
        context = context or await self.store.context(user_id)
        return zone_of(context.timezone, context.locale)

    async def plan_checkin(self, user_id: int) -> tuple[datetime, bool]:
        """Schedule the one check-in DM for tomorrow (at most one pending); returns (when, newly planned)."""
        pending = await self.bot.scheduler.pending_timers(CHECKIN_KIND, user_id)
        if pending:
            return pending[0].due_at, False
        due = sensible_checkin_time(self.bot.now(), await self.member_zone(user_id))
        await self.bot.scheduler.timer(CHECKIN_KIND, due, user_id=user_id)
        return due, True

    async def end_checkins(self, user_id: int) -> int:
        """ "I'm okay": cancel any planned check-in."""
        return await self.bot.scheduler.cancel_timers(CHECKIN_KIND, user_id=user_id)

    def when_text(self, due: datetime) -> str:
        """A check-in time as Discord shows it, in the member's own clock."""
        return discord_timestamp(due, "t") + " (" + discord_timestamp(due, "R") + ")"

    async def purge(self) -> int:
        """Forget care signals whose day has passed (data kept no longer than it means something)."""
        return await self.store.purge_expired(self.bot.now())


def _button(
    label: str,
    action: str,
    owner_id: int,
    guild_id: int | None,
    emoji: str | None = None,
    style: discord.ButtonStyle = discord.ButtonStyle.secondary,
) -> discord.ui.Button[Any]:
    custom_id = care_custom_id(action, owner_id, guild_id)
    return discord.ui.Button(label=label[:80], emoji=emoji, style=style, custom_id=custom_id)


__all__ = ["BENIGN", "CHECKIN_KIND", "CareReply", "CareService", "care_custom_id", "sensible_checkin_time", "words"]
