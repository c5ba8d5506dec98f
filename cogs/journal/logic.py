"""`/journal`'s pure rules: which page, what an entry says and how it fits Discord's limits. No discord import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.readmodel import JournalEntry

PAGE_SIZE = 5
# An embed holds 6,000 characters in all; five entries of this much, with their names, leave room to spare.
ENTRY_LIMIT = 900
NAME_LIMIT = 250
OPTION_LIMIT = 100
ABOUT_LIMIT = 60
DELETABLE_KINDS = ("vent", "reflection", "feedback", "answer")


@dataclass(frozen=True)
class Page:
    """Where a page starts, whether older and newer pages exist, and the numbers shown on it."""

    offset: int
    has_older: bool
    has_newer: bool

    def older(self) -> int:
        """Where the next older page starts."""
        return self.offset + PAGE_SIZE

    def newer(self) -> int:
        """Where the next newer page starts."""
        return max(0, self.offset - PAGE_SIZE)


def page_at(offset: int, total: int) -> Page:
    """The page starting at `offset`, moved back to the last page when entries were deleted meanwhile."""
    last = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
    start = min(max(0, offset), last)
    start -= start % PAGE_SIZE
    return Page(start, start + PAGE_SIZE < total, start > 0)


def clip(text: str, limit: int) -> str:
    """The text cut to `limit` characters, at a word where one is near, with an ellipsis if anything was cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 3 // 4 else cut).rstrip() + "…"


def one_line(text: str) -> str:
    """Whitespace collapsed to single spaces (for titles and option labels)."""
    return " ".join(text.split())


def question_text(entry: JournalEntry, bank: Mapping[str, str]) -> str | None:
    """A practice answer's question: the member's own hard question, or the bank's."""
    if entry.kind != "answer":
        return None
    return entry.about or bank.get(entry.question_key or "")


def entry_title(entry: JournalEntry, number: int, zone: ZoneInfo, words: Mapping[str, Any]) -> str:
    """'2. Reflection · Tue 03 Nov 2026, 14:05 · Acme' (the company, for an entry tied to a rejection)."""
    when = entry.at.astimezone(zone).strftime(words["date_format"])
    kind = words["kinds"][entry.kind]
    about = entry.about if entry.kind != "answer" else None
    if about:
        title = words["entry_about"].format(
            number=number, kind=kind, when=when, about=clip(one_line(about), ABOUT_LIMIT)
        )
    else:
        title = words["entry"].format(number=number, kind=kind, when=when)
    return clip(str(title), NAME_LIMIT)


def entry_body(entry: JournalEntry, words: Mapping[str, Any], bank: Mapping[str, str]) -> str:
    """What the entry says, each part under its label, cut to fit one embed field."""
    labels = words["parts"]
    parts = list(entry.parts)
    question = question_text(entry, bank)
    if question:
        parts.insert(0, ("question", question))
    lines = []
    for key, text in parts:
        label = labels.get(key)
        lines.append(f"**{label}:** {text.strip()}" if label else text.strip())
    body = "\n".join(line for line in lines if line.strip())
    return clip(body, ENTRY_LIMIT) if body else str(words["unreadable"])


def option_label(entry: JournalEntry, number: int, zone: ZoneInfo, words: Mapping[str, Any]) -> str:
    """The delete select's label for an entry: '2. Reflection · 03 Nov 2026'."""
    when = entry.at.astimezone(zone).strftime(words["option_date_format"])
    return clip(str(words["entry"]).format(number=number, kind=words["kinds"][entry.kind], when=when), OPTION_LIMIT)


def option_value(entry: JournalEntry) -> str:
    """The delete select's value for an entry: 'reflection:12'."""
    return f"{entry.kind}:{entry.item_id}"


def parse_option(value: str) -> tuple[str, int] | None:
    """('reflection', 12) from 'reflection:12'; None for anything else (a forged or stale value)."""
    kind, _, number = value.partition(":")
    if kind not in DELETABLE_KINDS or not number.isdigit():
        return None
    return kind, int(number)
