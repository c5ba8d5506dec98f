"""A request's moves that every entry point shares (buttons, timers, commands): state changes with their timers
in one transaction, and the wording picked for the member."""

from __future__ import annotations

from datetime import datetime

from bot.client import BouncebackBot, Interaction
from bot.local_time import sensible_moment_for
from cogs.feedback.logic import FeedbackRequest, FeedbackSchedule, about_phrase, humanize_delay, texts, words
from cogs.feedback.store import FeedbackStore

REMIND_KIND = "feedback_remind"
FOLLOWUP_KIND = "feedback_followup"


class DeliveryDeferred(RuntimeError):
    """A DM could not go out right now; raising lets the timer service retry it with backoff."""


def store_of(bot: BouncebackBot) -> FeedbackStore:
    """The feedback tables, through this bot's database and cipher."""
    return FeedbackStore(bot.database, bot.cipher)


def schedule_of(bot: BouncebackBot) -> FeedbackSchedule:
    """The feedback due-time rules with this bot's settings."""
    return FeedbackSchedule.from_settings(bot.settings)


def remind_label(bot: BouncebackBot) -> str:
    """The reminder button's label, from the configured delay."""
    return str(texts()["remind_in"]).format(delay=humanize_delay(bot.settings.feedback_remind_delay_seconds))


async def daytime(bot: BouncebackBot, user_id: int, due: datetime, interaction: Interaction | None = None) -> datetime:
    """When a DM due at `due` should go out: the first moment of the member's local daytime at or after it.

    Pressing a button tells us the member's Discord locale; it is kept as a hint for their zone.
    """
    if interaction is not None:
        await bot.care.store.remember_locale(user_id, str(interaction.locale), bot.now())
    return await sensible_moment_for(bot.database, user_id, due)


async def pick(bot: BouncebackBot, user_id: int, key: str) -> str:
    """A wording variant from the data file, never the same twice in a row."""
    return await bot.wording.pick(user_id, f"feedback:{key}", words()[key])


async def ghosted_text(bot: BouncebackBot, request: FeedbackRequest) -> str:
    """The gentle note that closes a request nobody answered."""
    return (await pick(bot, request.user_id, "ghosted_dm")).format(
        about=about_phrase(request.company, request.role),
        elapsed=humanize_delay(bot.settings.feedback_ghosted_after_seconds),
    )


async def transition(
    bot: BouncebackBot,
    request: FeedbackRequest,
    state: str,
    *,
    allowed_from: tuple[str, ...],
    next_action_at: datetime | None = None,
    sent_at: datetime | None = None,
    cancel: tuple[str, ...] = (),
    schedule: tuple[str, datetime] | None = None,
) -> bool:
    """Change a request's state, cancel and schedule its timers, all in one transaction."""
    now = bot.now()
    async with bot.database.transaction() as tx:
        changed = await store_of(bot).set_state(
            tx,
            request.id,
            request.user_id,
            state,
            now,
            allowed_from=allowed_from,
            next_action_at=next_action_at,
            sent_at=sent_at,
        )
        if not changed:
            return False
        for kind in cancel:
            match = {"request_id": request.id}
            await bot.scheduler.cancel_timers(kind, user_id=request.user_id, payload_match=match, tx=tx)
        if schedule is not None:
            kind, due = schedule
            await bot.scheduler.timer(kind, due, user_id=request.user_id, payload={"request_id": request.id}, tx=tx)
    bot.dispatch("feedback_state_changed", request.user_id, request.id, state)
    return True
