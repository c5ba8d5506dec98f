"""Patterns across rejections, for `/progress` and its "What I've learned" summary. Pure rules, no discord.

Four rules, each with explicit minimums below which it says nothing (a pattern from too little data would be a
guess dressed up as a fact):

- recurring themes in what was hard (reflections' hard questions, what to practise, what to do differently) and
  in interviewer feedback noted after a reply: a theme counts once per reflection or note;
- the stage where rejections cluster;
- what keeps going well (reflections' "what went well", themes counted the same way);
- how heavy check-ins have felt since the first one.

Each finding carries the numbers its sentence shows, so the sentence is the evidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.content import plural
from cogs.progress.observations import Theme

# How many of the newest reflections (and feedback notes) are looked at: patterns are about now, not years ago.
WINDOW = 10
# A theme needs at least this many mentions, across at least this many reflections and notes looked at.
MIN_THEME_MENTIONS = 2
MIN_THEME_SOURCES = 3
# A stage needs at least this many rejections with a stage, and at least this many of them (and half) at one stage.
MIN_STAGED = 3
MIN_STAGE_HITS = 2
# A strength needs at least this many mentions across at least this many reflections.
MIN_STRENGTH_MENTIONS = 2
MIN_STRENGTH_REFLECTIONS = 3
# Feelings need at least this many rated check-ins spanning at least this long.
MIN_FEELING_CHECKINS = 3
MIN_FEELING_SPAN = timedelta(days=7)
# How many recent check-ins are averaged against the first, and how far (in heaviness points) counts as a move.
RECENT_CHECKINS = 3
MOVED = 1.0
# At most this many themes and strengths are named: more reads as a list, not a pattern.
MAX_THEMES = 2
MAX_STRENGTHS = 2


@dataclass(frozen=True)
class ReflectionFacts:
    """One reflection: what was hard (hard questions, what to practise, what to do differently) and what went well."""

    at: datetime
    hard: str
    went_well: str


@dataclass(frozen=True)
class NoteFacts:
    """One interviewer reply, as the member noted it."""

    at: datetime
    text: str


@dataclass(frozen=True)
class CheckinPoint:
    """One logged rejection: its stage, feeling, and how heavy it felt (1 light to 5 heavy), if rated."""

    at: datetime
    stage: str | None
    feeling: str | None
    heaviness: int | None


@dataclass(frozen=True)
class ThemeFinding:
    """A theme named in `in_reflections` of `reflections` looked at, and `in_notes` of `notes`."""

    theme: Theme
    in_reflections: int
    reflections: int
    in_notes: int
    notes: int

    @property
    def mentions(self) -> int:
        """How many reflections and notes named it."""
        return self.in_reflections + self.in_notes


@dataclass(frozen=True)
class StageFinding:
    """`hits` of the `staged` rejections logged with a stage came at `stage`."""

    stage: str
    hits: int
    staged: int


@dataclass(frozen=True)
class StrengthFinding:
    """A strength named in `hits` of the `reflections` looked at; `quote` is the newest "went well" naming it."""

    theme: Theme
    hits: int
    reflections: int
    quote: str


@dataclass(frozen=True)
class FeelingFinding:
    """The first rated check-in against the average of the last few: direction is lighter, heavier or steady;
    `since` is how long ago the first one was."""

    direction: str
    first: int
    recent: float
    recent_count: int
    since: timedelta
    first_feeling: str | None
    last_feeling: str | None


@dataclass(frozen=True)
class Patterns:
    """Everything found; empty lists and None where there was too little to say."""

    themes: list[ThemeFinding]
    stage: StageFinding | None
    strengths: list[StrengthFinding]
    feelings: FeelingFinding | None

    @property
    def empty(self) -> bool:
        """True when there is nothing honest to say."""
        return not (self.themes or self.stage or self.strengths or self.feelings)


def newest(items: Sequence[Any], window: int = WINDOW) -> list[Any]:
    """The newest `window` items (by their `at`), newest first."""
    return sorted(items, key=lambda item: item.at, reverse=True)[:window]


def recurring_themes(
    reflections: Sequence[ReflectionFacts], notes: Sequence[NoteFacts], themes: Sequence[Theme]
) -> list[ThemeFinding]:
    """Themes named as the hard part, counted once per reflection and once per note, most mentioned first."""
    looked_at = newest(reflections)
    noted = newest(notes)
    if len(looked_at) + len(noted) < MIN_THEME_SOURCES:
        return []
    found = []
    for theme in themes:
        in_reflections = sum(1 for reflection in looked_at if theme.matches(reflection.hard))
        in_notes = sum(1 for note in noted if theme.matches(note.text))
        finding = ThemeFinding(theme, in_reflections, len(looked_at), in_notes, len(noted))
        if finding.mentions >= MIN_THEME_MENTIONS:
            found.append(finding)
    order = {theme.key: index for index, theme in enumerate(themes)}
    found.sort(key=lambda finding: (-finding.mentions, order[finding.theme.key]))
    return found[:MAX_THEMES]


def rejection_stage(checkins: Sequence[CheckinPoint]) -> StageFinding | None:
    """The stage at least half of the rejections with a stage came at (and no other as often), if enough had one."""
    stages = Counter(checkin.stage for checkin in checkins if checkin.stage)
    staged = sum(stages.values())
    if staged < MIN_STAGED:
        return None
    (stage, hits), *others = stages.most_common()
    if hits < MIN_STAGE_HITS or hits * 2 < staged or any(count == hits for _, count in others):
        return None
    return StageFinding(stage, hits, staged)


def going_well(reflections: Sequence[ReflectionFacts], strengths: Sequence[Theme]) -> list[StrengthFinding]:
    """Strengths named in "what went well" again and again, most named first, with the newest words naming each."""
    looked_at = newest(reflections)
    if len(looked_at) < MIN_STRENGTH_REFLECTIONS:
        return []
    found = []
    for theme in strengths:
        naming = [
            reflection for reflection in looked_at if reflection.went_well and theme.matches(reflection.went_well)
        ]
        if len(naming) >= MIN_STRENGTH_MENTIONS:
            found.append(StrengthFinding(theme, len(naming), len(looked_at), naming[0].went_well))
    order = {theme.key: index for index, theme in enumerate(strengths)}
    found.sort(key=lambda finding: (-finding.hits, order[finding.theme.key]))
    return found[:MAX_STRENGTHS]


def feelings_since_start(checkins: Sequence[CheckinPoint], now: datetime) -> FeelingFinding | None:
    """How the latest check-ins felt against the first, once there are enough over long enough."""
    rated = sorted((checkin for checkin in checkins if checkin.heaviness is not None), key=lambda c: c.at)
    if len(rated) < MIN_FEELING_CHECKINS:
        return None
    first, last = rated[0], rated[-1]
    if last.at - first.at < MIN_FEELING_SPAN:
        return None
    recent = rated[1:][-RECENT_CHECKINS:]
    average = sum(c.heaviness or 0 for c in recent) / len(recent)
    start = first.heaviness or 0
    direction = "lighter" if average <= start - MOVED else "heavier" if average >= start + MOVED else "steady"
    return FeelingFinding(direction, start, average, len(recent), now - first.at, first.feeling, last.feeling)


def find_patterns(
    checkins: Sequence[CheckinPoint],
    reflections: Sequence[ReflectionFacts],
    notes: Sequence[NoteFacts],
    themes: Sequence[Theme],
    strengths: Sequence[Theme],
    now: datetime,
) -> Patterns:
    """Every pattern the member's records support; nothing where they are too thin."""
    return Patterns(
        themes=recurring_themes(reflections, notes, themes),
        stage=rejection_stage(checkins),
        strengths=going_well(reflections, strengths),
        feelings=feelings_since_start(checkins, now),
    )


