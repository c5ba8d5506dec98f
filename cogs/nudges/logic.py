"""The rules of daily nudges, free of Discord and the database: who gets which nudge, nonces, retries, wording.

A member's nudges follow their own shuffle of the pool (`pool_position`); each day's nudge has a deterministic
nonce, so Discord drops a resend after a crash; a failed send is retried with a capped back-off. The records
the store reads and writes (`Subscription`, `ClaimedNudge`...) live here so the composer and the dispatcher
can use them without the store.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.content import load_content, plural

DEFAULT_RUN_DAYS = 14
MAX_NONCE = 25  # Discord's limit on a message nonce
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=15)

LONG_GAP_DAYS = 7  # "It's been N days since your last check-in" from this many days
ENDINGS = ".?!…"
QUESTION_WORDS = frozenset(
    (
        "what",
        "why",
        "how",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "can",
        "could",
        "would",
        "will",
        "do",
        "does",
        "did",
        "are",
        "is",
        "was",
        "were",
        "have",
        "has",
        "should",
        "shall",
        "may",
        "might",
    )
)

# Ledger statuses.
CLAIMED, RETRY, SENT, SKIPPED, CLOSED = "claimed", "retry", "sent", "skipped", "closed"
# Ledger kinds.
DAILY, PREVIEW = "daily", "preview"


def words() -> dict[str, Any]:
    """The nudge wording and the pool, from data/nudges.toml."""
    return load_content("nudges")


# ---------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Subscription:
    """A member's nudge schedule."""

    user_id: int
    guild_id: int | None
    local_time: time
    timezone: str
    days_total: int | None
    days_sent: int
    sequence: int
    state: str
    next_due_at: datetime | None
    next_local_date: date | None
    paused_until: datetime | None

    @property
    def active(self) -> bool:
        """True while nudges are scheduled."""
        return self.state == "active" and self.next_due_at is not None

    @property
    def days_left(self) -> int | None:
        """Nudges left in this run (None: until stopped)."""
        return None if self.days_total is None else max(self.days_total - self.days_sent, 0)


@dataclass(frozen=True)
class ClaimedNudge:
    """A nudge claimed for sending: its ledger row, where to send it, and its place in the run."""

    ledger_id: int
    user_id: int
    kind: str
    local_date: date
    due_at: datetime
    nudge_id: str
    nonce: str
    run_day: int | None
    run_days: int | None
    last_of_run: bool
    attempts: int
    recovered: bool
    channel_id: int | None
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """A nudge that went (or was meant to go) out, as the buttons on it need it."""

    id: int
    user_id: int
    kind: str
    local_date: date
    nudge_id: str
    status: str
    last_of_run: bool
    run_day: int | None
    run_days: int | None
    helpful_at: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What happened to one claimed nudge, to be written back in a batch."""

    ledger_id: int
    user_id: int
    status: str
    message_id: int | None = None
    channel_id: int | None = None
    retry_at: datetime | None = None
    error: str | None = None
    addon: str | None = None  # the personal add-on kind it carried, recorded when it was sent


@dataclass
class ClaimReport:
    """One claim round: what to send, and how many were too late and skipped to the next day."""

    claimed: list[ClaimedNudge]
    rows: int = 0
    skipped: int = 0
    duplicates: int = 0


# ---------------------------------------------------------------------------------------------- nonces


def base36(number: int) -> str:
    """A non-negative integer in base 36 (compact nonces)."""
    if number < 0:
        raise ValueError("negative")
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = BASE36[rest] + digits
        if number == 0:
            return digits


def daily_nonce(user_id: int, local_date: date) -> str:
    """The deterministic nonce of a member's nudge for a local date (≤ 25 characters)."""
    nonce = f"n{base36(user_id)}{local_date:%Y%m%d}"
    assert len(nonce) <= MAX_NONCE
    return nonce


