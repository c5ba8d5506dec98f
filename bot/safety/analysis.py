"""What the fast path needs to know about the grammar, worked out from its regular expressions (see required.py).

Deriving it parses every word of every concept, which takes most of a second; bot/safety/index.py keeps the result
beside data/safety.toml so a start reads it instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.safety.required import _best, _gating_sets, required_strings

# One word of a concept: the sets of strings of which every match holds one of each, and whether they are selective.
WordGate = tuple[list[frozenset[str]], bool]


@dataclass(frozen=True)
class GrammarAnalysis:
    """Required strings of each idiom (None: it may match anywhere) and of each word of each concept rules use."""

    idiom_strings: tuple[frozenset[str] | None, ...]
    gating: Mapping[str, list[WordGate]]


def analyse(
    idiom_sources: Sequence[str], concept_sources: Mapping[str, Sequence[str]], used_concepts: Iterable[str]
) -> GrammarAnalysis:
    """Work out the required strings of every idiom and of every word of the concepts the rules use."""
    idiom_strings: list[frozenset[str] | None] = []
    for source in idiom_sources:
        required = required_strings(source)
        idiom_strings.append(None if required is None else _best([required]))
    gating = {
        name: [_gating_sets(rf"\b(?:{source})") for source in concept_sources[name]]
        for name in sorted(set(used_concepts))
    }
    return GrammarAnalysis(tuple(idiom_strings), gating)
