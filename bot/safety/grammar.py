"""The grammar's building blocks: a rule, and how a rule's match expression over concepts compiles to a regex."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from bot.safety.normalise import _ESCAPE, _HARD_CHARS, _SEP_CHARS, PLACEHOLDER, SEP
from bot.safety.required import _best
from bot.safety.tiers import SafetyAssessment, Tier

# Concepts the engine itself relies on.
REQUIRED_CONCEPTS = ("negation", "negation_bridge", "filler")
# The most words a gap may span: rules are about one clause, not a paragraph.
MAX_GAP = 16
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOKEN = re.compile(
    r"(?P<names>[a-z][a-z0-9_]*(?:\|[a-z][a-z0-9_]*)*)(?P<optional>\?)?(?:\{(?P<low>\d+),(?P<high>\d+)\})?"
)


@dataclass(frozen=True)
class Rule:
    """One combination of concepts that reads as a crisis or a concern, compiled to one regular expression."""

    name: str
    tier: Tier
    category: str
    source: str  # the match expression as written in data/safety.toml
    regex: str = field(repr=False)  # what it compiles to
    anchors: tuple[str, ...]  # the concept(s) of its last step
    negatable: bool = True
    # Strings of which every match contains at least one (worked out from the regular expressions at load
    # time); None when no such set was found, and the rule is then searched everywhere.
    literals: frozenset[str] | None = field(default=None, repr=False)
    # The required strings of its other steps: a clause is only searched when it holds one of each set too.
    also: tuple[frozenset[str], ...] = field(default=(), repr=False)
    # The concept(s) of every step a match cannot skip: a window is only searched when each of them occurs in it.
    steps: tuple[tuple[str, ...], ...] = field(default=(), repr=False)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regular expression (compiled when first searched: most rules rarely are)."""
        return re.compile(self.regex)

    @property
    def assessment(self) -> SafetyAssessment:
        """What a match of this rule means."""
        return SafetyAssessment(self.tier, self.category, self.name)


def _check_source(where: str, source: object) -> str:
    """A regular-expression source string as the file must write it: lowercase, no apostrophes."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where} must be a non-empty string, got {source!r}")
    if "'" in source or "\u2019" in source:
        raise ValueError(
            f"{where} {source!r} contains an apostrophe; apostrophes are dropped from text before matching, "
            "so write cant, dont, im"
        )
    if any(char.isupper() for char in _ESCAPE.sub("", source)):
        raise ValueError(f"{where} {source!r} has capital letters; text is casefolded, so write patterns in lowercase")
    return source


def _compile(where: str, source: str) -> re.Pattern[str]:
    try:
        pattern = re.compile(source)
    except re.error as exc:
        raise ValueError(f"{where} {source!r} is not a valid regular expression: {exc}") from exc
    if pattern.search(""):
        raise ValueError(f"{where} {source!r} matches empty text, so it would match everything")
    if pattern.search("___"):
        raise ValueError(f"{where} {source!r} matches the idiom placeholder {PLACEHOLDER.strip()!r}")
    return pattern


def _word_patterns(concepts: Mapping[str, str]) -> dict[str, str]:
    """What one gap word may be: any word that is not a negation, or one word (or phrase) of a concept."""
    end_of_word = f"(?![^{_SEP_CHARS}{_HARD_CHARS}_])"
    negation = concepts["negation"]
    words = {"any": rf"(?!(?:{negation})\b)[^{_SEP_CHARS}{_HARD_CHARS}_]+{end_of_word}"}
    words.update({name: rf"(?:{pattern}){end_of_word}" for name, pattern in concepts.items()})
    return words


def compile_match(where: str, source: object, concepts: Mapping[str, str]) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """Compile a rule's match expression over the concepts' regular expressions (checked, so a bad one is named);
    return the regular expression and the concepts of each step it cannot skip.

    The expression is a space-separated sequence of steps:
      name          one occurrence of the concept (a word or phrase)
      a|b           one occurrence of any of these concepts
      name?         an optional occurrence
      name{m,n}     m to n gap words, each one word of the concept; `any{m,n}` is any words but a negation
      $             the end of the clause (nothing but separators before . ! ? ; : or the end of the text)
    Steps follow each other within one clause, separated by spaces or commas (or nothing, so run-together words
    like "killmyself" still read). The first and the last step must be concepts.
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where} must be a non-empty string such as 'desire filler{{0,3}} death'")
    words = _word_patterns(concepts)
    steps = source.split()
    parts: list[str] = []
    concept_steps: list[int] = []
    mandatory: list[tuple[str, ...]] = []
    for number, step in enumerate(steps):
        step_where = f"{where} step {number + 1} {step!r}"
        if step == "$":
            if number == 0:
                raise ValueError(f"{step_where}: a rule cannot start at the end of a clause")
            parts.append(f"(?={SEP}*(?:$|[{_HARD_CHARS}]))")
            continue
        token = _TOKEN.fullmatch(step)
        if token is None:
            raise ValueError(f"{step_where} is not a step; write name, a|b, name? or name{{m,n}}")
        names = tuple(token["names"].split("|"))
        for name in names:
            if name not in concepts and name != "any":
                raise ValueError(f"{step_where}: unknown concept {name!r}")
        if token["low"] is not None:
            low, high = int(token["low"]), int(token["high"])
            if token["optional"] or low > high or high > MAX_GAP or number in (0, len(steps) - 1):
                raise ValueError(f"{step_where}: a gap is name{{m,n}} with m <= n <= {MAX_GAP}, between two concepts")
            word = "|".join(words[name] for name in names)
            parts.append(f"(?:{SEP}+(?:{word})){{{low},{high}}}")
            continue
        if "any" in names:
            raise ValueError(f"{step_where}: 'any' is only a gap, write any{{m,n}}")
        if token["optional"] and number in (0, len(steps) - 1):
            raise ValueError(f"{step_where}: the first and last steps cannot be optional")
        alternatives = "|".join(f"(?:{concepts[name]})" for name in names)
        body = rf"\b(?:{alternatives})" if not parts else f"{SEP}*(?:{alternatives})"
        parts.append(f"(?:{body})?" if token["optional"] else body)
        concept_steps.append(len(parts) - 1)
        if not token["optional"]:
            mandatory.append(names)
    if not concept_steps or not mandatory:
        raise ValueError(f"{where} {source!r} has no concept to match")
    parts[concept_steps[-1]] += r"\b"
    regex = "".join(parts)
    _compile(where, regex)
    return regex, tuple(mandatory)


def _cheapest_first(steps: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """The distinct steps, the last first: it is usually the rarest (the death, the means, the act)."""
    ordered: list[tuple[str, ...]] = []
    for names in reversed(steps):
        if names not in ordered:
            ordered.append(names)
    return tuple(ordered)


def _rule_strings(
    steps: tuple[tuple[str, ...], ...], literals: Mapping[str, frozenset[str] | None]
) -> list[frozenset[str]]:
    """The required strings of each step a match cannot skip (a step a|b needs both to have some), best first."""
    candidates: list[frozenset[str]] = []
    for names in steps:
        sets = [literals[name] for name in names]
        if all(strings is not None for strings in sets):
            union = frozenset().union(*(strings for strings in sets if strings is not None))
            if _best([union]) is not None and union not in candidates and min(map(len, union)) >= 3:
                candidates.append(union)
    best = _best(candidates)
    # The other steps' strings narrow the search further: a clause must hold one of each.
    return [] if best is None else [best, *(strings for strings in candidates if strings != best)]
