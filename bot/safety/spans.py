"""Where a text's rules are searched (its clauses, a long clause as overlapping spans), and blanking an idiom inside
some of them: the fast path's geometry (see SafetyRules.assess_normalised)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.safety.normalise import _HARD_BREAK, _REACH, _placeholder


class Spans:
    """Where a text's rules are searched: its clauses, a long clause as overlapping spans (see assess_normalised).

    A span is numbered; bounds[number] is its (start, end), edges on a clause break or a space.
    """

    __slots__ = ("_clause_starts", "_text", "bounds")

    def __init__(self, text: str) -> None:
        self._text = text
        self.bounds: list[tuple[int, int]] = []
        self._clause_starts: list[int] = []
        start = 0
        for match in _HARD_BREAK.finditer(text):
            self._add_clause(start, match.start())
            start = match.end()
        self._add_clause(start, len(text))

    def _add_clause(self, start: int, end: int) -> None:
        if end - start < 2:  # nothing but a break or a space
            return
        text = self._text
        count = max(1, -(-(end - start - _REACH) // _REACH))
        for number in range(count):
            raw_start, raw_end = start + number * _REACH, start + (number + 2) * _REACH
            span_start = start if not number else max(text.rfind(" ", start, raw_start) + 1, start)
            space = text.find(" ", raw_end, end) if raw_end < end else -1
            self.bounds.append((span_start, end if space < 0 else space))
            self._clause_starts.append(start)

    def all(self) -> set[int]:
        """Every span of the text."""
        return set(range(len(self.bounds)))

    def merged(self, ids: Iterable[int], before: int = 0) -> list[tuple[int, int]]:
        """The spans' bounds in order, each starting up to `before` characters earlier in its clause (at a space),
        overlapping ones merged."""
        windows: list[tuple[int, int]] = []
        for number in sorted(ids):
            start, end = self.bounds[number]
            clause_start = self._clause_starts[number]
            if before and start > clause_start:
                earlier = start - before
                start = (
                    max(self._text.rfind(" ", clause_start, earlier) + 1, clause_start)
                    if earlier > clause_start
                    else clause_start
                )
            if windows and windows[-1][1] >= start:
                windows[-1] = (windows[-1][0], max(windows[-1][1], end))
            else:
                windows.append((start, end))
        return windows


def blank_in(idiom: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> str:
    """The text with the idiom's matches inside the windows replaced by same-length placeholders."""
    pieces: list[str] = []
    done = 0
    for start, end in windows:
        for match in idiom.finditer(text, start, end):
            pieces.append(text[done : match.start()])
            pieces.append(_placeholder(match))
            done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
