"""The compiled safety grammar (SafetyRules) and how it assesses text: clauses, required strings, concepts, rules,
negation scope. See bot/safety/__init__.py for the design."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from itertools import repeat
from operator import or_
from typing import TYPE_CHECKING

from bot.safety.analysis import GrammarAnalysis, analyse
from bot.safety.gating import Layout, WordBits, bit_positions
from bot.safety.grammar import Rule
from bot.safety.lazy import idiom_sources
from bot.safety.normalise import (
    _LINE_BREAKS,
    _NEGATION_REACH,
    _WORD_CACHE_SIZE,
    _placeholder,
    both_forms,
    has_line_break,
    matchable_text,
)
from bot.safety.required import _WORD_START, _alternation, _trie
from bot.safety.spans import Spans, blank_in, loosened
from bot.safety.tiers import BENIGN, SafetyAssessment
from bot.safety.whose import WhoseWords

if TYPE_CHECKING:
    from bot.safety.model import SafetyModel

log = logging.getLogger("bot.safety")

# Texts up to this long have their result remembered (by a hash), at most this many at a time.
SHORT_TEXT = 200
SHORT_RESULTS_KEPT = 20_000


@dataclass(frozen=True)
class SafetyRules(WhoseWords):
    """Compiled idioms, concepts and rules from data/safety.toml."""

    idiom_patterns: Sequence[re.Pattern[str]]
    concepts: Mapping[str, re.Pattern[str]] = field(repr=False)
    rules: tuple[Rule, ...]
    # A negation, then at most three bridging words ("not that I", "would never", "not going to"), at the end of
    # the text before a match.
    negation_tail: re.Pattern[str] = field(repr=False)
    # The trained second layer (bot/safety/model.py): asked about each text the grammar finds no crisis in, it can
    # only raise the tier (matched="model"). None: the grammar alone.
    model: SafetyModel | None = field(default=None, repr=False, compare=False)
    # The required strings of idioms and concept words (bot/safety/analysis.py), when already known (from
    # data/safety.index.json); None: worked out here.
    analysis: GrammarAnalysis | None = field(default=None, repr=False, compare=False)
    # One alternation answers "is there any idiom?" in a single scan (compiled when first needed).
    _any_idiom: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    # The words of each concept as written (data/safety.toml), one pattern each; without them a concept is only
    # known as a whole, and found less selectively.
    concept_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    # The fast path. One scan of each distinct word for required strings (a trie), remembered per word as bits
    # (bot/safety/gating.py). Every word or phrase of a concept has sets of required strings (all of them found in
    # any match); where one of each set occurs in a span (a clause, see spans.py), that word may occur there, and so
    # may its concept. A rule is only tried in a span where every step's concept may occur, and only once each
    # step's concept has been found there by a search of the concept alone (once per span, shared by all rules).
    _gate: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _layout: Layout = field(init=False, repr=False, compare=False)
    # Concepts with a word that has no required string: it may occur anywhere.
    _unfiltered_concepts: frozenset[str] = field(init=False, repr=False, compare=False)
    _always_idioms: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # word -> the bits of the required strings inside it; words repeat a lot, so most look-ups are hits.
    _word_bits: WordBits = field(init=False, repr=False, compare=False)
    # Short texts (company and role names, form answers) repeat across members, and /rejected reads two of them
    # before its first answer: their results are remembered by a hash of the text, never the text itself.
    _short_results: dict[bytes, SafetyAssessment] = field(init=False, repr=False, compare=False)
    # Each rule with the steps that can be placed (no concept of them is unfiltered), as their concepts' spare bits.
    _rule_gates: tuple[tuple[Rule, tuple[tuple[int, ...], ...]], ...] = field(init=False, repr=False, compare=False)
    # Each rule's steps as _steps_occur tries them: those that can be placed first (their concepts are searched for
    # only some of their words, and one of them failing spares searching a concept that may be anywhere in full);
    # each concept as (number, name, its first bit, its words' first bits from there: 0 when unfiltered).
    _step_order: dict[str, tuple[tuple[tuple[int, str, int, int], ...], ...]] = field(
        init=False, repr=False, compare=False
    )
    _step_concepts: dict[str, int] = field(init=False, repr=False, compare=False)  # concept -> its number
    # concept (spare bit) -> the rules (as bits) whose first placeable step it is one of; the rules with no such step.
    _rules_by_concept: dict[int, int] = field(init=False, repr=False, compare=False)
    _ungated_rules: int = field(init=False, repr=False, compare=False)
    # (concept, bits of some of its words, see Layout.regions) -> those words as one pattern, and it loosened()
    _word_patterns: dict[tuple[str, int], tuple[re.Pattern[str], re.Pattern[str]]] = field(
        init=False, repr=False, compare=False
    )
    # idiom, concept or rule pattern -> it loosened() (spans.py): where a search of it can start, found in C
    _loosened: dict[re.Pattern[str], re.Pattern[str]] = field(init=False, repr=False, compare=False)

    _whole_word_patterns: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_whole_word_patterns", {})
        object.__setattr__(self, "_any_idiom", None)
        analysis = self.analysis or analyse(
            idiom_sources(self.idiom_patterns),
            self.concept_sources,
            (name for rule in self.rules for names in rule.steps for name in names),
        )
        idioms_by_literal: dict[str, list[int]] = {}
        for index, idiom_required in enumerate(analysis.idiom_strings):
            for literal in idiom_required or ():
                idioms_by_literal.setdefault(literal, []).append(index)
        always_idioms = tuple(i for i, strings in enumerate(analysis.idiom_strings) if strings is None)
        object.__setattr__(self, "_always_idioms", always_idioms)
        # Each concept's words' sets of required strings, and whether all of them are selective. A concept with a
        # word made only of everyday strings ("i", "im", "all") is not tracked (it would be found in most words),
        # unless a rule has no step that is.
        gating = analysis.gating
        selective = {name for name, words in gating.items() if all(sets and good for sets, good in words)}
        tracked = set(selective)
        for rule in self.rules:
            if not any(selective.issuperset(names) for names in rule.steps):
                tracked.update(
                    max(
                        rule.steps,
                        key=lambda names: min(
                            sum(good for _, good in gating[name]) / len(gating[name]) for name in names
                        ),
                    )
                )
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
        layout = Layout(set_counts, by_literal, idioms_by_literal)
        object.__setattr__(self, "_layout", layout)
        object.__setattr__(self, "_unfiltered_concepts", frozenset(unfiltered))
        spare = {name: bit for bit, name in layout.concept_at.items()}
        rule_gates = tuple(
            (rule, tuple(tuple(spare[name] for name in names) for names in rule.steps if unfiltered.isdisjoint(names)))
            for rule in self.rules
        )
        object.__setattr__(self, "_rule_gates", rule_gates)
        numbered = {name: number for number, name in enumerate(sorted(gating))}
        step_order = {
            rule.name: tuple(
                tuple((numbered[name], name, *layout.regions.get(name, (0, 0))) for name in names)
                for names in sorted(rule.steps, key=lambda names: not unfiltered.isdisjoint(names))
            )
            for rule in self.rules
        }
        object.__setattr__(self, "_step_order", step_order)
        object.__setattr__(self, "_step_concepts", numbered)
        rules_by_concept: dict[int, int] = {}
        for number, (_, gates) in enumerate(rule_gates):
            for bit in gates[0] if gates else ():
                rules_by_concept[bit] = rules_by_concept.get(bit, 0) | 1 << number
        object.__setattr__(self, "_rules_by_concept", rules_by_concept)
        object.__setattr__(self, "_ungated_rules", sum(1 << i for i, (_, gates) in enumerate(rule_gates) if not gates))
        every_literal = set(layout.literal_bits)
        gate = re.compile(f"(?=({_trie(every_literal)}))") if every_literal else re.compile("(?!)")
        object.__setattr__(self, "_gate", gate)
        object.__setattr__(self, "_word_bits", WordBits(self._bits_of_word))
        object.__setattr__(self, "_short_results", {})
        object.__setattr__(self, "_word_patterns", {})
        object.__setattr__(self, "_loosened", {})

    def normalise(self, text: str) -> str:
        """Text as the rules read it, before idioms: line breaks read as commas, then matchable_text()."""
        return matchable_text(_LINE_BREAKS.sub(" , ", text) if has_line_break(text) else text)

    def blank_idioms(self, normalised: str) -> str:
        """Replace every known idiom with the placeholder."""
        if self._any_idiom is None:
            object.__setattr__(self, "_any_idiom", _alternation(idiom_sources(self.idiom_patterns)))
        assert self._any_idiom is not None
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
            found = self.assess_text(text)
            if found.tier > worst.tier:
                worst = found
                if worst.is_crisis:
                    break
        if worst.needs_care:
            log.info(
                "%s wording detected (rule %s, category %s)", worst.tier.name.lower(), worst.matched, worst.category
            )
        return worst

    def forget_results(self) -> None:
        """Forget the remembered results of short texts (benchmarks measure the work, not the memo)."""
        self._short_results.clear()

    def assess_text(self, text: str) -> SafetyAssessment:
        """One text through both layers: the grammar, then the model if the grammar found no crisis."""
        key = hashlib.blake2b(text.encode(), digest_size=16).digest() if len(text) <= SHORT_TEXT else None
        if key is not None and (known := self._short_results.get(key)) is not None:
            return known
        # Normalised once for both layers (the model reads line breaks as sentence ends, the grammar as commas).
        normalised, for_model = both_forms(text)
        found = self.assess_normalised(normalised)
        if self.model is not None and not found.is_crisis:
            found = max(found, self.model.assess_matchable(for_model), key=lambda assessment: assessment.tier)
        if key is not None:
            if len(self._short_results) >= SHORT_RESULTS_KEPT:
                self._short_results.clear()
            self._short_results[key] = found
        return found

    def assess_normalised(self, normalised: str) -> SafetyAssessment:
        """Assess normalise()d text: each rule only in the spans holding its required strings, idioms likewise.

        Agrees with assess_everywhere(blank_idioms(normalised)). Blanking keeps every position, and never creates a
        match (no rule can match or step over an underscore), so where to search can be found before blanking.
        The spans are the clauses (between . ! ? ; : …); a clause longer than 2 * _REACH characters is read as
        overlapping spans of 2 * _REACH every _REACH characters, so any match up to _REACH long lies in one of them.
        A rule is tried in a span only when each of its steps' required strings occurs there, and then only when
        each of its steps (one concept, searched once per span for all rules) matches there.
        """
        spans = Spans(normalised)
        layout = self._layout
        # Each span's bits: the OR of its distinct words' (a span's edges fall between words).
        lookup = self._word_bits.__getitem__
        span_bits = [reduce(or_, map(lookup, set(normalised[start:end].split(" "))), 0) for start, end in spans.bounds]
        if not reduce(or_, span_bits, 0) & layout.concept_bits:
            return BENIGN
        # Each span's concept words (their first bits), and where each concept may be (spare bit -> spans, as bits).
        span_words = layout.all_words_present(span_bits)
        concept_spans: dict[int, int] = {}
        add, guards = layout.add, layout.guards  # (Layout.concepts_present, written out)
        for span, words in enumerate(span_words):
            if words:
                flag = 1 << span
                for spare in bit_positions((words + add) & guards):
                    concept_spans[spare] = concept_spans.get(spare, 0) | flag
        # Where each rule may match: every step that can be placed has a concept that may be there.
        candidates: list[tuple[Rule, int]] = []
        searched = 0
        every = (1 << len(spans.bounds)) - 1
        step_places: dict[tuple[int, ...], int] = {}
        rules_by_concept = self._rules_by_concept
        numbers = reduce(or_, map(rules_by_concept.get, concept_spans, repeat(0)), self._ungated_rules)
        rule_gates = self._rule_gates
        for number in bit_positions(numbers):
            rule, gates = rule_gates[number]
            places = every  # no step can be placed: every span of the text
            for spares in gates:
                step = step_places.get(spares)
                if step is None:
                    step = step_places[spares] = reduce(or_, map(concept_spans.get, spares, repeat(0)))
                places &= step
                if not places:
                    break
            if places:
                candidates.append((rule, places))
                searched |= places
        if not candidates:
            return BENIGN
        # Idioms are only blanked where something will be searched, from far enough back for a negation.
        idiom_spans: dict[int, int] = {}
        shift = layout.idiom_shift
        for span in bit_positions(searched):
            idioms = span_bits[span] >> shift
            if idioms:
                flag = 1 << span
                for index in bit_positions(idioms):
                    idiom_spans[index] = idiom_spans.get(index, 0) | flag
        blanked = normalised
        windows_of: dict[int, list[tuple[int, int]]] = {}  # spans (bits) -> their windows
        for index in sorted({*idiom_spans, *self._always_idioms}):
            # (an idiom with required strings is only where they are; one without them, anywhere)
            where = idiom_spans.get(index, searched)
            idiom = self.idiom_patterns[index]
            windows = windows_of.get(where)
            if windows is None:
                windows = windows_of[where] = spans.merged(bit_positions(where), _NEGATION_REACH)
            blanked = blank_in(idiom, blanked, windows, self._loose(idiom))
        occurs: dict[int, bool] = {}
        bounds = spans.bounds
        step_order = self._step_order
        for rule, places in candidates:
            steps = step_order[rule.name]
            for span in bit_positions(places):
                if not self._steps_occur(steps, blanked, bounds[span], span, span_words[span], occurs):
                    continue
                # From the rule's first possible match on: the same matches (see spans.loosened).
                start, end = bounds[span]
                first = self._loose(rule.pattern).search(blanked, start, end)
                if first is not None and self._matches(rule, blanked, first.start(), end):
                    return rule.assessment
        return BENIGN

    def _loose(self, pattern: re.Pattern[str]) -> re.Pattern[str]:
        """An idiom's, concept's or rule's pattern loosened() (remembered)."""
        loose = self._loosened.get(pattern)
        if loose is None:
            loose = self._loosened[pattern] = loosened(pattern)
        return loose

    def _steps_occur(
        self,
        steps: tuple[tuple[tuple[int, str, int, int], ...], ...],
        blanked: str,
        bounds: tuple[int, int],
        span: int,
        words: int,
        occurs: dict[int, bool],
    ) -> bool:
        """Whether every step of a rule (its _step_order) has a concept that matches somewhere in the span.

        Sound as a filter: a match of the rule there holds a match of one concept of each step, i.e. of one of its
        words, which a search over the same span finds (the same text, the same bounds for lookarounds and word
        boundaries). Only the words that may be in the span (`words`: one of each of their sets of required strings
        is, see Layout.words_present) are searched for, once a span (`occurs`, by span and concept number).
        """
        start, end = bounds
        base = span * len(self._step_concepts)
        for names in steps:
            for number, name, offset, firsts in names:
                found = occurs.get(base + number)
                if found is None:
                    if not firsts:  # unfiltered: the whole concept
                        pattern = self.concepts[name]
                        loose = self._loose(pattern)
                    else:
                        here = (words >> offset) & firsts
                        if not here:
                            continue
                        pattern, loose = self._words_pattern(name, here)
                    # The loosened pattern first (found in C); the pattern itself from where it matched.
                    first = loose.search(blanked, start, end)
                    found = occurs[base + number] = (
                        first is not None and pattern.search(blanked, first.start(), end) is not None
                    )
                if found:
                    break
            else:
                return False
        return True

    def _words_pattern(self, name: str, words: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """Some of a concept's words (bits, see Layout.regions) as one pattern, and it loosened() (remembered): the
        concept, where only they may occur."""
        key = (name, words)
        patterns = self._word_patterns.get(key)
        if patterns is None:
            sources = self.concept_sources.get(name)
            if not sources:
                return self.concepts[name], self._loose(self.concepts[name])
            numbers = self._layout.word_numbers[name]
            alternatives = "|".join(f"(?:{sources[numbers[offset]]})" for offset in bit_positions(words))
            pattern = re.compile(f"\\b(?:{alternatives})")
            patterns = (pattern, loosened(pattern))
            if len(self._word_patterns) >= _WORD_CACHE_SIZE:
                self._word_patterns.clear()
            self._word_patterns[key] = patterns
        return patterns

    def _bits_of_word(self, word: str) -> int:
        """The bits (see bot/safety/gating.py) of the required strings a word holds, for the word cache.

        Required strings never hold a space, so each distinct word is looked at once.
        """
        literal_bits = self._layout.literal_bits
        return reduce(or_, (literal_bits[literal] for _, literal in self._strings_inside(word)), 0)

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
                inside.extend(
                    (at, longest[:end])
                    for end in range(1, len(longest) + 1)
                    if longest[:end] in self._layout.literal_bits
                )
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
