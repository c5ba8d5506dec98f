"""`/nudges`: a short daily encouragement by DM at a local time each member chooses, paced and crash-safe."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time as monotonic_time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.care import words as care_words
from bot.client import BouncebackBot, Interaction
from bot.clock import discord_timestamp
from bot.content import load_content
from bot.delivery import DeliveryOutcome, DeliveryResult
from bot.errors import classify
from bot.storage.feedback import open_requests
from bot.storage.nudges import (
    CLOSED,
    DEFAULT_RUN_DAYS,
    PREVIEW,
    RETRY,
    SENT,
    SKIPPED,
    ClaimedNudge,
    NudgeRepository,
    Outcome,
    Subscription,
)
from bot.storage.reflections import list_hard_questions
from bot.text import parse_id
from bot.timezones import (
    format_local_time,
    load_aliases,
    parse_local_time,
    resolve_zone,
    search_zones,
    zone_for_locale,
    zone_or_none,
)
from bot.ui import (
    CALM,
    BaseModal,
    IntsFromCustomId,
    NextStep,
    guarded,
    refuse_if_not_owner,
    reply,
    share_win_custom_id,
)

log = logging.getLogger(__name__)

TICK_JOB_ID = "nudges-tick"
CLAIM_BATCH = 50  # about a second of sends at the default budget: little is in flight if the process dies
RECORD_EVERY = 50
RECORD_INTERVAL = 1.0  # seconds between ledger writes while sending
NONCE_WINDOW = timedelta(minutes=2)  # Discord drops a repeated nonce for a few minutes; stay well inside that
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=15)
MAX_DAYS = 365
MAX_PAUSE_DAYS = 60
MAX_QUESTION = 200
PREVIEW_COOLDOWN = 30.0

HELPFUL_ID = r"nudge:helpful:(?P<ledger_id>\d+):(?P<owner_id>\d+)"
MOOD_ID = r"nudge:mood:(?P<ledger_id>\d+):(?P<owner_id>\d+)"
MOOD_LEVEL_ID = r"nudge:moodset:(?P<ledger_id>\d+):(?P<owner_id>\d+):(?P<level>[1-5])"
SNOOZE_ID = r"nudge:snooze:(?P<ledger_id>\d+):(?P<owner_id>\d+)"
STOP_ID = r"nudge:stop:(?P<ledger_id>\d+):(?P<owner_id>\d+)"
MORE_ID = r"nudge:more:(?P<ledger_id>\d+):(?P<owner_id>\d+)"

THEME_TITLES = {
    "feelings": "🌱 For how you're feeling",
    "feedback": "✉️ On asking for feedback",
    "mindset": "🧭 A thought for today",
    "learning": "📚 Something to practise",
    "resilience": "🪴 Keeping going",
    "rest": "🌙 Permission to rest",
}
MOOD_LABELS = {1: "1 · really low", 2: "2", 3: "3", 4: "4", 5: "5 · pretty good"}
MOOD_REPLIES = {
    1: "Thank you for telling me. That sounds really heavy, and you don't have to carry it on your own. "
       "If talking to someone would help, `/resources` lists people you can reach right now, any time.",
    2: "Noted. Low days are part of this, not a sign you're doing it wrong. If you can, spend a few minutes "
       "on something small and kind for yourself today.",
    3: "Noted — somewhere in the middle. That's a perfectly reasonable place to be today.",
    4: "Good to hear you're doing alright. Noted.",
    5: "That's lovely to hear — noted. Hold on to whatever is helping.",
}
TIME_SUGGESTIONS = [f"{hour:02d}:{minute:02d}" for hour in range(6, 23) for minute in (0, 30)]
NOT_RUNNING = "Your nudges aren't running at the moment. `/nudges start` sets them up again whenever you like."
DMS_CLOSED_HELP = (
    "Discord won't let me send you direct messages, so the nudges couldn't reach you. To get them, allow DMs "
    "from this server's members (server name → Privacy Settings → Direct Messages), then run `/nudges start` again."
)


def content() -> dict[str, Any]:
    """The nudge texts, from data/nudges.toml."""
    return load_content("nudges")


def nudge_table() -> dict[str, dict[str, str]]:
    """Nudges by id, in the data file's order."""
    return {nudge["id"]: nudge for nudge in content()["nudge"]}


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before trying a failed nudge again: doubling from 30 s, capped at 15 min."""
    delay: timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_CAP)


def days_text(subscription: Subscription) -> str:
    """'for 14 days', '3 of 14 days left' style wording of a run."""
    if subscription.days_total is None:
        return "until you stop them"
    left = subscription.days_left or 0
    return f"{left} of {subscription.days_total} day{'s' if subscription.days_total != 1 else ''} left"


def when_text(moment: datetime) -> str:
    """A Discord timestamp each reader sees in their own zone, with the relative time."""
    return f"{discord_timestamp(moment, 'F')} ({discord_timestamp(moment, 'R')})"


# ---------------------------------------------------------------------------------------------- composing


@dataclass(frozen=True)
class Personal:
    """What the bot knows that can make a nudge more personal; any of it may be missing."""

    days_since_checkin: int | None = None
    shots: int = 0
    feedback: str | None = None  # "unsent" (a draft waiting) or "follow_up" (a reply is overdue)
    hard_question: str | None = None


def personal_line(personal: Personal, pick: int) -> str | None:
    """At most one personal line, so the nudge stays short; what is actionable comes first."""
    if personal.feedback == "follow_up":
        return ("It's been a while since you asked for feedback. If they've replied, or you'd like to send a "
                "short, friendly follow-up, `/feedback` has it ready.")
    if personal.feedback == "unsent" and pick % 2 == 0:
        return ("Your feedback request is drafted and waiting. If today feels like a good day to send it, "
                "`/feedback` has it — and if not, that's fine too.")
    options: list[str] = []
    if personal.hard_question:
        options.append(f"One to practise, from your own list: “{personal.hard_question}” Try answering it out "
                       "loud once today — `/practice` will play the interviewer if you'd like.")
    days = personal.days_since_checkin
    if days is not None and days >= 7:
        options.append(f"It's been {days} days since your last check-in here. However the search is going, "
                       "you're still in it, and that counts.")
    elif days is not None and days <= 1:
        options.append("That last rejection is still fresh. Be as gentle with yourself today as you would be "
                       "with a friend.")
    if not options:
        return None
    return options[pick % len(options)]


def footer_text(personal: Personal, nudge: ClaimedNudge) -> str:
    """Run progress and shots taken, e.g. 'Day 3 of 14 · Shots taken so far: 5'."""
    parts: list[str] = []
    if nudge.kind == PREVIEW:
        parts.append("A preview — it doesn't count towards your days")
    elif nudge.run_day is not None:
        parts.append(f"Day {nudge.run_day} of {nudge.run_days}" if nudge.run_days else f"Day {nudge.run_day}")
    if personal.shots:
        parts.append(f"Shots taken so far: {personal.shots}")
    return " · ".join(parts)


class NudgeComposer:
    """Builds a nudge's embed and buttons, personalised from what the member has shared."""

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot

    async def personal(self, user_id: int, now: datetime, pick: int) -> Personal:
        """Gather the personal touches for one member (a few small indexed reads)."""
        latest = await self.bot.checkins.recent(user_id, 1)
        days_since = (now - latest[0].created_at).days if latest else None
        shots = await self.bot.checkins.count(user_id)
        return Personal(
            days_since_checkin=days_since,
            shots=shots,
            feedback=await self._feedback_state(user_id, now),
            hard_question=await self._hard_question(user_id, pick),
        )

    async def _feedback_state(self, user_id: int, now: datetime) -> str | None:
        requests = await open_requests(self.bot.database, self.bot.cipher, user_id)
        if any(request.follow_up_due(now) for request in requests):
            return "follow_up"
        if any(request.state in ("drafted", "remind") for request in requests):
            return "unsent"
        return None

    async def _hard_question(self, user_id: int, pick: int) -> str | None:
        questions = await list_hard_questions(self.bot.database, self.bot.cipher, user_id, 20)
        texts = [text for text in (question.text.strip() for question in questions) if text]
        if not texts:
            return None
        text = texts[pick % len(texts)]
        if len(text) > MAX_QUESTION:
            text = text[: MAX_QUESTION - 1].rstrip() + "…"
        return discord.utils.escape_markdown(" ".join(text.split()))

    async def compose(self, nudge: ClaimedNudge, now: datetime) -> tuple[discord.Embed, discord.ui.View]:
        """The DM for a claimed nudge: its text, one personal line, the footer, and its buttons."""
        table = nudge_table()
        item = table.get(nudge.nudge_id) or next(iter(table.values()))
        pick = nudge.ledger_id
        if await self.bot.care.active(nudge.user_id):
            return self.gentle_checkin(nudge), nudge_view(nudge.ledger_id, nudge.user_id)
        try:
            personal = await self.personal(nudge.user_id, now, pick)
        except Exception:  # a personal touch is a bonus; the nudge itself must still go out
            log.warning("could not personalise nudge %d; sending it plain", nudge.ledger_id, exc_info=True)
            personal = Personal()
        lines = [item["text"]]
        extra = personal_line(personal, pick)
        if extra:
            lines.append(extra)
        embed = discord.Embed(
            title=THEME_TITLES.get(item["theme"], "🌱 Your nudge for today"), description="\n\n".join(lines),
            colour=CALM,
        )
        if nudge.last_of_run:
            texts = content()["run_end"]["texts"]
            embed.add_field(name="Well done", value=texts[nudge.ledger_id % len(texts)], inline=False)
        footer = footer_text(personal, nudge)
        if footer:
            embed.set_footer(text=footer)
        return embed, nudge_view(nudge.ledger_id, nudge.user_id, last_of_run=nudge.last_of_run)


    def gentle_checkin(self, nudge: ClaimedNudge) -> discord.Embed:
        """The nudge after a hard moment: no task, no add-ons, just asking how they are."""
        text = care_words()["nudge"]
        return discord.Embed(
            title=text["title"], description=text["texts"][nudge.ledger_id % len(text["texts"])], colour=CALM
        )


