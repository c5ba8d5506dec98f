"""Which question comes next: the bank, the member's own hard questions, and spaced repetition of hard ones.

Questions come from two places: the bank in data/practice_questions.toml (key = its id, e.g.
"behavioural-07") and the member's own hard questions noted in a reflection (key = "hard:<id>", read through
the read model and decrypted on demand, never copied). The rules here are pure: the store gathers the facts
(what was asked when, what is due for review) and `choose` decides.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from bot.content import load_content
from cogs.practice.analysis import CATEGORIES, OWN_CATEGORY

HARD_PREFIX = "hard:"
REVIEW_CATEGORY = "review"
PLAN_REASON = "plan"  # asked because an open item of the member's /plan is to practise it
# A question on the plan comes first, but not again within this long: a plan is not a loop.
PLAN_GAP = timedelta(hours=20)
# How long until a question rated low comes back: long enough to forget the exact words, short enough to matter.
REVIEW_DELAYS: dict[int, timedelta] = {1: timedelta(days=1), 2: timedelta(days=3)}
LOW_RATING = 2


@dataclass(frozen=True)
class Question:
    """A practice question: from the bank (with a tip) or one of the member's own (tip is None)."""

    key: str
    category: str
    text: str
    tip: str | None

    @property
    def is_own(self) -> bool:
        """True for a hard question the member noted in a reflection."""
        return self.key.startswith(HARD_PREFIX)


@dataclass(frozen=True)
class ReviewItem:
    """A question the member rated low, and when it is due to come back."""

    user_id: int
    question_key: str
    category: str
    last_rating: int
    low_count: int
    due_at: datetime


@dataclass(frozen=True)
class Pick:
    """The next question to ask, and why it was chosen (bank, hard or review)."""

    question: Question
    reason: str
    review: ReviewItem | None = None


@cache
def bank() -> dict[str, Question]:
    """Every question of data/practice_questions.toml, by id."""
    return {
        row["id"]: Question(key=row["id"], category=row["category"], text=row["text"], tip=row["tip"])
        for row in load_content("practice_questions")["question"]
    }


def hard_key(hard_question_id: int) -> str:
    """The question key of a member's own hard question."""
    return f"{HARD_PREFIX}{hard_question_id}"


def hard_id(key: str) -> int | None:
    """The hard question's id in a key, or None for a bank question."""
    return int(key.removeprefix(HARD_PREFIX)) if key.startswith(HARD_PREFIX) else None


def category_of_key(key: str) -> str:
    """The category a question key belongs to ("mine" for own hard questions)."""
    if key.startswith(HARD_PREFIX):
        return OWN_CATEGORY
    question = bank().get(key)
    return question.category if question else OWN_CATEGORY


def matches(category: str | None, key: str) -> bool:
    """Whether a question may be served for a chosen category (any and review take every kind)."""
    if category in (None, REVIEW_CATEGORY):
        return True
    return category_of_key(key) == category


def wants_own(category: str | None) -> bool:
    """Whether a choice for this category looks at the member's own hard questions."""
    return category in (None, OWN_CATEGORY)


def review_due(rating: int, now: datetime) -> datetime | None:
    """When a question rated `rating` comes back; None when the rating was good enough to take it off the list."""
    return None if rating > LOW_RATING else now + REVIEW_DELAYS[rating]


def choose(
    category: str | None,
    *,
    own: Sequence[Question],
    asked: Mapping[str, datetime],
    due: Sequence[tuple[ReviewItem, Question]],
    exclude: Collection[str],
    rng: random.Random,
    planned: Sequence[Question] = (),
) -> Pick | None:
    """Choose the next question: questions on the member's plan first, then own hard questions, then ones due for
    review, then the bank. `planned` are the open plan items' questions not asked lately (oldest item first).

    `category` is a bank category, "mine", "review" or None (any). `own` are the member's hard questions (newest
    first), `asked` when each key was last asked, `due` the reviews due now with their questions (most overdue
    first). Questions in `exclude` (already asked in this session) are skipped. Among bank questions, ones never
    asked come first, then the least recent.
    """
    due = [(item, question) for item, question in due if item.question_key not in exclude]
    due = [(item, question) for item, question in due if matches(category, item.question_key)]
    if category == REVIEW_CATEGORY and due:
        return Pick(due[0][1], "review", due[0][0])
    on_plan = [question for question in planned if question.key not in exclude and matches(category, question.key)]
    if on_plan:
        return Pick(on_plan[0], PLAN_REASON)
    fresh_own = [question for question in own if question.key not in asked and question.key not in exclude]
    if fresh_own:
        return Pick(fresh_own[0], "hard")
    if due:
        return Pick(due[0][1], "review", due[0][0])
    if category == OWN_CATEGORY:
        practised = sorted(
            (question for question in own if question.key not in exclude), key=lambda question: asked[question.key]
        )
        if practised:
            return Pick(practised[0], "hard")
    pool = [
        question
        for question in bank().values()
        if question.key not in exclude and (category not in CATEGORIES or question.category == category)
    ]
    if not pool:
        return None
    never = [question for question in pool if question.key not in asked]
    if never:
        return Pick(rng.choice(never), "bank")
    oldest = min(asked[question.key] for question in pool)
    return Pick(rng.choice([question for question in pool if asked[question.key] == oldest]), "bank")
