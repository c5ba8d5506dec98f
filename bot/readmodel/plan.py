"""What the growth plan reads of other capabilities' records, and what others read of the plan."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import load_content
from bot.crypto import TextCipher
from bot.readmodel.facts import hard_question
from bot.storage.database import Database, Transaction


async def feedback_note(database: Database, cipher: TextCipher, user_id: int, note_id: int) -> str | None:
    """One interviewer's reply the member noted (feedback's `feedback_notes`), decrypted; None if gone or not theirs.

    The plan reads it again when an "Add to my plan" offer under it is pressed.
    """
    encrypted = await database.fetchval(
        "SELECT text_encrypted FROM feedback_notes WHERE id = ? AND user_id = ?", (note_id, user_id)
    )
    return None if encrypted is None else cipher.decrypt(encrypted)


@dataclass(frozen=True)
class PracticedQuestion:
    """The question a practice answer was to (practice's tables), and how the member rated that answer."""

    question_key: str
    text: str
    rating: int | None


async def practiced_question(
    database: Database, cipher: TextCipher, user_id: int, answer_id: int
) -> PracticedQuestion | None:
    """The question behind one of the member's practice answers: a bank question (data/practice_questions.toml)
    or their own hard question ("hard:<id>"); None if the answer or the question is gone."""
    row = await database.fetchone(
        "SELECT t.question_key, a.self_rating FROM practice_answers a JOIN practice_turns t ON t.id = a.turn_id "
        "WHERE a.id = ? AND a.user_id = ?",
        (answer_id, user_id),
    )
    if row is None:
        return None
    key = str(row["question_key"])
    if key.startswith("hard:"):
        text = await hard_question(database, cipher, user_id, int(key.removeprefix("hard:")))
    else:
        bank = load_content("practice_questions")["question"]
        text = next((str(question["text"]) for question in bank if question["id"] == key), None)
    return None if text is None else PracticedQuestion(key, text, row["self_rating"])


@dataclass(frozen=True)
class OpenPlanItem:
    """An open item of the member's growth plan (plan's `plan_items`), decrypted."""

    id: int
    text: str
    action: str
    question_key: str | None


async def open_plan_items(
    database: Database | Transaction, cipher: TextCipher, user_id: int, action: str | None = None
) -> list[OpenPlanItem]:
    """The member's open plan items, oldest first, optionally only of one action ("practise").

    Practice asks an open item's question first; nudges point at an open item.
    """
    rows = await database.fetchall(
        "SELECT id, text_encrypted, action, question_key FROM plan_items WHERE user_id = ? AND state = 'open' "
        "AND (CAST(? AS TEXT) IS NULL OR action = ?) ORDER BY created_at, id",
        (user_id, action, action),
    )
    return [
        OpenPlanItem(row["id"], cipher.decrypt(row["text_encrypted"]), row["action"], row["question_key"])
        for row in rows
    ]


async def plan_item_text(database: Database, cipher: TextCipher, user_id: int, item_id: int) -> str | None:
    """One of the member's plan items' words (done or open), for the wins capability's "Share as a win"."""
    encrypted = await database.fetchval(
        "SELECT text_encrypted FROM plan_items WHERE id = ? AND user_id = ?", (item_id, user_id)
    )
    return None if encrypted is None else cipher.decrypt(encrypted)
