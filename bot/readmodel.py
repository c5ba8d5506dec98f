"""The read model: facts one capability needs about another's records, as plain SQL over their tables.

Cogs never import each other. When nudges want to know whether a feedback follow-up is due, or progress wants
the counts of every capability, they ask here: each function reads what it needs with explicit SQL and returns
plain values or small dataclasses, so the capability that owns a table can change its code freely, and a change
to a table shows up here, in one place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import from_iso, to_iso
from bot.crypto import TextCipher
from bot.storage.database import Database, Transaction

_log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ReflectionText:
    """One reflection as patterns read it, decrypted: what was hard (its hard questions, what to practise and what
    to do differently, one per line) and what went well."""

    at: datetime
    hard: str
    went_well: str


@dataclass(frozen=True)
class NoteText:
    """One note of what a company said when it replied, decrypted."""

    at: datetime
    text: str


async def pattern_texts(
    database: Database, cipher: TextCipher, user_id: int, limit: int = 10
) -> tuple[list[ReflectionText], list[NoteText]]:
    """The member's newest reflections and feedback notes (reflection's and feedback's tables), newest first.

    For the patterns in `/progress`. Anything that cannot be decrypted (a lost key) is left out, with a warning.
    """
    reflections: list[ReflectionText] = []
    rows = await database.fetchall(
        "SELECT r.id, r.created_at, r.went_well_encrypted, r.practise_next_encrypted, r.do_differently_encrypted, "
        "(SELECT group_concat(q.text_encrypted, ' ') FROM hard_questions q WHERE q.reflection_id = r.id) AS questions "
        "FROM reflections r WHERE r.user_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
        (user_id, limit),
    )
    for row in rows:
        try:
            hard = [cipher.decrypt(token) for token in (row["questions"] or "").split()]
            hard += [cipher.decrypt_optional(row["practise_next_encrypted"]) or ""]
            hard += [cipher.decrypt_optional(row["do_differently_encrypted"]) or ""]
            went_well = cipher.decrypt(row["went_well_encrypted"])
        except ValueError:
            _log.warning("a reflection could not be decrypted; leaving it out of patterns")
            continue
        reflections.append(ReflectionText(from_iso(row["created_at"]), "\n".join(t for t in hard if t), went_well))
    notes: list[NoteText] = []
    for row in await database.fetchall(
        "SELECT created_at, text_encrypted FROM feedback_notes WHERE user_id = ? ORDER BY created_at DESC, id DESC "
        "LIMIT ?",
        (user_id, limit),
    ):
        try:
            notes.append(NoteText(from_iso(row["created_at"]), cipher.decrypt(row["text_encrypted"])))
        except ValueError:
            _log.warning("a feedback note could not be decrypted; leaving it out of patterns")
    return reflections, notes


@dataclass(frozen=True)
class JournalEntry:
    """One thing the member wrote, for `/journal`, decrypted.

    `kind` is a "Delete this" kind (vent, reflection, feedback, answer) and `item_id` what its deleter takes (for
    feedback, the request the notes belong to). `parts` are (label key, text) in reading order; `about` names the
    rejection or question it belongs to, if known; `question_key` is a practice answer's question.
    """

    kind: str
    item_id: int
    at: datetime
    parts: tuple[tuple[str, str], ...]
    about: str | None = None
    question_key: str | None = None


# Newest first across four capabilities' tables: kept vents (checkins), reflections, the notes of what companies
# said (one entry per feedback request), practice answers.
_JOURNAL_UNION = (
    "SELECT 'vent' AS kind, id, created_at AS at FROM checkins "
    "WHERE user_id = :user AND vent_encrypted IS NOT NULL AND vent_kept_at IS NOT NULL "
    "UNION ALL SELECT 'reflection', id, created_at FROM reflections WHERE user_id = :user "
    "UNION ALL SELECT 'feedback', request_id, MAX(created_at) FROM feedback_notes "
    "WHERE user_id = :user AND request_id IS NOT NULL GROUP BY request_id "
    "UNION ALL SELECT 'answer', id, created_at FROM practice_answers WHERE user_id = :user"
)


async def journal_page(
    database: Database, cipher: TextCipher, user_id: int, offset: int, limit: int
) -> tuple[list[JournalEntry], int]:
    """A page of the member's journal, newest first, and how many entries there are in all.

    An entry whose text cannot be decrypted (a lost key) is shown without its words, with a warning logged.
    """
    params = {"user": user_id, "limit": limit, "offset": max(0, offset)}
    total = await database.fetchval(f"SELECT COUNT(*) FROM ({_JOURNAL_UNION}) AS entries", params)  # noqa: S608
    rows = await database.fetchall(
        f"SELECT kind, id, at FROM ({_JOURNAL_UNION}) AS entries "  # noqa: S608
        "ORDER BY at DESC, kind, id DESC LIMIT :limit OFFSET :offset",
        params,
    )
    entries = []
    for row in rows:
        entry = await _journal_entry(database, cipher, user_id, str(row["kind"]), int(row["id"]), from_iso(row["at"]))
        if entry is not None:
            entries.append(entry)
    return entries, int(total or 0)


async def _journal_entry(
    database: Database, cipher: TextCipher, user_id: int, kind: str, item_id: int, at: datetime
) -> JournalEntry | None:
    def text(token: str | None) -> str:
        try:
            return cipher.decrypt_optional(token) or ""
        except ValueError:
            _log.warning("a %s in a journal could not be decrypted; showing it without its words", kind)
            return ""

    async def company_of(checkin_id: int | None) -> str | None:
        if checkin_id is None:
            return None
        token = await database.fetchval(
            "SELECT company_encrypted FROM checkins WHERE id = ? AND user_id = ?", (checkin_id, user_id)
        )
        return text(token) or None

    if kind == "vent":
        row = await database.fetchone(
            "SELECT vent_encrypted, company_encrypted FROM checkins WHERE id = ? AND user_id = ?", (item_id, user_id)
        )
        if row is None:
            return None
        return JournalEntry(kind, item_id, at, (("vent", text(row["vent_encrypted"])),), text(row["company_encrypted"]))
    if kind == "reflection":
        row = await database.fetchone("SELECT * FROM reflections WHERE id = ? AND user_id = ?", (item_id, user_id))
        if row is None:
            return None
        questions = await database.fetchall(
            "SELECT text_encrypted FROM hard_questions WHERE reflection_id = ? AND user_id = ? ORDER BY id",
            (item_id, user_id),
        )
        parts = [("hard", "\n".join(text(q["text_encrypted"]) for q in questions))]
        parts += [("went_well", text(row["went_well_encrypted"])), ("practise", text(row["practise_next_encrypted"]))]
        parts += [("differently", text(row["do_differently_encrypted"]))]
        about = await company_of(row["checkin_id"])
        return JournalEntry(kind, item_id, at, tuple((key, value) for key, value in parts if value), about)
    if kind == "feedback":
        notes = await database.fetchall(
            "SELECT text_encrypted FROM feedback_notes WHERE request_id = ? AND user_id = ? ORDER BY created_at, id",
            (item_id, user_id),
        )
        checkin_id = await database.fetchval(
            "SELECT checkin_id FROM feedback_requests WHERE id = ? AND user_id = ?", (item_id, user_id)
        )
        said = tuple(("note", text(note["text_encrypted"])) for note in notes)
        return JournalEntry(kind, item_id, at, said, await company_of(checkin_id))
    row = await database.fetchone(
        "SELECT a.answer_encrypted, t.question_key FROM practice_answers a JOIN practice_turns t ON t.id = a.turn_id "
        "WHERE a.id = ? AND a.user_id = ?",
        (item_id, user_id),
    )
    if row is None:
        return None
    key = str(row["question_key"])
    question = None
    if key.startswith("hard:") and key[5:].isdigit():
        question = await hard_question(database, cipher, user_id, int(key[5:]))
    return JournalEntry(kind, item_id, at, (("answer", text(row["answer_encrypted"])),), question, key)


async def member_timezone(database: Database, user_id: int) -> str | None:
    """The IANA zone the member gave `/nudges` (nudges' `nudge_subscriptions`), if they gave one."""
    zone = await database.fetchval("SELECT timezone FROM nudge_subscriptions WHERE user_id = ?", (user_id,))
    return zone if isinstance(zone, str) and zone else None