# ---------------------------------------------------------------- wording (pure: templates in, sentences out)


def theme_sentence(finding: ThemeFinding, words: Mapping[str, Any]) -> str:
    """'**System design** came up as the hard part in 3 of your last 5 reflections and ...'."""
    text = words["sentences"]
    pieces = []
    if finding.in_reflections:
        pieces.append(plural(text["in_reflections"], finding.reflections, hits=finding.in_reflections))
    if finding.in_notes:
        pieces.append(plural(text["in_feedback"], finding.notes, hits=finding.in_notes))
    return str(text["theme"]).format(theme=finding.theme.label, evidence=text["and"].join(pieces))


def stage_sentence(finding: StageFinding, words: Mapping[str, Any]) -> str:
    """'3 of the 5 rejections you logged with a stage came after the final round.'"""
    where = words["stage_words"].get(finding.stage, finding.stage)
    return plural(words["sentences"]["stage"], finding.staged, hits=finding.hits, where=where)


def strength_sentence(finding: StrengthFinding, words: Mapping[str, Any]) -> str:
    """'You named **explaining things clearly** as something that went well in 3 of your last 4 reflections.'"""
    return plural(words["sentences"]["strength"], finding.reflections, hits=finding.hits, strength=finding.theme.label)


def since_words(since: timedelta, words: Mapping[str, Any]) -> str:
    """'6 weeks ago' from 14 days on, else '9 days ago'."""
    days = since.days
    if days >= 14:
        return plural(words["since"]["weeks"], days // 7)
    return plural(words["since"]["days"], days)


def feelings_sentence(
    finding: FeelingFinding, words: Mapping[str, Any], feeling_labels: Mapping[str, str] | None = None
) -> str:
    """How it has felt since the first check-in, in plain words, with the numbers."""
    text = words["sentences"]
    sentence = plural(
        text[finding.direction],
        finding.recent_count,
        since=since_words(finding.since, words),
        first=finding.first,
        recent=f"{finding.recent:.1f}".removesuffix(".0"),
    )
    first, last = finding.first_feeling, finding.last_feeling
    if first and last and first != last:
        labels = feeling_labels or {}
        sentence += str(text["feeling_moved"]).format(
            first=labels.get(first, first).lower(), last=labels.get(last, last).lower()
        )
    return sentence


def pattern_lines(
    patterns: Patterns, words: Mapping[str, Any], feeling_labels: Mapping[str, str] | None = None
) -> list[str]:
    """Every finding as one sentence, in the order the dashboard shows them."""
    lines = [theme_sentence(finding, words) for finding in patterns.themes]
    if patterns.stage is not None:
        lines.append(stage_sentence(patterns.stage, words))
    lines += [strength_sentence(finding, words) for finding in patterns.strengths]
    if patterns.feelings is not None:
        lines.append(feelings_sentence(patterns.feelings, words, feeling_labels))
    return lines
