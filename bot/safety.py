"""Safety assessment: does anything a member typed call for care, and how much?

Three tiers, ordered so that the worst of several is their max():

* CRISIS: a wish to die, thoughts of suicide, a method, intent, a plan, preparations, a past attempt said to be
  coming back, or self-harm. The categories follow the Columbia Suicide Severity Rating Scale (C-SSRS) screen.
* CONCERN: hopelessness, being a burden, feeling trapped or empty, no future; no stated wish to die.
* BENIGN: everything else, including the figures of speech of job hunting ("this market is killing me").

The words live in data/safety.toml, reviewed like code, as a small grammar: *concepts* are lexicons of words and
phrases (desire, death, means, time-now, negation...), and *rules* combine concepts within one clause, e.g.
``desire filler{0,4} death``. Text is normalised, figures of speech are blanked out, then each rule is searched;
a rule's match is dropped when a negation governs it ("I'm not suicidal", "I would never hurt myself") but a
negation never reaches past a comma or a "but". The member's text is never logged: only the rule and category.

Speed (assess_normalised): the text is cut into clauses; each clause's distinct words are looked up once in a
cache of which required strings (worked out at load time from each concept's words) they hold. From that, where
each concept may be; a rule is only searched in a clause where each of its steps' concepts may be and has been
found by a search of the concept alone. The result is the same as searching every rule everywhere
(assess_everywhere), which tests/unit/test_safety_fast_path.py checks.
"""

from __future__ import annotations

import enum
import importlib
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.safety_model import SafetyModel

log = logging.getLogger(__name__)

DEFAULT_SAFETY_PATH = Path(__file__).resolve().parent.parent / "data" / "safety.toml"

# What a matched idiom is replaced with: underscores as long as the idiom, between spaces, so it can neither
# complete a phrase nor glue the words on either side of it together (no rule may match or step over an
# underscore), and every other word keeps its position.
PLACEHOLDER = " _ "


def _placeholder(match: re.Match[str]) -> str:
    length = match.end() - match.start()
    return "_" * length if length < 3 else " " + "_" * (length - 2) + " "


CRISIS_CATEGORIES = frozenset({
    "active_wish", "passive_wish", "suicidal_thoughts", "method", "intent", "plan", "preparation", "past_attempt",
    "self_harm",
})
CONCERN_CATEGORIES = frozenset({"hopelessness", "burden", "trapped", "empty", "no_future"})
# Concepts the engine itself relies on.
REQUIRED_CONCEPTS = ("negation", "negation_bridge", "filler")
# The most words a gap may span: rules are about one clause, not a paragraph.
MAX_GAP = 16

_KEYS = ("idioms", "concepts", "rules")
_RULE_KEYS = frozenset({"name", "tier", "category", "match", "negatable"})
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_TOKEN = re.compile(
    r"(?P<names>[a-z][a-z0-9_]*(?:\|[a-z][a-z0-9_]*)*)(?P<optional>\?)?(?:\{(?P<low>\d+),(?P<high>\d+)\})?"
)

_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u00b4\u0060\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_QUOTES = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DOUBLE_QUOTES, '"')})
# Zero-width and invisible formatting characters people (or keyboards) slip between letters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"))
_QUOTE_CHARS = re.compile(f"[{re.escape(_APOSTROPHES + _DOUBLE_QUOTES)}]")
_INVISIBLE_OR_QUOTE_CHARS = re.compile(
    f"[{re.escape(_APOSTROPHES + _DOUBLE_QUOTES + ''.join(map(chr, _INVISIBLE)))}]")
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x85]+")
_ESCAPE = re.compile(r"\\.")

# Characters that separate words inside a clause, and those that end a clause. A rule never reaches across
# the end of a clause; a negation never reaches across a comma or a "but" either (see _SCOPE_BREAK).
_SEP_CHARS = r"\s,\-\u2013\u2014/*\"()\[\]~"
_HARD_CHARS = r".!?;:\u2026"
SEP = f"[{_SEP_CHARS}]"
_HARD_BREAK = re.compile(f"[{_HARD_CHARS}]")
_SCOPE_BREAK = re.compile(rf"[{_HARD_CHARS},]|\b(?:but|though|although|however|except|yet)\b")
# How far back (in characters) a negation is looked for before a match.
_NEGATION_REACH = 80
# How far from a required string a rule's match may reach, when a clause is longer than that.
_REACH = 250
_WORD_CACHE_SIZE = 50_000
# What the word cache holds for a word with no required string.
_NO_KEYS: tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]] = ((), ())


def normalise_text(text: str) -> str:
    """Fold text for matching: straight quotes, NFKC, casefolded, no zero-width characters, single spaces."""
    if text.isascii():  # most text: nothing to fold or remove, and casefold() is lower() here; ` is a quote
        return " ".join(text.replace("`", "'").lower().split())
    # Quotes first: NFKC would turn an acute accent (´) into a space and a combining mark. (A search, then a
    # translation only when there is something to translate: str.translate is slow on non-ASCII text.)
    if _QUOTE_CHARS.search(text):
        text = text.translate(_QUOTES)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if _INVISIBLE_OR_QUOTE_CHARS.search(text):
        text = text.translate(_INVISIBLE).translate(_QUOTES)
    # str.split() splits on exactly the characters \s matches, and much faster than a regex substitution.
    return " ".join(text.split())


