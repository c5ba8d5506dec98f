"""The single-scan fast path of the safety matcher must agree with the pattern-by-pattern check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.safety import PLACEHOLDER, SafetyRules, load_safety_rules, matchable_text

RULES = load_safety_rules()
WORDS = ["i", "want", "to", "die", "kill", "myself", "this", "interview", "killed", "me", "dying", "hear", "back",
         "end", "it", "all", "commute", "murder", "suicidal", "kms", "cant", "go", "on", "hurt", "better", "off",
         "without", "coffee", "dead", "tired", "bombed", "the", "role"]


def slow_assess(rules: SafetyRules, text: str) -> str | None:
    """The definition: every idiom blanked in order, then every crisis pattern tried."""
    prepared = matchable_text(text)
    for idiom in rules.idiom_patterns:
        prepared = idiom.sub(PLACEHOLDER, prepared)
    return next((pattern.pattern for pattern in rules.crisis_patterns if pattern.search(prepared)), None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join) | st.text(max_size=80))
def test_fast_path_agrees_with_the_definition(text: str) -> None:
    expected = slow_assess(RULES, text) if text.strip() else None
    assessment = RULES.assess(text)
    assert assessment.matched == expected
    assert assessment.is_crisis == (expected is not None)
