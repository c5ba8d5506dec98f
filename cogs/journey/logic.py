"""Pure rules of `/log` and `/goal`: which steps there are, what a typed name must be, how a reply is worded."""

from __future__ import annotations

from typing import Any

from bot.content import load_content, plural
from bot.text import has_visible, visible

APPLIED, INTERVIEW, OFFER = "applied", "interview", "offer"
KINDS = (APPLIED, INTERVIEW, OFFER)
MAX_NAME = 100  # a company or a role, as in /rejected
MAX_GOAL = 150


def words() -> dict[str, Any]:
    """The words of /log and /goal, from data/journey.toml."""
    return load_content("journey")


def clean(text: str | None) -> str | None:
    """A name or goal as kept: whitespace collapsed, invisible characters dropped; None when nothing is left."""
    kept = visible(text)
    return kept if kept and has_visible(kept) else None


def problem(field: str, text: str | None, limit: int) -> str | None:
    """Why a typed text can't be kept (too long, nothing visible), worded for the member; None when it can.

    Discord's own picker stops text past the limit; this is for anything that arrives anyway.
    """
    if text is None:
        return None
    errors = words()["errors"]
    name = errors["fields"][field]
    if len(text) > limit:
        return plural(errors["too_long"], limit, field=name)
    if not has_visible(text):
        return str(errors["invisible"]).format(field=name)
    return None


def where(company: str | None, role: str | None) -> str:
    """' for Designer at Acme', ' at Acme', ' for Designer' or '' (names already made safe for markdown)."""
    text = words()["log"]["where"]
    if company and role:
        return str(text["both"]).format(company=company, role=role)
    if company:
        return str(text["company"]).format(company=company)
    if role:
        return str(text["role"]).format(role=role)
    return ""


def count_line(kind: str, count: int) -> str:
    """'That's 3 applications logged so far.' (offers have none: an offer gets its own moment)."""
    counts = words()["log"]["counts"]
    return plural(counts[kind], count) if kind in counts else ""