def matchable_text(text: str) -> str:
    """The form patterns are written against: normalised, with apostrophes dropped ("can't" -> "cant")."""
    return normalise_text(text).replace("'", "")


class Tier(enum.IntEnum):
    """How much care some words call for; ordered, so the worst of several is their max()."""

    BENIGN = 0
    CONCERN = 1
    CRISIS = 2


@dataclass(frozen=True)
class SafetyAssessment:
    """How much care some text calls for, in which category, and which rule said so (never the text itself)."""

    tier: Tier
    category: str | None = None
    matched: str | None = None

    @property
    def is_crisis(self) -> bool:
        """A wish to die, suicidal thoughts, a method, intent, plan, preparation, past attempt or self-harm."""
        return self.tier is Tier.CRISIS

    @property
    def is_concern(self) -> bool:
        """Hopeless, burdened, trapped, empty or futureless words without a stated wish to die (exactly CONCERN)."""
        return self.tier is Tier.CONCERN

    @property
    def needs_care(self) -> bool:
        """Anything but BENIGN."""
        return self.tier is not Tier.BENIGN


BENIGN = SafetyAssessment(Tier.BENIGN)
NOT_A_CRISIS = BENIGN  # the name before tiers


@dataclass(frozen=True)
class Rule:
    """One combination of concepts that reads as a crisis or a concern, compiled to one regular expression."""

    name: str
    tier: Tier
    category: str
    source: str  # the match expression as written in data/safety.toml
    pattern: re.Pattern[str] = field(repr=False)
    anchors: tuple[str, ...]  # the concept(s) of its last step
    negatable: bool = True
    # Strings of which every match contains at least one (worked out from the regular expressions at load
    # time); None when no such set was found, and the rule is then searched everywhere.
    literals: frozenset[str] | None = field(default=None, repr=False)
    # The required strings of its other steps: a clause is only searched when it holds one of each set too.
    also: tuple[frozenset[str], ...] = field(default=(), repr=False)
    # The concept(s) of every step a match cannot skip: a window is only searched when each of them occurs in it.
    steps: tuple[tuple[str, ...], ...] = field(default=(), repr=False)

    @property
    def assessment(self) -> SafetyAssessment:
        """What a match of this rule means."""
        return SafetyAssessment(self.tier, self.category, self.name)


