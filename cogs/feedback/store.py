"""Feedback requests (the draft, its state, its due times) and the notes kept of what companies said."""

from __future__ import annotations

from datetime import datetime

from bot import readmodel
from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Row, Transaction
from cogs.feedback.logic import CLOSED_STATES, STATES, TONES, FeedbackRequest

_SELECT = (
    "SELECT r.*, c.company_encrypted AS company_encrypted, c.role_encrypted AS role_encrypted FROM feedback_requests r "
    "LEFT JOIN checkins c ON c.id = r.checkin_id "
)


class FeedbackStore:
    """Reads and writes feedback requests and notes; methods taking `tx` run inside the caller's transaction."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def create(
        self,
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
        cipher, stamp = self._cipher, to_iso(now)
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            return await tx.execute(
                "INSERT INTO feedback_requests (user_id, checkin_id, state, tone, interviewer_name_encrypted, "
                "subject_encrypted, body_encrypted, created_at, updated_at) VALUES (?, ?, 'drafted', ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    checkin_id,
                    tone,
                    cipher.encrypt_optional(interviewer_name or None),
                    cipher.encrypt(subject),
                    cipher.encrypt(body),
                    stamp,
                    stamp,
                ),
            )

    async def get(self, request_id: int, user_id: int, tx: Transaction | None = None) -> FeedbackRequest | None:
        """One of the member's requests with its draft and interviewer name decrypted, or None."""
        row = await (tx or self._database).fetchone(_SELECT + "WHERE r.id = ? AND r.user_id = ?", (request_id, user_id))
        return None if row is None else self._from_row(row)

    async def open_requests(self, user_id: int) -> list[FeedbackRequest]:
        """The member's requests still waiting on them or the company, newest first (draft texts not decrypted)."""
        rows = await self._database.fetchall(
            _SELECT + "WHERE r.user_id = ? AND r.state IN ('drafted', 'remind', 'sent') "
            "ORDER BY r.created_at DESC, r.id DESC",
            (user_id,),
        )
        return [self._from_row(row, texts=False) for row in rows]

    async def recent(self, user_id: int, limit: int = 25) -> list[FeedbackRequest]:
        """All of the member's requests, newest first (draft texts not decrypted)."""
        rows = await self._database.fetchall(
            _SELECT + "WHERE r.user_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?", (user_id, limit)
        )
        return [self._from_row(row, texts=False) for row in rows]

    async def count_by_state(self, user_id: int) -> dict[str, int]:
        """How many of the member's requests are in each state."""
        rows = await self._database.fetchall(
            "SELECT state, COUNT(*) AS n FROM feedback_requests WHERE user_id = ? GROUP BY state", (user_id,)
        )
        return {row["state"]: row["n"] for row in rows}

    async def set_state(
        self,
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
                state,
                stamp,
                None if next_action_at is None else to_iso(next_action_at),
                None if sent_at is None else to_iso(sent_at),
                closed,
                request_id,
                user_id,
                *allowed_from,
            ),
        )
        return changed > 0

    async def record_ask(
        self, tx: Transaction, request_id: int, timer_id: int, next_action_at: datetime | None, now: datetime
    ) -> None:
        """Note that the "did they reply?" DM of a follow-up timer went out, and when the next one is due."""
        await tx.execute(
            "UPDATE feedback_requests SET asks = asks + 1, last_ask_timer_id = ?, next_action_at = ?, updated_at = ? "
            "WHERE id = ?",
            (timer_id, None if next_action_at is None else to_iso(next_action_at), to_iso(now), request_id),
        )

    async def add_note(
        self,
        tx: Transaction,
        *,
        user_id: int,
        request_id: int | None,
        checkin_id: int | None,
        text: str,
        now: datetime,
    ) -> tuple[int, int | None]:
        """Keep what the company said; it joins the newest reflection on the same rejection.

        Returns the note's id and the reflection's, if there is one.
        """
        reflection_id = None if checkin_id is None else await readmodel.latest_reflection_id(tx, user_id, checkin_id)
        note_id = await tx.execute(
            "INSERT INTO feedback_notes (user_id, request_id, checkin_id, reflection_id, text_encrypted, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, request_id, checkin_id, reflection_id, self._cipher.encrypt(text), to_iso(now)),
        )
        return note_id, reflection_id

    async def notes_for_request(self, request_id: int, user_id: int) -> list[str]:
        """The feedback the member noted for a request, oldest first."""
        rows = await self._database.fetchall(
            "SELECT text_encrypted FROM feedback_notes WHERE request_id = ? AND user_id = ? ORDER BY id",
            (request_id, user_id),
        )
        return [self._cipher.decrypt(row["text_encrypted"]) for row in rows]

    async def signature(self, user_id: int) -> str | None:
        """The name the member signs requests with, if they gave one."""
        value = await self._database.fetchval(
            "SELECT name_encrypted FROM feedback_signatures WHERE user_id = ?", (user_id,)
        )
        return self._cipher.decrypt_optional(value)

    async def set_signature(self, user_id: int, name: str, now: datetime) -> None:
        """Remember the name the member signs requests with (the latest one given wins)."""
        await self._database.execute(
            "INSERT INTO feedback_signatures (user_id, name_encrypted, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET name_encrypted = excluded.name_encrypted, "
            "updated_at = excluded.updated_at",
            (user_id, self._cipher.encrypt(name), to_iso(now)),
        )

    async def delete(self, tx: Transaction, request_id: int, user_id: int) -> bool:
        """Delete one of the member's requests and its notes; False if there was none."""
        await tx.execute("DELETE FROM feedback_notes WHERE request_id = ? AND user_id = ?", (request_id, user_id))
        return await tx.execute("DELETE FROM feedback_requests WHERE id = ? AND user_id = ?", (request_id, user_id)) > 0

    def _from_row(self, row: Row, *, texts: bool = True) -> FeedbackRequest:
        # Listings label requests by company and role but leave the drafts themselves encrypted.
        cipher = self._cipher
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


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else from_iso(text)
