"""Practice's tables: sessions, the questions asked (turns), encrypted answers, and the review list.

The member's own hard questions belong to reflection; they are read through `bot.readmodel`, never copied.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot import readmodel
from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Row, Transaction
from cogs.practice.analysis import OWN_CATEGORY
from cogs.practice.questions import (
    Pick,
    Question,
    ReviewItem,
    bank,
    category_of_key,
    choose,
    hard_id,
    hard_key,
    review_due,
    wants_own,
)

MAX_PLANNED = 10


@dataclass(frozen=True)
class Session:
    """One run of /practice."""

    id: int
    user_id: int
    category: str | None
    planned: int
    mock: bool
    source: str
    checkin_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Turn:
    """One question asked in a session."""

    id: int
    session_id: int
    user_id: int
    position: int
    question_key: str
    reason: str
    asked_at: datetime


@dataclass(frozen=True)
class Answer:
    """One attempt at a question, decrypted."""

    id: int
    turn_id: int
    user_id: int
    text: str
    codes: tuple[str, ...]
    score: int
    self_rating: int | None
    created_at: datetime


class PracticeStore:
    """Practice sessions, turns, answers (encrypted) and reviews, each scoped by the member's id."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self.database = database
        self.cipher = cipher

    # ------------------------------------------------------------ questions

    async def own_questions(self, user_id: int, limit: int = 50) -> list[Question]:
        """The member's own hard questions from their reflections, newest first."""
        return [
            Question(key=hard_key(item.id), category=OWN_CATEGORY, text=item.text, tip=None)
            for item in await readmodel.hard_questions(self.database, self.cipher, user_id, limit=limit)
        ]

    async def question_for_key(self, user_id: int, key: str) -> Question | None:
        """Look a question up by key; None if it no longer exists (e.g. its reflection was deleted)."""
        own_id = hard_id(key)
        if own_id is None:
            return bank().get(key)
        text = await readmodel.hard_question(self.database, self.cipher, user_id, own_id)
        return None if text is None else Question(key=key, category=OWN_CATEGORY, text=text, tip=None)

    async def last_asked(self, user_id: int) -> dict[str, datetime]:
        """When the member was last asked each question, by key."""
        rows = await self.database.fetchall(
            "SELECT question_key, MAX(asked_at) AS last FROM practice_turns WHERE user_id = ? GROUP BY question_key",
            (user_id,),
        )
        return {row["question_key"]: from_iso(row["last"]) for row in rows}

    async def pick_question(
        self,
        user_id: int,
        category: str | None,
        *,
        exclude: Collection[str],
        now: datetime,
        rng: random.Random | None = None,
    ) -> Pick | None:
        """Gather what the rules need (own questions, history, due reviews) and let `questions.choose` decide."""
        own = await self.own_questions(user_id) if wants_own(category) else []
        asked = await self.last_asked(user_id)
        due: list[tuple[ReviewItem, Question]] = []
        for item in await self.due_for_review(user_id, now):
            question = await self.question_for_key(user_id, item.question_key)
            if question is not None:  # a hard question whose reflection was deleted is skipped
                due.append((item, question))
        return choose(category, own=own, asked=asked, due=due, exclude=exclude, rng=rng or random.Random())

    # ------------------------------------------------------------ sessions and turns

    async def create_session(
        self,
        *,
        user_id: int,
        category: str | None,
        planned: int,
        source: str,
        now: datetime,
        checkin_id: int | None = None,
    ) -> int:
        """Start a practice session and return its id; more than one planned question makes it a mock interview."""
        planned = max(1, min(MAX_PLANNED, planned))
        async with self.database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            return await tx.execute(
                "INSERT INTO practice_sessions (user_id, category, planned, mock, source, checkin_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, category, planned, int(planned > 1), source, checkin_id, to_iso(now)),
            )

    async def get_session(self, session_id: int, user_id: int) -> Session | None:
        """One of the member's sessions, or None."""
        row = await self.database.fetchone(
            "SELECT * FROM practice_sessions WHERE id = ? AND user_id = ?", (session_id, user_id)
        )
        return None if row is None else _session(row)

    async def finish_session(self, session_id: int, user_id: int, now: datetime) -> None:
        """Mark a session finished (the first time only)."""
        await self.database.execute(
            "UPDATE practice_sessions SET finished_at = ? WHERE id = ? AND user_id = ? AND finished_at IS NULL",
            (to_iso(now), session_id, user_id),
        )

    async def add_turn(
        self,
        session_id: int,
        user_id: int,
        question_key: str,
        reason: str,
        now: datetime,
        *,
        position: int | None = None,
    ) -> Turn:
        """Ask a question in a session, at the next position or the one given.

        If that position was already taken (a second press of "Next question" racing the first), the turn
        already there is returned instead, so each position is asked once.
        """
        async with self.database.transaction() as tx:
            if position is None:
                last = await tx.fetchval(
                    "SELECT COALESCE(MAX(position), 0) FROM practice_turns WHERE session_id = ?", (session_id,)
                )
                position = int(last) + 1
            await tx.execute(
                "INSERT INTO practice_turns (session_id, user_id, position, question_key, reason, asked_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, position) DO NOTHING",
                (session_id, user_id, position, question_key, reason, to_iso(now)),
            )
            row = await tx.fetchone(
                "SELECT * FROM practice_turns WHERE session_id = ? AND position = ?", (session_id, position)
            )
        assert row is not None
        return _turn(row)

    async def get_turn(self, turn_id: int, user_id: int) -> Turn | None:
        """One of the member's turns, or None."""
        row = await self.database.fetchone(
            "SELECT * FROM practice_turns WHERE id = ? AND user_id = ?", (turn_id, user_id)
        )
        return None if row is None else _turn(row)

    async def turn_at(self, session_id: int, position: int) -> Turn | None:
        """The turn at a position of a session, if it has been asked."""
        row = await self.database.fetchone(
            "SELECT * FROM practice_turns WHERE session_id = ? AND position = ?", (session_id, position)
        )
        return None if row is None else _turn(row)

    async def session_turns(self, session_id: int, user_id: int) -> list[Turn]:
        """Every question asked in a session, in order."""
        rows = await self.database.fetchall(
            "SELECT * FROM practice_turns WHERE session_id = ? AND user_id = ? ORDER BY position",
            (session_id, user_id),
        )
        return [_turn(row) for row in rows]

    # ------------------------------------------------------------ answers and ratings

    async def save_answer(
        self, *, turn_id: int, user_id: int, text: str, codes: Iterable[str], score: int, now: datetime
    ) -> int:
        """Store an attempt (encrypted) with the finding codes of its check; return its id."""
        return await self.database.execute(
            "INSERT INTO practice_answers (turn_id, user_id, answer_encrypted, codes, score, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (turn_id, user_id, self.cipher.encrypt(text), ",".join(sorted(codes)), score, to_iso(now)),
        )

    async def get_answer(self, answer_id: int, user_id: int) -> Answer | None:
        """One of the member's answers, decrypted, or None."""
        row = await self.database.fetchone(
            "SELECT * FROM practice_answers WHERE id = ? AND user_id = ?", (answer_id, user_id)
        )
        return None if row is None else _answer(self.cipher, row)

    async def turn_answers(self, turn_id: int, user_id: int) -> list[Answer]:
        """Every attempt at one question, oldest first."""
        rows = await self.database.fetchall(
            "SELECT * FROM practice_answers WHERE turn_id = ? AND user_id = ? ORDER BY id", (turn_id, user_id)
        )
        return [_answer(self.cipher, row) for row in rows]

    async def delete_answer(self, answer_id: int, user_id: int) -> bool:
        """Delete one of the member's answers ("Delete this"); whether it was there."""
        deleted = await self.database.execute(
            "DELETE FROM practice_answers WHERE id = ? AND user_id = ?", (answer_id, user_id)
        )
        return deleted > 0

    async def rate_answer(
        self, *, answer_id: int, user_id: int, rating: int, now: datetime
    ) -> tuple[bool, ReviewItem | None]:
        """Record the member's own 1-5 rating and schedule (or clear) the question's review.

        Returns whether the answer was found, and the review now pending for its question (None when cleared).
        """
        if not 1 <= rating <= 5:
            raise ValueError("rating must be 1 to 5")
        async with self.database.transaction() as tx:
            row = await tx.fetchone(
                "SELECT t.question_key FROM practice_answers a JOIN practice_turns t ON t.id = a.turn_id "
                "WHERE a.id = ? AND a.user_id = ?",
                (answer_id, user_id),
            )
            if row is None:
                return False, None
            await tx.execute(
                "UPDATE practice_answers SET self_rating = ?, rated_at = ? WHERE id = ?",
                (rating, to_iso(now), answer_id),
            )
            return True, await self.schedule_review(user_id, row["question_key"], rating, now, tx=tx)

    async def schedule_review(
        self, user_id: int, question_key: str, rating: int, now: datetime, *, tx: Transaction
    ) -> ReviewItem | None:
        """A low rating (1-2) brings the question back later; a higher one takes it off the list."""
        due = review_due(rating, now)
        if due is None:
            await tx.execute(
                "DELETE FROM practice_reviews WHERE user_id = ? AND question_key = ?", (user_id, question_key)
            )
            return None
        await tx.execute(
            "INSERT INTO practice_reviews (user_id, question_key, category, last_rating, low_count, due_at, "
            "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (user_id, question_key) DO UPDATE SET "
            "last_rating = excluded.last_rating, due_at = excluded.due_at, updated_at = excluded.updated_at, "
            "low_count = practice_reviews.low_count + 1",
            (user_id, question_key, category_of_key(question_key), rating, to_iso(due), to_iso(now)),
        )
        row = await tx.fetchone(
            "SELECT * FROM practice_reviews WHERE user_id = ? AND question_key = ?", (user_id, question_key)
        )
        assert row is not None
        return _review(row)

    async def due_for_review(self, user_id: int, now: datetime) -> list[ReviewItem]:
        """Questions the member rated low that are due to come back by `now`, most overdue first."""
        rows = await self.database.fetchall(
            "SELECT * FROM practice_reviews WHERE user_id = ? AND due_at <= ? ORDER BY due_at, question_key",
            (user_id, to_iso(now)),
        )
        return [_review(row) for row in rows]

    async def pending_reviews(self, user_id: int) -> list[ReviewItem]:
        """Every question waiting to come back, due or not, soonest first."""
        rows = await self.database.fetchall(
            "SELECT * FROM practice_reviews WHERE user_id = ? ORDER BY due_at, question_key", (user_id,)
        )
        return [_review(row) for row in rows]


