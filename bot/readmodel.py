"""The read model: facts one capability needs about another's records, as plain SQL over their tables.

Cogs never import each other. When nudges want to know whether a feedback follow-up is due, or progress wants
the counts of every capability, they ask here: each function reads what it needs with explicit SQL and returns
plain values or small dataclasses, so the capability that owns a table can change its code freely, and a change
to a table shows up here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import to_iso
from bot.crypto import TextCipher
from bot.storage.database import Database


@dataclass(frozen=True)
class HardQuestionText:
    """A question a member found hard, noted in a reflection (owned by reflection), decrypted."""

    id: int
    text: str


async def hard_questions(
    database: Database, cipher: TextCipher, user_id: int, limit: int = 50
) -> list[HardQuestionText]:
    """The member's hard questions from their reflections, newest first (practice asks them again)."""
    rows = await database.fetchall(
        "SELECT id, text_encrypted FROM hard_questions WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [HardQuestionText(id=row["id"], text=cipher.decrypt(row["text_encrypted"])) for row in rows]


async def hard_question(database: Database, cipher: TextCipher, user_id: int, question_id: int) -> str | None:
    """One of the member's hard questions, decrypted; None if it is gone (its reflection deleted) or not theirs."""
    row = await database.fetchone(
        "SELECT text_encrypted FROM hard_questions WHERE id = ? AND user_id = ?", (question_id, user_id)
    )
    return None if row is None else cipher.decrypt(row["text_encrypted"])


async def reflection_went_well(database: Database, cipher: TextCipher, reflection_id: int, owner_id: int) -> str | None:
    """What went well, from one of the member's reflections ('' if they left it empty); None if it is gone.

    For the wins capability's "Share as a win" button under a reflection.
    """
    encrypted = await database.fetchval(
        "SELECT went_well_encrypted FROM reflections WHERE id = ? AND user_id = ?", (reflection_id, owner_id)
    )
    if encrypted is None:
        return None
    return cipher.decrypt(encrypted).strip()


async def members_checked_in(database: Database, guild_id: int, start: datetime, end: datetime) -> int:
    """How many members checked in after a setback in a server, in [start, end): a count, nobody named.

    For the wins capability's weekly digest.
    """
    count = await database.fetchval(
        "SELECT COUNT(DISTINCT user_id) FROM checkins WHERE guild_id = ? AND created_at >= ? AND created_at < ?",
        (guild_id, to_iso(start), to_iso(end)),
    )
    return int(count or 0)
