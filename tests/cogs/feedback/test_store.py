"""Feedback requests in the database: encrypted texts, guarded state changes, open requests for others to read."""

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

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
ALEX, BOB = 111, 222


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "feedback.sqlite3")
    yield db
    await db.close()


@pytest.fixture
def cipher() -> TextCipher:
    return TextCipher(Fernet.generate_key())


async def new_request(database: Database, cipher: TextCipher, user_id: int = ALEX, company: str = "Acme") -> int:
    feedback = FeedbackStore(database, cipher)
    checkin_id = await CheckinRepository(database, cipher).create(
        user_id=user_id, guild_id=1, now=NOW, company=company, role="Analyst", stage=None
    )
    return await feedback.create(
        user_id=user_id,
        checkin_id=checkin_id,
        tone="warm",
        interviewer_name="Sam Rivera",
        subject="Thank you",
        body="Hi Sam Rivera, ...",
        now=NOW,
    )


async def test_request_round_trip_encrypts_name_and_draft(database: Database, cipher: TextCipher) -> None:
    feedback = FeedbackStore(database, cipher)
    request_id = await new_request(database, cipher)
    request = await feedback.get(request_id, ALEX)
    assert request is not None
    assert (request.state, request.tone, request.company, request.role) == ("drafted", "warm", "Acme", "Analyst")
    assert (request.interviewer_name, request.subject) == ("Sam Rivera", "Thank you")
    assert request.body == "Hi Sam Rivera, ..."
    assert request.describe() == "Acme — Analyst"
    assert await feedback.get(request_id, BOB) is None
    raw = await database.fetchone("SELECT * FROM feedback_requests")
    assert raw is not None and "Sam" not in raw["interviewer_name_encrypted"] + raw["body_encrypted"]


async def test_state_changes_only_from_allowed_states(database: Database, cipher: TextCipher) -> None:
    feedback = FeedbackStore(database, cipher)
    request_id = await new_request(database, cipher)
    due = NOW + timedelta(days=7)
    async with database.transaction() as tx:
        assert not await feedback.set_state(tx, request_id, ALEX, "no_reply", NOW, allowed_from=("sent",))
        assert not await feedback.set_state(tx, request_id, BOB, "sent", NOW, allowed_from=("drafted",))
        assert await feedback.set_state(
            tx, request_id, ALEX, "sent", NOW, allowed_from=("drafted",), sent_at=NOW, next_action_at=due
        )
    request = await feedback.get(request_id, ALEX)
    assert request is not None
    assert (request.state, request.sent_at, request.next_action_at, request.closed_at) == ("sent", NOW, due, None)
    assert not request.follow_up_due(NOW)
    assert request.follow_up_due(due)
    async with database.transaction() as tx:
        await feedback.record_ask(tx, request_id, 42, due + timedelta(days=7), due)
        assert await feedback.set_state(tx, request_id, ALEX, "ghosted", due, allowed_from=("sent",))
    request = await feedback.get(request_id, ALEX)
    assert request is not None
    assert (request.state, request.asks, request.last_ask_timer_id, request.closed_at) == ("ghosted", 1, 42, due)
    assert request.sent_at == NOW  # kept through later changes
    assert not request.is_open
    with pytest.raises(ValueError, match="unknown state"):
        async with database.transaction() as tx:
            await feedback.set_state(tx, request_id, ALEX, "lost", NOW, allowed_from=("sent",))


async def test_open_requests_lists_only_waiting_ones_newest_first(database: Database, cipher: TextCipher) -> None:
    feedback = FeedbackStore(database, cipher)
    first = await new_request(database, cipher, company="First")
    second = await new_request(database, cipher, company="Second")
    closed = await new_request(database, cipher, company="Closed")
    await new_request(database, cipher, user_id=BOB)
    async with database.transaction() as tx:
        await feedback.set_state(tx, closed, ALEX, "dismissed", NOW, allowed_from=("drafted",))
        await feedback.set_state(tx, first, ALEX, "sent", NOW, allowed_from=("drafted",), sent_at=NOW)
    waiting = await feedback.open_requests(ALEX)
    assert {r.id for r in waiting} == {first, second}
    assert all(r.interviewer_name is None and r.body is None for r in waiting)  # no cipher, no plaintext
    assert await feedback.count_by_state(ALEX) == {"sent": 1, "drafted": 1, "dismissed": 1}
    assert len(await feedback.recent(ALEX)) == 3


async def test_unknown_tone_is_refused(database: Database, cipher: TextCipher) -> None:
    feedback = FeedbackStore(database, cipher)
    with pytest.raises(ValueError, match="tone"):
        await feedback.create(
            user_id=ALEX,
            checkin_id=None,
            tone="pushy",
            interviewer_name=None,
            subject="s",
            body="b",
            now=NOW,
        )