@dataclass(frozen=True)
class SafetyRules:
    """Compiled idioms, concepts and rules from data/safety.toml."""

    idiom_patterns: tuple[re.Pattern[str], ...]
    concepts: Mapping[str, re.Pattern[str]] = field(repr=False)
    rules: tuple[Rule, ...]
    # A negation, then at most three bridging words ("not that I", "would never", "not going to"), at the end of
    # the text before a match.
    negation_tail: re.Pattern[str] = field(repr=False)
    # The trained second layer (bot/safety_model.py): asked about each text the grammar finds no crisis in, it can
    # only raise the tier (matched="model"). None: the grammar alone.
    model: SafetyModel | None = field(default=None, repr=False, compare=False)
    # One alternation per job answers "is there anything to do?" in a single scan; most texts match nothing.
    _any_idiom: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # The words of each concept as written (data/safety.toml), one pattern each; without them a concept is only
    # known as a whole, and found less selectively.
    concept_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # The fast path. One scan of each distinct word for required strings (a trie), remembered per word. Every
    # word or phrase of a concept has sets of required strings (all of them found in any match); where one of each
    # set occurs in a span (a clause, see _Spans), that word may occur there, and so may its concept. A rule is
    # only tried in a span where every step's concept may occur, and only once each step's concept has been
    # found there by a search of the concept alone (once per span, shared by all rules).
    _gate: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # required string -> (concept, word number, set number) it belongs to; concept -> word count
    _alternatives_by_literal: dict[str, tuple[tuple[str, int, int], ...]] = field(init=False, repr=False,
                                                                                 compare=False)
    _set_counts: dict[tuple[str, int], int] = field(init=False, repr=False, compare=False)
    # Concepts with a word that has no required string: it may occur anywhere.
    _unfiltered_concepts: frozenset[str] = field(init=False, repr=False, compare=False)
    _idioms_by_literal: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _always_idioms: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # word -> the (offset, required string) pairs inside it; words repeat a lot, so most look-ups are hits.
    _word_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]] = field(
        init=False, repr=False, compare=False)
    # concept -> the rules whose first placeable step it is one of; the rules with no such step.
    _rules_by_concept: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _ungated_rules: frozenset[int] = field(init=False, repr=False, compare=False)
    # Each rule with the steps that can be placed (no concept of them is unfiltered).
    _rule_gates: tuple[tuple[Rule, tuple[tuple[str, ...], ...]], ...] = field(init=False, repr=False,
                                                                             compare=False)
    # (concept, numbers of some of its words) -> those words as one pattern
    _word_patterns: dict[tuple[str, tuple[int, ...]], re.Pattern[str]] = field(init=False, repr=False,
                                                                              compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any_idiom", _alternation(self.idiom_patterns))
        idiom_strings: list[frozenset[str] | None] = []
        for idiom in self.idiom_patterns:
            required = required_strings(idiom.pattern)
            idiom_strings.append(None if required is None else _best([required]))
        idioms_by_literal: dict[str, list[int]] = {}
        for index, idiom_required in enumerate(idiom_strings):
            for literal in idiom_required or ():
                idioms_by_literal.setdefault(literal, []).append(index)
        object.__setattr__(self, "_idioms_by_literal",
                           {key: tuple(value) for key, value in idioms_by_literal.items()})
        always_idioms = tuple(i for i, strings in enumerate(idiom_strings) if strings is None)
        object.__setattr__(self, "_always_idioms", always_idioms)
        # Each concept's words' sets of required strings, and whether all of them are selective. A concept with a
        # word made only of everyday strings ("i", "im", "all") is not tracked (it would be found in most words),
        # unless a rule has no step that is.
        gating: dict[str, list[tuple[list[frozenset[str]], bool]]] = {}
        for name in sorted({name for rule in self.rules for names in rule.steps for name in names}):
            sources = self.concept_sources.get(name) or (self.concepts[name].pattern,)
            gating[name] = [_gating_sets(rf"\b(?:{source})") for source in sources]
        selective = {name for name, words in gating.items() if all(sets and good for sets, good in words)}
        tracked = set(selective)
        for rule in self.rules:
            if not any(selective.issuperset(names) for names in rule.steps):
                tracked.update(max(rule.steps, key=lambda names: min(
                    sum(good for _, good in gating[name]) / len(gating[name]) for name in names)))
        by_literal: dict[str, list[tuple[str, int, int]]] = {}
        set_counts: dict[tuple[str, int], int] = {}
        unfiltered: set[str] = set()
        for name, words in gating.items():
            if name not in tracked or not all(sets for sets, _ in words):
                unfiltered.add(name)
                continue
            for number, (sets, _) in enumerate(words):
                set_counts[name, number] = len(sets)
                for set_number, strings in enumerate(sets):
                    for literal in strings:
                        by_literal.setdefault(literal, []).append((name, number, set_number))
        object.__setattr__(self, "_alternatives_by_literal", {key: tuple(value) for key, value in by_literal.items()})
        object.__setattr__(self, "_set_counts", set_counts)
        object.__setattr__(self, "_unfiltered_concepts", frozenset(unfiltered))
        rule_gates = tuple((rule, tuple(names for names in rule.steps if unfiltered.isdisjoint(names)))
                           for rule in self.rules)
        object.__setattr__(self, "_rule_gates", rule_gates)
        rules_by_concept: dict[str, list[int]] = {}
        for number, (_, gates) in enumerate(rule_gates):
            for name in gates[0] if gates else ():
                rules_by_concept.setdefault(name, []).append(number)
        object.__setattr__(self, "_rules_by_concept", {key: tuple(value) for key, value in rules_by_concept.items()})
        object.__setattr__(self, "_ungated_rules", frozenset(i for i, (_, gates) in enumerate(rule_gates) if not gates))
        every_literal = set(by_literal) | set(idioms_by_literal)
        gate = re.compile(f"(?=({_trie(every_literal)}))") if every_literal else re.compile("(?!)")
        object.__setattr__(self, "_gate", gate)
        object.__setattr__(self, "_word_cache", {})
        object.__setattr__(self, "_word_patterns", {})

    def normalise(self, text: str) -> str:
        """Text as the rules read it, before idioms: line breaks read as commas, then matchable_text()."""
        return matchable_text(_LINE_BREAKS.sub(" , ", text))

    def blank_idioms(self, normalised: str) -> str:
        """Replace every known idiom with the placeholder."""
        if not self._any_idiom.search(normalised):
            return normalised
        for idiom in self.idiom_patterns:
            normalised = idiom.sub(_placeholder, normalised)
        return normalised

    def neutralise(self, text: str) -> str:
        """Prepare text for the rules: normalised, and every known idiom blanked."""
        return self.blank_idioms(self.normalise(text))

    def assess(self, *texts: str | None) -> SafetyAssessment:
        """The worst tier any of the texts (vent, company, role, reflection...) reads as, each on its own."""
        worst = BENIGN
        for text in texts:
            if not text or not text.strip():
                continue
            # Each text on its own: joining them could make a phrase out of the end of one and the start of the next.
            found = self.assess_normalised(self.normalise(text))
            if self.model is not None and not found.is_crisis:
                found = max(found, self.model.assess(text), key=lambda assessment: assessment.tier)
            if found.tier > worst.tier:
                worst = found
                if worst.is_crisis:
                    break
        if worst.needs_care:
            log.info("%s wording detected (rule %s, category %s)", worst.tier.name.lower(), worst.matched,
                     worst.category)
        return worst

    def assess_normalised(self, normalised: str) -> SafetyAssessment:
        """Assess normalise()d text: each rule only in the spans holding its required strings, idioms likewise.

        Agrees with assess_everywhere(blank_idioms(normalised)). Blanking keeps every position, and never creates a
        match (no rule can match or step over an underscore), so where to search can be found before blanking.
        The spans are the clauses (between . ! ? ; : …); a clause longer than 2 * _REACH characters is read as
        overlapping spans of 2 * _REACH every _REACH characters, so any match up to _REACH long lies in one of them.
        A rule is tried in a span only when each of its steps' required strings occurs there, and then only when
        each of its steps (one concept, searched once per span for all rules) matches there.
        """
        spans = _Spans(normalised)
        # Where each word of a concept may be (one string of each of its sets there), and each idiom: each span's
        # distinct words, each looked up once in the word cache. A span's edges fall between words.
        set_spans: dict[tuple[str, int, int], set[int]] = {}
        idiom_spans: dict[int, set[int]] = {}
        cache = self._word_cache
        for span, (start, end) in enumerate(spans.bounds):
            for word in set(normalised[start:end].split(" ")):
                keys = cache.get(word)
                if keys is None:
                    keys = self._word_keys(word)
                if keys is _NO_KEYS:
                    continue
                for key in keys[0]:
                    known = set_spans.get(key)
                    if known is None:
                        set_spans[key] = {span}
                    else:
                        known.add(span)
                for index in keys[1]:
                    known = idiom_spans.get(index)
                    if known is None:
                        idiom_spans[index] = {span}
                    else:
                        known.add(span)
        if not set_spans:
            return BENIGN
        concept_spans: dict[str, set[int]] = {}
        words_at: dict[tuple[str, int], list[int]] = {}  # (concept, span) -> the numbers of its words maybe there
        set_counts = self._set_counts
        for (name, number, set_number), ids in set_spans.items():
            if set_number:
                continue
            for other in range(1, set_counts[name, number]):
                ids = ids & set_spans.get((name, number, other), set())
            if ids:
                known = concept_spans.get(name)
                concept_spans[name] = ids if known is None else known | ids
                for span in ids:
                    words_at.setdefault((name, span), []).append(number)
        # Where each rule may match: every step that can be placed has a concept that may be there.
        candidates: list[tuple[Rule, list[int]]] = []
        searched: set[int] = set()
        empty: set[int] = set()
        step_places: dict[tuple[str, ...], set[int]] = {}
        numbers = {number for name in concept_spans for number in self._rules_by_concept.get(name, ())}
        for number in sorted(numbers.union(self._ungated_rules)):
            rule, gates = self._rule_gates[number]
            places: set[int] | None = None
            for names in gates:
                step = step_places.get(names)
                if step is None:
                    step = step_places[names] = set().union(*(concept_spans.get(name, empty) for name in names))
                places = step if places is None else places & step
                if not places:
                    break
            if places is None:  # no step can be placed: every span of the text
                places = spans.all()
            if places:
                candidates.append((rule, sorted(places)))
                searched |= places
        if not candidates:
            return BENIGN
        # Idioms are only blanked where something will be searched, from far enough back for a negation.
        blanked = normalised
        for index in sorted({*idiom_spans, *self._always_idioms}):
            where = idiom_spans[index] & searched if index in idiom_spans else searched
            if where:
                blanked = _blank(self.idiom_patterns[index], blanked, spans.merged(where, _NEGATION_REACH))
        occurs: dict[tuple[str, int], bool] = {}
        bounds = spans.bounds
        for rule, ordered in candidates:
            for span in ordered:
                if self._steps_occur(rule, blanked, bounds[span], span, words_at, occurs) and \
                        self._matches(rule, blanked, *bounds[span]):
                    return rule.assessment
        return BENIGN

    def _steps_occur(self, rule: Rule, blanked: str, bounds: tuple[int, int], span: int,
                     words_at: Mapping[tuple[str, int], list[int]], occurs: dict[tuple[str, int], bool]) -> bool:
        """Whether every step of the rule has a concept that matches somewhere in the span.

        Sound as a filter: a match of the rule there holds a match of one concept of each step, i.e. of one of its
        words, which a search over the same span finds (the same text, the same bounds for lookarounds and word
        boundaries). Only the words that may be in the span (one of each of their sets of required strings is) are
        searched for, once a span.
        """
        for names in rule.steps:
            for name in names:
                key = (name, span)
                found = occurs.get(key)
                if found is None:
                    if name in self._unfiltered_concepts:
                        pattern = self.concepts[name]
                    else:
                        words = words_at.get(key)
                        if words is None:
                            continue
                        pattern = self._words_pattern(name, tuple(sorted(words)))
                    found = occurs[key] = pattern.search(blanked, *bounds) is not None
                if found:
                    break
            else:
                return False
        return True

    def _words_pattern(self, name: str, words: tuple[int, ...]) -> re.Pattern[str]:
        """Some of a concept's words as one pattern (remembered): the concept, where only they may occur."""
        key = (name, words)
        pattern = self._word_patterns.get(key)
        if pattern is None:
            sources = self.concept_sources.get(name)
            if not sources:
                return self.concepts[name]
            pattern = re.compile("\\b(?:" + "|".join(f"(?:{sources[number]})" for number in words) + ")")
            if len(self._word_patterns) >= _WORD_CACHE_SIZE:
                self._word_patterns.clear()
            self._word_patterns[key] = pattern
        return pattern

    def _word_keys(self, word: str) -> tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]:
        """The (concept, word, set) keys and the idioms a word holds a required string of (and remember them).

        Required strings never hold a space, so each distinct word is looked at once.
        """
        inside = {literal for _, literal in self._strings_inside(word)}
        alternatives, idioms = self._alternatives_by_literal, self._idioms_by_literal
        keys = (tuple(sorted({key for literal in inside for key in alternatives.get(literal, ())})),
                tuple(sorted({index for literal in inside for index in idioms.get(literal, ())})))
        if not keys[0] and not keys[1]:
            keys = _NO_KEYS
        if len(self._word_cache) >= _WORD_CACHE_SIZE:
            self._word_cache.clear()
        self._word_cache[word] = keys
        return keys

    def _strings_inside(self, word: str) -> tuple[tuple[int, str], ...]:
        """Every required string in a word, with its offset (overlapping ones included).

        Strings that must start a word (marked with _WORD_START) are looked for in a copy of the word with the mark
        before each word start; the others in the word itself.
        """
        inside: list[tuple[int, str]] = []
        offsets: list[int] = []
        marked: list[str] = []
        for index, char in enumerate(word):
            if char.isalnum() and (index == 0 or not word[index - 1].isalnum()):
                marked.append(_WORD_START)
                offsets.append(index)
            marked.append(char)
            offsets.append(index)
        for text, starts_only in ((word, False), ("".join(marked), True)):
            for hit in self._gate.finditer(text):
                longest = hit.group(1)
                if starts_only != longest.startswith(_WORD_START):
                    continue
                # The trie reports the longest string starting here; shorter ones starting here count too.
                at = offsets[hit.start()] if starts_only else hit.start()
                inside.extend((at, longest[:end]) for end in range(1, len(longest) + 1)
                              if longest[:end] in self._alternatives_by_literal
                              or longest[:end] in self._idioms_by_literal)
        return tuple(inside)

    def matching_rules(self, text: str) -> list[str]:
        """The names of every rule with an un-negated match in the text, in order (for tests and tuning)."""
        prepared = self.neutralise(text)
        return [rule.name for rule in self.rules if self._matches(rule, prepared, 0, len(prepared))]

    def assess_everywhere(self, prepared: str) -> SafetyAssessment:
        """The definition assess_normalised() must agree with: every rule searched over the whole neutralised text."""
        for rule in self.rules:
            if self._matches(rule, prepared, 0, len(prepared)):
                return rule.assessment
        return BENIGN

    def _matches(self, rule: Rule, prepared: str, start: int, end: int) -> bool:
        """Whether the rule has a match between start and end that no negation governs."""
        return any(not (rule.negatable and self.negated(prepared, match.start()))
                   for match in rule.pattern.finditer(prepared, start, end))

    def negated(self, prepared: str, position: int) -> bool:
        """Whether a negation governs the words starting at `position` ("I'm not | suicidal")."""
        before = prepared[max(0, position - _NEGATION_REACH):position]
        scope_start = 0
        for scope_start_match in _SCOPE_BREAK.finditer(before):
            scope_start = scope_start_match.end()
        return self.negation_tail.search(before, scope_start) is not None


