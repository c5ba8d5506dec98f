"""The buttons under a nudge (Helpful, Log how I feel, Snooze, Stop, Keep going), the mood scale, the start form.

Every button keeps its state in its custom id (`nudge:<action>:<ledger_id>:<owner_id>`), so a nudge sent weeks
ago still answers after any number of restarts; the ids are exactly those of earlier versions.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import discord

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.components import OwnedButton, StaticView
from bot.scale import MOOD_LABELS
from bot.text import parse_id
from bot.timezones import zone_for_locale
from bot.ui import BaseModal, NextStep, reply, share_win_custom_id
from cogs.nudges.logic import DEFAULT_RUN_DAYS, mood_reply, words

if TYPE_CHECKING:
    from cogs.nudges.cog import NudgesCog

MAX_DAYS = 365
LEDGER_FIELDS = ("ledger_id", "owner_id")


def when_text(moment: datetime) -> str:
    """A Discord timestamp each reader sees in their own zone, with the relative time."""
    return f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"


def nudges_cog(interaction: Interaction) -> NudgesCog:
    """The loaded nudges cog (its buttons are registered only while it is)."""
    from cogs.nudges.cog import NudgesCog  # the cog module imports this one

    cog = interaction.client.get_cog("NudgesCog")
    assert isinstance(cog, NudgesCog)
    return cog


def not_running() -> str:
    """'Your nudges aren't running at the moment...'."""
    return str(words()["status"]["not_running"])


class NudgeButton(OwnedButton):
    """Shared parts of the buttons under a nudge: the label from data/nudges.toml by action."""

    action: ClassVar[str] = ""
    ledger_id: int
    owner_id: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """A button labelled from the wording file."""
        return discord.ui.Button(
            label=words()["buttons"][self.action], emoji=self.emoji, style=self.style, custom_id=custom_id
        )


class HelpfulButton(NudgeButton, prefix="nudge:helpful", fields=LEDGER_FIELDS):
    """'Helpful': noted, and an offer to share it as a win."""

    action, emoji, style = "helpful", "💛", discord.ButtonStyle.success

    async def pressed(self, interaction: Interaction) -> None:
        """Remember that it helped and offer 'Share as a win'."""
        text = words()
        repository = nudges_cog(interaction).repository
        if not await repository.mark_helpful(self.ledger_id, self.owner_id, interaction.client.now()):
            await reply(interaction, text["helpful"]["gone"])
            return
        share: discord.ui.Button[Any] = discord.ui.Button(
            label=text["buttons"]["share_win"],
            emoji="🎉",
            style=discord.ButtonStyle.primary,
            custom_id=share_win_custom_id("nudge", self.ledger_id, self.owner_id),
        )  # answered by the wins capability, matched on the custom id
        await reply(interaction, text["helpful"]["thanks"], view=StaticView(share))


class MoodButton(NudgeButton, prefix="nudge:mood", fields=LEDGER_FIELDS):
    """'Log how I feel': a quick 1–5."""

    action, emoji = "mood", "📝"

    async def pressed(self, interaction: Interaction) -> None:
        """Ask for a number from 1 to 5."""
        view = StaticView(*(MoodLevelButton(self.ledger_id, self.owner_id, level) for level in MOOD_LABELS))
        await reply(interaction, words()["mood"]["ask"], view=view)


class MoodLevelButton(OwnedButton, prefix="nudge:moodset", fields=(*LEDGER_FIELDS, "level")):
    """One of the five mood buttons (the same 1-5 scale as a check-in's intensity)."""

    ledger_id: int
    owner_id: int
    level: int

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        """Labelled 1 (really low) to 5 (pretty good)."""
        label = MOOD_LABELS.get(self.level, str(self.level))
        return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)

    async def pressed(self, interaction: Interaction) -> None:
        """Store the mood and answer kindly."""
        answer = mood_reply(self.level)
        if answer is None:
            await reply(interaction, words()["mood"]["unknown"])
            return
        repository = nudges_cog(interaction).repository
        bot = interaction.client
        ledger = await repository.entry(self.ledger_id, self.owner_id)
        await repository.log_mood(self.owner_id, self.level, bot.now(), ledger.id if ledger else None)
        logged: str = words()["mood"]["logged"]
        if self.level == 1:
            # 1 out of 5 counts as a concern: ask plainly whether they're safe, helplines one click away.
            await bot.care.signal(self.owner_id)
            await bot.care.store.remember_locale(self.owner_id, str(interaction.locale), bot.now())
            care = await bot.care.concern_reply(interaction, self.owner_id)
            quiet = care_words()["quiet"]["mood_logged"]
            await interaction.response.edit_message(content=logged.format(level=1, reply=quiet), view=None)
            await reply(interaction, embeds=care.embeds, view=care.view())
            return
        await interaction.response.edit_message(content=logged.format(level=self.level, reply=answer), view=None)


