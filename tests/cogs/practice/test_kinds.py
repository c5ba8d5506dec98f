"""A member's own hard question is measured as the kind its wording says it is."""

from __future__ import annotations

import pytest

from cogs.practice.analysis import OWN_CATEGORY, analyse
from cogs.practice.kinds import own_question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How would you design a URL shortener for millions of users?", "technical"),
        ("Write a SQL query that finds duplicate emails", "technical"),
        ("Explain the difference between a process and a thread", "technical"),
        ("Tell me about a time you disagreed with a manager", "behavioural"),
        ("Give an example of a project that failed", "behavioural"),
        ("Tell me about a time you had to scale a system quickly", "behavioural"),
        ("Why do you want to work here?", "motivation"),
        ("Where do you see yourself in five years?", "motivation"),
        ("What would you do if a colleague missed a deadline?", "situational"),
        ("The salary question", None),
        ("Questions about my gap year", None),
    ],
)
def test_the_kind_of_a_members_own_question(question: str, kind: str | None) -> None:
    assert own_question_kind(question) == kind


def test_a_design_answer_is_not_asked_for_a_star_story() -> None:
    answer = (
        "I'd start with the data model: a short code mapped to the long URL in a key-value store, codes from a "
        "base-62 counter so they never collide. Reads outnumber writes a hundred to one, so a cache in front of the "
        "store takes most of the traffic. The trade-off: a counter needs coordination, random codes need a check."
    )
    question = ("How would you design a URL shortener for millions of users?",)
    own = analyse(answer, OWN_CATEGORY, question)
    assert own.category == "technical"
    assert own == analyse(answer, "technical", question)
    assert "star" not in {finding.code.split("_")[0] for finding in own.findings}
    assert "off_topic" not in {finding.code for finding in own.findings}
    behavioural = analyse(answer, OWN_CATEGORY, ("Tell me about a time you led a project",))
    assert behavioural.category == "behavioural"