class _Spans:
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
                start = max(self._text.rfind(" ", clause_start, earlier) + 1, clause_start) if earlier > clause_start \
                    else clause_start
            if windows and windows[-1][1] >= start:
                windows[-1] = (windows[-1][0], max(windows[-1][1], end))
            else:
                windows.append((start, end))
        return windows


def _blank(idiom: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> str:
    """The text with the idiom's matches inside the windows replaced by same-length placeholders."""
    pieces: list[str] = []
    done = 0
    for start, end in windows:
        for match in idiom.finditer(text, start, end):
            pieces.append(text[done:match.start()])
            pieces.append(_placeholder(match))
            done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching any of the words, longest first, shaped as a trie so a scan stays cheap."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return build(root)


# ---------------------------------------------------------------------------------------------- required strings
# Which strings must occur in any match of a regular expression (like RE2's prefilter): worked out from Python's
# own parse of the pattern. Sound by construction: only literal characters on every path are ever required;
# anything unsure (a \w, a large character class, an optional part) ends a string, and lookarounds are skipped
# (they only narrow matches). Used to skip rules that cannot match, never to decide that one does.

_parser: Any = importlib.import_module("re._parser")
# Marks a required string that must start a word (it follows a \b in the pattern).
_WORD_START = "\x02"
_MAX_STRINGS = 64
# The most sets of required strings a word of a concept is found by (all of them must occur).
_MAX_SETS = 3
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})

