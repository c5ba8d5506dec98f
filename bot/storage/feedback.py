"""Moved to `cogs/feedback/store.py`. A thin re-export, kept only for capabilities that still read feedback
requests through here (nudges) until they read through `bot/readmodel.py`; delete it then."""

from __future__ import annotations

from bot.crypto import TextCipher
from bot.storage.database import Database
from cogs.feedback.logic import FeedbackRequest
from cogs.feedback.store import FeedbackStore

__all__ = ["FeedbackRequest", "open_requests"]


async def open_requests(database: Database, cipher: TextCipher, user_id: int) -> list[FeedbackRequest]:
    """The member's open requests, newest first (see `FeedbackStore.open_requests`)."""
    return await FeedbackStore(database, cipher).open_requests(user_id)
