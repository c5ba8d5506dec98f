"""Reading data/safety.toml: validate and compile idioms, concepts and rules into SafetyRules."""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def load_safety_rules(path: Path = DEFAULT_SAFETY_PATH, *, model: SafetyModel | None = None) -> SafetyRules:
    """Read, validate and compile the safety grammar; ValueError says what is wrong with a bad file, and where.

    With a model (bot.safety.model.default_safety_model()), assess() asks it as a second layer after the grammar.
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
    log.debug(
        "loaded %d concepts, %d rules and %d idioms from %s",
        len(concepts),
        len(rules.rules),
        len(rules.idiom_patterns),
        path,
    )
    return rules


@cache
def default_safety_rules() -> SafetyRules:
    """The rules from data/safety.toml with the trained second layer (data/safety_model.json), loaded once."""
    from bot.safety.model import default_safety_model  # imports bot.safety: only once it exists

    return load_safety_rules(DEFAULT_SAFETY_PATH, model=default_safety_model())
