"""The journey funnel: pure rules over the steps a member logged (no discord import). What a "shot" is, and how
steps group into shots, is bot/readmodel/shots.py (nudges count shots the same way).

The funnel follows each shot: applied (every shot) -> got to an interview (an interview was logged on it, or it
ended in an offer, or in a rejection after a screen or later stage) -> outcome (offer, rejection, or still open).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.content import plural
from bot.readmodel.shots import OFFER, REJECTED, Step, shots_taken


@dataclass(frozen=True)
class Funnel:
    """Counts for `/progress`: shots taken, how many got to an interview, and how they ended."""

    shots: int = 0
    interviewed: int = 0
    offers: int = 0
    rejections: int = 0
    open: int = 0
    logged: int = 0  # steps logged with /log (applications, interviews, offers); 0 means the funnel isn't shown


def funnel(steps: Sequence[Step]) -> Funnel:
    """The funnel's counts for a member's steps, oldest first."""
    shots = shots_taken(steps)
    return Funnel(
        shots=len(shots),
        interviewed=sum(shot.interviewed for shot in shots),
        offers=sum(shot.outcome == OFFER for shot in shots),
        rejections=sum(shot.outcome == REJECTED for shot in shots),
        open=sum(shot.outcome is None for shot in shots),
        logged=sum(step.kind != REJECTED for step in steps),
    )


def funnel_text(counts: Funnel, text: Mapping[str, Any]) -> str | None:
    """'5 applications → 2 got to an interview → 1 offer, 3 rejections, 1 still open'; None before any /log."""
    if not counts.logged:
        return None
    outcomes = [
        plural(text[key], count)
        for key, count in (("offers", counts.offers), ("rejections", counts.rejections), ("open", counts.open))
        if count
    ]
    return str(text["line"]).format(
        applied=plural(text["applied"], counts.shots),
        interviewed=plural(text["interviewed"], counts.interviewed),
        outcomes=", ".join(outcomes),
    )
