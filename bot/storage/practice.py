"""Interview practice: sessions, the questions asked, encrypted answers, and spaced repetition of hard ones.

Questions come from two places: the bank in data/practice_questions.toml (key = its id, e.g.
"behavioural-07") and the member's own hard questions noted in a reflection (key = "hard:<id>",
read from the reflection feature's `hard_questions` table and decrypted on demand, never copied).
"""

from __future__ import annotations

import logging
import random
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from bot.clock import from_iso, to_iso
from bot.content import load_content
from bot.crypto import TextCipher
from bot.practice_feedback import CATEGORIES, OWN_CATEGORY
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Transaction
from bot.storage.reflections import list_hard_questions

log = logging.getLogger(__name__)

HARD_PREFIX = "hard:"
REVIEW_CATEGORY = "review"
MAX_PLANNED = 10
# How long until a question rated low comes back: long enough to forget the exact words, short enough to matter.
REVIEW_DELAYS: dict[int, timedelta] = {1: timedelta(days=1), 2: timedelta(days=3)}
LOW_RATING = 2


@dataclass(frozen=True)
class Question:
    """A practice question: from the bank (with a tip) or one of the member's own (tip is None)."""

    key: str
    category: str
    text: str
    tip: str | None

    @property
    def is_own(self) -> bool:
        """True for a hard question the member noted in a reflection."""
        return self.key.startswith(HARD_PREFIX)


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


@dataclass(frozen=True)
class ReviewItem:
    """A question the member rated low, and when it is due to come back."""

    user_id: int
    question_key: str
    category: str
    last_rating: int
    low_count: int
    due_at: datetime


@dataclass(frozen=True)
class Pick:
    """The next question to ask, and why it was chosen (bank, hard or review)."""

    question: Question
    reason: str
    review: ReviewItem | None = None


# ---------------------------------------------------------------- questions


@cache
def bank() -> dict[str, Question]:
    """Every question of data/practice_questions.toml, by id."""
    return {
        row["id"]: Question(key=row["id"], category=row["category"], text=row["text"], tip=row["tip"])
        for row in load_content("practice_questions")["question"]
    }


def hard_key(hard_question_id: int) -> str:
    """The question key of a member's own hard question."""
    return f"{HARD_PREFIX}{hard_question_id}"


def category_of_key(key: str) -> str:
    """The category a question key belongs to ("mine" for own hard questions)."""
    if key.startswith(HARD_PREFIX):
        return OWN_CATEGORY
    question = bank().get(key)
    return question.category if question else OWN_CATEGORY


async def own_questions(database: Database, cipher: TextCipher, user_id: int, limit: int = 50) -> list[Question]:
    """The member's own hard questions from their reflections, newest first."""
    return [
        Question(key=hard_key(item.id), category=OWN_CATEGORY, text=item.text, tip=None)
        for item in await list_hard_questions(database, cipher, user_id, limit=limit)
    ]


async def question_for_key(database: Database, cipher: TextCipher, user_id: int, key: str) -> Question | None:
    """Look a question up by key; None if it no longer exists (e.g. its reflection was deleted)."""
    if not key.startswith(HARD_PREFIX):
        return bank().get(key)
    row = await database.fetchone(
        "SELECT id, text_encrypted FROM hard_questions WHERE id = ? AND user_id = ?",
        (int(key.removeprefix(HARD_PREFIX)), user_id),
    )
    if row is None:
        return None
    return Question(key=key, category=OWN_CATEGORY, text=cipher.decrypt(row["text_encrypted"]), tip=None)


async def last_asked(database: Database, user_id: int) -> dict[str, datetime]:
    """When the member was last asked each question, by key."""
    rows = await database.fetchall(
        "SELECT question_key, MAX(asked_at) AS last FROM practice_turns WHERE user_id = ? GROUP BY question_key",
        (user_id,),
    )
    return {row["question_key"]: from_iso(row["last"]) for row in rows}


def _matches(category: str | None, key: str) -> bool:
    if category in (None, REVIEW_CATEGORY):
        return True
    return category_of_key(key) == category


