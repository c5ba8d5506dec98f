"""Facts about check-ins, reflections, hard questions and feedback that nudges, wins and progress read."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.database import Database, Transaction

_log = logging.getLogger("bot.readmodel")


@dataclass(frozen=True)
class HardQuestionText:
    """A question a member found hard, noted in a reflection (owned by reflection), decrypted."""

    id: int
    text: str


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


async def feedback_nudge_state(database: Database, user_id: int, now: datetime) -> str | None:
    """What a nudge may say about the member's feedback requests (feedback's `feedback_requests` table).

    "follow_up" when a sent request's next "did they reply?" is due (state 'sent', `next_action_at` passed),
    else "unsent" when a draft is waiting ('drafted' or 'remind'), else None.
    """
    rows = await database.fetchall(
        "SELECT state, next_action_at FROM feedback_requests "
        "WHERE user_id = ? AND state IN ('drafted', 'remind', 'sent')",
        (user_id,),
    )
    if any(row["state"] == "sent" and row["next_action_at"] and from_iso(row["next_action_at"]) <= now for row in rows):
        return "follow_up"
    if any(row["state"] in ("drafted", "remind") for row in rows):
        return "unsent"
    return None


async def hard_questions(
    database: Database, cipher: TextCipher, user_id: int, limit: int = -1
) -> list[HardQuestionText]:
    """The member's hard questions (reflection's `hard_questions` table), decrypted, newest first.

    `limit` -1 means all of them. A question that cannot be decrypted (a lost key) is left out, with a warning.
    Practice asks them again; nudges offer one to practise.
    """
    # No LIMIT at all for "all of them": PostgreSQL refuses SQLite's LIMIT -1.
    query = "SELECT id, text_encrypted FROM hard_questions WHERE user_id = ? ORDER BY created_at DESC, id DESC"
    rows = await database.fetchall(*((query, (user_id,)) if limit < 0 else (f"{query} LIMIT ?", (user_id, limit))))
    found: list[HardQuestionText] = []
    for row in rows:
        try:
            found.append(HardQuestionText(id=row["id"], text=cipher.decrypt(row["text_encrypted"])))
        except ValueError:
            _log.warning("a hard question could not be decrypted; leaving it out")
    return found


@dataclass(frozen=True)
class LoggedRejection:
    """One `/rejected` check-in as progress shows it (no free text)."""

    at: datetime
    stage: str | None
    feeling: str | None
    intensity: int | None


@dataclass(frozen=True)
class FeedbackCounts:
    """Feedback requests: asked (sent), replied, and left without an answer."""

    asked: int
    replied: int
    ghosted: int


@dataclass(frozen=True)
class ProgressFacts:
    """What `/progress` shows about other capabilities' records, for one member, oldest first."""

    rejections: list[LoggedRejection] = field(default_factory=list)
    moods: list[tuple[datetime, int]] = field(default_factory=list)  # (when, level 1-5) from nudges' mood logs
    reflections: list[datetime] = field(default_factory=list)
    hard_questions: list[str] = field(default_factory=list)
    feedback: FeedbackCounts = FeedbackCounts(0, 0, 0)
    practice_sessions: int = 0
    wins: list[datetime] = field(default_factory=list)  # when each win was posted
    timezone: str | None = None  # the member's nudge time zone, if they set one


async def progress_facts(database: Database, cipher: TextCipher, user_id: int) -> ProgressFacts:
    """Counts and timelines for `/progress` from checkins, mood_logs, reflections, hard_questions,
    feedback_requests, practice_turns/practice_answers, wins and nudge_subscriptions.

    Feedback 'asked' counts sent, replied, no_reply and ghosted requests; 'ghosted' counts no_reply and ghosted.
    A practice session counts once the member answered at least one question in it.
    """
    rejections = [
        LoggedRejection(from_iso(r["created_at"]), r["stage"], r["feeling"], r["intensity"])
        for r in await database.fetchall(
            "SELECT created_at, stage, feeling, intensity FROM checkins WHERE user_id = ? ORDER BY created_at, id",
            (user_id,),
        )
    ]
    moods = [
        (from_iso(r["created_at"]), int(r["level"]))
        for r in await database.fetchall(
            "SELECT created_at, level FROM mood_logs WHERE user_id = ? ORDER BY created_at", (user_id,)
        )
    ]
    reflections = [
        from_iso(r[0])
        for r in await database.fetchall(
            "SELECT created_at FROM reflections WHERE user_id = ? ORDER BY created_at", (user_id,)
        )
    ]
    by_state = {
        r["state"]: int(r["n"])
        for r in await database.fetchall(
            "SELECT state, COUNT(*) AS n FROM feedback_requests WHERE user_id = ? GROUP BY state", (user_id,)
        )
    }
    feedback = FeedbackCounts(
        asked=sum(by_state.get(state, 0) for state in ("sent", "replied", "no_reply", "ghosted")),
        replied=by_state.get("replied", 0),
        ghosted=sum(by_state.get(state, 0) for state in ("no_reply", "ghosted")),
    )
    practice = await database.fetchval(
        "SELECT COUNT(DISTINCT t.session_id) FROM practice_answers a JOIN practice_turns t ON t.id = a.turn_id "
        "WHERE a.user_id = ?",
        (user_id,),
    )
    wins = [
        from_iso(r[0])
        for r in await database.fetchall(
            "SELECT posted_at FROM wins WHERE user_id = ? AND posted_at IS NOT NULL ORDER BY posted_at", (user_id,)
        )
    ]
    zone = await database.fetchval("SELECT timezone FROM nudge_subscriptions WHERE user_id = ?", (user_id,))
    return ProgressFacts(
        rejections=rejections,
        moods=moods,
        reflections=reflections,
        hard_questions=[question.text for question in reversed(await hard_questions(database, cipher, user_id))],
        feedback=feedback,
        practice_sessions=int(practice or 0),
        wins=wins,
        timezone=zone if isinstance(zone, str) and zone else None,
    )


async def latest_reflection_id(database: Database | Transaction, user_id: int, checkin_id: int) -> int | None:
    """The member's newest reflection on a check-in, if any (feedback notes join it); works inside a transaction."""
    value = await database.fetchval(
        "SELECT id FROM reflections WHERE user_id = ? AND checkin_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (user_id, checkin_id),
    )
    return None if value is None else int(value)


async def feedback_notes_for_reflection(
    database: Database, cipher: TextCipher, user_id: int, reflection_id: int, checkin_id: int | None
) -> list[str]:
    """What companies said about the rejection a reflection is on (notes joined to it, or to its check-in), oldest
    first, decrypted."""
    rows = await database.fetchall(
        "SELECT text_encrypted FROM feedback_notes WHERE user_id = ? "
        "AND (reflection_id = ? OR (reflection_id IS NULL AND checkin_id IS NOT NULL AND checkin_id = ?)) "
        "ORDER BY created_at, id",
        (user_id, reflection_id, checkin_id),
    )
    return [cipher.decrypt(row["text_encrypted"]) for row in rows]
