"""Reflections on a rejection, and the hard questions kept from them as separate items (encrypted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import readmodel
from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Row, Transaction


@dataclass(frozen=True)
class HardQuestion:
    """One question a member found hard, decrypted."""

    id: int
    text: str
    checkin_id: int | None
    created_at: datetime
    reflection_id: int | None = None


@dataclass(frozen=True)
class Reflection:
    """A stored reflection, decrypted, with its hard questions and any feedback noted for the same rejection."""

    id: int
    user_id: int
    checkin_id: int | None
    created_at: datetime
    went_well: str
    practise_next: str | None
    do_differently: str | None
    hard_questions: tuple[str, ...] = ()
    feedback_notes: tuple[str, ...] = ()


class ReflectionStore:
    """Reads and writes reflections and their hard questions."""

    def __init__(self, database: Database, cipher: TextCipher) -> None:
        self._database = database
        self._cipher = cipher

    async def save(
        self,
        *,
        user_id: int,
        checkin_id: int | None,
        now: datetime,
        went_well: str,
        practise_next: str | None,
        do_differently: str | None,
        hard_questions: list[str],
    ) -> int:
        """Store a reflection and its hard questions (one row each) in one transaction; return the reflection id."""
        cipher, stamp = self._cipher, to_iso(now)
        async with self._database.transaction() as tx:
            await ensure_user(tx, user_id, now)
            if checkin_id is not None and not await _owns_checkin(tx, checkin_id, user_id):
                checkin_id = None
            reflection_id = await tx.execute(
                "INSERT INTO reflections (user_id, checkin_id, created_at, went_well_encrypted, "
                "practise_next_encrypted, do_differently_encrypted) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    checkin_id,
                    stamp,
                    cipher.encrypt(went_well),
                    cipher.encrypt_optional(practise_next or None),
                    cipher.encrypt_optional(do_differently or None),
                ),
            )
            await tx.executemany(
                "INSERT INTO hard_questions (user_id, reflection_id, checkin_id, text_encrypted, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(user_id, reflection_id, checkin_id, cipher.encrypt(question), stamp) for question in hard_questions],
            )
            if checkin_id is not None:
                # Feedback noted before this reflection existed joins it now (the link is the reflection's to make:
                # feedback cannot know a reflection that does not exist yet).
                await tx.execute(
                    "UPDATE feedback_notes SET reflection_id = ? WHERE user_id = ? AND checkin_id = ? "
                    "AND reflection_id IS NULL",
                    (reflection_id, user_id, checkin_id),
                )
        return reflection_id

    async def get(self, reflection_id: int, user_id: int) -> Reflection | None:
        """One of the member's reflections with its hard questions and feedback notes, or None."""
        row = await self._database.fetchone(
            "SELECT * FROM reflections WHERE id = ? AND user_id = ?", (reflection_id, user_id)
        )
        if row is None:
            return None
        questions = await self._database.fetchall(
            "SELECT text_encrypted FROM hard_questions WHERE reflection_id = ? AND user_id = ? ORDER BY id",
            (reflection_id, user_id),
        )
        notes = await readmodel.feedback_notes_for_reflection(
            self._database, self._cipher, user_id, reflection_id, row["checkin_id"]
        )
        return self._from_row(row, tuple(self._cipher.decrypt(q["text_encrypted"]) for q in questions), tuple(notes))

    async def recent(self, user_id: int, limit: int = 25) -> list[Reflection]:
        """The member's reflections, newest first (without hard questions or notes)."""
        rows = await self._database.fetchall(
            "SELECT * FROM reflections WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", (user_id, limit)
        )
        return [self._from_row(row, (), ()) for row in rows]

    async def count(self, user_id: int) -> int:
        """How many reflections the member has written."""
        return int(await self._database.fetchval("SELECT COUNT(*) FROM reflections WHERE user_id = ?", (user_id,)) or 0)

    async def latest_id(self, user_id: int, checkin_id: int) -> int | None:
        """The member's newest reflection on a check-in, if any."""
        value = await self._database.fetchval(
            "SELECT id FROM reflections WHERE user_id = ? AND checkin_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (user_id, checkin_id),
        )
        return None if value is None else int(value)

    async def hard_questions(self, user_id: int, limit: int = 50) -> list[HardQuestion]:
        """The member's hard questions, newest first."""
        rows = await self._database.fetchall(
            "SELECT id, text_encrypted, checkin_id, created_at, reflection_id FROM hard_questions WHERE user_id = ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (user_id, limit),
        )
        return [
            HardQuestion(
                id=row["id"],
                text=self._cipher.decrypt(row["text_encrypted"]),
                checkin_id=row["checkin_id"],
                created_at=from_iso(row["created_at"]),
                reflection_id=row["reflection_id"],
            )
            for row in rows
        ]

    async def delete(self, reflection_id: int, user_id: int) -> bool:
        """Delete one of the member's reflections; its hard questions go with it (ON DELETE CASCADE)."""
        deleted = await self._database.execute(
            "DELETE FROM reflections WHERE id = ? AND user_id = ?", (reflection_id, user_id)
        )
        return deleted > 0

    def _from_row(self, row: Row, questions: tuple[str, ...], notes: tuple[str, ...]) -> Reflection:
        return Reflection(
            id=row["id"],
            user_id=row["user_id"],
            checkin_id=row["checkin_id"],
            created_at=from_iso(row["created_at"]),
            went_well=self._cipher.decrypt(row["went_well_encrypted"]),
            practise_next=self._cipher.decrypt_optional(row["practise_next_encrypted"]),
            do_differently=self._cipher.decrypt_optional(row["do_differently_encrypted"]),
            hard_questions=questions,
            feedback_notes=notes,
        )


async def _owns_checkin(tx: Transaction, checkin_id: int, user_id: int) -> bool:
    found = await tx.fetchval("SELECT 1 FROM checkins WHERE id = ? AND user_id = ?", (checkin_id, user_id))
    return found is not None
