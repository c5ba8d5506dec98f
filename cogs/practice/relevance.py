"""Does an answer answer its question? A rough check: the content words it shares with the question and its tip.

Stop-words are left out and words are cut to a simple stem ("disagreed", "disagreement" → "disagr"), so an
answer in its own words still meets the question's. Only an answer that shares almost nothing is flagged: the
member is told kindly, and such an answer is never called the strongest of a session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

WORD = re.compile(r"[a-z][a-z'’]+")
SUFFIXES = ("ingly", "edly", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")
MIN_STEM = 3
# An answer with fewer content words than this is judged on its length instead (too short to tell).
MIN_CONTENT_WORDS = 12
# A question this bare ("Why us?") gives too little to compare with: no verdict.
MIN_QUESTION_WORDS = 4
# Off the question: at most this many shared stems, and at most this share of the answer's content words.
MAX_SHARED = 1
MAX_SHARE = 0.05
# Two stems are one word when the shorter, at least this long, starts the longer.
SHARED_ROOT = 5

# Common English function words, and the words every interview question uses ("tell", "describe", "example").
_STOP_WORDS = """
a about above after again against all almost also although always am among an and another any anyone anything are
around as at away back be became because been before being below between both but by came can cannot could did do
does doing done down during each either else enough even ever every everyone everything few for from further get
gets getting give given go goes going gone got had has have having he her here hers herself him himself his how
however i i'd i'll i'm i've if in into is it it's its itself just kind know last least less let like lot lots made
make makes making many may me might mine more most much must my myself need never new next no nor not nothing now of
off often on once one only or other others our ours ourselves out over own part per perhaps please put quite rather
really said same say says see seem seemed she should show since so some someone something sometimes still such sure
take taken tell than that that's the their theirs them themselves then there there's these they they're thing things
think this those though through thus time times to together too took toward towards under until up upon us use used
very via want wanted was way ways we we'd we're we've well went were what what's when where whether which while who
whom whose why will with within without would yet you you'd you'll you're you've your yours yourself yourselves
describe example answer question questions tell walk pick give explain talk share
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True)
class Relevance:
    """How much of an answer meets its question: the shared stems, out of the answer's own content stems."""

    shared: tuple[str, ...]
    answer_stems: int
    question_stems: int

    @property
    def off_topic(self) -> bool:
        """True when the answer shares almost no content words with the question and its tip."""
        if self.answer_stems < MIN_CONTENT_WORDS or self.question_stems < MIN_QUESTION_WORDS:
            return False
        return len(self.shared) <= MAX_SHARED and len(self.shared) / self.answer_stems <= MAX_SHARE


def stem(word: str) -> str:
    """A crude English stem: one common suffix off, a final 'e' and a doubled last letter folded."""
    word = word.replace("’", "'").split("'")[0]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            break
    word = word.rstrip("e") if len(word.rstrip("e")) >= MIN_STEM else word
    if len(word) > MIN_STEM and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def content_stems(text: str) -> set[str]:
    """The stems of a text's content words (stop-words and very short words left out)."""
    words = (word.replace("’", "'") for word in WORD.findall(text.lower()))
    return {stem(word) for word in words if word not in STOP_WORDS and len(word) >= MIN_STEM}


def relevance(answer: str, question: Iterable[str]) -> Relevance:
    """How the answer's content words meet the question's and its tip's."""
    asked: set[str] = set()
    for part in question:
        asked |= content_stems(part)
    own = content_stems(answer)
    shared = {word for word in own if word in asked or any(_same_root(word, other) for other in asked)}
    return Relevance(shared=tuple(sorted(shared)), answer_stems=len(own), question_stems=len(asked))


def _same_root(first: str, second: str) -> bool:
    # The crude stem leaves "short" and "shorten", "design" and "designing" apart; a long shared start joins them.
    shorter, longer = sorted((first, second), key=len)
    return len(shorter) >= SHARED_ROOT and longer.startswith(shorter)
