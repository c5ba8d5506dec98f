"""Small, honest observations drawn from a member's own data, for `/progress`. Pure functions only."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content import plural

log = logging.getLogger(__name__)

# How far into a hiring process each stage is; a rejection later on means the member got further.
STAGE_RANK = {"application": 1, "screen": 2, "technical": 3, "onsite": 4, "offer": 5}
WORD = re.compile(r"[a-z0-9']+")
MAX_OBSERVATIONS = 2


@dataclass(frozen=True)
class Theme:
    """A group of interview questions recognised by keywords (e.g. 'conflict': conflict, disagree...)."""

    key: str
    label: str
    keywords: tuple[str, ...]

    def matches(self, text: str) -> bool:
        """True when any keyword (a word, a word prefix ending in '*', or a phrase) occurs in the text."""
        lowered = text.lower()
        words = set(WORD.findall(lowered))
        for keyword in self.keywords:
            if " " in keyword:
                if keyword in lowered:
                    return True
            elif keyword.endswith("*"):
                stem = keyword[:-1]
                if any(word.startswith(stem) for word in words):
                    return True
            elif keyword in words:
                return True
        return False


@dataclass(frozen=True)
class CheckinFacts:
    """What one logged rejection says, in time order."""

    stage: str | None
    feeling: str | None
    intensity: int | None  # how heavy it felt, 1 (light) to 5 (heavy)


@dataclass(frozen=True)
class MemberFacts:
    """Everything the observations may look at (already decrypted, only the member's own)."""

    checkins: Sequence[CheckinFacts] = ()
    hard_questions: Sequence[str] = ()
    feedback_replied: int = 0
    feedback_ghosted: int = 0
    practice_sessions: int = 0
    wins_shared: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Observation:
    """One observation: a key (for tests and wording) and the values its sentence needs."""

    key: str
    values: Mapping[str, Any]

    def render(self, templates: Mapping[str, Any]) -> str:
        """Fill the observation's sentence from the wording file (a table of plural forms counts `count`)."""
        template = templates[self.key]
        if isinstance(template, Mapping):
            values = {name: value for name, value in self.values.items() if name != "count"}
            return plural(template, int(self.values["count"]), **values)
        return str(template).format(**self.values)


def load_themes(raw: Sequence[Mapping[str, Any]]) -> list[Theme]:
    """Build themes from the wording file's `[[themes]]` tables."""
    return [Theme(str(t["key"]), str(t["label"]), tuple(str(k).lower() for k in t["keywords"])) for t in raw]


def recurring_theme(questions: Sequence[str], themes: Sequence[Theme], minimum: int = 2) -> tuple[Theme, int] | None:
    """The theme most of the member's hard questions fall under (ties: the first listed), if it recurs."""
    counts: Counter[str] = Counter()
    for question in questions:
        for theme in themes:
            if theme.matches(question):
                counts[theme.key] += 1
    if not counts:
        return None
    order = {theme.key: index for index, theme in enumerate(themes)}
    key, count = min(counts.items(), key=lambda item: (-item[1], order[item[0]]))
    if count < minimum:
        return None
    return next(theme for theme in themes if theme.key == key), count


def getting_further(checkins: Sequence[CheckinFacts], window: int = 3) -> tuple[float, float] | None:
    """(earlier, recent) average stage rank when recent rejections came at clearly later stages."""
    ranks = [STAGE_RANK[c.stage] for c in checkins if c.stage in STAGE_RANK]
    if len(ranks) < window + 1:
        return None
    size = min(window, len(ranks) // 2)
    earlier = sum(ranks[:size]) / size
    recent = sum(ranks[-size:]) / size
    return (earlier, recent) if recent - earlier >= 1 else None


def intensity_trend(checkins: Sequence[CheckinFacts], window: int = 3) -> tuple[float, float] | None:
    """(earlier, recent) average heaviness when it moved by at least one point; None otherwise."""
    levels = [c.intensity for c in checkins if c.intensity is not None]
    if len(levels) < window + 1:
        return None
    size = min(window, len(levels) // 2)
    earlier = sum(levels[:size]) / size
    recent = sum(levels[-size:]) / size
    return (earlier, recent) if abs(recent - earlier) >= 1 else None


def common_feeling(checkins: Sequence[CheckinFacts], minimum: int = 3) -> tuple[str, int] | None:
    """The feeling named most often, when it was named at least `minimum` times."""
    counts = Counter(c.feeling for c in checkins if c.feeling)
    if not counts:
        return None
    # Most common; ties go to the feeling named most recently.
    latest = {c.feeling: index for index, c in enumerate(checkins) if c.feeling}
    feeling, count = max(counts.items(), key=lambda item: (item[1], latest[item[0]]))
    return (feeling, count) if count >= minimum else None


def observe(
    facts: MemberFacts,
    themes: Sequence[Theme],
    *,
    feeling_labels: Mapping[str, str] | None = None,
    limit: int = MAX_OBSERVATIONS,
) -> list[Observation]:
    """Up to `limit` observations, most specific first; none when there is too little to say honestly."""
    found: list[Observation] = []
    theme = recurring_theme(facts.hard_questions, themes)
    if theme is not None:
        found.append(Observation("theme", {"theme": theme[0].label, "count": theme[1]}))
    further = getting_further(facts.checkins)
    if further is not None:
        found.append(Observation("further", {}))
    trend = intensity_trend(facts.checkins)
    if trend is not None:
        earlier, recent = trend
        key = "easing" if recent < earlier else "heavier"
        found.append(Observation(key, {"earlier": f"{earlier:.1f}", "recent": f"{recent:.1f}"}))
    if facts.feedback_replied:
        found.append(Observation("feedback_replied", {"count": facts.feedback_replied}))
    elif facts.feedback_ghosted:
        found.append(Observation("feedback_ghosted", {"count": facts.feedback_ghosted}))
    feeling = common_feeling(facts.checkins)
    if feeling is not None:
        label = (feeling_labels or {}).get(feeling[0], feeling[0])
        found.append(Observation("feeling", {"feeling": label.lower(), "count": feeling[1]}))
    if len(facts.checkins) >= 5 and not found:
        found.append(Observation("persistence", {"count": len(facts.checkins)}))
    return found[:limit]
