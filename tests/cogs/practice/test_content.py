"""data/practice.toml: every placeholder the code fills is there, Discord's limits hold, the tone is kind."""

from __future__ import annotations

import re
import string
import tomllib
from pathlib import Path
from typing import Any

import pytest

from cogs.practice import analysis as rules

PATH = Path(__file__).resolve().parents[3] / "data" / "practice.toml"
BANNED = ("everything happens for a reason", "stay positive", "good vibes only", "no excuses", "hustle", "failure is")
# Placeholders each templated line may use (the code passes exactly these).
PLACEHOLDERS: dict[str, set[str]] = {
    "from_review": set(),
    "summary_line": {"count", "spoken"},
    "spoken_minutes": {"minutes"},
    "spoken_seconds": {"count"},
    "counted": {"count"},
    "more_points": {"count"},
    "rated_low": {"rating", "when"},
    "rated_ok": {"rating"},
    "rated_high": {"rating"},
    "summary_intro": {"answered", "count"},
    "mock_question_title": {"position", "planned"},
    "strongest_line": {"number", "question", "reasons"},
}
FINDING_PLACEHOLDERS = {"evidence", "more", "words", "low", "high", "i", "we", "hedges", "found"}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    with PATH.open("rb") as handle:
        return tomllib.load(handle)


def fields_of(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def all_texts(data: dict[str, Any]) -> list[str]:
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(data)
    return texts


def test_templated_lines_use_only_known_placeholders(data: dict[str, Any]) -> None:
    for key, allowed in PLACEHOLDERS.items():
        # A line with plural forms is a table of them ('one', 'other'); each form may use the same placeholders.
        forms = all_texts({key: data[key]})
        for template in forms:
            assert fields_of(template) <= allowed, key
    for code, template in data["findings"].items():
        assert fields_of(template) <= FINDING_PLACEHOLDERS, code


def test_plain_lines_have_no_placeholders(data: dict[str, Any]) -> None:
    templated = set(PLACEHOLDERS) | {"findings"}
    for key, value in data.items():
        if key in templated:
            continue
        for text in all_texts({key: value}):
            assert "{" not in text and "}" not in text, f"{key}: {text!r}"


def test_every_finding_and_focus_has_words(data: dict[str, Any]) -> None:
    assert set(rules.PRIORITY) <= set(data["work_on"])
    assert "nothing" in data["work_on"]
    for code in data["strongest_reasons"]:
        assert code in data["findings"], code
    assert set(data["star_labels"]) == set(rules.STAR_PARTS)
    assert set(data["categories"]) == {*rules.CATEGORIES, rules.OWN_CATEGORY}


def test_discord_limits(data: dict[str, Any]) -> None:
    assert len(data["modal"]["title"]) <= 45
    assert len(data["modal"]["label"]) <= 45
    assert len(data["modal"]["placeholder"]) <= 100
    assert len(data["rating_labels"]) == 5 and all(len(label) <= 80 for label in data["rating_labels"])
    assert len(data["honesty"]) <= 2048  # embed footer
    assert len(data["summary_closing"]) <= 2048
    for template in data["findings"].values():
        assert len(template) <= 400  # three of them plus a line must fit a 1,024-character field


def test_feedback_is_honest_about_what_it_checks(data: dict[str, Any]) -> None:
    honesty = data["honesty"].lower()
    assert "rule-based" in honesty
    for checked in ("star", "numbers", "length", "'i' versus 'we'", "hedges", "fillers"):
        assert checked in honesty


def test_tone(data: dict[str, Any]) -> None:
    for text in all_texts(data):
        lowered = text.lower()
        for phrase in BANNED:
            assert phrase not in lowered, f"{phrase!r} in {text!r}"
        assert "!!" not in text and text.count("!") <= 1, text
        assert "’" not in text, f"curly apostrophe in {text!r}"


def test_improvements_explain_why_not_just_what(data: dict[str, Any]) -> None:
    # Each suggestion starts with a short bold headline and then explains itself in a full sentence or more.
    for code in rules.PRIORITY:
        template = data["findings"].get(code)
        if template is None:
            continue
        assert re.match(r"^\*\*[^*]+\*\* \S", template), code
        assert template.count(".") >= 2, code
