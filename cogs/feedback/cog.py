"""`/feedback`: a polite request for feedback to copy, a reminder to send it, and gentle follow-ups by DM."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.components import StaticView
from bot.content import command_words
from bot.delivery import DeliveryOutcome
from bot.scheduling import Timer
from bot.text import parse_id
from bot.ui import CALM, NextStep, reply
from cogs.feedback.flow import (
    FOLLOWUP_KIND,
    REMIND_KIND,
    DeliveryDeferred,
    daytime,
    ghosted_text,
    pick,
    schedule_of,
    store_of,
)
from cogs.feedback.logic import (
    DEFAULT_TONE,
    MAX_NAME,
    TONES,
    FeedbackRequest,
    about_phrase,
    choice_label,
    closed_counts,
    draft_message,
    state_line,
    texts,
)
from cogs.feedback.views import FeedbackAction, RequestPicker, ask_for_feedback, draft_view, followup_view, start_draft

log = logging.getLogger(__name__)

MAX_CHOICES = 25
STEP_KEY = "feedback"
FEEDBACK = command_words("feedback")


async def checkin_choices(bot: BouncebackBot, user_id: int, current: str) -> list[app_commands.Choice[str]]:
    """The member's recent check-ins for autocomplete, newest first, filtered by what they typed."""
    needle = current.casefold().strip()
    choices = [
        app_commands.Choice(name=choice_label(checkin), value=str(checkin.id))
        for checkin in await bot.checkins.recent(user_id, limit=50)
    ]
    if needle:
        choices = [choice for choice in choices if needle in choice.name.casefold()]
    return choices[:MAX_CHOICES]


