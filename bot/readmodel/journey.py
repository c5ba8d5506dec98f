"""What progress, wins and reflections read of the journey: logged steps, rejections, offers and the goal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso
from bot.crypto import TextCipher
from bot.readmodel.shots import shots_taken
from bot.storage.database import Database

_log = logging.getLogger("bot.readmodel")


@dataclass(frozen=True)
class JourneyStep:
    """One time a member put themselves forward or heard back, decrypted: an application, interview or offer they
    logged with `/log` (journey's `journey_steps`), or a rejection (a `/rejected` check-in, with its stage)."""

    kind: str  # "applied", "interview", "offer" or "rejected"
    at: datetime
    company: str | None = None
    role: str | None = None
    stage: str | None = None


def _readable(cipher: TextCipher, token: str | None) -> str | None:
    """Decrypted text, or None when it can't be read (a lost key): a company name is a bonus, never a failure."""
    try:
        return cipher.decrypt_optional(token)
    except ValueError:
        _log.warning("a company or role could not be decrypted; leaving it out")
        return None


async def journey_steps(database: Database, cipher: TextCipher, user_id: int) -> list[JourneyStep]:
    """The member's logged applications, interviews and offers and their rejections, oldest first.

    For the funnel and "shots taken" in `/progress` (the rule is cogs/progress/funnel.py).
    """
    logged = await database.fetchall(
        "SELECT kind, created_at, company_encrypted, role_encrypted, NULL AS stage, id, 0 AS source "
        "FROM journey_steps WHERE user_id = ? "
        "UNION ALL SELECT 'rejected', created_at, company_encrypted, role_encrypted, stage, id, 1 "
        "FROM checkins WHERE user_id = ? ORDER BY 2, 7, 6",
        (user_id, user_id),
    )
    return [
        JourneyStep(
            kind=row[0],
            at=from_iso(row[1]),
            company=_readable(cipher, row[2]),
            role=_readable(cipher, row[3]),
            stage=row[4],
        )
        for row in logged
    ]


async def goal_for(database: Database, cipher: TextCipher, user_id: int) -> str | None:
    """The role or direction the member said they are aiming for (journey's `journey_goals`), or None.

    Reflections and nudges mention it where it helps; callers leave it out in care mode.
    """
    token = await database.fetchval("SELECT text_encrypted FROM journey_goals WHERE user_id = ?", (user_id,))
    text = _readable(cipher, token) if isinstance(token, str) else None
    return text.strip() or None if text else None


async def logged_offer(database: Database, step_id: int, owner_id: int) -> bool:
    """True while an offer the member logged with `/log` is still there (for wins' "Share as a win")."""
    found = await database.fetchval(
        "SELECT 1 FROM journey_steps WHERE id = ? AND user_id = ? AND kind = 'offer'", (step_id, owner_id)
    )
    return found is not None


async def shots_taken_count(database: Database, cipher: TextCipher, user_id: int) -> int:
    """How many times the member put themselves forward (bot/readmodel/shots.py): one per rejection for a member
    who never used `/log`, read without decrypting anything."""
    row = await database.fetchone(
        "SELECT (SELECT COUNT(*) FROM journey_steps WHERE user_id = ?) AS logged, "
        "(SELECT COUNT(*) FROM checkins WHERE user_id = ?) AS rejections",
        (user_id, user_id),
    )
    if row is None or not row["logged"]:  # one trip on the nudge path for the many who never use /log
        return int(row["rejections"]) if row is not None else 0
    return len(shots_taken(await journey_steps(database, cipher, user_id)))
