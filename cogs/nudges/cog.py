"""`/nudges`: the commands, the tick that starts a round, and the listener that pauses unreachable members."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from datetime import date, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.content import command_words, plural
from bot.delivery import DeliveryOutcome, DeliveryResult
from bot.errors import classify
from bot.timezones import (
    format_local_time,
    load_aliases,
    observes_dst,
    offset_text,
    parse_local_time,
    resolve_zone,
    search_zones,
    zone_or_none,
)
from bot.ui import CALM, reply
from cogs.nudges.compose import NudgeComposer, nudge_ideas, nudge_table
from cogs.nudges.dispatch import DispatchReport, NudgeDispatcher
from cogs.nudges.logic import DEFAULT_RUN_DAYS, RETRY, SKIPPED, days_text, run_phrase, words
from cogs.nudges.store import NudgeRepository
from cogs.nudges.views import BUTTONS, MAX_DAYS, next_step, not_running, when_text

log = logging.getLogger(__name__)

TICK_JOB_ID = "nudges-tick"
MAX_PAUSE_DAYS = 60
PREVIEW_COOLDOWN = 30.0
NUDGES = command_words("nudges")
TIME_SUGGESTIONS = [f"{hour:02d}:{minute:02d}" for hour in range(6, 23) for minute in (0, 30)]


class NudgesCog(commands.Cog):
    """Daily nudges: the commands, the buttons, and the round that sends what is due."""

    nudges = app_commands.Group(name="nudges", description=NUDGES["description"])

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.repository = NudgeRepository(bot.database, list(nudge_table()), nudge_ideas(), owner=bot.claims)
        self.composer = NudgeComposer(bot, self.repository)
        self.dispatcher = NudgeDispatcher(bot, self.repository, self.composer)
        self._round: asyncio.Task[DispatchReport] | None = None

    async def cog_load(self) -> None:
        """Register the buttons and the next step, recover interrupted nudges, and start the tick."""
        self.bot.add_dynamic_items(*BUTTONS)
        self.bot.register_next_step(next_step())
        await self.repository.recover(self.bot.now())
        self.bot.scheduler.every(TICK_JOB_ID, timedelta(seconds=self.bot.settings.timer_tick_seconds), self._tick)

    async def cog_unload(self) -> None:
        """Stop the tick and any round in progress (what was not recorded is recovered next start)."""
        self.bot.scheduler.cancel_job(TICK_JOB_ID)
        if self._round is not None and not self._round.done():
            self._round.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._round
        self.bot.unregister_next_step(next_step().key)
        self.bot.remove_dynamic_items(*BUTTONS)

    async def _tick(self) -> None:
        # The tick only starts a round; a long round (thousands due at once) carries on across ticks.
        if self._round is None or self._round.done():
            self._round = asyncio.create_task(self._guarded_round(), name="nudges-round")

    async def _guarded_round(self) -> DispatchReport:
        try:
            return await self.dispatcher.run_due()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the next tick tries again
            fault = classify(error)
            if fault is None:
                log.exception("nudge round failed")
            else:
                log.error("nudge round failed: %s (%s); trying again next tick", fault.value, error)
            return DispatchReport()

    async def run_due_nudges(self) -> DispatchReport:
        """Send every nudge that is due now (what the tick does; tests call it after moving the clock)."""
        return await self.dispatcher.run_due()

    @commands.Cog.listener("on_member_unreachable")
    async def pause_unreachable(self, user_id: int) -> None:
        """Any DM to the member bounced (DMs closed): pause their nudges until they start them again."""
        await self.repository.mark_unreachable(user_id, self.bot.now())

    # ------------------------------------------------------------------ shared flows

    async def start(self, interaction: Interaction, time_text: str, zone_text: str, days: int | None) -> None:
        """Validate, save the schedule, send a welcome DM, and say when the first nudge comes."""
        text = words()["start"]
        at = parse_local_time(time_text)
        if at is None:
            await reply(interaction, text["bad_time"])
            return
        zone_name = resolve_zone(zone_text)
        if zone_name is None:
            hints = ", ".join(f"`{s.name}`" for s in search_zones(zone_text, limit=3))
            more = text["zone_hints"].format(hints=hints) if hints else ""
            await reply(interaction, text["bad_zone"].format(more=more))
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = self.bot
        user_id = interaction.user.id
        run_days = None if days == 0 else (days or DEFAULT_RUN_DAYS)
        previous = await self.repository.get(user_id)
        # Welcome someone starting (or coming back after nudges stopped reaching them), not every change of time.
        welcoming = previous is None or previous.state != "active"
        subscription = await self.repository.subscribe(
            user_id=user_id,
            guild_id=interaction.guild_id,
            at=at,
            timezone=zone_name,
            days=run_days,
            now=bot.now(),
        )
        result = await self._welcome(user_id) if welcoming else DeliveryResult(DeliveryOutcome.SENT)
        at_text = format_local_time(at)
        if result.outcome is DeliveryOutcome.DMS_CLOSED:
            await self.repository.mark_unreachable(user_id, bot.now())
            await bot.delivery.take_unreachable_notice(user_id)  # told right here, so not again after the command
            help_text = dms_closed_help()
            await reply(
                interaction,
                text["saved_dms_closed"].format(
                    time=at_text,
                    zone=zone_name,
                    help=f"{help_text[0].lower()}{help_text[1:]}",
                ),
            )
            return
        assert subscription.next_due_at is not None
        lines = [
            text["all_set" if welcoming else "changed"].format(
                when=when_text(subscription.next_due_at),
                time=at_text,
                zone=zone_name,
                run=run_phrase(run_days),
            )
        ]
        if _needs_zone_note(zone_text, zone_name):
            lines.append(zone_note(zone_text, zone_name, bot.now()))
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            lines.append(text["welcome_failed"])
        lines.append(text["hint"])
        await reply(interaction, "\n\n".join(lines))

    async def _welcome(self, user_id: int) -> DeliveryResult:
        welcome = words()["welcome"]["texts"]
        return await self.bot.delivery.send_dm(
            user_id,
            embed=discord.Embed(description=welcome[user_id % len(welcome)], colour=CALM),
        )

    async def stop_text(self, user_id: int) -> str:
        """Stop nudges and say so."""
        text = words()["stop"]
        return str(text["done"] if await self.repository.stop(user_id, self.bot.now()) else text["already"])

    # ------------------------------------------------------------------ commands

    @nudges.command(name="start", description=NUDGES["start"]["description"])
    @app_commands.describe(**NUDGES["start"]["options"])
    async def start_command(
        self,
        interaction: Interaction,
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64],
        days: app_commands.Range[int, 0, MAX_DAYS] | None = None,
    ) -> None:
        """Start (or change) daily nudges."""
        await self.start(interaction, time, timezone, DEFAULT_RUN_DAYS if days is None else days)

    @start_command.autocomplete("timezone")
    async def timezone_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """IANA zones matching cities, abbreviations and zone names."""
        found = search_zones(current, now=self.bot.now(), locale=str(interaction.locale))
        return [app_commands.Choice(name=s.label, value=s.name) for s in found]

    @start_command.autocomplete("time")
    async def time_autocomplete(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Common times of day starting with what was typed."""
        typed = current.strip()
        parsed = parse_local_time(typed)
        options = [format_local_time(parsed)] if parsed else []
        options += [t for t in TIME_SUGGESTIONS if t.startswith(typed.zfill(2) if len(typed) == 1 else typed)]
        return [app_commands.Choice(name=t, value=t) for t in dict.fromkeys(options)][:25]

    @nudges.command(name="status", description=NUDGES["status"]["description"])
    async def status_command(self, interaction: Interaction) -> None:
        """Show the schedule privately."""
        await reply(interaction, embed=await self.status_embed(interaction.user.id))

    async def status_embed(self, user_id: int) -> discord.Embed:
        """The member's nudge status as an embed."""
        text = words()["status"]
        subscription = await self.repository.get(user_id)
        embed = discord.Embed(title=text["title"], colour=CALM)
        if subscription is None:
            embed.description = text["never"]
            return embed
        unreachable = subscription.state == "unreachable" or await self.bot.delivery.is_unreachable(user_id)
        if subscription.active and subscription.next_due_at is not None and not unreachable:
            paused = subscription.paused_until is not None and subscription.paused_until > self.bot.now()
            # While paused, the moment they pick up again is the next nudge: the same moment the pause reply named.
            name = text["paused_next" if paused else "next"]
            embed.add_field(name=name, value=when_text(subscription.next_due_at), inline=False)
        elif subscription.state in ("finished", "stopped"):
            embed.description = text[subscription.state]
        else:
            embed.description = text["unreachable"]
        embed.add_field(
            name=text["when"],
            value=f"{format_local_time(subscription.local_time)} · {subscription.timezone}",
            inline=True,
        )
        if subscription.state == "active":
            embed.add_field(name=text["days"], value=days_text(subscription), inline=True)
        embed.add_field(name=text["dms"], value=dms_closed_help() if unreachable else text["reaching"], inline=False)
        return embed

    @nudges.command(name="pause", description=NUDGES["pause"]["description"])
    @app_commands.describe(**NUDGES["pause"]["options"])
    async def pause_command(self, interaction: Interaction, days: app_commands.Range[int, 1, MAX_PAUSE_DAYS]) -> None:
        """Pause nudges for some days."""
        subscription = await self.repository.pause(interaction.user.id, days, self.bot.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, not_running())
            return
        await reply(interaction, plural(words()["pause"]["done"], days, when=when_text(subscription.next_due_at)))

    @nudges.command(name="stop", description=NUDGES["stop"]["description"])
    async def stop_command(self, interaction: Interaction) -> None:
        """Stop nudges."""
        await reply(interaction, await self.stop_text(interaction.user.id))

    @nudges.command(name="preview", description=NUDGES["preview"]["description"])
    @app_commands.checks.cooldown(1, PREVIEW_COOLDOWN, key=lambda interaction: interaction.user.id)
    async def preview_command(self, interaction: Interaction) -> None:
        """Send one nudge now (it does not count towards the run)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = self.bot
        user_id = interaction.user.id
        now = bot.now()
        subscription = await self.repository.get(user_id)
        zone = zone_or_none(subscription.timezone if subscription else None) or zone_or_none("UTC")
        local_date: date = now.astimezone(zone).date()
        nudge = await self.repository.create_preview(user_id, now, local_date)
        composed = await self.composer.compose_nudge(nudge, now)
        embed, view = composed.embed, composed.view
        result = await bot.delivery.send_dm(user_id, embed=embed, view=view, nonce=nudge.nonce)
        outcome = self.dispatcher.outcome(nudge, result, now, DispatchReport(), addon=composed.addon)
        if outcome.status == RETRY:
            outcome = dataclasses.replace(outcome, status=SKIPPED)  # a preview is not worth retrying later
        await self.repository.record([outcome], now)
        text = words()["preview"]
        if result.outcome is DeliveryOutcome.SENT:
            await reply(interaction, text["sent"])
        elif result.outcome is DeliveryOutcome.DMS_CLOSED:
            await bot.delivery.take_unreachable_notice(user_id)
            await reply(interaction, text["dms_closed"].format(help=dms_closed_help()), embed=embed, view=view)
        else:
            await reply(interaction, text["hiccup"], embed=embed, view=view)


def _needs_zone_note(typed: str, zone_name: str) -> bool:
    # Abbreviations are ambiguous ("CST", "IST"), so say which zone was picked; a city or zone name is clear.
    abbreviations, _ = load_aliases()
    return typed.strip().upper() in abbreviations and zone_name != "UTC"


def zone_note(typed: str, zone_name: str, now: datetime) -> str:
    """Which zone an abbreviation was taken to mean, and whether its clocks change (from tzdata)."""
    text = words()["start"]
    zone = zone_or_none(zone_name)
    assert zone is not None  # resolved just before
    shown = discord.utils.escape_markdown(typed.strip())
    if observes_dst(zone, now):
        return str(text["zone_note"]).format(typed=shown, zone=zone_name)
    return str(text["zone_note_fixed"]).format(typed=shown, zone=zone_name, offset=offset_text(zone, now))


def dms_closed_help() -> str:
    """How to open DMs so the nudges can reach the member."""
    return str(words()["status"]["dms_closed_help"])