class SnoozeButton(NudgeButton, prefix="nudge:snooze", fields=LEDGER_FIELDS):
    """'Snooze a day': no nudge tomorrow."""

    action, emoji = "snooze", "😴"

    async def pressed(self, interaction: Interaction) -> None:
        """Skip the next day's nudge."""
        repository = nudges_cog(interaction).repository
        bot = interaction.client
        ledger = await repository.entry(self.ledger_id, self.owner_id)
        local_date = ledger.local_date if ledger else bot.now().date()
        subscription = await repository.snooze(self.owner_id, local_date, bot.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, not_running())
            return
        await reply(interaction, words()["snooze"]["done"].format(when=when_text(subscription.next_due_at)))


class StopButton(NudgeButton, prefix="nudge:stop", fields=LEDGER_FIELDS):
    """'Stop nudges'."""

    action, emoji = "stop", "✋"

    async def pressed(self, interaction: Interaction) -> None:
        """Stop the member's nudges."""
        await reply(interaction, await nudges_cog(interaction).stop_text(self.owner_id))


class MoreButton(NudgeButton, prefix="nudge:more", fields=LEDGER_FIELDS):
    """'Keep going' on the last nudge of a run."""

    action, emoji, style = "more", "🔁", discord.ButtonStyle.primary

    async def pressed(self, interaction: Interaction) -> None:
        """Add another run of days."""
        repository = nudges_cog(interaction).repository
        subscription = await repository.extend(self.owner_id, DEFAULT_RUN_DAYS, interaction.client.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, not_running())
            return
        done: str = words()["more"]["done"]
        await reply(interaction, done.format(days=DEFAULT_RUN_DAYS, when=when_text(subscription.next_due_at)))


BUTTONS = (HelpfulButton, MoodButton, MoodLevelButton, SnoozeButton, StopButton, MoreButton)


def nudge_view(ledger_id: int, owner_id: int, *, last_of_run: bool = False) -> discord.ui.View:
    """The buttons under a nudge."""
    view = StaticView(
        HelpfulButton(ledger_id, owner_id),
        MoodButton(ledger_id, owner_id),
        SnoozeButton(ledger_id, owner_id),
        StopButton(ledger_id, owner_id),
    )
    if last_of_run:
        view.add_item(MoreButton(ledger_id, owner_id))
    return view


async def start_from_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """ "Daily nudges" after /rejected: the start form, or when the next nudge comes if they already run."""
    subscription = await nudges_cog(interaction).repository.get(owner_id)
    if subscription is not None and subscription.active and subscription.next_due_at is not None:
        await reply(interaction, words()["start"]["already_on"].format(when=when_text(subscription.next_due_at)))
        return
    await interaction.response.send_modal(StartModal(owner_id, zone_for_locale(str(interaction.locale))))


def next_step() -> NextStep:
    """The "Daily nudges" button offered after a check-in."""
    return NextStep("nudges", words()["buttons"]["next_step"], "🌱", 30, start_from_checkin)


class StartModal(BaseModal):
    """Time, time zone and number of days, for starting nudges from a button."""

    def __init__(self, owner_id: int, zone_guess: str | None) -> None:
        text = words()["start"]
        super().__init__(title=text["modal_title"], custom_id=f"nudge:startmodal:{owner_id}")
        self.owner_id = owner_id
        self.at: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=text["time_label"],
            default=text["time_default"],
            max_length=8,
            custom_id="time",
        )
        self.zone: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=text["zone_label"],
            default=zone_guess,
            max_length=64,
            placeholder=text["zone_placeholder"],
            custom_id="timezone",
        )
        self.days: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label=text["days_label"],
            default=str(DEFAULT_RUN_DAYS),
            max_length=3,
            custom_id="days",
        )
        for field in (self.at, self.zone, self.days):
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        """Start the nudges, or explain what to fix (after support, if what was typed needs care)."""
        bot: BouncebackBot = interaction.client  # typed here: Modal.on_submit takes any client
        assessment = await bot.care.assess(interaction, interaction.user.id, self.at.value, self.zone.value)
        if assessment.needs_care:
            care = await bot.care.reply_parts(interaction, assessment)
            await reply(interaction, embeds=care.embeds, view=care.view())
            return
        days = parse_id(self.days.value.strip() or str(DEFAULT_RUN_DAYS))
        if days is None or days > MAX_DAYS:
            await reply(interaction, words()["start"]["bad_days"].format(max=MAX_DAYS))
            return
        await nudges_cog(interaction).start(interaction, self.at.value, self.zone.value, days)
