"""Reflections on a rejection, and the hard questions kept from them as separate items."""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.checkins import ensure_user
from bot.storage.database import Database, Transaction

log = logging.getLogger(__name__)

MAX_ITEMS = 25
MAX_ITEM_LENGTH = 300
# Bullets and list numbers people type at the start of a line: "-", "*", "•", "1.", "2)", "(3)".
BULLET = re.compile(r"^\s*(?:[-*•·‣◦–—>]+|\(?\d{1,2}[.):]|\(\d{1,2}\))\s*")
# A new item starts after a question mark (several questions on one line) or a semicolon.
ITEM_BREAK = re.compile(r"(?<=[?？])\s+|;\s*")
# Answers that mean "nothing here" rather than a question.
NOTHING = {"", "none", "n/a", "na", "nothing", "no", "nope", "-", "nil", "not really", "idk", "none really"}


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


def split_items(text: str | None) -> list[str]:
    """Split an answer into items: one per line, bullet, or question-mark sentence; blanks and dupes dropped."""
    if not text:
        return []
    items: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        for piece in ITEM_BREAK.split(BULLET.sub("", line)):
            item = " ".join(BULLET.sub("", piece).split()).strip(" ,.;:-–—")
            if piece.rstrip().endswith(("?", "？")) and not item.endswith(("?", "？")):
                item += "?"
            key = item.casefold().rstrip("?.! ")
            if key in NOTHING or len(key) < 3 or key in seen:
                continue
            seen.add(key)
            items.append(item[:MAX_ITEM_LENGTH])
            if len(items) >= MAX_ITEMS:
                return items
    return items


async def save_reflection(
    database: Database,
    cipher: TextCipher,
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
    stamp = to_iso(now)
    async with database.transaction() as tx:
        await ensure_user(tx, user_id, now)
        if checkin_id is not None and not await _owns_checkin(tx, checkin_id, user_id):
            checkin_id = None
        reflection_id = await tx.execute(
            "INSERT INTO reflections (user_id, checkin_id, created_at, went_well_encrypted, practise_next_encrypted, "
            "do_differently_encrypted) VALUES (?, ?, ?, ?, ?, ?)",
            (
                user_id, checkin_id, stamp, cipher.encrypt(went_well),
                cipher.encrypt_optional(practise_next or None), cipher.encrypt_optional(do_differently or None),
            ),
        )
        await tx.executemany(
            "INSERT INTO hard_questions (user_id, reflection_id, checkin_id, text_encrypted, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(user_id, reflection_id, checkin_id, cipher.encrypt(question), stamp) for question in hard_questions],
        )
        if checkin_id is not None:
            # Feedback noted before this reflection existed joins it now.
            await tx.execute(
                "UPDATE feedback_notes SET reflection_id = ? WHERE user_id = ? AND checkin_id = ? "
                "AND reflection_id IS NULL",
                (reflection_id, user_id, checkin_id),
            )
    return reflection_id


async def get_reflection(database: Database, cipher: TextCipher, reflection_id: int, user_id: int) -> Reflection | None:
    """One of the member's reflections with its hard questions and feedback notes, or None."""
    row = await database.fetchone(
        "SELECT * FROM reflections WHERE id = ? AND user_id = ?", (reflection_id, user_id)
    )
    if row is None:
        return None
    questions = await database.fetchall(
        "SELECT text_encrypted FROM hard_questions WHERE reflection_id = ? AND user_id = ? ORDER BY id",
        (reflection_id, user_id),
    )
    notes = await database.fetchall(
        "SELECT text_encrypted FROM feedback_notes WHERE user_id = ? "
        "AND (reflection_id = ? OR (reflection_id IS NULL AND checkin_id IS NOT NULL AND checkin_id = ?)) "
        "ORDER BY created_at, id",
        (user_id, reflection_id, row["checkin_id"]),
    )
    return _reflection_from_row(
        row, cipher,
        tuple(cipher.decrypt(q["text_encrypted"]) for q in questions),
        tuple(cipher.decrypt(n["text_encrypted"]) for n in notes),
    )


async def list_reflections(database: Database, cipher: TextCipher, user_id: int, limit: int = 25) -> list[Reflection]:
    """The member's reflections, newest first (without hard questions or notes)."""
    rows = await database.fetchall(
        "SELECT * FROM reflections WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", (user_id, limit)
    )
    return [_reflection_from_row(row, cipher, (), ()) for row in rows]


async def count_reflections(database: Database, user_id: int) -> int:
    """How many reflections the member has written."""
    return int(await database.fetchval("SELECT COUNT(*) FROM reflections WHERE user_id = ?", (user_id,)) or 0)


async def latest_reflection_id(database: Database, user_id: int, checkin_id: int) -> int | None:
    """The member's newest reflection on a check-in, if any."""
    value = await database.fetchval(
        "SELECT id FROM reflections WHERE user_id = ? AND checkin_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (user_id, checkin_id),
    )
    return None if value is None else int(value)


async def list_hard_questions(
    database: Database, cipher: TextCipher, user_id: int, limit: int = 50
) -> list[HardQuestion]:
    """The member's hard questions, newest first."""
    rows = await database.fetchall(
        "SELECT id, text_encrypted, checkin_id, created_at, reflection_id FROM hard_questions WHERE user_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [
        HardQuestion(
            id=row["id"], text=cipher.decrypt(row["text_encrypted"]), checkin_id=row["checkin_id"],
            created_at=from_iso(row["created_at"]), reflection_id=row["reflection_id"],
        )
        for row in rows
    ]


async def _owns_checkin(tx: Transaction, checkin_id: int, user_id: int) -> bool:
    found = await tx.fetchval("SELECT 1 FROM checkins WHERE id = ? AND user_id = ?", (checkin_id, user_id))
    return found is not None


def _reflection_from_row(
    row: sqlite3.Row, cipher: TextCipher, questions: tuple[str, ...], notes: tuple[str, ...]
) -> Reflection:
    return Reflection(
        id=row["id"],
        user_id=row["user_id"],
        checkin_id=row["checkin_id"],
        created_at=from_iso(row["created_at"]),
        went_well=cipher.decrypt(row["went_well_encrypted"]),
        practise_next=cipher.decrypt_optional(row["practise_next_encrypted"]),
        do_differently=cipher.decrypt_optional(row["do_differently_encrypted"]),
        hard_questions=questions,
        feedback_notes=notes,
    )
