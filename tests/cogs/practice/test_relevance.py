"""Does an answer answer its question: content words shared with the question and its tip, and what follows."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from cogs.practice import analysis as rules
from cogs.practice import logic
from cogs.practice.questions import bank
from cogs.practice.relevance import content_stems, relevance, stem

WORDING = tomllib.loads((Path(__file__).resolve().parents[3] / "data" / "practice.toml").read_text("utf-8"))
BAKING = (
    "Last spring at my local baking club, our sourdough loaves kept collapsing in the oven. My job was to fix the "
    "recipe before the village fair, six weeks away. I weighed every batch, I cut the water by 10%, and I moved the "
    "final proof into the fridge overnight. As a result, twenty loaves rose properly and we sold out by noon. I "
    "learned that patience with dough beats any clever trick."
)
GARDEN = (
    "On Saturday mornings I bake sourdough bread at home. I feed the starter the night before, then mix flour, "
    "water and salt, fold the dough every half hour, shape a round loaf and bake it in a cast-iron pot. The crust "
    "crackles as it cools on the rack, and my neighbours usually get the second loaf."
)
# Answers in the member's own words, sharing only a few of the question's.
ON_TOPIC = {
    "behavioural-01": (
        "At my last job a colleague and I had a real disagreement about shipping a feature early. I listened to his "
        "worries about quality, we found common ground on a smaller release, and it went out on time."
    ),
    "behavioural-05": (
        "We had two days to deliver a client report that normally takes a week. I worked out which sections really "
        "mattered, negotiated to drop the appendix, and kept my manager informed twice a day."
    ),
}


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("disagreed", "disagr"),
        ("disagreement", "disagr"),
        ("planned", "plan"),
        ("planning", "plan"),
        ("colleagues", "colleagu"),
        ("colleague", "colleagu"),
        ("handled", "handl"),
        ("handling", "handl"),
    ],
)
def test_simple_stemming_meets_the_same_word_in_its_forms(word: str, root: str) -> None:
    assert stem(word) == root


def test_stop_words_and_interview_boilerplate_do_not_count() -> None:
    assert content_stems("Tell me about a time you did this, and give an example.") == set()


@pytest.mark.parametrize("key", sorted(bank()))
def test_an_answer_about_something_else_is_off_topic_for_every_bank_question(key: str) -> None:
    question = bank()[key]
    assert relevance(GARDEN, (question.text, question.tip or "")).off_topic


@pytest.mark.parametrize(("key", "answer"), sorted(ON_TOPIC.items()))
def test_an_answer_in_its_own_words_is_on_topic(key: str, answer: str) -> None:
    question = bank()[key]
    found = relevance(answer, (question.text, question.tip or ""))
    assert not found.off_topic and len(found.shared) >= 3


def test_too_little_to_go_on_gives_no_verdict() -> None:
    assert not relevance("I baked bread.", ("Tell me about a time you disagreed with a colleague.",)).off_topic
    assert not relevance(BAKING, ("Why us?",)).off_topic  # a bare question of the member's own


def test_the_analysis_says_so_first_and_the_feedback_explains_it_kindly() -> None:
    question = bank()["behavioural-01"]
    found = rules.analyse(BAKING, "behavioural", (question.text, question.tip or ""))
    assert found.off_topic and found.improvements[0].code == "off_topic"
    feedback = logic.render(found, WORDING)
    assert feedback.improvements.startswith("• **Check it answers this question.**")
    assert "happens in practice" in feedback.improvements
    assert not rules.analyse(BAKING, "behavioural").off_topic  # no question given, no verdict


def test_an_answer_to_another_question_is_never_the_strongest() -> None:
    question = bank()["behavioural-01"]
    asked = (question.text, question.tip or "")
    polished = rules.analyse(BAKING, "behavioural", asked)
    modest = rules.analyse(ON_TOPIC["behavioural-01"], "behavioural", asked)
    assert polished.score > modest.score  # it would have won on the rules alone
    assert logic.strongest([polished, modest]) == 1
    assert logic.strongest([polished, polished]) is None
    assert logic.one_thing_to_work_on([polished, modest]) == "off_topic"
    assert "off_topic" in WORDING["work_on"] and WORDING["strongest_none"]


def test_words_that_share_a_long_root_meet() -> None:
    answer = (
        "I'd start with the data model: a short code mapped to the long URL in a key-value store. Reads outnumber "
        "writes, so a cache in front of the store takes most of the traffic, and I'd hand out counter ranges."
    )
    assert not relevance(answer, ["How would you design a URL shortener for millions of users?"]).off_topic
    assert relevance("short", ["shortener"]).shared == ("short",)
    assert relevance("sale", ["salary"]).shared == ()