def _session(row: Row) -> Session:
    finished = row["finished_at"]
    return Session(
        id=row["id"],
        user_id=row["user_id"],
        category=row["category"],
        planned=row["planned"],
        mock=bool(row["mock"]),
        source=row["source"],
        checkin_id=row["checkin_id"],
        created_at=from_iso(row["created_at"]),
        finished_at=from_iso(finished) if finished else None,
    )


def _turn(row: Row) -> Turn:
    return Turn(
        id=row["id"],
        session_id=row["session_id"],
        user_id=row["user_id"],
        position=row["position"],
        question_key=row["question_key"],
        reason=row["reason"],
        asked_at=from_iso(row["asked_at"]),
    )


def _answer(cipher: TextCipher, row: Row) -> Answer:
    return Answer(
        id=row["id"],
        turn_id=row["turn_id"],
        user_id=row["user_id"],
        text=cipher.decrypt(row["answer_encrypted"]),
        codes=tuple(code for code in row["codes"].split(",") if code),
        score=row["score"],
        self_rating=row["self_rating"],
        created_at=from_iso(row["created_at"]),
    )


def _review(row: Row) -> ReviewItem:
    return ReviewItem(
        user_id=row["user_id"],
        question_key=row["question_key"],
        category=row["category"],
        last_rating=row["last_rating"],
        low_count=row["low_count"],
        due_at=from_iso(row["due_at"]),
    )
