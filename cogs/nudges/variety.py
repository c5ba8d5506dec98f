"""Variety across days: which nudge and which add-on, so nothing a member reads feels on repeat.

Decided from the member's own nudge history (the ledger: local date, nudge id, add-on kind), so it holds across
restarts and needs no state of its own. Two rules, both pure functions here:

- an add-on kind is never added two days in three, so in any month no kind is on more than a third of the days;
- no idea (e.g. "talk to yourself as you would to a friend") comes back within 14 days, whether it came as a nudge
  or as an add-on (ideas are tagged in data/nudges.toml).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

KIND_EVERY_DAYS = 3  # a kind waits this many days: at most 10 days in any 30
IDEA_DAYS = 14
LOOKAHEAD = 12  # how far along their own order a member's next nudge may move to avoid a recent idea
ACTIONABLE = ("follow_up", "unsent")  # add-ons that ask for something first, when the rules allow them


@dataclass(frozen=True)
class Sent:
    """One nudge as the ledger remembers it."""

    local_date: date
    nudge_id: str
    addon: str | None = None


@dataclass(frozen=True)
class Ideas:
    """Which ideas each nudge and each add-on kind carries (most carry none)."""

    nudges: Mapping[str, frozenset[str]] = field(default_factory=dict)
    addons: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, sent: Sent) -> frozenset[str]:
        """The ideas one sent nudge carried, its add-on's included."""
        found = self.nudges.get(sent.nudge_id, frozenset())
        return found | self.addons.get(sent.addon, frozenset()) if sent.addon else found


def ideas_from(nudges: Iterable[Mapping[str, Any]], addons: Mapping[str, Sequence[str]]) -> Ideas:
    """Ideas from the wording file's `[[nudge]]` entries and its `[personal_ideas]` table."""
    return Ideas(
        nudges={str(item["id"]): frozenset(item["ideas"]) for item in nudges if item.get("ideas")},
        addons={kind: frozenset(values) for kind, values in addons.items()},
    )


def recent_ideas(history: Iterable[Sent], ideas: Ideas, today: date) -> set[str]:
    """Ideas the member met in the 14 days up to and including `today`."""
    since = today - timedelta(days=IDEA_DAYS - 1)
    return {idea for sent in history if since <= sent.local_date <= today for idea in ideas.of(sent)}


def choose_nudge(candidates: Sequence[str], history: Iterable[Sent], ideas: Ideas, today: date) -> int:
    """Which of the next nudges in the member's order to send (its offset): the first with no recent idea."""
    seen = recent_ideas(history, ideas, today)
    for offset, nudge_id in enumerate(candidates[:LOOKAHEAD]):
        if not ideas.nudges.get(nudge_id, frozenset()) & seen:
            return offset
    return 0


def choose_addon(
    available: Sequence[str], history: Sequence[Sent], ideas: Ideas, today: date, nudge_id: str
) -> str | None:
    """The add-on kind for today's nudge, or None: one the rules allow, what asks for action first, else the
    kind rested longest (never used counts as longest), so the kinds take turns.
    """
    recent_kinds = {
        sent.addon
        for sent in history
        if sent.addon and today - timedelta(days=KIND_EVERY_DAYS - 1) <= sent.local_date <= today
    }
    taken = recent_ideas(history, ideas, today) | ideas.nudges.get(nudge_id, frozenset())
    allowed = [
        kind for kind in available if kind not in recent_kinds and not ideas.addons.get(kind, frozenset()) & taken
    ]
    if not allowed:
        return None
    for kind in ACTIONABLE:
        if kind in allowed:
            return kind
    last_used = {sent.addon: sent.local_date for sent in sorted(history, key=lambda s: s.local_date) if sent.addon}
    return min(allowed, key=lambda kind: (last_used.get(kind, date.min), available.index(kind)))