def required_strings(source: str) -> frozenset[str] | None:
    """A set of strings of which every match of `source` contains one, or None if none could be found."""
    return _required(list(_parser.parse(source)))


def _small_class(av: Any) -> list[str] | None:
    chars = []
    for op, value in av:
        if str(op) != "LITERAL":
            return None
        chars.append(chr(value))
    return chars if len(chars) <= 4 else None


def _alternatives(op_name: str, av: Any) -> list[Any]:
    return [av[-1]] if op_name == "SUBPATTERN" else list(av[1])


def _product(left: set[str], right: Iterable[str]) -> set[str] | None:
    product = {a + b for a in left for b in right}
    return product if len(product) <= _MAX_STRINGS else None


def _finite(items: Any) -> set[str] | None:
    """Every string the items can match, when that is a small finite set of literals; else None."""
    out: set[str] | None = {""}
    for op, av in items:
        name = str(op)
        if out is None:
            return None
        if name == "LITERAL":
            out = _product(out, chr(av))
        elif name in _ZERO_WIDTH:
            continue
        elif name == "IN":
            chars = _small_class(av)
            out = None if chars is None else _product(out, chars)
        elif name in ("SUBPATTERN", "BRANCH"):
            union: set[str] = set()
            for alternative in _alternatives(name, av):
                strings = _finite(alternative)
                if strings is None:
                    return None
                union |= strings
            out = _product(out, union)
        else:
            return None
    return out


