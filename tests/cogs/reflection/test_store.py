"""Reflections and hard questions in the database: encrypted, owned, newest first, joined by feedback notes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import TextCipher
from bot.storage import Database
from bot.storage.checkins import CheckinRepository
from cogs.feedback.store import FeedbackStore
from cogs.reflection.store import ReflectionStore

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ALEX, BOB = 111, 222


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "reflections.sqlite3")
    yield db
    await db.close()


@pytest.fixture
def cipher() -> TextCipher:
    return TextCipher(Fernet.generate_key())


async def test_reflection_round_trip_is_encrypted_at_rest(database: Database, cipher: TextCipher) -> None:
    reflections = ReflectionStore(database, cipher)
    checkins = CheckinRepository(database, cipher)
    checkin_id = await checkins.create(user_id=ALEX, guild_id=1, now=NOW, company="Acme", role="Analyst", stage=None)
    reflection_id = await reflections.save(
        user_id=ALEX,
        checkin_id=checkin_id,
        now=NOW,
        went_well="My SQL answer was sharp",
        practise_next="Stakeholder stories",
        do_differently=None,
        hard_questions=["Why us?", "A conflict story"],
    )
    reflection = await reflections.get(reflection_id, ALEX)
    assert reflection is not None
    assert (reflection.id, reflection.checkin_id, reflection.went_well) == (
        reflection_id,
        checkin_id,
        "My SQL answer was sharp",
    )
    assert reflection.practise_next == "Stakeholder stories"
    assert reflection.do_differently is None
    assert reflection.hard_questions == ("Why us?", "A conflict story")
    assert await reflections.get(reflection_id, BOB) is None
    raw = await database.fetchone("SELECT * FROM reflections")
    assert raw is not None and "SQL" not in raw["went_well_encrypted"]
    rows = await database.fetchall("SELECT text_encrypted, reflection_id, checkin_id FROM hard_questions")
    assert len(rows) == 2 and all("Why" not in row["text_encrypted"] for row in rows)
    assert {(row["reflection_id"], row["checkin_id"]) for row in rows} == {(reflection_id, checkin_id)}
    assert await reflections.count(ALEX) == 1
    assert await reflections.latest_id(ALEX, checkin_id) == reflection_id


async def test_hard_questions_newest_first_and_only_the_members_own(database: Database, cipher: TextCipher) -> None:
    reflections = ReflectionStore(database, cipher)
    await reflections.save(
        user_id=ALEX,
        checkin_id=None,
        now=NOW,
        went_well="a",
        practise_next=None,
        do_differently=None,
        hard_questions=["Old one?"],
    )
    await reflections.save(
        user_id=ALEX,
        checkin_id=None,
        now=NOW + timedelta(days=1),
        went_well="b",
        practise_next=None,
        do_differently=None,
        hard_questions=["New one?", "Newer one?"],
    )
    await reflections.save(
        user_id=BOB,
        checkin_id=None,
        now=NOW,
        went_well="c",
        practise_next=None,
        do_differently=None,
        hard_questions=["Bob's?"],
    )
    questions = await reflections.hard_questions(ALEX)
    assert [q.text for q in questions] == ["Newer one?", "New one?", "Old one?"]
    assert questions[0].created_at == NOW + timedelta(days=1)
    assert [q.text for q in await reflections.hard_questions(ALEX, limit=1)] == ["Newer one?"]


async def test_someone_elses_check_in_is_not_linked(database: Database, cipher: TextCipher) -> None:
    reflections = ReflectionStore(database, cipher)
    checkins = CheckinRepository(database, cipher)
    bobs = await checkins.create(user_id=BOB, guild_id=1, now=NOW, company="Globex", role=None, stage=None)
    reflection_id = await reflections.save(
        user_id=ALEX,
        checkin_id=bobs,
        now=NOW,
        went_well="x",
        practise_next=None,
        do_differently=None,
        hard_questions=["q?"],
    )
    reflection = await reflections.get(reflection_id, ALEX)
    assert reflection is not None and reflection.checkin_id is None


async def test_feedback_noted_before_or_after_the_reflection_joins_it(database: Database, cipher: TextCipher) -> None:
    feedback = FeedbackStore(database, cipher)
    reflections = ReflectionStore(database, cipher)
    checkins = CheckinRepository(database, cipher)
    checkin_id = await checkins.create(user_id=ALEX, guild_id=1, now=NOW, company="Acme", role=None, stage=None)
    request_id = await feedback.create(
        user_id=ALEX,
        checkin_id=checkin_id,
        tone="warm",
        interviewer_name=None,
        subject="s",
        body="b",
        now=NOW,
    )
    async with database.transaction() as tx:
        _, joined = await feedback.add_note(
            tx, user_id=ALEX, request_id=request_id, checkin_id=checkin_id, text="Before", now=NOW
        )
    assert joined is None
    reflection_id = await reflections.save(
        user_id=ALEX,
        checkin_id=checkin_id,
        now=NOW,
        went_well="w",
        practise_next=None,
        do_differently=None,
        hard_questions=[],
    )
    async with database.transaction() as tx:
        _, joined = await feedback.add_note(
            tx, user_id=ALEX, request_id=request_id, checkin_id=checkin_id, text="After", now=NOW
        )
    assert joined == reflection_id
    reflection = await reflections.get(reflection_id, ALEX)
    assert reflection is not None and reflection.feedback_notes == ("Before", "After")


async def test_deleting_a_check_in_keeps_the_reflection_and_deleting_it_removes_its_questions(
    database: Database, cipher: TextCipher
) -> None:
    reflections = ReflectionStore(database, cipher)
    checkins = CheckinRepository(database, cipher)
    checkin_id = await checkins.create(user_id=ALEX, guild_id=1, now=NOW, company="Acme", role=None, stage=None)
    reflection_id = await reflections.save(
        user_id=ALEX,
        checkin_id=checkin_id,
        now=NOW,
        went_well="w",
        practise_next=None,
        do_differently=None,
        hard_questions=["q1?", "q2?"],
    )
    await database.execute("DELETE FROM checkins WHERE id = ?", (checkin_id,))
    reflection = await reflections.get(reflection_id, ALEX)
    assert reflection is not None and reflection.checkin_id is None
    assert [q.checkin_id for q in await reflections.hard_questions(ALEX)] == [None, None]
    await database.execute("DELETE FROM reflections WHERE id = ?", (reflection_id,))
    assert await reflections.hard_questions(ALEX) == []


async def test_every_new_table_has_a_user_id_column(database: Database) -> None:
    for table in ("reflections", "hard_questions", "feedback_requests", "feedback_notes"):
        assert "user_id" in await database.column_names(table)