class _Static(discord.ui.View):
    """A view discord.py never keeps in memory: its buttons are DynamicItems or belong to another cog."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        # Also stopped: an interaction reply stores any unfinished view, with a 15-minute timer task if ephemeral.
        self.stop()

    def is_dispatchable(self) -> bool:
        """Never stored per message (100,000 DMs a day would otherwise pile up in the view store)."""
        return False


def nudge_view(ledger_id: int, owner_id: int, *, last_of_run: bool = False) -> discord.ui.View:
    """The buttons under a nudge."""
    view = _Static()
    view.add_item(HelpfulButton(ledger_id, owner_id))
    view.add_item(MoodButton(ledger_id, owner_id))
    view.add_item(SnoozeButton(ledger_id, owner_id))
    view.add_item(StopButton(ledger_id, owner_id))
    if last_of_run:
        view.add_item(MoreButton(ledger_id, owner_id))
    return view


# ---------------------------------------------------------------------------------------------- dispatching


@dataclass
class DispatchReport:
    """What one dispatch round did."""

    sent: int = 0
    closed: int = 0
    retry: int = 0
    skipped: int = 0
    duplicates: int = 0
    recovered_already_sent: int = 0

    @property
    def total(self) -> int:
        """Nudges that were handled (sent, closed, retried or skipped)."""
        return self.sent + self.closed + self.retry + self.skipped


class NudgeDispatcher:
    """Claims due nudges in batches (one transaction each) and sends them through `bot.delivery`.

    A fixed set of workers (the delivery concurrency) pulls from a short queue, so 5,000 nudges falling due at
    once are neither 5,000 tasks nor one long blocking loop; outcomes are written back in batches.
    """

    def __init__(self, bot: BouncebackBot, repository: NudgeRepository, composer: NudgeComposer) -> None:
        self.bot = bot
        self.repository = repository
        self.composer = composer
        self.grace = timedelta(seconds=bot.settings.nudge_late_grace_seconds)
        self.batch = CLAIM_BATCH
        self._lock = asyncio.Lock()
        self._outcomes: list[Outcome] = []
        self._flush_lock = asyncio.Lock()
        self._last_flush = 0.0

    @property
    def busy(self) -> bool:
        """True while a round is running."""
        return self._lock.locked()

    async def run_due(self) -> DispatchReport:
        """Send every nudge that is due now; return what happened."""
        async with self._lock:
            report = DispatchReport()
            workers_count = max(1, self.bot.delivery.concurrency)
            queue: asyncio.Queue[ClaimedNudge | None] = asyncio.Queue(maxsize=self.batch)
            workers = [asyncio.create_task(self._worker(queue, report)) for _ in range(workers_count)]
            self._last_flush = monotonic_time.monotonic()
            try:
                while True:
                    claim = await self.repository.claim_due(self.bot.now(), limit=self.batch, grace=self.grace)
                    report.skipped += claim.skipped
                    report.duplicates += claim.duplicates
                    self.bot.delivery.remember_channels((c.user_id, c.channel_id) for c in claim.claimed)
                    for nudge in claim.claimed:
                        await queue.put(nudge)
                    if claim.rows < self.batch:
                        break
                for _ in workers:
                    await queue.put(None)
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
                await asyncio.shield(self._flush())
            if report.total or report.duplicates:
                log.info("nudge round: %s", report)
            return report

    async def _worker(self, queue: asyncio.Queue[ClaimedNudge | None], report: DispatchReport) -> None:
        while True:
            nudge = await queue.get()
            if nudge is None:
                return
            outcome = await self.deliver(nudge, report)
            self._outcomes.append(outcome)
            due_for_flush = monotonic_time.monotonic() - self._last_flush >= RECORD_INTERVAL
            if len(self._outcomes) >= RECORD_EVERY or due_for_flush:
                try:
                    await self._flush()
                except Exception as error:  # keep sending what is claimed; the outcomes wait for the next write
                    log.warning("could not record nudge outcomes yet (%s); keeping them for the next write", error)

    async def _flush(self) -> None:
        async with self._flush_lock:
            outcomes, self._outcomes = self._outcomes, []
            self._last_flush = monotonic_time.monotonic()
            if outcomes:
                try:
                    await self.repository.record(outcomes, self.bot.now())
                except BaseException:
                    # Read-only or full database: keep them, so a later round records them instead of the
                    # nudges hanging as 'claimed' until a restart.
                    self._outcomes[:0] = outcomes
                    raise

    async def deliver(self, nudge: ClaimedNudge, report: DispatchReport) -> Outcome:
        """Send one claimed nudge and say what happened (never raises for a delivery problem)."""
        now = self.bot.now()
        if nudge.recovered and (nudge.claimed_at is None or now - nudge.claimed_at > NONCE_WINDOW):
            # Interrupted long enough ago that Discord may no longer recognise the nonce: look before resending.
            found = await self.bot.delivery.find_recent_dm(nudge.user_id, f"nudge:helpful:{nudge.ledger_id}:")
            if found is not None:
                report.recovered_already_sent += 1
                report.sent += 1
                return Outcome(nudge.ledger_id, nudge.user_id, SENT, message_id=found, channel_id=nudge.channel_id)
        try:
            embed, view = await self.composer.compose(nudge, now)
            result = await self.bot.delivery.send_dm(nudge.user_id, embed=embed, view=view, nonce=nudge.nonce)
        except Exception as error:  # one broken nudge must not stop the others; it is retried
            log.exception("could not prepare nudge %d", nudge.ledger_id)
            result = DeliveryResult(DeliveryOutcome.RETRY_LATER, error=f"{type(error).__name__}: {error}")
        return self.outcome(nudge, result, now, report)

    def outcome(self, nudge: ClaimedNudge, result: DeliveryResult, now: datetime, report: DispatchReport) -> Outcome:
        """Turn a delivery result into a ledger outcome (retry later, unless that would be too late)."""
        if result.outcome is DeliveryOutcome.SENT and result.message is not None:
            report.sent += 1
            return Outcome(
                nudge.ledger_id, nudge.user_id, SENT, message_id=result.message.id, channel_id=result.message.channel.id
            )
        if result.outcome is DeliveryOutcome.DMS_CLOSED:
            report.closed += 1
            return Outcome(nudge.ledger_id, nudge.user_id, CLOSED, error=result.error)
        retry_at = now + retry_delay(nudge.attempts)
        if retry_at - nudge.due_at > self.grace:
            report.skipped += 1
            return Outcome(nudge.ledger_id, nudge.user_id, SKIPPED, error=f"gave up: {result.error}")
        report.retry += 1
        return Outcome(nudge.ledger_id, nudge.user_id, RETRY, retry_at=retry_at, error=result.error)


# ---------------------------------------------------------------------------------------------- buttons


# Never registered itself: discord.py requires a template on every DynamicItem subclass.
BASE_ID = r"nudge:base:(?P<ledger_id>\d+):(?P<owner_id>\d+)"


class _NudgeButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=BASE_ID):
    """Shared parts of the buttons under a nudge: state in the custom id, owner check, the cog."""

    action = ""
    label = ""
    emoji: str | None = None
    style = discord.ButtonStyle.secondary

    def __init__(self, ledger_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label, emoji=self.emoji, style=self.style,
                custom_id=f"nudge:{self.action}:{ledger_id}:{owner_id}",
            )
        )
        self.ledger_id = ledger_id
        self.owner_id = owner_id


    @staticmethod
    def cog(interaction: Interaction) -> NudgesCog:
        """The loaded nudges cog."""
        cog = interaction.client.get_cog("NudgesCog")
        assert isinstance(cog, NudgesCog)
        return cog


class HelpfulButton(_NudgeButton, template=HELPFUL_ID):
    """'Helpful': noted, and an offer to share it as a win."""

    action, label, emoji, style = "helpful", "Helpful", "💛", discord.ButtonStyle.success

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Remember that it helped and offer 'Share as a win'."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = self.cog(interaction)
        if not await cog.repository.mark_helpful(self.ledger_id, self.owner_id, interaction.client.now()):
            await reply(interaction, "I couldn't find that nudge any more, but thank you for saying so.")
            return
        view = _Static()
        view.add_item(discord.ui.Button(
            label="Share as a win", emoji="🎉", style=discord.ButtonStyle.primary,
            custom_id=share_win_custom_id("nudge", self.ledger_id, self.owner_id),
        ))
        await reply(
            interaction,
            "Thank you for telling me — I'm glad that one landed. If it nudged you into something you're proud of, "
            "you could share it with the server as a win (you'll see a preview first).",
            view=view,
        )


class MoodButton(_NudgeButton, template=MOOD_ID):
    """'Log how I feel': a quick 1–5."""

    action, label, emoji = "mood", "Log how I feel", "📝"

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Ask for a number from 1 to 5."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        view = _Static()
        for level in range(1, 6):
            view.add_item(MoodLevelButton(self.ledger_id, self.owner_id, level))
        await reply(interaction, "How are you feeling right now, from 1 (really low) to 5 (pretty good)?", view=view)


class MoodLevelButton(IntsFromCustomId, discord.ui.DynamicItem[discord.ui.Button[Any]], template=MOOD_LEVEL_ID):
    """One of the five mood buttons."""

    def __init__(self, ledger_id: int, owner_id: int, level: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=MOOD_LABELS[level], style=discord.ButtonStyle.secondary,
                custom_id=f"nudge:moodset:{ledger_id}:{owner_id}:{level}",
            )
        )
        self.ledger_id = ledger_id
        self.owner_id = owner_id
        self.level = level


    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Store the mood and answer kindly."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = _NudgeButton.cog(interaction)
        bot = interaction.client
        ledger = await cog.repository.entry(self.ledger_id, self.owner_id)
        await cog.repository.log_mood(self.owner_id, self.level, bot.now(), ledger.id if ledger else None)
        if self.level == 1:
            # 1 out of 5 counts as a concern: ask plainly whether they're safe, helplines one click away.
            await bot.care.signal(self.owner_id)
            await bot.care.store.remember_locale(self.owner_id, str(interaction.locale), bot.now())
            care = await bot.care.concern_reply(interaction, self.owner_id)
            quiet = care_words()["quiet"]["mood_logged"]
            await interaction.response.edit_message(content=f"**1/5** · {quiet}", view=None)
            await reply(interaction, embeds=care.embeds, view=care.view())
            return
        await interaction.response.edit_message(content=f"**{self.level}/5** · {MOOD_REPLIES[self.level]}", view=None)


class SnoozeButton(_NudgeButton, template=SNOOZE_ID):
    """'Snooze a day': no nudge tomorrow."""

    action, label, emoji = "snooze", "Snooze a day", "😴"

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Skip the next day's nudge."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = self.cog(interaction)
        bot = interaction.client
        ledger = await cog.repository.entry(self.ledger_id, self.owner_id)
        local_date = ledger.local_date if ledger else bot.now().date()
        subscription = await cog.repository.snooze(self.owner_id, local_date, bot.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, NOT_RUNNING)
            return
        await reply(
            interaction, f"Taking a day off from nudges. The next one comes {when_text(subscription.next_due_at)}."
        )


class StopButton(_NudgeButton, template=STOP_ID):
    """'Stop nudges'."""

    action, label, emoji = "stop", "Stop nudges", "✋"

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Stop the member's nudges."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        await reply(interaction, await self.cog(interaction).stop_text(self.owner_id))


class MoreButton(_NudgeButton, template=MORE_ID):
    """'Keep going' on the last nudge of a run."""

    action, label, emoji, style = "more", "Keep going", "🔁", discord.ButtonStyle.primary

    @guarded
    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Add another run of days."""
        if await refuse_if_not_owner(interaction, self.owner_id):
            return
        cog = self.cog(interaction)
        subscription = await cog.repository.extend(self.owner_id, DEFAULT_RUN_DAYS, interaction.client.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, NOT_RUNNING)
            return
        await reply(
            interaction,
            f"Happy to keep going — another {DEFAULT_RUN_DAYS} days of nudges. The next one comes "
            f"{when_text(subscription.next_due_at)}.",
        )


