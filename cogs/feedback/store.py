"""Feedback requests: the draft, its state from "drafted" to an outcome, the due times, and the notes kept."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Transaction

log = logging.getLogger(__name__)

TONES = ("brief", "warm", "formal")
STATES = ("drafted", "remind", "sent", "replied", "no_reply", "ghosted", "dismissed")
OPEN_STATES = ("drafted", "remind", "sent")
CLOSED_STATES = ("replied", "no_reply", "ghosted", "dismissed")

_SELECT = (
    "SELECT r.*, c.company_encrypted AS company_encrypted, c.role_encrypted AS role_encrypted FROM feedback_requests r "
    "LEFT JOIN checkins c ON c.id = r.checkin_id "
)


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
    """A feedback request; the encrypted texts are filled in only by `get_request`."""

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


async def create_request(
    database: Database,
    cipher: TextCipher,
    *,
    user_id: int,
    checkin_id: int | None,
    tone: str,
    interviewer_name: str | None,
    subject: str,
    body: str,
    now: datetime,
) -> int:
    """Store a new drafted request and return its id."""
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}")
    stamp = to_iso(now)
    async with database.transaction() as tx:
        await ensure_user(tx, user_id, now)
        return await tx.execute(
            "INSERT INTO feedback_requests (user_id, checkin_id, state, tone, interviewer_name_encrypted, "
            "subject_encrypted, body_encrypted, created_at, updated_at) VALUES (?, ?, 'drafted', ?, ?, ?, ?, ?, ?)",
            (
                user_id, checkin_id, tone, cipher.encrypt_optional(interviewer_name or None),
                cipher.encrypt(subject), cipher.encrypt(body), stamp, stamp,
            ),
        )


async def get_request(
    database: Database | Transaction, cipher: TextCipher, request_id: int, user_id: int
) -> FeedbackRequest | None:
    """One of the member's requests with its draft and interviewer name decrypted, or None."""
    row = await database.fetchone(_SELECT + "WHERE r.id = ? AND r.user_id = ?", (request_id, user_id))
    return None if row is None else _from_row(row, cipher)


async def open_requests(database: Database, cipher: TextCipher, user_id: int) -> list[FeedbackRequest]:
    """The member's requests still waiting on them or the company, newest first (draft texts not decrypted)."""
    rows = await database.fetchall(
        _SELECT + "WHERE r.user_id = ? AND r.state IN ('drafted', 'remind', 'sent') "
        "ORDER BY r.created_at DESC, r.id DESC",
        (user_id,),
    )
    return [_from_row(row, cipher, texts=False) for row in rows]


async def list_requests(database: Database, cipher: TextCipher, user_id: int, limit: int = 25) -> list[FeedbackRequest]:
    """All of the member's requests, newest first (draft texts not decrypted)."""
    rows = await database.fetchall(
        _SELECT + "WHERE r.user_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?", (user_id, limit)
    )
    return [_from_row(row, cipher, texts=False) for row in rows]


async def count_by_state(database: Database, user_id: int) -> dict[str, int]:
    """How many of the member's requests are in each state."""
    rows = await database.fetchall(
        "SELECT state, COUNT(*) AS n FROM feedback_requests WHERE user_id = ? GROUP BY state", (user_id,)
    )
    return {row["state"]: row["n"] for row in rows}


async def set_state(
    tx: Transaction,
    request_id: int,
    user_id: int,
    state: str,
    now: datetime,
    *,
    allowed_from: tuple[str, ...],
    next_action_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> bool:
    """Move a request to `state` if it is currently in one of `allowed_from`; False if not (or not theirs)."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    marks = ",".join("?" for _ in allowed_from)
    stamp = to_iso(now)
    closed = stamp if state in CLOSED_STATES else None
    changed = await tx.execute(
        "UPDATE feedback_requests SET state = ?, updated_at = ?, next_action_at = ?, "  # noqa: S608
        "sent_at = COALESCE(?, sent_at), closed_at = ? "
        f"WHERE id = ? AND user_id = ? AND state IN ({marks})",
        (
            state, stamp, None if next_action_at is None else to_iso(next_action_at),
            None if sent_at is None else to_iso(sent_at), closed, request_id, user_id, *allowed_from,
        ),
    )
    return changed > 0


async def record_ask(
    tx: Transaction, request_id: int, timer_id: int, next_action_at: datetime | None, now: datetime
) -> None:
    """Note that the "did they reply?" DM of a follow-up timer went out, and when the next one is due."""
    await tx.execute(
        "UPDATE feedback_requests SET asks = asks + 1, last_ask_timer_id = ?, next_action_at = ?, updated_at = ? "
        "WHERE id = ?",
        (timer_id, None if next_action_at is None else to_iso(next_action_at), to_iso(now), request_id),
    )


async def add_note(
    tx: Transaction,
    cipher: TextCipher,
    *,
    user_id: int,
    request_id: int | None,
    checkin_id: int | None,
    text: str,
    now: datetime,
) -> tuple[int, int | None]:
    """Keep what the company said; it joins the newest reflection on the same rejection. Returns (note, reflection)."""
    reflection_id: int | None = None
    if checkin_id is not None:
        value = await tx.fetchval(
            "SELECT id FROM reflections WHERE user_id = ? AND checkin_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (user_id, checkin_id),
        )
        reflection_id = None if value is None else int(value)
    note_id = await tx.execute(
        "INSERT INTO feedback_notes (user_id, request_id, checkin_id, reflection_id, text_encrypted, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, request_id, checkin_id, reflection_id, cipher.encrypt(text), to_iso(now)),
    )
    return note_id, reflection_id


async def notes_for_request(database: Database, cipher: TextCipher, request_id: int, user_id: int) -> list[str]:
    """The feedback the member noted for a request, oldest first."""
    rows = await database.fetchall(
        "SELECT text_encrypted FROM feedback_notes WHERE request_id = ? AND user_id = ? ORDER BY id",
        (request_id, user_id),
    )
    return [cipher.decrypt(row["text_encrypted"]) for row in rows]


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)


def _from_row(row: sqlite3.Row, cipher: TextCipher, *, texts: bool = True) -> FeedbackRequest:
    # Listings label requests by company and role but leave the drafts themselves encrypted.
    decrypt = cipher.decrypt_optional if texts else (lambda _text: None)
    return FeedbackRequest(
        id=row["id"],
        user_id=row["user_id"],
        checkin_id=row["checkin_id"],
        state=row["state"],
        tone=row["tone"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        sent_at=_optional_time(row["sent_at"]),
        next_action_at=_optional_time(row["next_action_at"]),
        closed_at=_optional_time(row["closed_at"]),
        asks=row["asks"],
        last_ask_timer_id=row["last_ask_timer_id"],
        company=cipher.decrypt_optional(row["company_encrypted"]),
        role=cipher.decrypt_optional(row["role_encrypted"]),
        interviewer_name=decrypt(row["interviewer_name_encrypted"]),
        subject=decrypt(row["subject_encrypted"]),
        body=decrypt(row["body_encrypted"]),
    )
