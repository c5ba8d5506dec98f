"""The answer analyser: what the rules notice in a practice answer (STAR, detail, length, ownership, hedges, fillers).

Everything here is a pure function of the answer text, so it is fast and easy to test. It checks patterns
in the wording, never whether the content is good: the member is told exactly that. Which findings apply is
decided here; `logic.py` turns them into the words of data/practice.toml.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.safety import normalise_text
from cogs.practice.kinds import own_question_kind
from cogs.practice.patterns import (
    ACTION_EXTRA,
    ACTION_HYPOTHETICAL,
    ACTION_PAST,
    CUES,
    FILLERS,
    FIRST_PERSON,
    GENERIC,
    GENERIC_WOULD,
    HEDGES,
    NOT_ACTIONS,
    NUMBER,
    RESULT_HYPOTHETICAL,
    SENTENCE_BREAK,
    TEAM,
    TEAM_ACTION_PAST,
    VOCAL_FILLERS,
    WORD,
)
from cogs.practice.relevance import relevance

log = logging.getLogger(__name__)

CATEGORIES = ("behavioural", "motivation", "situational", "technical")
# The member's own hard questions could be of any kind; most are "tell me about a time" questions.
OWN_CATEGORY = "mine"
STAR_PARTS = ("situation", "task", "action", "result")
WORDS_PER_MINUTE = 130  # a calm speaking pace, to turn a typed answer into spoken minutes

LengthBand = Literal["too_short", "brief", "good", "long", "rambling"]
Kind = Literal["strength", "improve"]


@dataclass(frozen=True)
class LengthRule:
    """Word-count bands for one kind of question: below too_short, below brief, up to good, up to long."""

    too_short: int
    brief: int
    good: int
    long: int


LENGTH_RULES: dict[str, LengthRule] = {
    "behavioural": LengthRule(too_short=50, brief=100, good=350, long=500),
    "situational": LengthRule(too_short=45, brief=90, good=300, long=450),
    "motivation": LengthRule(too_short=30, brief=60, good=250, long=400),
    "technical": LengthRule(too_short=40, brief=80, good=350, long=500),
}
# A run-on answer: sentences this long on average read as one breathless stream when spoken.
RAMBLING_SENTENCE_WORDS = 40
RAMBLING_MIN_WORDS = 150
HEDGE_THRESHOLD = 2
FILLER_THRESHOLD = 2

# Which finding matters most when choosing "one thing to work on" (earlier = more important).
PRIORITY = (
    "off_topic",
    "generic",
    "star_story",
    "star_result",
    "star_action",
    "ownership_only_we",
    "length_too_short",
    "detail_missing",
    "length_rambling",
    "star_situation",
    "ownership_mostly_we",
    "hedging",
    "example_missing",
    "star_task",
    "length_long",
    "filler",
    "length_brief",
)


@dataclass(frozen=True)
class Finding:
    """One thing the check noticed: a code (its wording lives in data/practice.toml) and the evidence for it."""

    code: str
    kind: Kind
    evidence: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    """What the rules found in one answer; `findings` is what the member is told."""

    category: str
    words: int
    sentences: int
    star: Mapping[str, tuple[str, ...]]
    numbers: tuple[str, ...]
    first_person: int
    team: int
    hedges: Mapping[str, int]
    fillers: Mapping[str, int]
    generic: tuple[str, ...]
    length: LengthBand
    findings: tuple[Finding, ...]
    off_topic: bool = False  # shares almost no content words with its question and tip (relevance.py)

    @property
    def strengths(self) -> list[Finding]:
        """Findings that say what is working."""
        return [finding for finding in self.findings if finding.kind == "strength"]

    @property
    def improvements(self) -> list[Finding]:
        """Findings that suggest a change, most important first."""
        return sorted(
            (finding for finding in self.findings if finding.kind == "improve"),
            key=lambda finding: priority_of(finding.code),
        )

    @property
    def codes(self) -> set[str]:
        """Every finding's code."""
        return {finding.code for finding in self.findings}

    @property
    def star_found(self) -> tuple[str, ...]:
        """The STAR parts that showed up, in order."""
        return tuple(part for part in STAR_PARTS if self.star.get(part))

    @property
    def spoken_minutes(self) -> float:
        """Roughly how long the answer takes to say aloud."""
        return self.words / WORDS_PER_MINUTE

    @property
    def score(self) -> int:
        """An internal 0-100 figure, only used to pick the strongest answer in a mock interview (never shown)."""
        return score(self)


