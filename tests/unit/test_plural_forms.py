"""Counts meet their nouns in real plural forms: the one helper, and every words file read for slips."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import DATA_DIR
from bot.content import plural

# A number placed straight before a noun ("{days} days", "{count} words") needs a table of plural forms.
NOUNS = (
    "words?|days?|weeks?|hours?|minutes?|seconds?|times|records?|rejections?|questions?|answers?|wins?|shots?|"
    "cheers?|check-ins?|reflections?|requests?|softening|phrases?|characters?|posts?|messages?|DMs?|digests?|"
    "members?|people|sessions?|points?|replied|set aside|closed|without"
)
COUNTABLE = re.compile(r"\{\w+\} (?:more )?(?:" + NOUNS + r")\b")
COUNT = re.compile(r"\{(?:count|n)\}")
# Lines that place a number before a noun outside a plural table, and why that number is never 1.
NEVER_ONE = {
    "nudges.personal.long_gap": "said only after 7 days or more without a check-in",
    "nudges.more.done": "always the default run of days (DEFAULT_RUN_DAYS), never 1",
    "wins.milestones.wins.other": "said at 50 and every 50 after; smaller counts have their own lines",
    "wins.milestones.shots.other": "said at 50 and every 50 after; smaller counts have their own lines",
    "practice.spoken_minutes": "{minutes} is a decimal of 1.5 or more",
    "practice.findings.length_too_short": "{low} and {high} are word counts of 40 or more",
    "practice.findings.length_brief": "{low} and {high} are word counts of 40 or more",
    "nudges.footer.shots": "a label, then the number: no noun follows it",
    "progress.fields.feedback_value": "tallies ('1 asked · 1 replied · 0 no answer') that read right for any number",
}

# Real slips in files another change owns right now; each moves into a plural table when its owner is free.
LEFT_FOR_OWNER = {
    "help.privacy": "{days} is the vent retention setting (30 by default, 1 is allowed); cogs/help formats it",
}


def plural_forms(table: dict[str, Any]) -> bool:
    """A table of plural forms: 'one' and 'other' (or 'many'), whatever else sits beside them."""
    return "one" in table and ("other" in table or "many" in table)


def lines(value: Any, path: str) -> Iterator[tuple[str, str, bool]]:
    """(path, text, inside a plural table) for every string in a words file."""
    if isinstance(value, dict):
        forms = plural_forms(value)
        for key, item in value.items():
            if isinstance(item, str) and forms and key in ("one", "other", "many"):
                yield f"{path}.{key}", item, True
            else:
                yield from lines(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from lines(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value, False


def every_line() -> list[tuple[str, str, bool]]:
    found: list[tuple[str, str, bool]] = []
    for path in sorted(DATA_DIR.glob("*.toml")):
        with path.open("rb") as handle:
            found.extend(lines(tomllib.load(handle), path.stem))
    return found


def test_no_words_file_says_s_in_brackets() -> None:
    slips = [path for path, text, _ in every_line() if "(s)" in text]
    assert slips == []


def test_counts_before_nouns_live_in_plural_tables() -> None:
    slips = [
        (path, text[:80])
        for path, text, forms in every_line()
        if not forms and (COUNT.search(text) or COUNTABLE.search(text)) and path not in {*NEVER_ONE, *LEFT_FOR_OWNER}
    ]
    assert slips == []


def test_singular_forms_do_not_say_plural_nouns_after_one() -> None:
    for path, text, forms in every_line():
        if forms and path.endswith(".one"):
            assert not re.search(r"\b1 (?:\w+s)\b(?<!\bis)", text) or "1 yes" in text, (path, text)


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 words"), (1, "1 word"), (2, "2 words"), (11, "11 words"), (21, "21 words")]
)
def test_the_one_plural_helper(count: int, expected: str) -> None:
    assert plural({"one": "1 word", "other": "{count} words"}, count) == expected
    assert plural({"one": "1 word", "many": "{count} words"}, count) == expected
    assert plural({"other": "{count} {thing}"}, count, thing="x") == f"{count} x"
