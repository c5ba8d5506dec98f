"""The reflection's rules: splitting answers into items, reading "where", and choosing what is reflected back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.content import load_content
from bot.storage.checkins import Checkin
from bot.text import visible

MAX_ITEMS = 25
MAX_ITEM_LENGTH = 300
MAX_WHERE = 100
QUOTE_LIMIT = 160
# Bullets and list numbers people type at the start of a line: "-", "*", "•", "1.", "2)", "(3)".
BULLET = re.compile(r"^\s*(?:[-*•·‣◦–—>]+|\(?\d{1,2}[.):]|\(\d{1,2}\))\s*")
# A new item starts after a question mark (several questions on one line) or a semicolon.
ITEM_BREAK = re.compile(r"(?<=[?？])\s+|;\s*")
# Answers that mean "nothing here" rather than a question.
NOTHING = {"", "none", "n/a", "na", "nothing", "no", "nope", "-", "nil", "not really", "idk", "none really"}
UNESCAPE = re.compile(r"\\([\\*_`~|>#\[\]()-])")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# "Data Analyst at Acme" or "Acme, Data Analyst" / "Acme - Data Analyst" / "Acme | Data Analyst".
ROLE_AT_COMPANY = re.compile(r"^(?P<role>.+?)\s+(?:at|@)\s+(?P<company>.+)$", re.IGNORECASE)
COMPANY_SEP_ROLE = re.compile(r"^(?P<company>.+?)\s*(?:,|\s[-–—|/]\s)\s*(?P<role>.+)$")


def words() -> dict[str, Any]:
    """The reflection's wording, from data/reflection.toml."""
    return load_content("reflection")


def split_items(text: str | None) -> list[str]:
    """Split an answer into items: one per line, bullet, or question-mark sentence; blanks and dupes dropped."""
    if not text:
        return []
    items: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        for piece in ITEM_BREAK.split(BULLET.sub("", line)):
            item = " ".join(BULLET.sub("", piece).split()).strip(" ,.;:-–—")
            if piece.rstrip().endswith(("?", "？")) and not item.endswith(("?", "？")):
                item += "?"
            key = item.casefold().rstrip("?.! ")
            if key in NOTHING or len(key) < 3 or key in seen:
                continue
            seen.add(key)
            items.append(item[:MAX_ITEM_LENGTH])
            if len(items) >= MAX_ITEMS:
                return items
    return items


def plain(text: str | None) -> str:
    """Undo Discord markdown escaping (check-in fields are stored escaped) for labels and quotes."""
    return UNESCAPE.sub(r"\1", text or "")


def choice_label(checkin: Checkin) -> str:
    """How a check-in appears in the autocomplete list: what it was, and the date."""
    day = checkin.created_at
    label = f"{plain(checkin.describe())} · {day.day} {day:%b %Y}"
    return label if len(label) <= 100 else label[:99] + "…"


def modal_title(about: str | None) -> str:
    """The reflection modal's title, cut to Discord's 45 characters."""
    text = words()["modal"]
    title = str(text["about_title"].format(about=about) if about else text["title"])
    return title if len(title) <= 45 else title[:44] + "…"


def parse_where(text: str | None) -> tuple[str | None, str | None]:
    """Read "Acme, Data Analyst" or "Data Analyst at Acme" as (company, role); anything else is the company."""
    cleaned = " ".join((text or "").split())[:MAX_WHERE]
    if not cleaned:
        return None, None
    match = ROLE_AT_COMPANY.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    match = COMPANY_SEP_ROLE.match(cleaned)
    if match:
        return match["company"].strip(), match["role"].strip()
    return cleaned, None


def first_point(text: str | None, limit: int = QUOTE_LIMIT) -> str | None:
    """The first concrete point of an answer (first line / bullet / sentence), trimmed to fit a quote."""
    items = split_items(text)
    if not items:
        return None
    # One concrete thing: the first real sentence (three words or more), not a whole paragraph.
    point = next((sentence for sentence in SENTENCE_END.split(items[0]) if len(sentence.split()) >= 3), items[0])
    if len(point) > limit:
        point = point[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
    point = point.rstrip(" .")
    return point if visible(point) else None  # nothing readable (only invisible characters) is no point at all


@dataclass(frozen=True)
class Line:
    """One line of the reply: a wording topic, its variants, and the member's own words to quote in it."""

    topic: str
    variants: list[str]
    quoted: dict[str, str] = field(default_factory=dict)


def reflect_back(
    *, went_well: str, practise_next: str | None, do_differently: str | None, hard_questions: list[str]
) -> tuple[Line, Line]:
    """One concrete thing they did well and one next step, both drawn from what they wrote."""
    text = words()
    thing = first_point(went_well) or visible(went_well)[:QUOTE_LIMIT]
    if thing:
        well = Line("reflect:went_well", text["went_well"], {"thing": thing})
    else:  # nothing readable to quote back (e.g. only spaces or invisible characters)
        well = Line("reflect:went_well_fallback", [text["went_well_fallback"]])
    step = first_point(practise_next)
    if step:
        return well, Line("reflect:practise", text["practise_step"], {"step": step})
    if hard_questions:
        question = first_point(hard_questions[0]) or hard_questions[0]
        return well, Line("reflect:question", text["question_step"], {"question": question})
    change = first_point(do_differently)
    if change:
        return well, Line("reflect:change", text["change_step"], {"change": change})
    return well, Line("reflect:fallback", text["fallback_step"])