def priority_of(code: str) -> int:
    """How important a finding is when picking one thing to work on (lower comes first)."""
    return PRIORITY.index(code) if code in PRIORITY else len(PRIORITY)


def uses_star(category: str) -> bool:
    """Whether the STAR structure is the yardstick for this kind of question."""
    return category in ("behavioural", OWN_CATEGORY)


def length_rule(category: str) -> LengthRule:
    """Word-count bands for a category (own hard questions are measured like behavioural ones)."""
    return LENGTH_RULES.get(category, LENGTH_RULES["behavioural"])


def prepare(text: str) -> str:
    """Fold the answer for matching: straight quotes, lower case, single spaces (line breaks kept as breaks)."""
    lines = (normalise_text(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def count_words(prepared: str) -> int:
    """How many words an answer has."""
    return len(WORD.findall(prepared))


def count_sentences(prepared: str) -> int:
    """How many sentences (at least one for any non-empty text)."""
    return max(1, len([part for part in SENTENCE_BREAK.split(prepared) if WORD.search(part)])) if prepared else 0


def _unique(items: Iterable[str], limit: int = 3) -> tuple[str, ...]:
    seen: list[str] = []
    for item in items:
        cleaned = item.strip(" ,.;:")
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
        if len(seen) == limit:
            break
    return tuple(seen)


def find_cues(prepared: str, patterns: Sequence[re.Pattern[str]]) -> tuple[str, ...]:
    """The phrases of the answer that match any of the patterns (first few, in order of appearance)."""
    hits: list[tuple[int, str]] = []
    for pattern in patterns:
        hits.extend((match.start(), match.group(0)) for match in pattern.finditer(prepared))
    return _unique(text for _, text in sorted(hits))


def _past_actions(prepared: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    return [
        (match.start(), match.group(0)) for match in pattern.finditer(prepared) if match.group(1) not in NOT_ACTIONS
    ]


def find_own_actions(prepared: str, category: str) -> tuple[str, ...]:
    """Things the member says they did themselves ("I rewrote"), or would do, for a what-if question."""
    hits = _past_actions(prepared, ACTION_PAST)
    extra = list(ACTION_EXTRA)
    if category == "situational":
        extra.extend(ACTION_HYPOTHETICAL)
    for pattern in extra:
        hits.extend((match.start(), match.group(0)) for match in pattern.finditer(prepared))
    return _unique(text for _, text in sorted(hits))


def find_actions(prepared: str, category: str) -> tuple[str, ...]:
    """Evidence of the action part: the member's own actions, or failing those, the team's ("we rebuilt")."""
    own = find_own_actions(prepared, category)
    if own:
        return own
    return _unique(text for _, text in sorted(_past_actions(prepared, TEAM_ACTION_PAST)))


def find_star(prepared: str, category: str) -> dict[str, tuple[str, ...]]:
    """Evidence for each STAR part: the phrases that suggest it is there."""
    result_patterns = list(CUES["result"])
    if category == "situational":
        result_patterns.extend(RESULT_HYPOTHETICAL)
    return {
        "situation": find_cues(prepared, CUES["situation"]),
        "task": find_cues(prepared, CUES["task"]),
        "action": find_actions(prepared, category),
        "result": find_cues(prepared, result_patterns),
    }


def find_numbers(prepared: str) -> tuple[str, ...]:
    """Figures in the answer: digits, percentages, money, and number words such as "three" or "doubled"."""
    return _unique((match.group(0) for match in NUMBER.finditer(prepared)), limit=4)


def count_phrases(prepared: str, table: Mapping[str, re.Pattern[str]]) -> dict[str, int]:
    """How often each phrase of a table occurs (only those that do)."""
    counts = {label: len(pattern.findall(prepared)) for label, pattern in table.items()}
    return {label: count for label, count in counts.items() if count}


def find_generic(prepared: str, category: str) -> tuple[str, ...]:
    """Phrases that describe habits or self-labels ("I usually", "I'm a team player") instead of one real time."""
    patterns = list(GENERIC)
    if category != "situational":
        patterns.append(GENERIC_WOULD)
    return find_cues(prepared, patterns)


def length_band(words: int, sentences: int, category: str) -> LengthBand:
    """Too short, brief, good, long or rambling, for this kind of question."""
    rule = length_rule(category)
    if words < rule.too_short:
        return "too_short"
    if words > rule.long:
        return "rambling"
    if words >= RAMBLING_MIN_WORDS and sentences and words / sentences >= RAMBLING_SENTENCE_WORDS:
        return "rambling"
    if words < rule.brief:
        return "brief"
    return "good" if words <= rule.good else "long"


def analyse(text: str, category: str, question: Sequence[str] = ()) -> Analysis:
    """Run every rule over an answer to a question of the given category (`question`: its text and tip).

    A member's own question is measured as the kind its wording says it is (see kinds.py).
    """
    if category == OWN_CATEGORY and question:
        category = own_question_kind(question[0]) or category
    prepared = prepare(text)
    words = count_words(prepared)
    sentences = count_sentences(prepared)
    star = find_star(prepared, category)
    numbers = find_numbers(prepared)
    first_person = len(FIRST_PERSON.findall(prepared))
    team = len(TEAM.findall(prepared))
    hedges = count_phrases(prepared, HEDGES)
    fillers = count_phrases(prepared, FILLERS)
    generic = find_generic(prepared, category)
    band = length_band(words, sentences, category)
    own_actions = find_own_actions(prepared, category)
    off_topic = relevance(text, question).off_topic if question else False
    findings = tuple(
        _findings(
            category=category,
            words=words,
            star=star,
            numbers=numbers,
            first_person=first_person,
            team=team,
            hedges=hedges,
            fillers=fillers,
            generic=generic,
            band=band,
            own_actions=own_actions,
        )
    )
    if off_topic:
        findings = (Finding("off_topic", "improve"), *findings)
    return Analysis(
        category=category,
        words=words,
        sentences=sentences,
        star=star,
        numbers=numbers,
        first_person=first_person,
        team=team,
        hedges=hedges,
        fillers=fillers,
        generic=generic,
        length=band,
        findings=findings,
        off_topic=off_topic,
    )


def _findings(
    *,
    category: str,
    words: int,
    star: Mapping[str, tuple[str, ...]],
    numbers: tuple[str, ...],
    first_person: int,
    team: int,
    hedges: Mapping[str, int],
    fillers: Mapping[str, int],
    generic: tuple[str, ...],
    band: LengthBand,
    own_actions: tuple[str, ...],
) -> Iterable[Finding]:
    yield from _structure_findings(category, star, generic, numbers)
    if numbers:
        yield Finding("detail_numbers", "strength", numbers)
    elif category != "motivation":
        # Motivation answers are about reasons, where figures are rarely the point.
        yield Finding("detail_missing", "improve")
    rule = length_rule(category)
    yield Finding(
        f"length_{band}",
        "strength" if band == "good" else "improve",
        values={"words": words, "low": rule.brief, "high": rule.good},
    )
    yield from _ownership_findings(first_person, team, has_own_actions=bool(own_actions))
    yield from _delivery_findings(words, hedges, fillers)


def _structure_findings(
    category: str, star: Mapping[str, tuple[str, ...]], generic: tuple[str, ...], numbers: tuple[str, ...]
) -> Iterable[Finding]:
    found = [part for part in STAR_PARTS if star.get(part)]
    if uses_star(category):
        if len(generic) >= 2 and len(star.get("action", ())) < 2:
            yield Finding("generic", "improve", generic)
        if len(found) == len(STAR_PARTS):
            yield Finding("star_complete", "strength")
        elif len(found) <= 1:
            # With most parts missing, one suggestion about the whole shape helps more than four separate ones.
            yield Finding("star_story", "improve", values={"found": "one" if found else "none"})
        else:
            for part in STAR_PARTS:
                if not star.get(part):
                    yield Finding(f"star_{part}", "improve")
        return
    if category == "situational":
        # A hypothetical question: what matters is reading the situation, the steps, and what success looks like.
        for part in ("situation", "action", "result"):
            if not star.get(part) and not (part == "situation" and star.get("task")):
                yield Finding(f"star_{part}", "improve")
        if all(star.get(part) for part in ("action", "result")):
            yield Finding("approach_clear", "strength")
        return
    # Motivation and technical questions: STAR isn't the yardstick, but a real example makes any claim stronger.
    if star.get("action") and (star.get("situation") or star.get("result") or numbers):
        yield Finding("example_given", "strength")
    else:
        yield Finding("example_missing", "improve")


def _ownership_findings(first_person: int, team: int, *, has_own_actions: bool) -> Iterable[Finding]:
    values = {"i": first_person, "we": team}
    if team >= 2 and first_person == 0:
        yield Finding("ownership_only_we", "improve", values=values)
    elif team >= 4 and team > 2 * first_person:
        yield Finding("ownership_mostly_we", "improve", values=values)
    elif not has_own_actions:
        # Plenty of "I" but no "I did": praising ownership here would be praise for nothing.
        return
    elif first_person >= 2 and team >= 1:
        yield Finding("ownership_balanced", "strength", values=values)
    elif first_person >= 2:
        yield Finding("ownership_clear", "strength", values=values)


def _delivery_findings(words: int, hedges: Mapping[str, int], fillers: Mapping[str, int]) -> Iterable[Finding]:
    hedge_total = sum(hedges.values())
    filler_total = sum(fillers.values())
    if hedge_total >= HEDGE_THRESHOLD:
        yield Finding("hedging", "improve", _by_count(hedges), values={"count": hedge_total, "counts": dict(hedges)})
    if filler_total >= FILLER_THRESHOLD or VOCAL_FILLERS & set(fillers):
        yield Finding("filler", "improve", _by_count(fillers), values={"count": filler_total, "counts": dict(fillers)})
    if hedge_total == 0 and filler_total == 0 and words >= LENGTH_RULES["motivation"].too_short:
        yield Finding("confident", "strength")


def _by_count(counts: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(label for label, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def score(analysis: Analysis) -> int:
    """Points for structure, detail, length, ownership and clean delivery; only for ranking a member's own answers."""
    codes = analysis.codes
    points = 12 * len(analysis.star_found)
    points += 15 if analysis.numbers else 0
    points += {"good": 12, "brief": 6, "long": 6}.get(analysis.length, 0)
    if "ownership_balanced" in codes or "ownership_clear" in codes:
        points += 10
    elif "ownership_mostly_we" in codes:
        points += 4
    hedge_total, filler_total = sum(analysis.hedges.values()), sum(analysis.fillers.values())
    points += 8 if hedge_total == 0 else 4 if hedge_total < HEDGE_THRESHOLD else 0
    points += 7 if filler_total == 0 else 3 if filler_total < FILLER_THRESHOLD else 0
    if "generic" in codes:
        points -= 10
    return max(0, min(100, points))