async def pick_question(
    database: Database, cipher: TextCipher, user_id: int, category: str | None, *,
    exclude: Collection[str], now: datetime, rng: random.Random | None = None,
) -> Pick | None:
    """Choose the next question: own hard questions first, then ones due for review, then the bank.

    `category` is a bank category, "mine", "review" or None (any). Questions in `exclude` (already asked
    in this session) are skipped. Among bank questions, ones never asked come first, then the least recent.
    """
    rng = rng or random.Random()
    own = await own_questions(database, cipher, user_id) if category in (None, OWN_CATEGORY) else []
    asked = await last_asked(database, user_id)
    due = [item for item in await due_for_review(database, user_id, now) if item.question_key not in exclude]
    due = [item for item in due if _matches(category, item.question_key)]

    if category == REVIEW_CATEGORY:
        for item in due:
            question = await question_for_key(database, cipher, user_id, item.question_key)
            if question is not None:
                return Pick(question, "review", item)
    fresh_own = [question for question in own if question.key not in asked and question.key not in exclude]
    if fresh_own:
        return Pick(fresh_own[0], "hard")
    for item in due:
        question = await question_for_key(database, cipher, user_id, item.question_key)
        if question is not None:
            return Pick(question, "review", item)
    if category == OWN_CATEGORY:
        practised = sorted(
            (question for question in own if question.key not in exclude), key=lambda question: asked[question.key]
        )
        if practised:
            return Pick(practised[0], "hard")
    pool = [
        question for question in bank().values()
        if question.key not in exclude and (category not in CATEGORIES or question.category == category)
    ]
    if not pool:
        return None
    never = [question for question in pool if question.key not in asked]
    if never:
        return Pick(rng.choice(never), "bank")
    oldest = min(asked[question.key] for question in pool)
    return Pick(rng.choice([question for question in pool if asked[question.key] == oldest]), "bank")


# ---------------------------------------------------------------- sessions and turns


async def create_session(
    database: Database, *, user_id: int, category: str | None, planned: int, source: str, now: datetime,
    checkin_id: int | None = None,
) -> int:
    """Start a practice session and return its id; more than one planned question makes it a mock interview."""
    planned = max(1, min(MAX_PLANNED, planned))
    async with database.transaction() as tx:
        await ensure_user(tx, user_id, now)
        return await tx.execute(
            "INSERT INTO practice_sessions (user_id, category, planned, mock, source, checkin_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, category, planned, int(planned > 1), source, checkin_id, to_iso(now)),
        )


async def get_session(database: Database, session_id: int, user_id: int) -> Session | None:
    """One of the member's sessions, or None."""
    row = await database.fetchone(
        "SELECT * FROM practice_sessions WHERE id = ? AND user_id = ?", (session_id, user_id)
    )
    return None if row is None else _session(row)


async def finish_session(database: Database, session_id: int, user_id: int, now: datetime) -> None:
    """Mark a session finished (the first time only)."""
    await database.execute(
        "UPDATE practice_sessions SET finished_at = ? WHERE id = ? AND user_id = ? AND finished_at IS NULL",
        (to_iso(now), session_id, user_id),
    )


async def add_turn(
    database: Database, session_id: int, user_id: int, question_key: str, reason: str, now: datetime,
    *, position: int | None = None,
) -> Turn:
    """Ask a question in a session, at the next position or the one given.

    If that position was already taken (a second press of "Next question" racing the first), the turn
    already there is returned instead, so each position is asked once.
    """
    async with database.transaction() as tx:
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


async def get_turn(database: Database, turn_id: int, user_id: int) -> Turn | None:
    """One of the member's turns, or None."""
    row = await database.fetchone("SELECT * FROM practice_turns WHERE id = ? AND user_id = ?", (turn_id, user_id))
    return None if row is None else _turn(row)


async def turn_at(database: Database, session_id: int, position: int) -> Turn | None:
    """The turn at a position of a session, if it has been asked."""
    row = await database.fetchone(
        "SELECT * FROM practice_turns WHERE session_id = ? AND position = ?", (session_id, position)
    )
    return None if row is None else _turn(row)


async def session_turns(database: Database, session_id: int, user_id: int) -> list[Turn]:
    """Every question asked in a session, in order."""
    rows = await database.fetchall(
        "SELECT * FROM practice_turns WHERE session_id = ? AND user_id = ? ORDER BY position", (session_id, user_id)
    )
    return [_turn(row) for row in rows]


# ---------------------------------------------------------------- answers and ratings


async def save_answer(
    database: Database, cipher: TextCipher, *, turn_id: int, user_id: int, text: str,
    codes: Iterable[str], score: int, now: datetime,
) -> int:
    """Store an attempt (encrypted) with the finding codes of its check; return its id."""
    return await database.execute(
        "INSERT INTO practice_answers (turn_id, user_id, answer_encrypted, codes, score, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (turn_id, user_id, cipher.encrypt(text), ",".join(sorted(codes)), score, to_iso(now)),
    )


async def get_answer(database: Database, cipher: TextCipher, answer_id: int, user_id: int) -> Answer | None:
    """One of the member's answers, decrypted, or None."""
    row = await database.fetchone(
        "SELECT * FROM practice_answers WHERE id = ? AND user_id = ?", (answer_id, user_id)
    )
    return None if row is None else _answer(cipher, row)


