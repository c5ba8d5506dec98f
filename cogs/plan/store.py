"""The plan's table, `plan_items`: a member's open and done items, their text encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.database import Database, Row
from cogs.plan.logic import MAX_OPEN

Added = Literal["added", "already", "full"]


@dataclass(frozen=True)
class PlanItem:
    """One item of a member's plan, decrypted."""

    id: int
    user_id: int
    text: str
    source_kind: str
    source_id: int | None
    action: str
    question_key: str | None
    state: str
    created_at: datetime


@dataclass(frozen=True)
class NewItem:
    """What an item is made of before it is stored."""

    text: str
    source_kind: str
    action: str
    source_id: int | None = None
    source_part: int = 0
    question_key: str | None = None


class PlanStore:
    """Reads and writes plan items."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def add(self, user_id: int, item: NewItem, now: datetime) -> tuple[Added, int | None]:
        """Add an open item unless the same source is already open or the plan is full; the item's id if added."""
        async with self._database.transaction() as tx:
            if item.source_id is not None:
                existing = await tx.fetchval(
                    "SELECT id FROM plan_items WHERE user_id = ? AND state = 'open' AND source_kind = ? "
                    "AND source_id = ? AND source_part = ?",
                    (user_id, item.source_kind, item.source_id, item.source_part),
                )
                if existing is not None:
                    return "already", int(existing)
            open_count = await tx.fetchval(
                "SELECT COUNT(*) FROM plan_items WHERE user_id = ? AND state = 'open'", (user_id,)
            )
            if int(open_count or 0) >= MAX_OPEN:
                return "full", None
            stamp = to_iso(now)
            item_id = await tx.execute(
                "INSERT INTO plan_items (user_id, text_encrypted, source_kind, source_id, source_part, action, "
                "question_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    self._cipher.encrypt(item.text),
                    item.source_kind,
                    item.source_id,
                    item.source_part,
                    item.action,
                    item.question_key,
                    stamp,
                    stamp,
                ),
            )
        return "added", item_id

    async def get(self, item_id: int, user_id: int) -> PlanItem | None:
        """One of the member's items, or None if it is gone or not theirs."""
        row = await self._database.fetchone("SELECT * FROM plan_items WHERE id = ? AND user_id = ?", (item_id, user_id))
        return None if row is None else self._from_row(row)

    async def open_items(self, user_id: int) -> list[PlanItem]:
        """The member's open items, oldest first (the order they were added)."""
        rows = await self._database.fetchall(
            "SELECT * FROM plan_items WHERE user_id = ? AND state = 'open' ORDER BY created_at, id", (user_id,)
        )
        return [self._from_row(row) for row in rows]

    async def done_count(self, user_id: int) -> int:
        """How many items the member has finished."""
        count = await self._database.fetchval(
            "SELECT COUNT(*) FROM plan_items WHERE user_id = ? AND state = 'done'", (user_id,)
        )
        return int(count or 0)

    async def edit(self, item_id: int, user_id: int, text: str, action: str, now: datetime) -> bool:
        """Change an open item's words and what to do about it; False if it is gone or closed."""
        changed = await self._database.execute(
            "UPDATE plan_items SET text_encrypted = ?, action = ?, updated_at = ? "
            "WHERE id = ? AND user_id = ? AND state = 'open'",
            (self._cipher.encrypt(text), action, to_iso(now), item_id, user_id),
        )
        return changed > 0

    async def finish(self, item_id: int, user_id: int, now: datetime) -> bool:
        """Mark an open item done; False if it is gone or already done."""
        stamp = to_iso(now)
        changed = await self._database.execute(
            "UPDATE plan_items SET state = 'done', closed_at = ?, updated_at = ? "
            "WHERE id = ? AND user_id = ? AND state = 'open'",
            (stamp, stamp, item_id, user_id),
        )
        return changed > 0

    async def drop(self, item_id: int, user_id: int) -> bool:
        """Take an item off the plan: it is deleted, not kept."""
        return (
            await self._database.execute("DELETE FROM plan_items WHERE id = ? AND user_id = ?", (item_id, user_id)) > 0
        )

    def _from_row(self, row: Row) -> PlanItem:
        return PlanItem(
            id=row["id"],
            user_id=row["user_id"],
            text=self._cipher.decrypt(row["text_encrypted"]),
            source_kind=row["source_kind"],
            source_id=row["source_id"],
            action=row["action"],
            question_key=row["question_key"],
            state=row["state"],
            created_at=from_iso(row["created_at"]),
        )
