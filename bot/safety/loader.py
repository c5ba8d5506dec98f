"""Reading data/safety.toml: validate and compile idioms, concepts and rules into SafetyRules."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.safety.analysis import GrammarAnalysis, analyse
from bot.safety.assess import SafetyRules
from bot.safety.grammar import (
    _NAME,
    REQUIRED_CONCEPTS,
    Rule,
    _cheapest_first,
    _check_source,
    _compile,
    _rule_strings,
    compile_match,
)
from bot.safety.index import DEFAULT_INDEX_PATH, grammar_digest, read_index
from bot.safety.lazy import LazyPatternList, LazyPatterns
from bot.safety.normalise import SEP
from bot.safety.required import required_strings
from bot.safety.tiers import CONCERN_CATEGORIES, CRISIS_CATEGORIES, Tier

if TYPE_CHECKING:
    from bot.safety.model import SafetyModel

log = logging.getLogger("bot.safety")

DEFAULT_SAFETY_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "safety.toml"
_KEYS = ("idioms", "concepts", "rules")
_RULE_KEYS = frozenset({"name", "tier", "category", "match", "negatable"})


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


def _idiom_regexes(path: Path, data: dict[str, Any]) -> list[str]:
    """Every idiom as the regular expression it is searched with, checked."""
    regexes: list[str] = []
    seen: dict[str, str] = {}
    for group, raw in _table(path, data, "idioms").items():
        where = f"{path}: idioms.{group}"
        for index, source in enumerate(_pattern_list(where, raw)):
            if source in seen:
                raise ValueError(f"{where}[{index}] {source!r} is already listed in idioms.{seen[source]}")
            seen[source] = group
            regexes.append(rf"\b(?:{source})")
    return regexes


def _concept_sources(path: Path, data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Each concept's words and phrases as written, checked."""
    concepts: dict[str, tuple[str, ...]] = {}
    for name, raw in _table(path, data, "concepts").items():
        where = f"{path}: concepts.{name}"
        if not _NAME.fullmatch(name) or name == "any":
            raise ValueError(f"{where}: a concept name is lowercase letters, digits and _, and not 'any'")
        concepts[name] = tuple(_pattern_list(where, raw))
    missing = [name for name in REQUIRED_CONCEPTS if name not in concepts]
    if missing:
        raise ValueError(f"{path}: [concepts] is missing {', '.join(missing)}, which the engine needs")
    return concepts


def _concept_regex(sources: tuple[str, ...]) -> str:
    # Every word or phrase starts a word: "end" is not in "weekend", "ill" not in "will".
    return "\\b(?:" + "|".join(f"(?:{source})" for source in sources) + ")"


def _load_rules(path: Path, data: dict[str, Any], concepts: Mapping[str, str]) -> tuple[Rule, ...]:
    raw = data.get("rules")
    if raw is None:
        raise ValueError(f"{path}: missing required [[rules]]")
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: [[rules]] must be a non-empty array of tables")
    rules: list[Rule] = []
    names: set[str] = set()
    literals = {name: required_strings(regex) for name, regex in concepts.items()}
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
        rules.append(
            Rule(
                name,
                tier,
                category,
                entry["match"],
                pattern,
                steps[-1],
                negatable,
                sets[0] if sets else None,
                tuple(sets[1:]),
                _cheapest_first(steps),
            )
        )
    # Crisis rules first, each tier in file order: the first rule that matches names the category.
    return tuple(sorted(rules, key=lambda rule: -rule.tier))


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; expected only {', '.join(_KEYS)}")
    return raw, data


def _checked(path: Path, data: dict[str, Any]) -> tuple[tuple[Rule, ...], GrammarAnalysis]:
    """Check every idiom, concept and rule (naming any problem), and work out the fast path's required strings."""
    concepts = _concept_sources(path, data)
    rules = _load_rules(path, data, {name: _concept_regex(sources) for name, sources in concepts.items()})
    used = (name for rule in rules for names in rule.steps for name in names)
    return rules, analyse(_idiom_regexes(path, data), concepts, used)


def analyse_grammar(path: Path = DEFAULT_SAFETY_PATH) -> tuple[tuple[Rule, ...], GrammarAnalysis]:
    """Read and check a grammar file in full; its rules and analysis (what data/safety.index.json keeps)."""
    return _checked(path, _read(path)[1])


def load_safety_rules(
    path: Path = DEFAULT_SAFETY_PATH, *, model: SafetyModel | None = None, index: Path = DEFAULT_INDEX_PATH
) -> SafetyRules:
    """Read, validate and compile the safety grammar; ValueError says what is wrong with a bad file, and where.

    When `index` was made from this very file (bot/safety/index.py), its checks and analysis are not repeated, and
    every regular expression is compiled when first used. With a model (bot.safety.model.default_safety_model()),
    assess() asks it as a second layer after the grammar.
    """
    raw, data = _read(path)
    kept = read_index(grammar_digest(raw), index)
    rules, analysis = kept if kept is not None else _checked(path, data)
    concept_sources = {name: tuple(words) for name, words in data["concepts"].items()}
    concepts = {name: _concept_regex(sources) for name, sources in concept_sources.items()}
    idioms = [rf"\b(?:{source})" for group in data["idioms"].values() for source in group]
    safety = SafetyRules(
        idiom_patterns=LazyPatternList(idioms),
        concepts=LazyPatterns(concepts),
        concept_sources=concept_sources,
        rules=rules,
        negation_tail=re.compile(
            rf"\b(?:{concepts['negation']})\b(?:{SEP}+(?:{concepts['negation_bridge']})){{0,3}}{SEP}*$"
        ),
        model=model,
        analysis=analysis,
    )
    log.debug(
        "loaded %d concepts, %d rules and %d idioms from %s (%s)",
        len(concepts),
        len(rules),
        len(idioms),
        path,
        "index" if kept is not None else "checked in full",
    )
    return safety


@cache
def default_safety_rules() -> SafetyRules:
    """The rules from data/safety.toml with the trained second layer (data/safety_model.json), loaded once."""
    from bot.safety.model import default_safety_model  # imports bot.safety: only once it exists

    return load_safety_rules(DEFAULT_SAFETY_PATH, model=default_safety_model())
