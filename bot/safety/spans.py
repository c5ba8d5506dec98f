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

    __slots__ = ("_clause_starts", "_earlier", "_text", "bounds")

    def __init__(self, text: str) -> None:
        self._text = text
        self.bounds: list[tuple[int, int]] = []
        self._clause_starts: list[int] = []
        self._earlier: dict[int, list[int]] = {}  # before -> each span's start that many characters earlier
        start = 0
        for match in _HARD_BREAK.finditer(text):
            self._add_clause(start, match.start())
            start = match.end()
        self._add_clause(start, len(text))

    def _add_clause(self, start: int, end: int) -> None:
        if end - start < 2:  # nothing but a break or a space
            return
        if end - start <= 2 * _REACH:  # most clauses: one span (what the loop below gives them)
            self.bounds.append((start, end))
            self._clause_starts.append(start)
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
        """The spans' bounds (ids in increasing order), each starting up to `before` characters earlier in its clause
        (at a space), overlapping ones merged."""
        starts = self._earlier.get(before)
        if starts is None:
            starts = self._earlier[before] = [self._start_before(number, before) for number in range(len(self.bounds))]
        bounds = self.bounds
        windows: list[tuple[int, int]] = []
        for number in ids:
            start, end = starts[number], bounds[number][1]
            if windows and windows[-1][1] >= start:
                windows[-1] = (windows[-1][0], max(windows[-1][1], end))
            else:
                windows.append((start, end))
        return windows

    def _start_before(self, number: int, before: int) -> int:
        """Where a span starts when it starts up to `before` characters earlier in its clause (at a space)."""
        start = self.bounds[number][0]
        clause_start = self._clause_starts[number]
        if not before or start <= clause_start:
            return start
        earlier = start - before
        return (
            max(self._text.rfind(" ", clause_start, earlier) + 1, clause_start)
            if earlier > clause_start
            else clause_start
        )


def loosened(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern without its leading \\b, or the pattern itself when it has none.

    It matches at every position the pattern matches at (same bounds, one assertion fewer), so the leftmost match
    of the loosened pattern is never after the pattern's: a search can start there. And it is found faster: a
    leading \\b keeps the regex engine from skipping ahead to the possible first characters in C.
    """
    if pattern.pattern.startswith("\\b"):
        return re.compile(pattern.pattern[2:], pattern.flags)
    return pattern


def blank_in(idiom: re.Pattern[str], text: str, windows: list[tuple[int, int]], loose: re.Pattern[str]) -> str:
    """The text with the idiom's matches inside the windows replaced by same-length placeholders (`loose`: the idiom
    loosened(), to find where a window's first match can be)."""
    pieces: list[str] = []
    done = 0
    for start, end in windows:
        first = loose.search(text, start, end)
        if first is None:
            continue
        for match in idiom.finditer(text, first.start(), end):
            pieces.append(text[done : match.start()])
            pieces.append(_placeholder(match))
            done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)
