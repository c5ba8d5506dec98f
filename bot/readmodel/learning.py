"""What patterns and the journal read: a member's reflections, notes, answers and kept vents, decrypted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.clock import from_iso
from bot.crypto import TextCipher
from bot.readmodel.facts import hard_question
from bot.storage.database import Database

_log = logging.getLogger("bot.readmodel")


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
