"""The tiers of the safety assessment and what an assessment says (never the text itself)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

CRISIS_CATEGORIES = frozenset(
    {
        "active_wish",
        "passive_wish",
        "suicidal_thoughts",
        "method",
        "intent",
        "plan",
        "preparation",
        "past_attempt",
        "self_harm",
    }
)
CONCERN_CATEGORIES = frozenset({"hopelessness", "burden", "trapped", "empty", "no_future"})


class Tier(enum.IntEnum):
    """How much care some words call for; ordered, so the worst of several is their max()."""

    BENIGN = 0
    CONCERN = 1
    CRISIS = 2


@dataclass(frozen=True)
class SafetyAssessment:
    """How much care some text calls for, in which category, and which rule said so (never the text itself)."""

    tier: Tier
    category: str | None = None
    matched: str | None = None

    @property
    def is_crisis(self) -> bool:
        """A wish to die, suicidal thoughts, a method, intent, plan, preparation, past attempt or self-harm."""
        return self.tier is Tier.CRISIS

    @property
    def is_concern(self) -> bool:
        """Hopeless, burdened, trapped, empty or futureless words without a stated wish to die (exactly CONCERN)."""
        return self.tier is Tier.CONCERN

    @property
    def needs_care(self) -> bool:
        """Anything but BENIGN."""
        return self.tier is not Tier.BENIGN


BENIGN = SafetyAssessment(Tier.BENIGN)
NOT_A_CRISIS = BENIGN  # the name before tiers
