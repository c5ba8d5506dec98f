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
"""

from __future__ import annotations

import bisect
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


def normalise_text(text: str) -> str:
    """Fold text for matching: straight quotes, NFKC, casefolded, no zero-width characters, single spaces."""
    # Quotes first: NFKC would turn an acute accent (´) into a space and a combining mark.
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).casefold()
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
    # The fast path: one scan for every rule's required strings (a trie, so each character is looked at about
    # once), then each rule only in the clauses where one of its strings occurs.
    _gate: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _rules_by_literal: dict[str, tuple[tuple[int, int], ...]] = field(init=False, repr=False, compare=False)
    _idioms_by_literal: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _always_idioms: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _always: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # word -> the (offset, required string) pairs inside it; words repeat a lot, so most look-ups are hits.
    _word_cache: dict[str, tuple[tuple[int, str], ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any_idiom", _alternation(self.idiom_patterns))
        by_literal: dict[str, list[tuple[int, int]]] = {}
        for index, rule in enumerate(self.rules):
            sets: tuple[frozenset[str], ...] = (rule.literals, *rule.also) if rule.literals else ()
            for number, rule_strings in enumerate(sets):
                for literal in rule_strings:
                    by_literal.setdefault(literal, []).append((index, number))
        idiom_strings: list[frozenset[str] | None] = []
        for idiom in self.idiom_patterns:
            required = required_strings(idiom.pattern)
            idiom_strings.append(None if required is None else _best([required]))
        idioms_by_literal: dict[str, list[int]] = {}
        for index, idiom_required in enumerate(idiom_strings):
            for literal in idiom_required or ():
                idioms_by_literal.setdefault(literal, []).append(index)
        object.__setattr__(self, "_rules_by_literal", {key: tuple(value) for key, value in by_literal.items()})
        object.__setattr__(self, "_idioms_by_literal",
                           {key: tuple(value) for key, value in idioms_by_literal.items()})
        object.__setattr__(self, "_always", tuple(i for i, rule in enumerate(self.rules) if rule.literals is None))
        always_idioms = tuple(i for i, strings in enumerate(idiom_strings) if strings is None)
        object.__setattr__(self, "_always_idioms", always_idioms)
        every_literal = set(by_literal) | set(idioms_by_literal)
        gate = re.compile(f"(?=({_trie(every_literal)}))") if every_literal else re.compile("(?!)")
        object.__setattr__(self, "_gate", gate)
        object.__setattr__(self, "_word_cache", {})

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
        """Assess normalise()d text: each rule only in clauses holding its required strings, idioms likewise.

        Agrees with assess_everywhere(blank_idioms(normalised)). Blanking keeps every position, and never creates a
        match (no rule can match or step over an underscore), so where to search can be found before blanking.
        """
        rule_hits, idiom_hits = self._hits(normalised)
        if not rule_hits and not self._always:
            return BENIGN
        breaks = [match.start() for match in _HARD_BREAK.finditer(normalised)]
        blanked = normalised
        for index in sorted({*idiom_hits, *self._always_idioms}):
            windows = (_windows(normalised, breaks, sorted(idiom_hits[index])) if index in idiom_hits
                       else [(0, len(normalised))])
            blanked = _blank(self.idiom_patterns[index], blanked, windows)
        for index, rule in enumerate(self.rules):
            if rule.literals is None:
                windows = [(0, len(normalised))]
            elif (index, 0) in rule_hits:
                windows = _windows(normalised, breaks, sorted(rule_hits[index, 0]))
                for number in range(1, len(rule.also) + 1):
                    positions = sorted(rule_hits.get((index, number), ()))
                    windows = [(start, end) for start, end in windows if _any_within(positions, start, end)]
            else:
                continue
            if any(self._matches(rule, blanked, start, end) for start, end in windows):
                return rule.assessment
        return BENIGN

    def _hits(self, normalised: str) -> tuple[dict[tuple[int, int], list[int]], dict[int, list[int]]]:
        """(rule, set of required strings) -> positions of those strings; idiom -> positions of its strings.

        Required strings never hold a space, so each distinct word is looked at once (and remembered), and only
        words holding one are then found in the text.
        """
        words = normalised.split(" ")
        found: dict[str, tuple[tuple[int, str], ...]] = {}
        for word in set(words):
            inside = self._word_cache.get(word)
            if inside is None:
                inside = self._strings_inside(word)
                if len(self._word_cache) >= _WORD_CACHE_SIZE:
                    self._word_cache.clear()
                self._word_cache[word] = inside
            if inside:
                found[word] = inside
        hits: dict[tuple[int, int], list[int]] = {}
        idioms: dict[int, list[int]] = {}
        if not found:
            return hits, idioms
        position = 0
        for word in words:
            inside = found.get(word)
            if inside is not None:
                for offset, literal in inside:
                    for key in self._rules_by_literal.get(literal, ()):
                        hits.setdefault(key, []).append(position + offset)
                    for index in self._idioms_by_literal.get(literal, ()):
                        idioms.setdefault(index, []).append(position + offset)
            position += len(word) + 1
        return hits, idioms

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
                              if longest[:end] in self._rules_by_literal or longest[:end] in self._idioms_by_literal)
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


def _windows(text: str, breaks: list[int], positions: Iterable[int]) -> list[tuple[int, int]]:
    """The clauses (between . ! ? ; : …) holding the positions, at most _REACH characters either side, merged.

    Window edges fall on a clause break or a space, so no word is cut in two.
    """
    windows: list[tuple[int, int]] = []
    for position in positions:
        index = bisect.bisect_right(breaks, position)
        start = breaks[index - 1] + 1 if index else 0
        end = breaks[index] if index < len(breaks) else len(text)
        if position - start > _REACH:
            start = max(text.rfind(" ", 0, position - _REACH), start)
        if end - position > _REACH:
            space = text.find(" ", position + _REACH)
            end = min(space, end) if space >= 0 else end
        if windows and windows[-1][1] >= start:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


def _any_within(positions: list[int], start: int, end: int) -> bool:
    """Whether any of the sorted positions lies in [start, end)."""
    index = bisect.bisect_left(positions, start)
    return index < len(positions) and positions[index] < end


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
    return _best(candidates)


def _best(candidates: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective candidate: long strings, few everyday words, whole-word starts."""
    usable = [candidate for candidate in candidates
              if candidate and not any(not string.lstrip(_WORD_START) or any(char.isspace() for char in string)
                                       for string in candidate)]
    if not usable:
        return None

    def score(strings: frozenset[str]) -> tuple[bool, int, int, int]:
        shortest = min(len(string.lstrip(_WORD_START)) + string.startswith(_WORD_START) for string in strings)
        common = sum(string.lstrip(_WORD_START) in _COMMON for string in strings)
        return shortest >= 3, -common, shortest, -len(strings)

    return max(usable, key=score)


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
        concepts[name] = re.compile("|".join(f"\\b(?:{source})" for source in sources))
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
                          sets[0] if sets else None, tuple(sets[1:])))
    # Crisis rules first, each tier in file order: the first rule that matches names the category.
    return tuple(sorted(rules, key=lambda rule: -rule.tier))


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