def _leading(items: Any) -> set[str] | None:
    """Strings one of which every match starts with (its literal beginning), or None."""
    out: set[str] | None = {""}
    for op, av in items:
        name = str(op)
        if out is None:
            return None
        if name in _ZERO_WIDTH:
            continue
        if name == "LITERAL":
            out = _product(out, chr(av))
            continue
        if name == "IN":
            chars = _small_class(av)
            if chars is None:
                break
            out = _product(out, chars)
            continue
        if name in ("SUBPATTERN", "BRANCH"):
            alternatives = _alternatives(name, av)
            union: set[str] = set()
            for alternative in alternatives:
                strings = _leading(alternative)
                if strings is None:
                    return None if out == {""} else out
                union |= strings
            out = _product(out, union)
            if any(_finite(alternative) is None for alternative in alternatives):
                break
            continue
        if name in _REPEATS and av[0] >= 1:
            strings = _leading(av[2])
            if strings is not None:
                out = _product(out, strings)
        break
    return None if out is None or "" in out else out


def _required(items: Any) -> frozenset[str] | None:
    """The best set of required strings in a sequence: the one whose shortest string is longest."""
    return _best(_required_sets(items))


def _gating_sets(source: str) -> tuple[list[frozenset[str]], bool]:
    """Sets of strings such that every match of `source` holds one of each set (at most _MAX_SETS, the most
    selective first), and whether together they are selective: one set of long, uncommon strings, or two sets or
    more (everyday words together, "the where, the how"). Empty when none could be found (it may match anywhere).
    """
    found = list(dict.fromkeys(strings for strings in _required_sets(list(_parser.parse(source)))
                               if _best([strings]) is not None))
    # A set holding a word found in most sentences ("the", "my", "not") narrows nothing down, and costs a look-up
    # per occurrence: left out, unless there is nothing else.
    sets = sorted((strings for strings in found if not any(string.lstrip(_WORD_START) in _STOPWORDS
                                                           for string in strings)), key=_score, reverse=True)
    sets = sets[:_MAX_SETS]
    if not sets:
        best = _best(found)
        return ([best] if best is not None else []), False
    selective = any(min(len(string.lstrip(_WORD_START)) for string in strings) >= 3
                    and not any(string.lstrip(_WORD_START) in _COMMON for string in strings) for strings in sets)
    return sets, selective or len(sets) >= 2


