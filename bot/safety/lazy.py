"""Regular expressions compiled the first time they are used: a start need not compile a thousand of them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import overload


class LazyPatterns(Mapping[str, re.Pattern[str]]):
    """Named regular-expression sources, each compiled on first look-up (and kept)."""

    __slots__ = ("_compiled", "_sources")

    def __init__(self, sources: Mapping[str, str]) -> None:
        self._sources = dict(sources)
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __getitem__(self, name: str) -> re.Pattern[str]:
        pattern = self._compiled.get(name)
        if pattern is None:
            pattern = self._compiled[name] = re.compile(self._sources[name])
        return pattern

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


class LazyPatternList(Sequence[re.Pattern[str]]):
    """Regular-expression sources in order, each compiled on first use (and kept)."""

    __slots__ = ("_compiled", "_sources")

    def __init__(self, sources: Sequence[str]) -> None:
        self._sources = tuple(sources)
        self._compiled: list[re.Pattern[str] | None] = [None] * len(self._sources)

    @overload
    def __getitem__(self, index: int) -> re.Pattern[str]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[re.Pattern[str]]: ...
    def __getitem__(self, index: int | slice) -> re.Pattern[str] | Sequence[re.Pattern[str]]:
        if isinstance(index, slice):
            return [self[number] for number in range(len(self._sources))[index]]
        pattern = self._compiled[index]
        if pattern is None:
            pattern = self._compiled[index] = re.compile(self._sources[index])
        return pattern

    def __len__(self) -> int:
        return len(self._sources)

    @property
    def sources(self) -> tuple[str, ...]:
        """The regular expressions as written, none compiled."""
        return self._sources


def idiom_sources(patterns: Sequence[re.Pattern[str]]) -> tuple[str, ...]:
    """The sources of a list of patterns, without compiling a lazy one."""
    if isinstance(patterns, LazyPatternList):
        return patterns.sources
    return tuple(pattern.pattern for pattern in patterns)
