"""Safety tiers: real signals are crisis or concern, idioms and everyday job talk are benign, the grammar is sound."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.safety import (
    BENIGN,
    CONCERN_CATEGORIES,
    CRISIS_CATEGORIES,
    DEFAULT_SAFETY_PATH,
    NOT_A_CRISIS,
    SafetyAssessment,
    SafetyRules,
    Tier,
    default_safety_rules,
    load_safety_rules,
    matchable_text,
    normalise_text,
    required_strings,
)


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety_rules(DEFAULT_SAFETY_PATH)


# Every phrase that was a crisis before tiers still is (two burden phrases are concern now: see CONCERN).
CRISIS = [
    "I want to kill myself",
    "i want to die",
    "I don't want to be alive anymore",
    "thinking about ending it all",
    "I'm going to end my life",
    "I've been feeling suicidal since the layoffs",
    "kms",
    "honestly? kms.",
    "I want to hurt myself",
    "I've been cutting myself again",
    "there's no reason to live",
    "everyone would be better off without me",
    "I can't go on",
    "i cant go on like this anymore",
    "I can't go on. Every single application ends the same way",
    # curly apostrophes, capitals, extra spaces, zero-width and full-width characters
    "I don\u2019t want to be alive anymore",
    "I  WANT   TO    DIE",
    "I CAN\u2019T GO ON",
    "i want to kill\u200bmyself",
    "I want to \uff44\uff49\uff45",
    "I\u00a0want\u00a0to\u00a0die",
    # misspellings and run-together words
    "having suicde thoughts again",
    "i feel sucidal",
    "i might kill my self",
    "gonna killmyself",
    "feeling su1cidal",
    "i want to k1ll myself",
    "iwanttodie",
    # other ways of saying it
    "I wish I was dead",
    "I wish I had never been born",
    "nothing to live for anymore",
    "I've thought about taking my own life",
    "I'm going to take my life",
    "I'm going to take my own life tonight",
    "life isn't worth living",
    "what's the point of living",
    "nobody would miss me if I was gone",
    "no one would even notice if I died",
    "I'd rather be dead than go through another round",
    "I keep thinking about suicide",
    "self-harm urges are back",
    "I'm going to hang myself",
    "I feel like dying",
    "I'm going to take all my pills",
    "thinking about unaliving myself",
    "I don't want to live anymore",
    "the world would be better without me",
    "I hope I never wake up",
    "I just want to go to sleep and never wake up",
    "I'm going to end it all tonight",
    "I'm going to end it tonight",
    "I cut myself.",
    "I just wanna die lol",
    "no point going on",
    # an idiom in the same message must not hide a real signal
    "this rejection killed me and honestly I want to die",
    "I was dying to hear back and now I want to kill myself",
    "I died of embarrassment, and now I actually want to die",
    "I shot myself in the foot in that interview and I want to hurt myself",
    "I need to cut myself some slack but I keep cutting myself",
    # a negation must not cancel a signal elsewhere in the text
    "I'm not suicidal but I've been saving my pills",
    "I don't want to die but sometimes I wish I wouldn't wake up",
    "not gonna lie, I want to die",
    "I'm not joking, I want to kill myself",
]

# Hopeless, burdened, trapped, empty or futureless, without a stated wish to die.
CONCERN = [
    "I'm just a burden to everyone",
    "I feel like such a burden",
    "I feel completely numb about it",
    "what's the point of anything anymore",
    "I give up on everything",
    "nothing will ever get better",
    "I feel trapped, there's no way out",
    "I feel empty inside",
    "I don't see a future for me",
    "I can't do this anymore",
]

BENIGN_TEXTS = [
    # idioms
    "this interview killed me",
    "I'm dying to hear back",
    "the commute is murder",
    "I could kill for a coffee",
    "that question was brutal, I died inside",
    "I bombed it",
    "shoot me an email if anything changes",
    "I'm going to kill it at the next one",
    "dead tired after three rounds",
    "I'm dead",
    "I'm dead \U0001f602",
    "lmao I'm dead",
    "it's killing me waiting",
    "the wait is killing me",
    "I could have died of embarrassment",
    "I'm dying of embarrassment",
    "I nearly died when they asked about salary",
    "I'd die on that hill",
    "the nerves will die down",
    "over my dead body will I apply there again",
    "I'm dead serious about switching careers",
    "that role is a dead end",
    "I'm killing myself laughing at that rejection email",
    "I've been killing myself trying to get hired",
    "this market is killing me",
    "I'd kill for feedback",
    "I'm going to end it with this recruiter",
    "at the end of my rope with these portals",
    "not around much this week",
    "no point applying there",
    "I give up on this company",
    # job talk
    "they killed the role",
    "the hiring freeze killed my chances",
    "the process was a nightmare",
    "I want to quit applying",
    "I want to give up on this job search",
    "I need to cut myself some slack",
    "cutting myself off from LinkedIn for a week",
    "I'm burning myself out with applications",
    "answering like that was career suicide",
    "I shot myself in the foot with that answer",
    "I can't go on another panel interview like that",
    "I can't go on holiday until I hear back",
    "I can't keep going to interviews that go nowhere",
    "I can't go on and on about it",
    "the office is 40 kms away",
    "I want to take my life back after this",
    "I don't want to live in London anyway",
    "I don't want to die alone in this job market lol",
    "there's no point carrying on with this application",
    "shoot your shot, they said",
    "that question was brutal",
    "I'm so frustrated I could scream",
    "the deadline is Friday",
    "I really wanted this job",
    "I'm gutted",
    # negations
    "I'm not suicidal, just frustrated",
    "I would never hurt myself",
    "not that I want to die, I'm just annoyed",
    "i'm not going to kill myself over a job lol",
    "",
    "   ",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_wording_is_crisis(rules: SafetyRules, text: str) -> None:
    result = rules.assess(text)
    assert result.is_crisis, f"missed a crisis: {text!r} (neutralised to {rules.neutralise(text)!r})"
    assert result.needs_care and not result.is_concern
    assert result.category in CRISIS_CATEGORIES
    assert result.matched is not None


@pytest.mark.parametrize("text", CONCERN)
def test_concern_wording_is_concern(rules: SafetyRules, text: str) -> None:
    result = rules.assess(text)
    assert result.tier is Tier.CONCERN, f"{text!r} -> {result}"
    assert result.is_concern and result.needs_care and not result.is_crisis
    assert result.category in CONCERN_CATEGORIES


@pytest.mark.parametrize("text", BENIGN_TEXTS)
def test_idioms_job_talk_and_negations_are_benign(rules: SafetyRules, text: str) -> None:
    result = rules.assess(text)
    assert result == BENIGN, f"false alarm on {text!r}: rule {result.matched!r}"
    assert not result.needs_care


def test_tables_are_large_enough_and_distinct() -> None:
    for table in (CRISIS, CONCERN, BENIGN_TEXTS):
        assert len(set(table)) == len(table)
    assert len(CRISIS) >= 25 and len(BENIGN_TEXTS) >= 25


def test_tiers_are_ordered_and_the_assessment_says_what_it_is() -> None:
    assert Tier.BENIGN < Tier.CONCERN < Tier.CRISIS
    assert max(Tier.CONCERN, Tier.BENIGN, Tier.CRISIS) is Tier.CRISIS
    assert BENIGN is NOT_A_CRISIS
    assert SafetyAssessment(Tier.BENIGN) == BENIGN and BENIGN.category is None and BENIGN.matched is None
    assert not BENIGN.is_crisis and not BENIGN.is_concern and not BENIGN.needs_care
    concern = SafetyAssessment(Tier.CONCERN, "hopelessness", "no_point")
    assert concern.is_concern and concern.needs_care and not concern.is_crisis
    crisis = SafetyAssessment(Tier.CRISIS, "plan", "ending_at_a_time")
    assert crisis.is_crisis and crisis.needs_care and not crisis.is_concern
    with pytest.raises(AttributeError):
        crisis.tier = Tier.BENIGN  # type: ignore[misc]


def test_the_worst_of_several_texts_wins(rules: SafetyRules) -> None:
    company, role, stage, vent = "Acme", "Data analyst", None, "honestly I don't want to be alive anymore"
    assert rules.assess(company, role, stage, vent).is_crisis
    assert rules.assess(vent, company, role).is_crisis
    assert rules.assess(None, "I want to kill myself", None).is_crisis
    assert rules.assess("I feel hopeless", "I want to die").is_crisis
    assert rules.assess("I want to die", "I feel hopeless").is_crisis
    assert rules.assess("Acme", "I feel hopeless").is_concern
    assert rules.assess(company, role, stage, "the process was a nightmare") == BENIGN


def test_no_texts_or_only_blanks_are_benign(rules: SafetyRules) -> None:
    assert rules.assess() == BENIGN
    assert rules.assess(None, "", "  ", None) == BENIGN


def test_texts_are_assessed_separately(rules: SafetyRules) -> None:
    # The end of one text and the start of the next must not be read as one phrase.
    assert not rules.assess("I can't go", "on holiday").needs_care
    assert not rules.assess("I want to", "die down the nerves").needs_care
    assert not rules.assess("I'm not", "suicidal").needs_care or rules.assess("suicidal").is_crisis


def test_matched_names_a_rule_and_category_never_the_text(rules: SafetyRules) -> None:
    text = "My name is Sam and I want to kill myself"
    result = rules.assess(text)
    assert result.matched in {rule.name for rule in rules.rules}
    assert result.category in CRISIS_CATEGORIES
    assert "sam" not in f"{result.matched}{result.category}"


def test_assessment_never_logs_the_members_words(rules: SafetyRules, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="bot.safety")
    rules.assess("Zebrafish Corp", "zebrafish says I want to kill myself")
    rules.assess("Quokka Ltd", "quokka here, I feel so hopeless")
    assert "zebrafish" not in caplog.text.casefold() and "quokka" not in caplog.text.casefold()
    assert "crisis" in caplog.text and "concern" in caplog.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I  Can\u2019t\n\tGo   On ", "i can't go on"),
        ("kill\u200b\u200dmy\ufeffself", "killmyself"),
        ("\u201cquoted\u201d", '"quoted"'),
        ("\uff29 \uff37\uff41\uff4e\uff54", "i want"),
        ("STRASSE stra\u00dfe", "strasse strasse"),
        ("don\u00b4t", "don't"),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_matchable_text_drops_apostrophes() -> None:
    assert matchable_text("I can\u2019t, I won't, I'm") == "i cant, i wont, im"


def test_rules_file_loads_with_every_category_and_rule() -> None:
    with DEFAULT_SAFETY_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    assert set(data) == {"idioms", "concepts", "rules"}
    rules = load_safety_rules(DEFAULT_SAFETY_PATH)
    assert len(rules.rules) == len(data["rules"])
    assert {rule.category for rule in rules.rules} == CRISIS_CATEGORIES | CONCERN_CATEGORIES
    # Crisis rules come first: the first rule that matches is the worst tier.
    tiers = [rule.tier for rule in rules.rules]
    assert tiers == sorted(tiers, reverse=True)


def test_default_rules_are_cached() -> None:
    assert default_safety_rules() is default_safety_rules()
    assert Path(__file__).resolve().parents[2] / "data" / "safety.toml" == DEFAULT_SAFETY_PATH


def test_no_idiom_swallows_a_crisis_phrase(rules: SafetyRules) -> None:
    for text in CRISIS:
        assert rules.assess_everywhere(rules.neutralise(text)).is_crisis, text


def test_required_strings_are_really_required() -> None:
    assert required_strings("overdos\\w*") == frozenset({"overdos"})
    assert required_strings("(?:cant|cannot|can\\s+not)\\s+go") is not None
    assert required_strings("\\w+") is None
    assert required_strings("(?:a|b)?c+") == frozenset({"c"})
    strings = required_strings("k[i1]l+\\s*my\\s*self")
    assert strings is not None and any(s in "kill myself" for s in strings)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "safety.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD_CONCEPTS = """