def _required_sets(items: Any) -> list[frozenset[str]]:
    """Every set of strings found in a sequence such that any match holds one of the set."""
    candidates: list[frozenset[str]] = []
    run: set[str] = {""}

    def close() -> None:
        nonlocal run
        if "" not in run and _WORD_START not in run:
            candidates.append(frozenset(run))
        run = {""}

    for op, av in items:
        name = str(op)
        if name == "AT" and str(av) == "AT_BOUNDARY" and run == {""}:
            run = {_WORD_START}
            continue
        if name in _ZERO_WIDTH:
            continue
        if name == "LITERAL":
            grown = _product(run, chr(av))
            if grown is None:
                close()
                grown = {chr(av)}
            run = grown
            continue
        if name == "IN":
            chars = _small_class(av)
            grown = None if chars is None else _product(run, chars)
            if grown is None:
                close()
            else:
                run = grown
            continue
        if name in ("SUBPATTERN", "BRANCH"):
            alternatives = _alternatives(name, av)
            finite: set[str] | None = set()
            for alternative in alternatives:
                strings = _finite(alternative)
                finite = None if strings is None or finite is None else finite | strings
            grown = None if finite is None else _product(run, finite)
            if grown is not None:
                run = grown
                continue
            leading: set[str] | None = set()
            for alternative in alternatives:
                strings = _leading(alternative)
                leading = None if strings is None or leading is None else leading | strings
            if leading:
                joined = _product(run, leading)
                if joined is not None and "" not in joined:
                    candidates.append(frozenset(joined))
            close()
            inner = [_required(alternative) for alternative in alternatives]
            if all(strings is not None for strings in inner):
                candidates.append(frozenset().union(*(strings for strings in inner if strings is not None)))
            continue
        if name in _REPEATS and av[0] >= 1:
            finite = _finite(av[2])
            grown = None if finite is None else _product(run, finite)
            if grown is not None:
                run = grown
                close()
                continue
            close()
            inner_required = _required(av[2])
            if inner_required is not None:
                candidates.append(inner_required)
            continue
        close()
    close()
    return candidates


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective candidate: long strings, few everyday words, whole-word starts."""
    usable = [candidate for candidate in candidates
              if candidate and not any(not string.lstrip(_WORD_START) or any(char.isspace() for char in string)
                                       for string in candidate)]
    if not usable:
        return None

    return max(usable, key=_score)


# Words too common to be a good reason to search a clause (a choice between equally valid required strings).
_COMMON_WORDS = """
a about after again all also am an and any are as at back be been before being but by can cant could day did do
does dont down even ever feel felt for from get go going gonna good got had has have he her here him his how i id if
im in into is it its ive job just know last let like look looking made make many me more much my need never new no
not now of off on one only or other our out over people really right said say see she so some still take than that
the them then there they thing things think this time to today too took up us very want wanna was way we week well
went were what when where which who why will with work would year you your
"""
_COMMON = frozenset(_COMMON_WORDS.split())
# Words in most sentences: never worth tracking alongside another required string.
_STOPWORD_LIST = """
a about all an and are as at be but by can cant do dont for from get go going got have i if im in is it its just me
my no not of on or out so that the them then there they this to up was we were what when will with would you your
"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())


def _score(strings: frozenset[str]) -> tuple[bool, int, int, int]:
    """How selective a set of required strings is: long strings, few everyday words, whole-word starts."""
    shortest = min(len(string.lstrip(_WORD_START)) + string.startswith(_WORD_START) for string in strings)
    common = sum(string.lstrip(_WORD_START) in _COMMON for string in strings)
    return shortest >= 3, -common, shortest, -len(strings)


def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One pattern that matches wherever any of `patterns` would (never, when there are none)."""
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns))


# ---------------------------------------------------------------------------------------------- loading


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


def _pattern_list(where: str, raw: object) -> list[str]:
    """Validate one list of regex sources, naming the file, key and index of any problem."""
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where} must be a non-empty list of regular expressions")
    seen: set[str] = set()
    sources: list[str] = []
    for index, item in enumerate(raw):
        item_where = f"{where}[{index}]"
        source = _check_source(item_where, item)
        if source in seen:
            raise ValueError(f"{item_where} {source!r} is listed twice")
        seen.add(source)
        _compile(item_where, source)
        sources.append(source)
    return sources


def _table(path: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    if key not in data:
        raise ValueError(f"{path}: missing required table [{key}]")
    table = data[key]
    if not isinstance(table, dict) or not table:
        raise ValueError(f"{path}: [{key}] must be a non-empty table of named lists")
    return table


def _load_idioms(path: Path, data: dict[str, Any]) -> tuple[re.Pattern[str], ...]:
    patterns: list[re.Pattern[str]] = []
    seen: dict[str, str] = {}
    for group, raw in _table(path, data, "idioms").items():
        where = f"{path}: idioms.{group}"
        for index, source in enumerate(_pattern_list(where, raw)):
            if source in seen:
                raise ValueError(f"{where}[{index}] {source!r} is already listed in idioms.{seen[source]}")
            seen[source] = group
            patterns.append(re.compile(rf"\b(?:{source})"))
    return tuple(patterns)


def _load_concepts(path: Path, data: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    concepts: dict[str, re.Pattern[str]] = {}
    for name, raw in _table(path, data, "concepts").items():
        where = f"{path}: concepts.{name}"
        if not _NAME.fullmatch(name) or name == "any":
            raise ValueError(f"{where}: a concept name is lowercase letters, digits and _, and not 'any'")
        sources = _pattern_list(where, raw)
        # Every word or phrase starts a word: "end" is not in "weekend", "ill" not in "will".
        concepts[name] = re.compile("\\b(?:" + "|".join(f"(?:{source})" for source in sources) + ")")
    missing = [name for name in REQUIRED_CONCEPTS if name not in concepts]
    if missing:
        raise ValueError(f"{path}: [concepts] is missing {', '.join(missing)}, which the engine needs")
    return concepts


def _word_patterns(concepts: Mapping[str, re.Pattern[str]]) -> dict[str, str]:
    """What one gap word may be: any word that is not a negation, or one word (or phrase) of a concept."""
    end_of_word = f"(?![^{_SEP_CHARS}{_HARD_CHARS}_])"
    negation = concepts["negation"].pattern
    words = {"any": rf"(?!(?:{negation})\b)[^{_SEP_CHARS}{_HARD_CHARS}_]+{end_of_word}"}
    words.update({name: rf"(?:{pattern.pattern}){end_of_word}" for name, pattern in concepts.items()})
    return words


def compile_match(
    where: str, source: object, concepts: Mapping[str, re.Pattern[str]]
) -> tuple[re.Pattern[str], tuple[tuple[str, ...], ...]]:
    """Compile a rule's match expression; return the pattern and the concepts of each step it cannot skip.

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
                raise ValueError(
                    f"{step_where}: a gap is name{{m,n}} with m <= n <= {MAX_GAP}, between two concepts"
                )
            word = "|".join(words[name] for name in names)
            parts.append(f"(?:{SEP}+(?:{word})){{{low},{high}}}")
            continue
        if "any" in names:
            raise ValueError(f"{step_where}: 'any' is only a gap, write any{{m,n}}")
        if token["optional"] and number in (0, len(steps) - 1):
            raise ValueError(f"{step_where}: the first and last steps cannot be optional")
        alternatives = "|".join(f"(?:{concepts[name].pattern})" for name in names)
        body = rf"\b(?:{alternatives})" if not parts else f"{SEP}*(?:{alternatives})"
        parts.append(f"(?:{body})?" if token["optional"] else body)
        concept_steps.append(len(parts) - 1)
        if not token["optional"]:
            mandatory.append(names)
    if not concept_steps or not mandatory:
        raise ValueError(f"{where} {source!r} has no concept to match")
    parts[concept_steps[-1]] += r"\b"
    pattern = _compile(where, "".join(parts))
    return pattern, tuple(mandatory)


