"""Crisis detection: real signals trigger, idioms and everyday job talk don't, and the rules file is sound."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.safety import (
    DEFAULT_SAFETY_PATH,
    SafetyAssessment,
    SafetyRules,
    default_safety_rules,
    load_safety_rules,
    matchable_text,
    normalise_text,
)


@pytest.fixture(scope="module")
def rules() -> SafetyRules:
    return load_safety_rules(DEFAULT_SAFETY_PATH)


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
    # other ways of saying it
    "I wish I was dead",
    "I wish I had never been born",
    "nothing to live for anymore",
    "I've thought about taking my own life",
    "I'm going to take my life",
    "life isn't worth living",
    "what's the point of living",
    "nobody would miss me if I was gone",
    "no one would even notice if I died",
    "I'd rather be dead than go through another round",
    "I'm just a burden to everyone",
    "I feel like such a burden",
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
]

NOT_CRISIS = [
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
    "I feel completely numb about it",
    "I'm gutted",
    "",
    "   ",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_wording_triggers(rules: SafetyRules, text: str) -> None:
    result = rules.assess(text)
    assert result.is_crisis, f"missed a crisis: {text!r} (neutralised to {rules.neutralise(text)!r})"
    assert result.matched is not None


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_idioms_and_job_talk_do_not_trigger(rules: SafetyRules, text: str) -> None:
    result = rules.assess(text)
    assert not result.is_crisis, f"false alarm on {text!r}: matched {result.matched!r}"
    assert result == SafetyAssessment(is_crisis=False, matched=None)


def test_tables_are_large_enough() -> None:
    assert len(CRISIS) >= 25
    assert len(NOT_CRISIS) >= 25
    assert len(set(CRISIS)) == len(CRISIS)
    assert len(set(NOT_CRISIS)) == len(NOT_CRISIS)


def test_a_crisis_in_any_one_of_several_texts_triggers(rules: SafetyRules) -> None:
    company, role, stage, vent = "Acme", "Data analyst", None, "honestly I don't want to be alive anymore"
    assert rules.assess(company, role, stage, vent).is_crisis
    assert rules.assess(vent, company, role).is_crisis
    assert rules.assess(None, "I want to kill myself", None).is_crisis
    assert not rules.assess(company, role, stage, "the process was a nightmare").is_crisis


def test_no_texts_or_only_blanks_are_not_a_crisis(rules: SafetyRules) -> None:
    assert rules.assess() == SafetyAssessment(is_crisis=False, matched=None)
    assert not rules.assess(None, "", "  ", None).is_crisis


def test_texts_are_assessed_separately(rules: SafetyRules) -> None:
    # The end of one text and the start of the next must not be read as one phrase.
    assert not rules.assess("I can't go", "on holiday").is_crisis
    assert not rules.assess("I want to", "die down the nerves").is_crisis


def test_matched_names_the_pattern_not_the_text(rules: SafetyRules) -> None:
    text = "My name is Sam and I want to kill myself"
    result = rules.assess(text)
    assert result.matched in {pattern.pattern for pattern in rules.crisis_patterns}
    assert "sam" not in (result.matched or "")


def test_assessment_never_logs_the_members_words(rules: SafetyRules, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="bot.safety")
    rules.assess("Zebrafish Corp", "I want to kill myself")
    assert "zebrafish" not in caplog.text.casefold()
    assert "kill myself" not in caplog.text.replace("\\s*", " ").replace("\\s+", " ")


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


def test_rules_file_loads_and_every_pattern_compiles() -> None:
    with DEFAULT_SAFETY_PATH.open("rb") as handle:
        data = tomllib.load(handle)
    assert set(data) == {"crisis_patterns", "idiom_patterns"}
    for key in ("crisis_patterns", "idiom_patterns"):
        assert data[key], f"{key} is empty"
        for source in data[key]:
            assert isinstance(source, str)
            re.compile(source)
    rules = load_safety_rules(DEFAULT_SAFETY_PATH)
    assert len(rules.crisis_patterns) == len(data["crisis_patterns"])
    assert len(rules.idiom_patterns) == len(data["idiom_patterns"])


def test_default_rules_are_cached() -> None:
    assert default_safety_rules() is default_safety_rules()
    assert Path(__file__).resolve().parents[2] / "data" / "safety.toml" == DEFAULT_SAFETY_PATH


def test_no_idiom_swallows_a_crisis_phrase_on_its_own(rules: SafetyRules) -> None:
    # Every crisis example must still match once idioms are blanked out: neutralising never hides one.
    for text in CRISIS:
        prepared = rules.neutralise(text)
        assert any(pattern.search(prepared) for pattern in rules.crisis_patterns), text


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "safety.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("crisis_patterns = [", "not valid TOML"),
        ("idiom_patterns = ['x']", "missing required key 'crisis_patterns'"),
        ("crisis_patterns = ['x']", "missing required key 'idiom_patterns'"),
        ("crisis_patterns = []\nidiom_patterns = ['x']", "non-empty list"),
        ("crisis_patterns = 'x'\nidiom_patterns = ['x']", "non-empty list"),
        ("crisis_patterns = ['(unclosed']\nidiom_patterns = ['x']", "crisis_patterns[0]"),
        ("crisis_patterns = ['x', 'a*']\nidiom_patterns = ['x']", "matches empty text"),
        ("crisis_patterns = ['x']\nidiom_patterns = ['_']", "placeholder"),
        ("crisis_patterns = ['x', 'x']\nidiom_patterns = ['y']", "listed twice"),
        ("crisis_patterns = [\"can't\"]\nidiom_patterns = ['y']", "apostrophe"),
        ("crisis_patterns = ['Suicide']\nidiom_patterns = ['y']", "lowercase"),
        ("crisis_patterns = [3]\nidiom_patterns = ['y']", "non-empty string"),
        ("crisis_patterns = ['  ']\nidiom_patterns = ['y']", "non-empty string"),
        ("crisis_patterns = ['x']\nidiom_patterns = ['y']\ncrisis_pattern = ['z']", "unknown key"),
    ],
)
def test_bad_rules_files_are_refused_clearly(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        load_safety_rules(path)
    assert str(path) in str(info.value)


def test_escapes_with_capitals_are_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, "crisis_patterns = ['\\bend\\S*']\nidiom_patterns = ['\\d+\\s*kms?\\b']")
    rules = load_safety_rules(path)
    assert rules.assess("ending").is_crisis
    assert not rules.assess("12 kms").is_crisis
