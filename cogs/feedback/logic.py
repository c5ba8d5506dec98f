"""Feedback's rules: requests and their states, the follow-up schedule, and the drafts in the member's details."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import discord_timestamp
from bot.content import load_content, plural
from bot.storage.checkins import Checkin

TONES = ("brief", "warm", "formal")
DEFAULT_TONE = "warm"
STATES = ("drafted", "remind", "sent", "replied", "no_reply", "ghosted", "dismissed")
OPEN_STATES = ("drafted", "remind", "sent")
CLOSED_STATES = ("replied", "no_reply", "ghosted", "dismissed")
# What the buttons under a draft or a follow-up do; each is the action part of their custom ids.
ACTIONS = ("sent", "remind", "notnow", "replied", "notyet", "noreply")
MAX_NAME = 80
MAX_MESSAGE = 2000
MINUTE, HOUR, DAY, WEEK = 60, 3600, 86_400, 7 * 86_400
UNESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()-])")


def words() -> dict[str, Any]:
    """Drafts and messages, from data/feedback_templates.toml."""
    return load_content("feedback_templates")


def texts() -> dict[str, Any]:
    """Buttons, forms, the list and error texts, from data/feedback.toml."""
    return load_content("feedback")


@dataclass(frozen=True)
class FeedbackSchedule:
    """When reminders, follow-ups and the ghosting cut-off fall due (the delays come from settings)."""

    remind_delay: timedelta
    followup_delay: timedelta
    ghosted_after: timedelta

    @classmethod
    def from_settings(cls, settings: Any) -> FeedbackSchedule:
        """Build from Settings (feedback_*_seconds)."""
        return cls(
            remind_delay=timedelta(seconds=settings.feedback_remind_delay_seconds),
            followup_delay=timedelta(seconds=settings.feedback_followup_delay_seconds),
            ghosted_after=timedelta(seconds=settings.feedback_ghosted_after_seconds),
        )

    def remind_at(self, now: datetime) -> datetime:
        """When "Remind me" sends the draft again."""
        return now + self.remind_delay

    def ghosted_at(self, sent_at: datetime) -> datetime:
        """The moment a sent request without an answer counts as ghosted."""
        return sent_at + self.ghosted_after

    def first_followup_at(self, sent_at: datetime) -> datetime:
        """The first "did they reply?" after "I sent it" (never later than the cut-off)."""
        return min(sent_at + self.followup_delay, self.ghosted_at(sent_at))

    def next_followup_at(self, sent_at: datetime, now: datetime) -> datetime:
        """The next ask after "Not yet" (or an unanswered ask) at `now`; at the cut-off it becomes the ghosting."""
        return min(now + self.followup_delay, self.ghosted_at(sent_at))

    def is_ghosted(self, sent_at: datetime, now: datetime) -> bool:
        """True once the cut-off has passed without an answer."""
        return now >= self.ghosted_at(sent_at)


@dataclass(frozen=True)
class FeedbackRequest:
    """A feedback request; the encrypted texts are filled in only when one request is fetched."""

    id: int
    user_id: int
    checkin_id: int | None
    state: str
    tone: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    next_action_at: datetime | None
    closed_at: datetime | None
    asks: int
    last_ask_timer_id: int | None
    company: str | None
    role: str | None
    interviewer_name: str | None = None
    subject: str | None = None
    body: str | None = None

    @property
    def is_open(self) -> bool:
        """Still waiting for the member or the company."""
        return self.state in OPEN_STATES

    def follow_up_due(self, now: datetime) -> bool:
        """True when a sent request's next "did they reply?" is due (for other features to mention)."""
        return self.state == "sent" and self.next_action_at is not None and self.next_action_at <= now

    def describe(self) -> str:
        """A short label, e.g. 'Acme — Data Analyst'."""
        return " — ".join(part for part in (self.company, self.role) if part) or "A rejection"


@dataclass(frozen=True)
class Draft:
    """A ready-to-copy feedback request."""

    subject: str
    body: str


def plain(text: str | None) -> str:
    """Undo Discord markdown escaping and drop backticks, so text reads right inside a code block."""
    return UNESCAPE.sub(r"\1", text or "").replace("`", "'")


def clean_name(text: str | None) -> str | None:
    """An interviewer's name fit for a greeting: one line, no backticks, not too long."""
    collapsed = " ".join((text or "").replace("`", "'").split())[:MAX_NAME]
    return collapsed or None


