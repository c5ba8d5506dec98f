"""Counts read right where members meet them: one word, and softening phrases that add up to the count."""

from __future__ import annotations

import re

from tests.e2e.test_practice import answer
from tests.harness import Harness, message_of

HEDGES = ["I think", "maybe", "perhaps", "probably", "sort of", "kind of", "I guess"]


async def test_a_one_word_practice_answer_is_about_1_word(harness: Harness) -> None:
    alex = harness.member("alex")
    asked = await alex.slash("practice", category="behavioural")
    reply = (await answer(alex, message_of(asked), "Teamwork")).message
    assert reply is not None
    text = reply.text()
    assert "About 1 word," in text and "1 words" not in text


async def test_the_softening_phrases_counted_are_the_ones_listed(harness: Harness) -> None:
    alex = harness.member("alex")
    asked = await alex.slash("practice", category="behavioural")
    said = (
        "In my last role at a logistics firm, the monthly report took 5 days to build. My task was to speed it up. "
        "I think the first step was mapping every manual stage, and maybe I should have asked sooner. "
        "I perhaps spent a week rewriting the queries, and I probably automated the exports too. "
        "I sort of ran it alongside the old process, and I kind of checked each figure by hand. "
        "I guess the result was that the report took 1 day instead of 5, and my manager adopted it for 3 teams."
    )
    reply = (await answer(alex, message_of(asked), said)).message
    assert reply is not None
    line = next(part for part in reply.text().split("\n") if "softening phrase" in part)
    match = re.search(r"I counted (\d+) softening phrases", line)
    assert match is not None, line
    counted = int(match.group(1))
    listed = line.split(": ", 1)[1].split(". ", 1)[0]
    shown = sum(int(times) if times else 1 for times in re.findall(r"”(?: ×(\d+))?", listed))
    more = re.search(r" and (\d+) more", listed)
    assert counted == shown + (int(more.group(1)) if more else 0), line
    assert counted == len(HEDGES)
