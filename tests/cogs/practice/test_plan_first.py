"""Which question comes next when the member has open plan items to practise (`questions.choose`, pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from cogs.practice.questions import PLAN_REASON, Question, ReviewItem, bank, choose

OWN = Question(key="hard:1", category="mine", text="Why do you want to leave?", tip=None)
PLANNED = Question(key="hard:2", category="mine", text="Tell me about a time you failed", tip=None)
NOW = datetime(2026, 11, 26, 9, tzinfo=UTC)


def pick(category: str | None = None, **kwargs: object) -> tuple[str, str]:
    values: dict[str, object] = {"own": [OWN], "asked": {}, "due": [], "exclude": set(), "planned": [PLANNED]}
    values.update(kwargs)
    chosen = choose(category, rng=random.Random(1), **values)  # type: ignore[arg-type]
    assert chosen is not None
    return chosen.question.key, chosen.reason


def test_a_question_on_the_plan_comes_before_own_questions() -> None:
    assert pick() == ("hard:2", PLAN_REASON)
    assert pick(planned=[]) == ("hard:1", "hard")


def test_a_question_on_the_plan_already_asked_in_this_session_is_not_asked_again() -> None:
    assert pick(exclude={"hard:2"}) == ("hard:1", "hard")


def test_a_chosen_category_keeps_to_itself_and_review_keeps_its_due_questions() -> None:
    bank_question = next(q for q in bank().values() if q.category == "behavioural")
    assert pick("behavioural", planned=[PLANNED, bank_question]) == (bank_question.key, PLAN_REASON)
    due = ReviewItem(1, "hard:1", "mine", 1, 1, NOW)
    assert pick("review", due=[(due, OWN)]) == ("hard:1", "review")