def humanize_delay(seconds: float) -> str:
    """A delay in words: "2 days", "3 weeks", "4 hours", "30 seconds"."""
    total = max(1, round(seconds))
    if total >= 2 * WEEK and total % WEEK == 0:
        count, unit = total // WEEK, "week"
    elif total >= DAY:
        count, unit = round(total / DAY), "day"
    elif total >= HOUR:
        count, unit = round(total / HOUR), "hour"
    elif total >= MINUTE:
        count, unit = round(total / MINUTE), "minute"
    else:
        count, unit = total, "second"
    return plural(texts()["units"][unit], count)


def role_phrase(role: str) -> str:
    """'the Data Analyst role', or 'the Analyst position' as typed."""
    phrases = texts()["phrases"]
    as_is = role.casefold().endswith(tuple(phrases["role_words"]))
    return str(phrases["role_as_is" if as_is else "role"]).format(role=role)


def about_phrase(company: str | None, role: str | None) -> str:
    """What the request is about, for messages: "the Data Analyst role at Acme", "your interview at Acme"."""
    company, role = plain(company) or None, plain(role) or None
    phrases = texts()["phrases"]
    if company and role:
        return str(phrases["role_at_company"]).format(role_phrase=role_phrase(role), company=company)
    if company:
        return str(phrases["interview_at"]).format(company=company)
    return role_phrase(role) if role else str(phrases["recent_interview"])


def placeholders(
    company: str | None, role: str | None, interviewer: str | None, sender: str | None, tone: str
) -> dict[str, str]:
    """The values a draft template is filled with; the company is named once, in {position}."""
    company, role = plain(company) or None, plain(role) or None
    greetings, phrases = words()["greetings"][tone], texts()["phrases"]
    name = clean_name(interviewer)
    if company and role:
        position = phrases["role_at_company"].format(role_phrase=role_phrase(role), company=company)
        subject_position = phrases["subject_role_at"].format(role=role, company=company)
    elif company:
        position, subject_position = phrases["role_at"].format(company=company), company
    elif role:
        position, subject_position = role_phrase(role), role
    else:
        position, subject_position = phrases["the_role"], phrases["open_role"]
    return {
        "greeting": greetings["named"].format(name=name) if name else greetings["unnamed"],
        "position": position,
        "subject_position": subject_position,
        "team": phrases["your_team"],  # they work there: naming the company again reads like a form letter
        "sender": clean_name(sender) or str(words()["sign_placeholder"]),
    }


def compose_draft(
    variant: dict[str, str],
    *,
    tone: str,
    company: str | None,
    role: str | None,
    interviewer: str | None,
    sender: str | None,
) -> Draft:
    """Fill one template variant with the rejection's details."""
    values = placeholders(company, role, interviewer, sender, tone)
    return Draft(subject=variant["subject"].format(**values), body=variant["body"].format(**values).strip())


def draft_message(intro: str, subject: str, body: str) -> str:
    """The draft as a message: a line of intro, then subject and body in code blocks so they copy cleanly."""
    text = f"{intro}\n\n**Subject**\n```\n{subject}\n```\n**Message**\n```\n{body}\n```"
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 4] + "\n```"


def choice_label(checkin: Checkin) -> str:
    """How a check-in appears in the autocomplete list."""
    day = checkin.created_at
    label = f"{plain(checkin.describe())} · {day.day} {day:%b %Y}"
    return label if len(label) <= 100 else label[:99] + "…"


def when(moment: datetime | None, style: str) -> str:
    """A date as Discord shows it in the member's own locale, or "soon" when not known yet."""
    return discord_timestamp(moment, style) if moment else str(texts()["soon"])


def state_line(request: FeedbackRequest) -> str:
    """One line saying where a request stands."""
    line = str(texts()["state_lines"][request.state])
    return line.format(next=when(request.next_action_at, "R"), sent=when(request.sent_at, "d"))


def closed_counts(counts: dict[str, int]) -> list[str]:
    """The closed requests by outcome, e.g. ["2 replied", "1 set aside"]."""
    labels = texts()["list"]
    return [plural(labels[state], counts[state]) for state in CLOSED_STATES if counts.get(state)]


def already(request: FeedbackRequest) -> str:
    """A kind reply for a button pressed after the request moved on."""
    replies = texts()["already"]
    if request.state == "sent":
        return str(replies["sent"]).format(when=when(request.next_action_at, "R"))
    if request.state in ("replied", "no_reply", "ghosted"):
        return str(replies["closed"])
    if request.state == "dismissed":
        return str(replies["dismissed"])
    return str(replies["noted"])


def fits_title(text: str, limit: int = 45) -> str:
    """Cut a modal title to Discord's limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
