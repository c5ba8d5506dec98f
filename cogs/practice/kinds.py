"""What kind of question a member's own hard question is, read from its wording, so an answer to "How would you
design a URL shortener?" is not asked for a STAR story. Bank questions carry their category; this is only for the
member's own, and anything unclear stays the member's own kind (measured like a behavioural question)."""

from __future__ import annotations

import re

# First match wins: a "tell me about a time" question is behavioural even when it names a technology.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "behavioural",
        re.compile(
            r"\b(?:tell\s+(?:me|us)\s+about\s+a\s+time|describe\s+a\s+(?:time|situation)|give\s+(?:me\s+|us\s+)?an?\s+"
            r"example|a\s+time\s+(?:when|you)|how\s+did\s+you\s+(?:handle|deal|manage|resolve)|walk\s+(?:me|us)\s+"
            r"through\s+a\s+(?:time|project|situation))\b"
        ),
    ),
    (
        "motivation",
        re.compile(
            r"\b(?:why\s+(?:do\s+you\s+want|are\s+you\s+(?:interested|applying|leaving)|this\s+(?:role|company|job)"
            r"|us|should\s+we\s+hire)|where\s+do\s+you\s+see\s+yourself|what\s+(?:motivates|drives)\s+you)\b"
        ),
    ),
    (
        "situational",
        re.compile(
            r"\b(?:what\s+would\s+you\s+do\s+(?:if|when)|how\s+would\s+you\s+(?:handle|respond|deal)|imagine)\b"
        ),
    ),
    (
        "technical",
        re.compile(
            r"\b(?:design|implement|architect|build|scale|optimi[sz]e|debug|write\s+(?:a|an|the)\s+(?:function|query"
            r"|program|algorithm|class)|explain\s+(?:how|what|the\s+difference)|what\s+is\s+(?:a|an|the)|how\s+does"
            r"|difference\s+between|algorithm|complexity|big\s*o|sql|database|api|system|cache|caching|concurrency"
            r"|data\s+structure)\b"
        ),
    ),
)


def own_question_kind(question: str) -> str | None:
    """The bank category a member's own question reads as ("technical", "behavioural"...), or None when unclear."""
    folded = " ".join(question.lower().split())
    for kind, pattern in _KINDS:
        if pattern.search(folded):
            return kind
    return None
