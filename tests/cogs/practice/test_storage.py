"""Practice's store and question picking: choosing questions, encrypted answers, spaced repetition of low-rated ones."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.clock import to_iso
from bot.crypto import TextCipher
from bot.storage import Database
from cogs.practice import questions
from cogs.practice.store import MAX_PLANNED, PracticeStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ALEX, BOB = 111, 222


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "practice.sqlite3")
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def cipher() -> TextCipher:
    return TextCipher(Fernet.generate_key())


@pytest.fixture
def store(database: Database, cipher: TextCipher) -> PracticeStore:
    return PracticeStore(database, cipher)


async def add_hard_question(database: Database, cipher: TextCipher, user_id: int, text: str, when: datetime) -> int:
    """Write a hard question the way the reflection feature does."""
    return await database.execute(
        "INSERT INTO hard_questions (user_id, text_encrypted, created_at) VALUES (?, ?, ?)",
        (user_id, cipher.encrypt(text), to_iso(when)),
    )


async def ask_and_rate(store: PracticeStore, user_id: int, key: str, rating: int) -> int:
    """One session, one turn, one answer with a rating; returns the answer id."""
    session = await store.create_session(user_id=user_id, category=None, planned=1, source="test", now=NOW)
    turn = await store.add_turn(session, user_id, key, "bank", NOW)
    answer = await store.save_answer(
        turn_id=turn.id, user_id=user_id, text="my answer", codes=["star_task"], score=40, now=NOW
    )
    found, _ = await store.rate_answer(answer_id=answer, user_id=user_id, rating=rating, now=NOW)
    assert found
    return answer


def test_bank_has_enough_questions_in_every_category() -> None:
    bank = questions.bank()
    assert len(bank) >= 80
    for category in ("behavioural", "motivation", "situational", "technical"):
        assert sum(q.category == category for q in bank.values()) >= 20
    assert all(q.tip for q in bank.values())


async def test_own_hard_questions_come_first_newest_first(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    await add_hard_question(database, cipher, ALEX, "Why did you leave?", NOW - timedelta(days=2))
    newest = await add_hard_question(database, cipher, ALEX, "Where do you see yourself?", NOW - timedelta(days=1))
    await add_hard_question(database, cipher, BOB, "Bob's question", NOW)
    pick = await store.pick_question(ALEX, None, exclude=(), now=NOW)
    assert pick is not None
    expected = (questions.hard_key(newest), "Where do you see yourself?", "hard")
    assert (pick.question.key, pick.question.text, pick.reason) == expected
    assert pick.question.is_own and pick.question.tip is None
    # A bank category never serves own questions.
    bank_pick = await store.pick_question(ALEX, "technical", exclude=(), now=NOW)
    assert bank_pick is not None and bank_pick.question.category == "technical"


async def test_my_hard_questions_cycle_through_the_least_recently_practised(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    first = questions.hard_key(await add_hard_question(database, cipher, ALEX, "One", NOW - timedelta(days=2)))
    second = questions.hard_key(await add_hard_question(database, cipher, ALEX, "Two", NOW - timedelta(days=1)))
    session = await store.create_session(user_id=ALEX, category="mine", planned=1, source="t", now=NOW)
    await store.add_turn(session, ALEX, second, "hard", NOW)
    await store.add_turn(session, ALEX, first, "hard", NOW + timedelta(hours=1))
    pick = await store.pick_question(ALEX, "mine", exclude=(), now=NOW)
    assert pick is not None and pick.question.key == second
    # Once all own questions were asked in this session, practice carries on from the bank.
    pick = await store.pick_question(ALEX, "mine", exclude={first, second}, now=NOW)
    assert pick is not None and not pick.question.is_own


async def test_bank_questions_not_yet_asked_come_before_repeats(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    keys = [key for key, q in questions.bank().items() if q.category == "motivation"]
    session = await store.create_session(user_id=ALEX, category="motivation", planned=1, source="t", now=NOW)
    for key in keys[:-1]:
        await store.add_turn(session, ALEX, key, "bank", NOW)
    pick = await store.pick_question(ALEX, "motivation", exclude=(), now=NOW, rng=random.Random(1))
    assert pick is not None and pick.question.key == keys[-1]
    assert await store.pick_question(ALEX, "motivation", exclude=set(keys), now=NOW) is None


async def test_answers_are_encrypted_and_private(database: Database, cipher: TextCipher, store: PracticeStore) -> None:
    answer = await ask_and_rate(store, ALEX, "behavioural-01", 4)
    raw = await database.fetchval("SELECT answer_encrypted FROM practice_answers WHERE id = ?", (answer,))
    assert "my answer" not in raw and cipher.decrypt(raw) == "my answer"
    stored = await store.get_answer(answer, ALEX)
    assert stored is not None and (stored.text, stored.self_rating, stored.codes) == ("my answer", 4, ("star_task",))
    assert await store.get_answer(answer, BOB) is None
    found, review = await store.rate_answer(answer_id=answer, user_id=BOB, rating=1, now=NOW)
    assert (found, review) == (False, None)


@pytest.mark.parametrize(("rating", "delay"), [(1, timedelta(days=1)), (2, timedelta(days=3))])
async def test_low_rating_comes_back_after_its_delay(
    database: Database, cipher: TextCipher, rating: int, delay: timedelta, store: PracticeStore
) -> None:
    await ask_and_rate(store, ALEX, "situational-03", rating)
    assert await store.due_for_review(ALEX, NOW + delay - timedelta(seconds=1)) == []
    (item,) = await store.due_for_review(ALEX, NOW + delay)
    assert (item.question_key, item.category, item.last_rating, item.due_at) == (
        "situational-03",
        "situational",
        rating,
        NOW + delay,
    )
    assert await store.due_for_review(BOB, NOW + delay) == []
    pick = await store.pick_question(ALEX, "situational", exclude=(), now=NOW + delay)
    assert pick is not None and (pick.question.key, pick.reason) == ("situational-03", "review")
    # A different category doesn't serve it; "review" and "any" do.
    other = await store.pick_question(ALEX, "technical", exclude=(), now=NOW + delay)
    assert other is not None and other.reason == "bank"
    for category in (None, questions.REVIEW_CATEGORY):
        pick = await store.pick_question(ALEX, category, exclude=(), now=NOW + delay)
        assert pick is not None and pick.question.key == "situational-03"


async def test_a_good_rating_takes_the_question_off_the_list(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    await ask_and_rate(store, ALEX, "technical-02", 1)
    await ask_and_rate(store, ALEX, "technical-02", 2)
    (item,) = await store.pending_reviews(ALEX)
    assert (item.low_count, item.last_rating) == (2, 2)
    await ask_and_rate(store, ALEX, "technical-02", 3)
    assert await store.pending_reviews(ALEX) == []


async def test_own_question_deleted_with_its_reflection_is_skipped(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    hard_id = await add_hard_question(database, cipher, ALEX, "Tell me about a failure", NOW)
    key = questions.hard_key(hard_id)
    await ask_and_rate(store, ALEX, key, 1)
    await database.execute("DELETE FROM hard_questions WHERE id = ?", (hard_id,))
    assert await store.question_for_key(ALEX, key) is None
    pick = await store.pick_question(ALEX, None, exclude=(), now=NOW + timedelta(days=2))
    assert pick is not None and pick.question.key != key


async def test_someone_elses_hard_question_is_not_mine(
    database: Database, cipher: TextCipher, store: PracticeStore
) -> None:
    hard_id = await add_hard_question(database, cipher, BOB, "Bob's", NOW)
    assert await store.question_for_key(ALEX, questions.hard_key(hard_id)) is None


async def test_turns_take_the_next_position(database: Database, store: PracticeStore) -> None:
    session = await store.create_session(user_id=ALEX, category=None, planned=3, source="t", now=NOW)
    first = await store.add_turn(session, ALEX, "behavioural-01", "bank", NOW)
    second = await store.add_turn(session, ALEX, "behavioural-02", "bank", NOW)
    assert (first.position, second.position) == (1, 2)
    assert await store.turn_at(session, 2) == second
    loaded = await store.get_session(session, ALEX)
    assert loaded is not None and loaded.mock and loaded.planned == 3
    assert await store.get_session(session, BOB) is None


async def test_planned_is_kept_within_limits(database: Database, store: PracticeStore) -> None:
    session = await store.create_session(user_id=ALEX, category=None, planned=50, source="t", now=NOW)
    loaded = await store.get_session(session, ALEX)
    assert loaded is not None and loaded.planned == MAX_PLANNED


async def test_every_practice_table_carries_user_id(database: Database) -> None:
    for table in ("practice_sessions", "practice_turns", "practice_answers", "practice_reviews"):
        assert "user_id" in await database.column_names(table)


async def test_a_position_is_asked_only_once(database: Database, store: PracticeStore) -> None:
    session = await store.create_session(user_id=ALEX, category=None, planned=3, source="t", now=NOW)
    first = await store.add_turn(session, ALEX, "behavioural-01", "bank", NOW, position=2)
    racing = await store.add_turn(session, ALEX, "behavioural-09", "bank", NOW, position=2)
    assert racing == first and racing.question_key == "behavioural-01"
    assert len(await store.session_turns(session, ALEX)) == 1
