"""data/wins.toml: complete, within Discord's limits, and warm rather than pushy."""

from __future__ import annotations

import re
import string
from typing import Any

import pytest

from cogs.wins.logic import words

BANNED = (
    "everything happens for a reason",
    "stay positive",
    "good vibes only",
    "no excuses",
    "failure",
    "just move on",
    "just keep",
    "should have",
    "hustle",
    "grind",
)


def all_strings(node: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string in the file, with where it lives."""
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in all_strings(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [item for index, value in enumerate(node) for item in all_strings(value, f"{path}[{index}]")]
    return []


def test_categories_are_complete_and_unique() -> None:
    categories = words()["categories"]
    keys = [c["key"] for c in categories]
    assert len(keys) == len(set(keys))
    assert {"interview", "asked_feedback", "got_feedback", "applied_again", "learned", "offer", "other"} <= set(keys)
    for category in categories:
        assert 0 < len(category["label"]) <= 100 and category["emoji"]
    share = words()["share"]
    assert share["reflection_category"] in keys and share["nudge_category"] in keys


def test_milestone_thresholds_are_sorted_and_worded() -> None:
    table = words()["milestones"]
    for kind in ("wins", "shots"):
        thresholds = table[f"{kind}_thresholds"]
        assert thresholds == sorted(set(thresholds)) and thresholds[0] >= 1
        assert table[f"{kind}_every"] > 0
        assert "{count}" in table[kind]["other"]
    assert table["wins_thresholds"][0] == 1


def test_placeholders_are_only_the_ones_the_code_fills() -> None:
    allowed = {"channel", "guild", "when", "missing", "count", "emoji", "label", "item"}
    for path, text in all_strings(words()):
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert fields <= allowed, f"{path} uses {fields - allowed}"


@pytest.mark.parametrize("path_text", all_strings(words()), ids=lambda item: item[0])
def test_wording_fits_discord_and_avoids_pushy_phrases(path_text: tuple[str, str]) -> None:
    path, text = path_text
    assert len(text) <= 1500, path
    lowered = text.lower()
    for phrase in BANNED:
        # "not of failure" is the one place the word is used, to say what the count is not.
        if phrase == "failure" and "not a count of failures" in lowered:
            continue
        assert phrase not in lowered, f"{path}: {phrase!r}"


def test_shots_milestones_say_courage_not_failure() -> None:
    shots = words()["milestones"]["shots"]
    assert any("courage" in text for key, text in shots.items() if key != "dm_footer")
    assert all(not re.search(r"\bfail(ed|ing)?\b", text.lower()) for text in shots.values())


def test_variant_lists_have_at_least_two_entries() -> None:
    share, digest = words()["share"], words()["digest"]
    for variants in (share["preview_intro"], share["posted"], digest["intro"], digest["outro"]):
        assert len(variants) >= 2