def preview_nonce(user_id: int, moment: datetime) -> str:
    """A nonce for a preview nudge (unique per member and millisecond)."""
    return f"p{base36(user_id)}{base36(int(moment.timestamp() * 1000))}"[:MAX_NONCE]


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before trying a failed nudge again: doubling from 30 s, capped at 15 min."""
    delay: timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_CAP)


# ---------------------------------------------------------------------------------------------- the shuffle


@dataclass(frozen=True)
class _Affine:
    step: int
    offset: int


def _units(size: int) -> list[int]:
    # Steps coprime with the size make a permutation; steps far from 0 and from the size jump between themes
    # (the pool is stored theme by theme), so consecutive days feel different.
    spread = max(2, size // 9)
    units = [a for a in range(spread, size - spread + 1) if math.gcd(a, size) == 1]
    return units or [a for a in range(1, size) if math.gcd(a, size) == 1] or [1]


def _affine(user_id: int, cycle: int, size: int) -> _Affine:
    digest = hashlib.blake2b(f"{user_id}:{cycle}".encode(), digest_size=8).digest()
    seed = int.from_bytes(digest, "big")
    units = _units(size)
    return _Affine(units[seed % len(units)], (seed // len(units)) % size)


def _cycle_offset(user_id: int, cycle: int, size: int) -> tuple[int, int]:
    # Walk the cycles from the first (members rarely get past a few): each one starts on a different nudge
    # from the one the previous cycle ended on.
    rule = _affine(user_id, 0, size)
    step, offset = rule.step, rule.offset
    for number in range(1, cycle + 1):
        last = (step * (size - 1) + offset) % size
        rule = _affine(user_id, number, size)
        step, offset = rule.step, rule.offset if rule.offset != last else (rule.offset + 1) % size
    return step, offset


def pool_position(user_id: int, sequence: int, size: int) -> int:
    """Which nudge (index into the pool) a member gets as their `sequence`-th: a per-member shuffle.

    Every block of `size` consecutive sequence numbers is a permutation of the pool, so a member sees every
    nudge once before any repeats, and never the same one twice in a row; it costs no storage beyond the
    counter. If the pool itself changes size, the order starts afresh (a repeat is then possible once).
    """
    if size <= 0:
        raise ValueError("empty pool")
    if size == 1:
        return 0
    cycle, position = divmod(sequence, size)
    step, offset = _cycle_offset(user_id, cycle, size)
    return (step * position + offset) % size


# ---------------------------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class Personal:
    """What the bot knows that can make a nudge more personal; any of it may be missing."""

    days_since_checkin: int | None = None
    shots: int = 0
    feedback: str | None = None  # "unsent" (a draft waiting) or "follow_up" (a reply is overdue)
    hard_question: str | None = None
    plan_item: str | None = None  # an open item of the member's /plan to practise, which goes before a question


def addon_options(personal: Personal) -> list[str]:
    """The add-on kinds that fit what the bot knows today, most actionable first (variety.py picks one)."""
    options: list[str] = []
    if personal.feedback in ("follow_up", "unsent"):
        options.append(personal.feedback)
    days = personal.days_since_checkin  # a fresh rejection only lasts a day or two, so it goes before a question
    if days is not None and days >= LONG_GAP_DAYS:
        options.append("long_gap")
    elif days is not None and days <= 1:
        options.append("fresh")
    if personal.plan_item:  # what they chose to work on goes before any other question of theirs
        options.append("plan_item")
    elif personal.hard_question:
        options.append("hard_question")
    return options


def addon_text(kind: str, personal: Personal, text: Mapping[str, str] | None = None) -> str:
    """The words of one add-on kind, filled in."""
    text = text if text is not None else words()["personal"]
    question = personal.plan_item if kind == "plan_item" else personal.hard_question
    return text[kind].format(question=as_sentence(question or ""), days=personal.days_since_checkin)


def as_sentence(question: str) -> str:
    """A quoted question that ends as a sentence: "Why us" → "Why us?", "Tell me about yourself" → "… yourself."."""
    question = question.rstrip()
    if not question or question[-1] in ENDINGS:
        return question
    first = question.split(maxsplit=1)[0].lower().strip("“\"'").replace("’", "'").split("'")[0]
    return question + ("?" if first in QUESTION_WORDS else ".")


def footer_text(personal: Personal, nudge: ClaimedNudge, text: Mapping[str, str] | None = None) -> str:
    """Run progress and shots taken, e.g. 'Day 3 of 14 · Shots taken so far: 5'."""
    text = text if text is not None else words()["footer"]
    parts: list[str] = []
    if nudge.kind == PREVIEW:
        parts.append(text["preview"])
    elif nudge.run_day is not None:
        day = nudge.run_day
        parts.append(
            text["day_of"].format(day=day, days=nudge.run_days) if nudge.run_days else text["day"].format(day=day)
        )
    if personal.shots:
        parts.append(text["shots"].format(count=personal.shots))
    return " · ".join(parts)


def days_text(subscription: Subscription) -> str:
    """'until you stop them', '3 of 14 days left' style wording of a run."""
    text = words()["status"]
    if subscription.days_total is None:
        return str(text["until_stopped"])
    return plural(text["days_left"], subscription.days_total, left=subscription.days_left or 0)


def run_phrase(days: int | None) -> str:
    """'for 14 days', or 'until you stop them'."""
    text = words()["status"]
    if days is None:
        return str(text["until_stopped"])
    return plural(text["for_days"], days)


def mood_reply(level: int) -> str | None:
    """What the bot says to a logged mood of 1-5 (None for a level outside the scale)."""
    replies: list[str] = words()["mood"]["replies"]
    return replies[level - 1] if 1 <= level <= len(replies) else None