async def start_from_checkin(interaction: Interaction, checkin_id: int, owner_id: int) -> None:
    """"Daily nudges" after /rejected: the start form, or when the next nudge comes if they already run."""
    cog = _NudgeButton.cog(interaction)
    subscription = await cog.repository.get(owner_id)
    if subscription is not None and subscription.active and subscription.next_due_at is not None:
        await reply(
            interaction,
            f"Your daily nudges are already on — the next one comes {when_text(subscription.next_due_at)}. "
            "`/nudges status` shows the details.",
        )
        return
    await interaction.response.send_modal(StartModal(owner_id, zone_for_locale(str(interaction.locale))))


NEXT_STEP = NextStep("nudges", "Daily nudges", "🌱", 30, start_from_checkin)


class StartModal(BaseModal):
    """Time, time zone and number of days, for starting nudges from a button."""

    def __init__(self, owner_id: int, zone_guess: str | None) -> None:
        super().__init__(title="Daily nudges", custom_id=f"nudge:startmodal:{owner_id}")
        self.owner_id = owner_id
        self.at: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Time each day (24-hour, e.g. 08:30)", default="09:00", max_length=8, custom_id="time",
        )
        self.zone: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Time zone (a city, or e.g. Europe/London)", default=zone_guess, max_length=64,
            placeholder="London, New York, Asia/Kolkata…", custom_id="timezone",
        )
        self.days: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="How many days? (0 = until you stop them)", default=str(DEFAULT_RUN_DAYS), max_length=3,
            custom_id="days",
        )
        for field in (self.at, self.zone, self.days):
            self.add_item(field)

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        """Start the nudges, or explain what to fix (after support, if what was typed needs care)."""
        bot = interaction.client
        assessment = await bot.care.assess(interaction, interaction.user.id, self.at.value, self.zone.value)
        if assessment.needs_care:
            care = await bot.care.reply_parts(interaction, assessment)
            await reply(interaction, embeds=care.embeds, view=care.view())
            return
        days_text_value = self.days.value.strip() or str(DEFAULT_RUN_DAYS)
        days = parse_id(days_text_value)
        if days is None or days > MAX_DAYS:
            await reply(interaction, f"Days should be a number from 0 to {MAX_DAYS} (0 means until you stop them).")
            return
        cog = _NudgeButton.cog(interaction)
        await cog.start(interaction, self.at.value, self.zone.value, days)