[concepts]
negation = ['not']
negation_bridge = ['i']
filler = ['to']
desire = ['want']
death = ['die']
"""
GOOD_RULE = """
[[rules]]
name = "wish"
tier = "crisis"
category = "active_wish"
match = "desire filler{0,2} death"
"""
GOOD_IDIOMS = "[idioms]\nfigure = ['die\\s+down']\n"


def test_a_minimal_grammar_works(tmp_path: Path) -> None:
    rules = load_safety_rules(_write(tmp_path, GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE))
    assert rules.assess("I want to die").category == "active_wish"
    assert rules.assess("I want to die down") == BENIGN  # the idiom is blanked first
    assert rules.assess("I do not want to die") == BENIGN  # negation
    assert rules.assess("I want to, honestly, die") == BENIGN  # 'honestly' is not filler


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[idioms", "not valid TOML"),
        (GOOD_CONCEPTS + GOOD_RULE, "missing required table [idioms]"),
        (GOOD_IDIOMS + GOOD_RULE, "missing required table [concepts]"),
        (GOOD_IDIOMS + GOOD_CONCEPTS, "missing required [[rules]]"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE + "\n[extra]\nx = 1\n", "unknown key(s) extra"),
        (
            GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = ['(unclosed']") + GOOD_RULE,
            "concepts.death[0]",
        ),
        (
            GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = ['die', 'a*']") + GOOD_RULE,
            "concepts.death[1] 'a*' matches empty text",
        ),
        (
            GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = ['die', 'die']") + GOOD_RULE,
            "concepts.death[1] 'die' is listed twice",
        ),
        (GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", 'death = ["can\'t"]') + GOOD_RULE, "apostrophe"),
        (GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = ['Die']") + GOOD_RULE, "lowercase"),
        (GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = ['_+']") + GOOD_RULE, "placeholder"),
        (GOOD_IDIOMS + GOOD_CONCEPTS.replace("death = ['die']", "death = []") + GOOD_RULE, "non-empty list"),
        (GOOD_IDIOMS + GOOD_CONCEPTS.replace("filler = ['to']\n", "") + GOOD_RULE, "missing filler"),
        (
            GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("desire filler", "desires filler"),
            "rules[0] (wish) match step 1 'desires': unknown concept 'desires'",
        ),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("{0,2}", "{3,2}"), "a gap is name{m,n}"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace('death"', 'death{0,2}"'), "a gap is name{m,n}"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("desire filler", "desire? filler"), "cannot be optional"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace('"crisis"', '"severe"'), "tier must be"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("active_wish", "hopelessness"), "category must be one of"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE + GOOD_RULE, "the name 'wish' is used twice"),
        (
            GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace('name = "wish"', 'name = "wish"\nlevel = 3'),
            "unknown key(s) level",
        ),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("desire filler{0,2} death", "$ death"), "cannot start"),
        (GOOD_IDIOMS + GOOD_CONCEPTS + GOOD_RULE.replace("desire filler{0,2} death", "any{0,2}"), "a gap is"),
        ("[idioms]\nfigure = ['x', 'x']\n" + GOOD_CONCEPTS + GOOD_RULE, "idioms.figure[1] 'x' is listed twice"),
    ],
)
def test_bad_rules_files_are_refused_clearly(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        load_safety_rules(path)
    assert str(path) in str(info.value)
