"""The compiled safety grammar (SafetyRules) and how it assesses text: clauses, required strings, concepts, rules,
negation scope. See bot/safety/__init__.py for the design."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.safety.analysis import GrammarAnalysis, analyse
from bot.safety.grammar import Rule
from bot.safety.lazy import idiom_sources
from bot.safety.normalise import (
    _HARD_BREAK,
    _LINE_BREAKS,
    _NEGATION_REACH,
    _SCOPE_BREAK,
    _WORD_CACHE_SIZE,
    _placeholder,
    matchable_text,
)
from bot.safety.required import _WORD_START, _alternation, _trie
from bot.safety.spans import Spans, blank_in
from bot.safety.tiers import BENIGN, SafetyAssessment

if TYPE_CHECKING:
    from bot.safety.model import SafetyModel

log = logging.getLogger("bot.safety")

# The categories a report of someone else can carry ("my brother wants to die", "she has been cutting"). Not a
# passive wish, a means, a plan or a preparation: "they'd be fine with the payout", "my dad's gun is in the
# closet", "my parents are away on saturday" and "my sister will have the dog if anything happens" are the
# member's own risk, said with someone else as the subject.
_TOLD_OF_OTHERS = frozenset(
    {"active_wish", "suicidal_thoughts", "intent", "past_attempt", "self_harm"}
    | {"hopelessness", "burden", "trapped", "empty", "no_future"}
)
# How far back a match's clause is read for who it is about.
_ABOUT_REACH = 200
# Texts up to this long have their result remembered (by a hash), at most this many at a time.
SHORT_TEXT = 200
SHORT_RESULTS_KEPT = 20_000

# What the word cache holds for a word with no required string.
_NO_KEYS: tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]] = ((), ())


@dataclass(frozen=True)
class SafetyRules:
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
    # The fast path. One scan of each distinct word for required strings (a trie), remembered per word. Every
    # word or phrase of a concept has sets of required strings (all of them found in any match); where one of each
    # set occurs in a span (a clause, see spans.py), that word may occur there, and so may its concept. A rule is
    # only tried in a span where every step's concept may occur, and only once each step's concept has been
    # found there by a search of the concept alone (once per span, shared by all rules).
    _gate: re.Pattern[str] = field(init=False, repr=False, compare=False)
    # required string -> (concept, word number, set number) it belongs to; concept -> word count
    _alternatives_by_literal: dict[str, tuple[tuple[str, int, int], ...]] = field(init=False, repr=False, compare=False)
    _set_counts: dict[tuple[str, int], int] = field(init=False, repr=False, compare=False)
    # Concepts with a word that has no required string: it may occur anywhere.
    _unfiltered_concepts: frozenset[str] = field(init=False, repr=False, compare=False)
    _idioms_by_literal: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _always_idioms: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # word -> the (offset, required string) pairs inside it; words repeat a lot, so most look-ups are hits.
    _word_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]] = field(
        init=False, repr=False, compare=False
    )
    # Short texts (company and role names, form answers) repeat across members, and /rejected reads two of them
    # before its first answer: their results are remembered by a hash of the text, never the text itself.
    _short_results: dict[bytes, SafetyAssessment] = field(init=False, repr=False, compare=False)
    # concept -> the rules whose first placeable step it is one of; the rules with no such step.
    _rules_by_concept: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _ungated_rules: frozenset[int] = field(init=False, repr=False, compare=False)
    # Each rule with the steps that can be placed (no concept of them is unfiltered).
    _rule_gates: tuple[tuple[Rule, tuple[tuple[str, ...], ...]], ...] = field(init=False, repr=False, compare=False)
    # (concept, numbers of some of its words) -> those words as one pattern
    _word_patterns: dict[tuple[str, tuple[int, ...]], re.Pattern[str]] = field(init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_idioms_by_literal", {key: tuple(value) for key, value in idioms_by_literal.items()})
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
        object.__setattr__(self, "_alternatives_by_literal", {key: tuple(value) for key, value in by_literal.items()})
        object.__setattr__(self, "_set_counts", set_counts)
        object.__setattr__(self, "_unfiltered_concepts", frozenset(unfiltered))
        rule_gates = tuple(
            (rule, tuple(names for names in rule.steps if unfiltered.isdisjoint(names))) for rule in self.rules
        )
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
        object.__setattr__(self, "_short_results", {})
        object.__setattr__(self, "_word_patterns", {})

    def normalise(self, text: str) -> str:
        """Text as the rules read it, before idioms: line breaks read as commas, then matchable_text()."""
        return matchable_text(_LINE_BREAKS.sub(" , ", text))

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
        found = self.assess_normalised(self.normalise(text))
        if self.model is not None and not found.is_crisis:
            found = max(found, self.model.assess(text), key=lambda assessment: assessment.tier)
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
                blanked = blank_in(self.idiom_patterns[index], blanked, spans.merged(where, _NEGATION_REACH))
        occurs: dict[tuple[str, int], bool] = {}
        bounds = spans.bounds
        for rule, ordered in candidates:
            for span in ordered:
                if self._steps_occur(rule, blanked, bounds[span], span, words_at, occurs) and self._matches(
                    rule, blanked, *bounds[span]
                ):
                    return rule.assessment
        return BENIGN

    def _steps_occur(
        self,
        rule: Rule,
        blanked: str,
        bounds: tuple[int, int],
        span: int,
        words_at: Mapping[tuple[str, int], list[int]],
        occurs: dict[tuple[str, int], bool],
    ) -> bool:
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
        keys = (
            tuple(sorted({key for literal in inside for key in alternatives.get(literal, ())})),
            tuple(sorted({index for literal in inside for index in idioms.get(literal, ())})),
        )
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
                inside.extend(
                    (at, longest[:end])
                    for end in range(1, len(longest) + 1)
                    if longest[:end] in self._alternatives_by_literal or longest[:end] in self._idioms_by_literal
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

    def _matches(self, rule: Rule, prepared: str, start: int, end: int) -> bool:
        """Whether the rule has a match between start and end that no negation governs and that is about the
        member, not only about someone else."""
        return any(
            not (rule.negatable and self.negated(prepared, match.start()))
            and not self.about_someone_else(prepared, match.start(), match.end(), rule.category in _TOLD_OF_OTHERS)
            for match in rule.pattern.finditer(prepared, start, end)
        )

    def about_someone_else(self, prepared: str, start: int, end: int, person: bool = True) -> bool:
        """Whether the match is told of someone else: its clause opens with another person (`person`: only for the
        categories in _TOLD_OF_OTHERS) or with a story, a show or the news (any category: a character's goodbye
        letters are never the member's), and neither that nor the match says I, me or myself.

        Only clear third-person reports are set aside; "my mum said I'd be better off dead" still counts, and so
        does anything where the member is in the words at all.
        """
        if "first_person" not in self.concept_sources:
            return False
        clause_start = max(0, start - _ABOUT_REACH)
        for hard_break in _HARD_BREAK.finditer(prepared, clause_start, start):
            clause_start = hard_break.end()
        before = prepared[clause_start:start]
        if self._quoted_from_someone_else(before):
            return True
        opening = len(before) - len(before.lstrip(" ,"))
        if not self._opens_with("told_in_a_story", before, opening):
            opener = self._opens_with("someone_else", before, opening)
            if opener is None:
                return False
            # Means, plans and preparations said with someone else as the subject are often the member's own ("my
            # dad's gun is in the closet"): theirs only when he or she is the one doing it.
            if not person and self._opens_with("he_or_she", before, opening) is None:
                he_or_she = self.concepts.get("he_or_she")
                if he_or_she is None or he_or_she.search(before, opener.end()) is None:
                    return False
        if "reported_to_me" in self.concept_sources:  # "she told me she wants to die", "a book I'm reading": I listen
            before = self.concepts["reported_to_me"].sub(" ", before)
        first_person = self._whole_words("first_person")  # "me", never the start of "memoir"
        return first_person.search(before) is None and first_person.search(prepared, start, end) is None

    def _opens_with(self, name: str, before: str, opening: int) -> re.Match[str] | None:
        """The named concept's match at the opening of a clause, if the grammar has that concept."""
        pattern = self.concepts.get(name)
        return None if pattern is None else pattern.match(before, opening)

    def _quoted_from_someone_else(self, before: str) -> bool:
        """Whether the text before a match opens a quotation after someone else's words of saying ("my student said
        "i'll just..."): the I inside is theirs. The member quoting themselves ("I said "...") is not."""
        if before.count('"') % 2 == 0 or "speech_verb" not in self.concepts:
            return False
        head = before[: before.rfind('"')]
        opening = len(head) - len(head.lstrip(" ,"))
        if self._opens_with("someone_else", head, opening) is None and not self._opens_with(
            "told_in_a_story", head, opening
        ):
            return False
        if self.concepts["speech_verb"].search(head) is None:
            return False
        if "reported_to_me" in self.concept_sources:
            head = self.concepts["reported_to_me"].sub(" ", head)
        return self._whole_words("first_person").search(head) is None

    def _whole_words(self, name: str) -> re.Pattern[str]:
        """A concept matched only as whole words (concepts only promise to start a word)."""
        pattern = self._whole_word_patterns.get(name)
        if pattern is None:
            pattern = self._whole_word_patterns[name] = re.compile(rf"(?:{self.concepts[name].pattern})\b")
        return pattern

    def negated(self, prepared: str, position: int) -> bool:
        """Whether a negation governs the words starting at `position` ("I'm not | suicidal")."""
        before = prepared[max(0, position - _NEGATION_REACH) : position]
        scope_start = 0
        for scope_start_match in _SCOPE_BREAK.finditer(before):
            scope_start = scope_start_match.end()
        return self.negation_tail.search(before, scope_start) is not None