# ---------------------------------------------------------------------------------------------- the cog


class NudgesCog(commands.Cog):
    """Daily nudges: the commands, the buttons, and the round that sends what is due."""

    nudges = app_commands.Group(name="nudges", description="A short, kind nudge by DM each day at a time you choose")

    def __init__(self, bot: BouncebackBot) -> None:
        self.bot = bot
        self.repository = NudgeRepository(bot.database, list(nudge_table()))
        self.composer = NudgeComposer(bot)
        self.dispatcher = NudgeDispatcher(bot, self.repository, self.composer)
        self._round: asyncio.Task[DispatchReport] | None = None

    async def cog_load(self) -> None:
        """Register the buttons and the next step, recover interrupted nudges, and start the tick."""
        self.bot.add_dynamic_items(
            HelpfulButton, MoodButton, MoodLevelButton, SnoozeButton, StopButton, MoreButton
        )
        self.bot.register_next_step(NEXT_STEP)
        await self.repository.recover(self.bot.now())
        self.bot.scheduler.every(TICK_JOB_ID, timedelta(seconds=self.bot.settings.timer_tick_seconds), self._tick)

    async def cog_unload(self) -> None:
        """Stop the tick and any round in progress (what was not recorded is recovered next start)."""
        self.bot.scheduler.cancel_job(TICK_JOB_ID)
        if self._round is not None and not self._round.done():
            self._round.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._round
        self.bot.unregister_next_step(NEXT_STEP.key)
        self.bot.remove_dynamic_items(
            HelpfulButton, MoodButton, MoodLevelButton, SnoozeButton, StopButton, MoreButton
        )

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
        at = parse_local_time(time_text)
        if at is None:
            await reply(interaction, "I couldn't read that time. Please use 24-hour HH:MM, like 08:30 or 19:00.")
            return
        zone_name = resolve_zone(zone_text)
        if zone_name is None:
            hints = ", ".join(f"`{s.name}`" for s in search_zones(zone_text, limit=3))
            more = f" Did you mean {hints}?" if hints else ""
            await reply(
                interaction,
                f"I couldn't find that time zone.{more} Type a city such as “London” or “New York”, or a zone "
                "name like `Europe/London`, and pick one from the list.",
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        bot = self.bot
        user_id = interaction.user.id
        run_days = None if days == 0 else (days or DEFAULT_RUN_DAYS)
        subscription = await self.repository.subscribe(
            user_id=user_id, guild_id=interaction.guild_id, at=at, timezone=zone_name, days=run_days, now=bot.now(),
        )
        welcome = content()["welcome"]["texts"]
        result = await bot.delivery.send_dm(
            user_id, embed=discord.Embed(description=welcome[user_id % len(welcome)], colour=CALM),
        )
        if result.outcome is DeliveryOutcome.DMS_CLOSED:
            await self.repository.mark_unreachable(user_id, bot.now())
            await bot.delivery.take_unreachable_notice(user_id)  # told right here, so not again after the command
            await reply(interaction, f"I've saved your time ({format_local_time(at)}, {zone_name}), but "
                                     f"{DMS_CLOSED_HELP[0].lower()}{DMS_CLOSED_HELP[1:]}")
            return
        assert subscription.next_due_at is not None
        lines = [
            f"You're all set 🌱 Your first nudge comes {when_text(subscription.next_due_at)}, then every day at "
            f"**{format_local_time(at)}** ({zone_name}) {_run_phrase(run_days)}.",
        ]
        if _needs_zone_note(zone_text, zone_name):
            lines.append(f"I took “{discord.utils.escape_markdown(zone_text.strip())}” to mean `{zone_name}`, which "
                         "follows daylight saving. Run `/nudges start` again to pick another.")
        if result.outcome is DeliveryOutcome.RETRY_LATER:
            lines.append("(Discord had a hiccup, so I couldn't send a welcome message just now — the nudges are set.)")
        lines.append("`/nudges status` shows what's coming; `/nudges pause` or `/nudges stop` whenever you like.")
        await reply(interaction, "\n\n".join(lines))

    async def stop_text(self, user_id: int) -> str:
        """Stop nudges and say so."""
        if await self.repository.stop(user_id, self.bot.now()):
            return ("Done — no more nudges. I hope they helped a little. If you'd like them back, `/nudges start` "
                    "picks them up again.")
        return "Your nudges are already off. `/nudges start` turns them back on whenever you like."

    # ------------------------------------------------------------------ commands

    @nudges.command(name="start", description="Get a short, kind nudge by DM every day at a time you choose")
    @app_commands.describe(
        time="Local time each day, 24-hour HH:MM (e.g. 08:30)",
        timezone="Your time zone: start typing a city, like London or New York",
        days="How many days (default 14; 0 = until you stop them)",
    )
    async def start_command(
        self, interaction: Interaction, time: app_commands.Range[str, 1, 10], timezone: app_commands.Range[str, 1, 64],
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

    @nudges.command(name="status", description="When your next nudge comes, and how many are left")
    async def status_command(self, interaction: Interaction) -> None:
        """Show the schedule privately."""
        await reply(interaction, embed=await self.status_embed(interaction.user.id))

    async def status_embed(self, user_id: int) -> discord.Embed:
        """The member's nudge status as an embed."""
        subscription = await self.repository.get(user_id)
        embed = discord.Embed(title="🌱 Your daily nudges", colour=CALM)
        if subscription is None:
            embed.description = "You haven't started daily nudges yet. `/nudges start` sets them up in a moment."
            return embed
        unreachable = subscription.state == "unreachable" or await self.bot.delivery.is_unreachable(user_id)
        if subscription.active and subscription.next_due_at is not None and not unreachable:
            embed.add_field(name="Next nudge", value=when_text(subscription.next_due_at), inline=False)
        elif subscription.state == "finished":
            embed.description = "Your last run is finished. `/nudges start` begins another whenever you like."
        elif subscription.state == "stopped":
            embed.description = "Your nudges are off. `/nudges start` turns them back on."
        else:
            embed.description = "Your nudges are paused because they can't reach you."
        embed.add_field(
            name="When", value=f"{format_local_time(subscription.local_time)} · {subscription.timezone}", inline=True
        )
        if subscription.state == "active":
            embed.add_field(name="Days", value=days_text(subscription), inline=True)
        if subscription.paused_until is not None and subscription.paused_until > self.bot.now():
            embed.add_field(
                name="Paused until", value=discord_timestamp(subscription.paused_until, "D"), inline=True
            )
        embed.add_field(
            name="Direct messages",
            value=DMS_CLOSED_HELP if unreachable else "✅ Reaching you",
            inline=False,
        )
        return embed

    @nudges.command(name="pause", description="No nudges for a few days")
    @app_commands.describe(days="How many days to pause for")
    async def pause_command(
        self, interaction: Interaction, days: app_commands.Range[int, 1, MAX_PAUSE_DAYS]
    ) -> None:
        """Pause nudges for some days."""
        subscription = await self.repository.pause(interaction.user.id, days, self.bot.now())
        if subscription is None or subscription.next_due_at is None:
            await reply(interaction, NOT_RUNNING)
            return
        await reply(
            interaction,
            f"Paused for {days} day{'s' if days != 1 else ''} — rest is part of this too. "
            f"Your nudges pick up again {when_text(subscription.next_due_at)}.",
        )

    @nudges.command(name="stop", description="Stop your daily nudges")
    async def stop_command(self, interaction: Interaction) -> None:
        """Stop nudges."""
        await reply(interaction, await self.stop_text(interaction.user.id))

    @nudges.command(name="preview", description="Get one nudge now by DM, to see what they're like")
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
        embed, view = await self.composer.compose(nudge, now)
        result = await bot.delivery.send_dm(user_id, embed=embed, view=view, nonce=nudge.nonce)
        outcome = self.dispatcher.outcome(nudge, result, now, DispatchReport())
        if outcome.status == RETRY:
            outcome = dataclasses.replace(outcome, status=SKIPPED)  # a preview is not worth retrying later
        await self.repository.record([outcome], now)
        if result.outcome is DeliveryOutcome.SENT:
            await reply(interaction, "I've sent you one by DM — that's what they look like. Previews don't count "
                                     "towards your days.")
        elif result.outcome is DeliveryOutcome.DMS_CLOSED:
            await bot.delivery.take_unreachable_notice(user_id)
            await reply(interaction, f"{DMS_CLOSED_HELP}\n\nHere's the one I would have sent:", embed=embed, view=view)
        else:
            await reply(interaction, "Discord had a hiccup and the DM didn't go through. Here it is instead:",
                        embed=embed, view=view)


def _run_phrase(days: int | None) -> str:
    if days is None:
        return "until you stop them"
    return f"for {days} day{'s' if days != 1 else ''}"


def _needs_zone_note(typed: str, zone_name: str) -> bool:
    # Abbreviations are ambiguous ("CST", "IST"), so say which zone was picked; a city or zone name is clear.
    abbreviations, _ = load_aliases()
    return typed.strip().upper() in abbreviations and zone_name != "UTC"


async def setup(bot: BouncebackBot) -> None:
    """Load the nudges cog."""
    await bot.add_cog(NudgesCog(bot))