def _load_rules(path: Path, data: dict[str, Any], concepts: Mapping[str, re.Pattern[str]]) -> tuple[Rule, ...]:
    raw = data.get("rules")
    if raw is None:
        raise ValueError(f"{path}: missing required [[rules]]")
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: [[rules]] must be a non-empty array of tables")
    rules: list[Rule] = []
    names: set[str] = set()
    literals = {name: required_strings(pattern.pattern) for name, pattern in concepts.items()}
    for index, entry in enumerate(raw):
        where = f"{path}: rules[{index}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where} must be a table with name, tier, category and match")
        unknown = sorted(set(entry) - _RULE_KEYS)
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(sorted(_RULE_KEYS))}")
        name = entry.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(f"{where}: name must be lowercase letters, digits and _, got {name!r}")
        where = f"{where} ({name})"
        if name in names:
            raise ValueError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        tier_name = entry.get("tier")
        if tier_name not in ("crisis", "concern"):
            raise ValueError(f"{where}: tier must be 'crisis' or 'concern', got {tier_name!r}")
        tier = Tier.CRISIS if tier_name == "crisis" else Tier.CONCERN
        category = entry.get("category")
        allowed = CRISIS_CATEGORIES if tier is Tier.CRISIS else CONCERN_CATEGORIES
        if category not in allowed:
            raise ValueError(f"{where}: category must be one of {', '.join(sorted(allowed))}, got {category!r}")
        negatable = entry.get("negatable", True)
        if not isinstance(negatable, bool):
            raise ValueError(f"{where}: negatable must be true or false, got {negatable!r}")
        if "match" not in entry:
            raise ValueError(f"{where}: missing match")
        pattern, steps = compile_match(f"{where} match", entry["match"], concepts)
        sets = _rule_strings(steps, literals)
        rules.append(Rule(name, tier, category, entry["match"], pattern, steps[-1], negatable,
                          sets[0] if sets else None, tuple(sets[1:]), _cheapest_first(steps)))
    # Crisis rules first, each tier in file order: the first rule that matches names the category.
    return tuple(sorted(rules, key=lambda rule: -rule.tier))


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


def load_safety_rules(path: Path = DEFAULT_SAFETY_PATH, *, model: SafetyModel | None = None) -> SafetyRules:
    """Read, validate and compile the safety grammar; ValueError says what is wrong with a bad file, and where.

    With a model (bot.safety_model.default_safety_model()), assess() asks it as a second layer after the grammar.
    """
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; expected only {', '.join(_KEYS)}")
    concepts = _load_concepts(path, data)
    negation = concepts["negation"].pattern
    bridge = concepts["negation_bridge"].pattern
    rules = SafetyRules(
        idiom_patterns=_load_idioms(path, data),
        concepts=concepts,
        concept_sources={name: tuple(data["concepts"][name]) for name in concepts},
        rules=_load_rules(path, data, concepts),
        negation_tail=re.compile(rf"\b(?:{negation})\b(?:{SEP}+(?:{bridge})){{0,3}}{SEP}*$"),
        model=model,
    )
    log.debug("loaded %d concepts, %d rules and %d idioms from %s", len(concepts), len(rules.rules),
              len(rules.idiom_patterns), path)
    return rules


@cache
def default_safety_rules() -> SafetyRules:
    """The rules from data/safety.toml with the trained second layer (data/safety_model.json), loaded once."""
    from bot.safety_model import default_safety_model  # imports this module: only once both exist

    return load_safety_rules(DEFAULT_SAFETY_PATH, model=default_safety_model())
