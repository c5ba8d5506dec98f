"""How a member's words read on screen, for quoting them back."""

from __future__ import annotations

import logging
import unicodedata

log = logging.getLogger(__name__)


def visible(text: str | None) -> str:
    """The text as it reads: whitespace collapsed, control and invisible characters (zero-width spaces, bidi
    overrides) dropped. Empty when nothing would show, so a reply never quotes back an empty “”."""
    kept = "".join(c for c in (text or "") if c.isprintable() or c.isspace())
    return " ".join(kept.split())


# Characters that are "printable" yet draw nothing: Hangul fillers, the Braille blank, and similar.
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u2061\u2062\u2063\u2064")
# Markdown marks that vanish when rendered on their own (e.g. "** **" or "||  ||").
VANISHING_MARKDOWN = frozenset("*_~|`")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Largest id SQLite can store (a 64-bit signed integer); Discord snowflakes fit.
MAX_ID = 2**63 - 1


def has_visible(text: str | None) -> bool:
    """True when the text would show at least one visible character once rendered."""
    for character in text or "":
        if character in BLANKS or character in VANISHING_MARKDOWN or character.isspace():
            continue
        if unicodedata.category(character) in INVISIBLE_CATEGORIES:
            continue
        return True
    return False


def parse_id(text: str | None) -> int | None:
    """A positive id a member typed or chose ('42'), or None: not '²', not '٣', not 23 digits, not '-1'."""
    value = (text or "").strip()
    if not value or len(value) > len(str(MAX_ID)) or not value.isascii() or not value.isdecimal():
        return None
    number = int(value)
    return number if number <= MAX_ID else None
