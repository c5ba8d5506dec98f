"""Required strings of regular expressions (a prefilter, like RE2's), and the trie and alternation helpers the
fast path is built from."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from typing import Any


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
    found = list(
        dict.fromkeys(
            strings for strings in _required_sets(list(_parser.parse(source))) if _best([strings]) is not None
        )
    )
    # A set holding a word found in most sentences ("the", "my", "not") narrows nothing down, and costs a look-up
    # per occurrence: left out, unless there is nothing else.
    sets = sorted(
        (strings for strings in found if not any(string.lstrip(_WORD_START) in _STOPWORDS for string in strings)),
        key=_score,
        reverse=True,
    )
    sets = sets[:_MAX_SETS]
    if not sets:
        best = _best(found)
        return ([best] if best is not None else []), False
    selective = any(
        min(len(string.lstrip(_WORD_START)) for string in strings) >= 3
        and not any(string.lstrip(_WORD_START) in _COMMON for string in strings)
        for strings in sets
    )
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
    usable = [
        candidate
        for candidate in candidates
        if candidate
        and not any(not string.lstrip(_WORD_START) or any(char.isspace() for char in string) for string in candidate)
    ]
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


def _alternation(sources: Iterable[str]) -> re.Pattern[str]:
    """One pattern that matches wherever any of the regular expressions would (never, when there are none)."""
    body = "|".join(f"(?:{source})" for source in sources)
    return re.compile(body or r"(?!)")