async def turn_answers(database: Database, cipher: TextCipher, turn_id: int, user_id: int) -> list[Answer]:
    """Every attempt at one question, oldest first."""
    rows = await database.fetchall(
        "SELECT * FROM practice_answers WHERE turn_id = ? AND user_id = ? ORDER BY id", (turn_id, user_id)
    )
    return [_answer(cipher, row) for row in rows]


async def rate_answer(
    database: Database, *, answer_id: int, user_id: int, rating: int, now: datetime
) -> tuple[bool, ReviewItem | None]:
    """Record the member's own 1-5 rating and schedule (or clear) the question's review.

    Returns whether the answer was found, and the review now pending for its question (None when cleared).
    """
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1 to 5")
    async with database.transaction() as tx:
        row = await tx.fetchone(
            "SELECT t.question_key FROM practice_answers a JOIN practice_turns t ON t.id = a.turn_id "
            "WHERE a.id = ? AND a.user_id = ?",
            (answer_id, user_id),
        )
        if row is None:
            return False, None
        await tx.execute(
            "UPDATE practice_answers SET self_rating = ?, rated_at = ? WHERE id = ?", (rating, to_iso(now), answer_id)
        )
        return True, await schedule_review(tx, user_id, row["question_key"], rating, now)


async def schedule_review(
    tx: Transaction, user_id: int, question_key: str, rating: int, now: datetime
) -> ReviewItem | None:
    """A low rating (1-2) brings the question back later; a higher one takes it off the list."""
    if rating > LOW_RATING:
        await tx.execute("DELETE FROM practice_reviews WHERE user_id = ? AND question_key = ?", (user_id, question_key))
        return None
    due = now + REVIEW_DELAYS[rating]
    category = category_of_key(question_key)
    await tx.execute(
        "INSERT INTO practice_reviews (user_id, question_key, category, last_rating, low_count, due_at, updated_at) "
        "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (user_id, question_key) DO UPDATE SET "
        "last_rating = excluded.last_rating, due_at = excluded.due_at, updated_at = excluded.updated_at, "
        "low_count = practice_reviews.low_count + 1",
        (user_id, question_key, category, rating, to_iso(due), to_iso(now)),
    )
    row = await tx.fetchone(
        "SELECT * FROM practice_reviews WHERE user_id = ? AND question_key = ?", (user_id, question_key)
    )
    assert row is not None
    return _review(row)


async def due_for_review(database: Database, user_id: int, now: datetime) -> list[ReviewItem]:
    """Questions the member rated low that are due to come back by `now`, most overdue first (for nudges too)."""
    rows = await database.fetchall(
        "SELECT * FROM practice_reviews WHERE user_id = ? AND due_at <= ? ORDER BY due_at, question_key",
        (user_id, to_iso(now)),
    )
    return [_review(row) for row in rows]


async def pending_reviews(database: Database, user_id: int) -> list[ReviewItem]:
    """Every question waiting to come back, due or not, soonest first."""
    rows = await database.fetchall(
        "SELECT * FROM practice_reviews WHERE user_id = ? ORDER BY due_at, question_key", (user_id,)
    )
    return [_review(row) for row in rows]


def start_custom_id(category: str, owner_id: int) -> str:
    """Custom id of a button that starts one practice question (e.g. "review" from a nudge); /practice owns it."""
    return f"practice:start:{category}:{owner_id}"


# ---------------------------------------------------------------- rows


def _session(row: sqlite3.Row) -> Session:
    finished = row["finished_at"]
    return Session(
        id=row["id"], user_id=row["user_id"], category=row["category"], planned=row["planned"],
        mock=bool(row["mock"]), source=row["source"], checkin_id=row["checkin_id"],
        created_at=from_iso(row["created_at"]), finished_at=from_iso(finished) if finished else None,
    )


def _turn(row: sqlite3.Row) -> Turn:
    return Turn(
        id=row["id"], session_id=row["session_id"], user_id=row["user_id"], position=row["position"],
        question_key=row["question_key"], reason=row["reason"], asked_at=from_iso(row["asked_at"]),
    )


def _answer(cipher: TextCipher, row: sqlite3.Row) -> Answer:
    return Answer(
        id=row["id"], turn_id=row["turn_id"], user_id=row["user_id"], text=cipher.decrypt(row["answer_encrypted"]),
        codes=tuple(code for code in row["codes"].split(",") if code), score=row["score"],
        self_rating=row["self_rating"], created_at=from_iso(row["created_at"]),
    )


def _review(row: sqlite3.Row) -> ReviewItem:
    return ReviewItem(
        user_id=row["user_id"], question_key=row["question_key"], category=row["category"],
        last_rating=row["last_rating"], low_count=row["low_count"], due_at=from_iso(row["due_at"]),
    )
