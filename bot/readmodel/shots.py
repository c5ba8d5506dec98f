"""How many times a member put themselves forward ("shots taken"): a pure rule over the steps they logged and
their rejections, read by progress (the funnel) and nudges (the footer), so both count the same way.

The rule: a *shot* is one time the member put themselves forward for a role. Each application they log with
`/log applied` is a shot. An interview, offer or rejection belongs to an earlier shot when one is still open and
could be the same one (the same company, or no company named on either side); only when none could be does it
count as a shot of its own (they applied; they just didn't log it). So a member who only ever uses `/rejected` has
one shot per rejection, and "applied at Acme, interview at Acme, rejected by Acme" is one shot, not three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

APPLIED, INTERVIEW, OFFER, REJECTED = "applied", "interview", "offer", "rejected"
# Check-in stages (bot/storage/checkins.py STAGES) that mean the member had been interviewed.
INTERVIEW_STAGES = frozenset({"screen", "technical", "onsite", "offer"})
OUTCOMES = frozenset({OFFER, REJECTED})


class Step(Protocol):
    """What the rule reads of a step (bot.readmodel.JourneyStep fits)."""

    @property
    def kind(self) -> str: ...
    @property
    def company(self) -> str | None: ...
    @property
    def role(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...


@dataclass
class Shot:
    """One time the member put themselves forward, and how far it has gone."""

    company: str | None
    role: str | None
    interviewed: bool = False
    outcome: str | None = None  # "offer", "rejected", or None while still open


def name_key(text: str | None) -> str | None:
    """A company or role as compared: case, spacing and markdown escapes ignored; None when blank."""
    if text is None:
        return None
    key = " ".join(text.replace("\\", "").casefold().split())
    return key or None


def _match(shot: Shot, company: str | None, role: str | None) -> int | None:
    """How well a step fits an open shot (lower is better), or None when it can't be the same one."""
    if shot.outcome is not None:
        return None
    if company is not None and shot.company is not None:
        if company != shot.company:
            return None
        if role is not None and shot.role is not None and role != shot.role:
            return None
        return 0  # the same company (and role, where both were given)
    if company is None and shot.company is None:
        return 1  # neither named: the likeliest of the rest
    return 2  # only one side named


def _shot_for(shots: list[Shot], company: str | None, role: str | None) -> Shot | None:
    """The open shot a step belongs to: the best fit, and among equals the oldest (first applied, first heard)."""
    fits = [(score, index) for index, shot in enumerate(shots) if (score := _match(shot, company, role)) is not None]
    return shots[min(fits)[1]] if fits else None


def shots_taken(steps: Iterable[Step]) -> list[Shot]:
    """Group steps (oldest first) into shots, by the rule in the module docstring."""
    shots: list[Shot] = []
    for step in steps:
        company, role = name_key(step.company), name_key(step.role)
        shot = None if step.kind == APPLIED else _shot_for(shots, company, role)
        if shot is None:
            shot = Shot(company, role)
            shots.append(shot)
        if step.kind == INTERVIEW or step.kind == OFFER or (step.kind == REJECTED and step.stage in INTERVIEW_STAGES):
            shot.interviewed = True
        if step.kind in OUTCOMES:
            shot.outcome = step.kind
    return shots
