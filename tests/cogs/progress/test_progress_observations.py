"""Observations for /progress: drawn from the member's own data, and silent when there's too little to say."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cogs.progress.observations import (
    CheckinFacts,
    MemberFacts,
    Theme,
    common_feeling,
    getting_further,
    intensity_trend,
    load_themes,
    observe,
    recurring_theme,
)

WORDS = tomllib.loads(Path("data/progress.toml").read_text(encoding="utf-8"))
THEMES = load_themes(WORDS["themes"])


def test_theme_keywords_match_words_prefixes_and_phrases() -> None:
    theme = Theme("t", "test", ("conflict*", "push back", "pay"))
    assert theme.matches("Tell me about a CONFLICT with a colleague")
    assert theme.matches("When did you have conflicting priorities?")
    assert theme.matches("How do you push back on a manager?")
    assert theme.matches("What pay do you expect?")
    assert not theme.matches("Tell me about your payroll system")  # 'pay' is a word, not a prefix
    assert not theme.matches("What motivates you?")


def test_recurring_theme_picks_the_most_common_and_needs_two() -> None:
    questions = [
        "Tell me about a time you disagreed with your manager",
        "Describe a conflict in your team and how it ended",
        "What are your salary expectations?",
    ]
    found = recurring_theme(questions, THEMES)
    assert found is not None
    assert (found[0].key, found[1]) == ("conflict", 2)
    assert recurring_theme(questions[2:], THEMES) is None
    assert recurring_theme([], THEMES) is None


def test_every_theme_in_the_wording_file_is_recognisable() -> None:
    samples = {
        "conflict": "How did you handle a disagreement?",
        "failure": "Tell me about a time you failed",
        "weakness": "What is your biggest weakness?",
        "leadership": "Tell me about a time you led a project",
        "motivation": "Why do you want to work here?",
        "salary": "What are your salary expectations?",
        "technical": "Design a URL shortener: walk me through the system design",
        "pressure": "How do you handle a tight deadline?",
        "gaps": "Can you explain the gap in your CV?",
        "about_me": "Tell me about yourself",
        "teamwork": "How do you collaborate with other teams?",
        "future": "Where do you see yourself in five years?",
    }
    assert {theme.key for theme in THEMES} == set(samples)
    for key, question in samples.items():
        assert recurring_theme([question, question], THEMES) is not None, key
        matched = [theme.key for theme in THEMES if theme.matches(question)]
        assert key in matched, (key, matched)


def test_getting_further_compares_early_and_recent_stages() -> None:
    early = [CheckinFacts("application", None, None), CheckinFacts("screen", None, None)]
    late = [CheckinFacts("onsite", None, None), CheckinFacts("technical", None, None)]
    assert getting_further(early + late) == (1.5, 3.5)
    assert getting_further(late + early) is None
    assert getting_further(early) is None  # too little to say


def test_intensity_trend_needs_a_real_change() -> None:
    easing = [CheckinFacts(None, "sad", level) for level in (5, 5, 4, 3, 2, 2)]
    assert intensity_trend(easing) == (14 / 3, 7 / 3)
    flat = [CheckinFacts(None, "sad", level) for level in (3, 3, 4, 3)]
    assert intensity_trend(flat) is None


def test_common_feeling_needs_three_and_breaks_ties_by_recency() -> None:
    checkins = [CheckinFacts(None, f, 3) for f in ("sad", "angry", "sad", "angry", "sad", "angry")]
    assert common_feeling(checkins) == ("angry", 3)
    assert common_feeling(checkins[:4]) is None


@pytest.mark.parametrize("templates", [WORDS["observations"]])
def test_observe_orders_by_specificity_and_renders_every_key(templates: dict[str, str]) -> None:
    facts = MemberFacts(
        checkins=[
            CheckinFacts(stage, "sad", level)
            for stage, level in (("application", 5), ("screen", 5), ("onsite", 2), ("onsite", 1))
        ],
        hard_questions=["Why do you want this role?", "Why this company and not another?"],
        feedback_replied=1,
    )
    found = observe(facts, THEMES, feeling_labels={"sad": "Sad"})
    assert [o.key for o in found] == ["theme", "further"]
    assert "motivation" in found[0].render(templates)
    everything = observe(facts, THEMES, feeling_labels={"sad": "Sad"}, limit=10)
    assert [o.key for o in everything] == ["theme", "further", "easing", "feedback_replied", "feeling"]
    for observation in everything:
        text = observation.render(templates)
        assert "{" not in text and text.strip()
    assert "**sad**" in everything[-1].render(templates)


def test_observe_says_nothing_for_a_new_member_and_something_kind_for_a_persistent_one() -> None:
    assert observe(MemberFacts(), THEMES) == []
    steady = MemberFacts(checkins=[CheckinFacts(None, None, None)] * 5)
    assert [o.key for o in observe(steady, THEMES)] == ["persistence"]


def test_ghosted_feedback_is_named_gently() -> None:
    found = observe(MemberFacts(feedback_ghosted=2), THEMES)
    assert [o.key for o in found] == ["feedback_ghosted"]
    assert "says more about their process" in found[0].render(WORDS["observations"])
