"""How a member's words read on screen, for quoting them back."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def visible(text: str | None) -> str:
    """The text as it reads: whitespace collapsed, control and invisible characters (zero-width spaces, bidi
    overrides) dropped. Empty when nothing would show, so a reply never quotes back an empty “”."""
    kept = "".join(c for c in (text or "") if c.isprintable() or c.isspace())
    return " ".join(kept.split())
