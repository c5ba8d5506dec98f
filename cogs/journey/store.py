"""Journey's tables: steps logged with `/log` (`journey_steps`) and the member's goal (`journey_goals`), encrypted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database


@dataclass(frozen=True)
class Goal:
    """The member's goal, decrypted, and when they set it."""

    text: str
    set_at: datetime


class JourneyStore:
    """Reads and writes a member's logged steps and their goal."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def log_step(
        self, user_id: int, kind: str, company: str | None, role: str | None, now: datetime
    ) -> tuple[int, int]:
        """Store one step; return its id and how many of that kind the member has logged, this one included."""
        cipher = self._cipher
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            step_id = await tx.execute(
                "INSERT INTO journey_steps (user_id, kind, company_encrypted, role_encrypted, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, kind, cipher.encrypt_optional(company), cipher.encrypt_optional(role), to_iso(now)),
            )
            count = await tx.fetchval(
                "SELECT COUNT(*) FROM journey_steps WHERE user_id = ? AND kind = ?", (user_id, kind)
            )
        return step_id, int(count)

    async def goal(self, user_id: int) -> Goal | None:
        """The member's goal, if they set one."""
        row = await self._database.fetchone(
            "SELECT text_encrypted, set_at FROM journey_goals WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return Goal(self._cipher.decrypt(row["text_encrypted"]), from_iso(row["set_at"]))

    async def set_goal(self, user_id: int, text: str, now: datetime) -> bool:
        """Keep the member's goal (replacing any earlier one); True when it replaced one."""
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            existed = await tx.fetchval("SELECT 1 FROM journey_goals WHERE user_id = ?", (user_id,))
            await tx.execute(
                "INSERT INTO journey_goals (user_id, text_encrypted, set_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "text_encrypted = excluded.text_encrypted, set_at = excluded.set_at",
                (user_id, self._cipher.encrypt(text), to_iso(now)),
            )
        return existed is not None

    async def clear_goal(self, user_id: int) -> bool:
        """Forget the member's goal; False when there was none."""
        async with self._database.transaction() as tx:
            existed = await tx.fetchval("SELECT 1 FROM journey_goals WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM journey_goals WHERE user_id = ?", (user_id,))
        return existed is not None