class FeedbackCog(commands.Cog):
    """`/feedback draft`, `/feedback list`, the "Ask for feedback" next step, and the feedback timers."""

    feedback = app_commands.Group(name="feedback", description=FEEDBACK["description"])

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.store = store_of(bot)

    async def cog_load(self) -> None:
        """Register persistent components, the next step after /rejected, and the timer handlers."""
        self.bot.add_dynamic_items(FeedbackAction, RequestPicker)
        self.bot.register_next_step(NextStep(STEP_KEY, texts()["ask_step"], "✉️", 20, ask_for_feedback))
        self.bot.register_deleter("feedback", self.delete_request)
        self.bot.scheduler.on_timer(REMIND_KIND, self.remind_due)
        self.bot.scheduler.on_timer(FOLLOWUP_KIND, self.followup_due)

    async def cog_unload(self) -> None:
        """Withdraw them; pending timers wait in the table."""
        self.bot.remove_dynamic_items(FeedbackAction, RequestPicker)
        self.bot.unregister_next_step(STEP_KEY)
        self.bot.unregister_deleter("feedback")
        self.bot.scheduler.off_timer(REMIND_KIND)
        self.bot.scheduler.off_timer(FOLLOWUP_KIND)

    async def delete_request(self, request_id: int, owner_id: int) -> tuple[bool, list[str]]:
        """ "Delete this" on a feedback request: its notes go too, and no reminder or follow-up arrives about it."""
        async with self.bot.database.transaction() as tx:
            found = await self.store.delete(tx, request_id, owner_id)
            for kind in (REMIND_KIND, FOLLOWUP_KIND):
                match = {"request_id": request_id}
                await self.bot.scheduler.cancel_timers(kind, user_id=owner_id, payload_match=match, tx=tx)
        return found, []

    @feedback.command(name="draft", description=FEEDBACK["draft"]["description"])
    @app_commands.describe(**FEEDBACK["draft"]["options"])
    @app_commands.choices(tone=[app_commands.Choice(name=texts()["tones"][tone], value=tone) for tone in TONES])
    async def draft(
        self,
        interaction: Interaction,
        rejection: str,
        interviewer: app_commands.Range[str, 1, MAX_NAME] | None = None,
        tone: app_commands.Choice[str] | None = None,
        sign_as: app_commands.Range[str, 1, MAX_NAME] | None = None,
    ) -> None:
        """Show a draft for the chosen rejection, with its three buttons."""
        value = rejection.strip()
        checkin_id = parse_id(value)
        checkin = None if checkin_id is None else await self.bot.checkins.get(checkin_id, interaction.user.id)
        if checkin is None:
            await reply(interaction, texts()["no_checkin"])
            return
        await start_draft(self.bot, interaction, checkin, interviewer, tone.value if tone else DEFAULT_TONE, sign_as)

    @draft.autocomplete("rejection")
    async def draft_rejection(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The member's recent check-ins."""
        return await checkin_choices(self.bot, interaction.user.id, current)

    @feedback.command(name="list", description=FEEDBACK["list"]["description"])
    async def list_requests(self, interaction: Interaction) -> None:
        """Open requests with their state and next date; closed ones as a count."""
        user_id = interaction.user.id
        waiting = await self.store.open_requests(user_id)
        counts = await self.store.count_by_state(user_id)
        words = texts()["list"]
        if not counts:
            await reply(interaction, words["none_yet"])
            return
        embed = discord.Embed(title=words["title"], colour=CALM)
        if waiting:
            embed.description = "\n".join(
                f"**{request.describe()}** · {state_line(request)}" for request in waiting[:MAX_CHOICES]
            )
        else:
            embed.description = words["nothing_open"]
        closed = closed_counts(counts)
        if closed:
            embed.add_field(name=words["closed"], value=" · ".join(closed), inline=False)
        # A draft set aside with "Not now" stays reachable here, as its reply promised, open requests or not.
        aside = [request for request in await self.store.recent(user_id) if request.state == "dismissed"]
        pickable = [*waiting, *aside][:MAX_CHOICES]
        view = StaticView(RequestPicker(user_id, pickable)) if pickable else StaticView()
        await reply(interaction, embed=embed, view=view)

    async def remind_due(self, timer: Timer) -> None:
        """The reminder: the draft again by DM, with the same buttons."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "remind":
            return
        if not await bot.delivery.is_unreachable(request.user_id):
            intro = (await pick(bot, request.user_id, "remind_dm")).format(
                about=about_phrase(request.company, request.role)
            )
            result = await bot.delivery.send_dm(
                request.user_id,
                content=draft_message(intro, request.subject or "", request.body or ""),
                view=draft_view(bot, request.id, request.user_id),
                nonce=f"fbr{timer.id}",
                record="feedback_reminder",
            )
            if result.outcome is DeliveryOutcome.RETRY_LATER:
                raise DeliveryDeferred(f"reminder DM not delivered: {result.error}")
        async with bot.database.transaction() as tx:
            await self.store.set_state(tx, request.id, request.user_id, "drafted", bot.now(), allowed_from=("remind",))
        bot.dispatch("feedback_state_changed", request.user_id, request.id, "drafted")

    async def followup_due(self, timer: Timer) -> None:
        """Ask whether they replied; at the cut-off, close the request as ghosted instead."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "sent" or request.sent_at is None:
            return
        if request.last_ask_timer_id == timer.id:
            return  # this ask went out before a crash; the next one is already scheduled
        rules, now = schedule_of(bot), bot.now()
        reachable = not await bot.delivery.is_unreachable(request.user_id)
        if rules.is_ghosted(request.sent_at, now):
            if reachable:
                await self._send(
                    request.user_id,
                    f"fbg{timer.id}",
                    embed=discord.Embed(description=await ghosted_text(bot, request), colour=CALM),
                )
            async with bot.database.transaction() as tx:
                await self.store.set_state(tx, request.id, request.user_id, "ghosted", now, allowed_from=("sent",))
            bot.dispatch("feedback_state_changed", request.user_id, request.id, "ghosted")
            return
        if reachable:
            text = (await pick(bot, request.user_id, "followup_dm")).format(
                about=about_phrase(request.company, request.role), sent=discord_timestamp(request.sent_at, "R")
            )
            reachable = await self._send(
                request.user_id,
                f"fbf{timer.id}",
                embed=discord.Embed(description=text, colour=CALM),
                view=followup_view(request.id, request.user_id),
            )
        # Unanswered asks repeat; with DMs closed, only the quiet close at the cut-off remains.
        due = rules.next_followup_at(request.sent_at, now) if reachable else rules.ghosted_at(request.sent_at)
        due = await daytime(bot, request.user_id, due)
        async with bot.database.transaction() as tx:
            await self.store.record_ask(tx, request.id, timer.id, due, now)
            await bot.scheduler.timer(
                FOLLOWUP_KIND, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx
            )

    @commands.Cog.listener()
    async def on_feedback_remind_timer_failed(self, timer: Timer) -> None:
        """The reminder could not be delivered after every retry: stop promising it."""
        request = await self._request_for(timer)
        if request is None:
            return
        async with self.bot.database.transaction() as tx:
            changed = await self.store.set_state(
                tx, request.id, request.user_id, "drafted", self.bot.now(), allowed_from=("remind",)
            )
        if changed:
            self.bot.dispatch("feedback_state_changed", request.user_id, request.id, "drafted")

    @commands.Cog.listener()
    async def on_feedback_followup_timer_failed(self, timer: Timer) -> None:
        """A follow-up could not be delivered after every retry: try the next one, or close quietly at the cut-off."""
        bot = self.bot
        request = await self._request_for(timer)
        if request is None or request.state != "sent" or request.sent_at is None:
            return
        rules, now = schedule_of(bot), bot.now()
        ghosted = rules.is_ghosted(request.sent_at, now)
        due = await daytime(bot, request.user_id, rules.next_followup_at(request.sent_at, now))
        async with bot.database.transaction() as tx:
            if ghosted:
                changed = await self.store.set_state(
                    tx, request.id, request.user_id, "ghosted", now, allowed_from=("sent",)
                )
            else:
                changed = await self.store.set_state(
                    tx, request.id, request.user_id, "sent", now, allowed_from=("sent",), next_action_at=due
                )
                if changed:
                    await bot.scheduler.timer(
                        FOLLOWUP_KIND, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx
                    )
        if changed:
            bot.dispatch("feedback_state_changed", request.user_id, request.id, "ghosted" if ghosted else "sent")

    async def _request_for(self, timer: Timer) -> FeedbackRequest | None:
        if timer.user_id is None or "request_id" not in timer.payload:
            log.warning("feedback timer %d has no member or request; skipping", timer.id)
            return None
        return await self.store.get(int(timer.payload["request_id"]), timer.user_id)

    async def _send(self, user_id: int, nonce: str, **kwargs: Any) -> bool:
        """DM a member; True if it went out, False if their DMs are closed; raises to retry later."""
        result = await self.bot.delivery.send_dm(user_id, nonce=nonce, record="feedback_followup", **kwargs)
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            raise DeliveryDeferred(f"DM not delivered: {result.error}")
        return result.outcome is DeliveryOutcome.SENT
