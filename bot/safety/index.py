"""data/safety.index.json: what loading data/safety.toml works out (each rule's regular expression and steps, the
required strings of every idiom and concept word), kept so a start reads it instead of deriving it again.

It is keyed by a digest of the grammar file and of the engine code that derives it, so it is only used when it was
made from exactly these: an edited grammar without a fresh index still loads, checked in full, just more slowly.
Rebuild it with `.venv/bin/python scripts/safety_index.py`; tests/unit/test_safety_index.py fails while it is stale.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.safety.analysis import GrammarAnalysis
from bot.safety.grammar import Rule
from bot.safety.tiers import Tier

log = logging.getLogger("bot.safety")

DEFAULT_INDEX_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "safety.index.json"
_SAFETY_CODE = Path(__file__).resolve().parent
# The code whose output the index holds: a change to any of these makes every index stale.
_ENGINE_FILES = ("analysis.py", "grammar.py", "index.py", "loader.py", "normalise.py", "required.py")


def grammar_digest(grammar: bytes) -> str:
    """A digest of the grammar file's bytes and of the engine code that reads it."""
    digest = hashlib.sha256(grammar)
    for name in _ENGINE_FILES:
        digest.update(b"\0" + name.encode() + b"\0" + (_SAFETY_CODE / name).read_bytes())
    return digest.hexdigest()


def _strings(strings: frozenset[str] | None) -> list[str] | None:
    return None if strings is None else sorted(strings)


def _frozen(strings: list[str] | None) -> frozenset[str] | None:
    return None if strings is None else frozenset(strings)


def index_data(digest: str, rules: Sequence[Rule], analysis: GrammarAnalysis) -> dict[str, Any]:
    """The index as JSON-ready data."""
    return {
        "digest": digest,
        "rules": [
            {
                "name": rule.name,
                "tier": rule.tier.name.lower(),
                "category": rule.category,
                "source": rule.source,
                "regex": rule.regex,
                "anchors": list(rule.anchors),
                "negatable": rule.negatable,
                "literals": _strings(rule.literals),
                "also": [sorted(strings) for strings in rule.also],
                "steps": [list(names) for names in rule.steps],
            }
            for rule in rules
        ],
        "idiom_strings": [_strings(strings) for strings in analysis.idiom_strings],
        "gating": {
            name: [[[sorted(strings) for strings in sets], good] for sets, good in words]
            for name, words in analysis.gating.items()
        },
    }


def read_index(digest: str, path: Path = DEFAULT_INDEX_PATH) -> tuple[tuple[Rule, ...], GrammarAnalysis] | None:
    """The rules and analysis kept for this digest, or None when there is no index or it was made from other files."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("digest") != digest:
        log.info("%s is missing or stale: the safety grammar is checked and analysed in full", path.name)
        return None
    rules = tuple(
        Rule(
            entry["name"],
            Tier.CRISIS if entry["tier"] == "crisis" else Tier.CONCERN,
            entry["category"],
            entry["source"],
            entry["regex"],
            tuple(entry["anchors"]),
            entry["negatable"],
            _frozen(entry["literals"]),
            tuple(frozenset(strings) for strings in entry["also"]),
            tuple(tuple(names) for names in entry["steps"]),
        )
        for entry in data["rules"]
    )
    analysis = GrammarAnalysis(
        tuple(_frozen(strings) for strings in data["idiom_strings"]),
        {
            name: [([frozenset(strings) for strings in sets], bool(good)) for sets, good in words]
            for name, words in data["gating"].items()
        },
    )
    return rules, analysis


def write_index(data: dict[str, Any], path: Path = DEFAULT_INDEX_PATH) -> None:
    """Write the index (sorted keys, one line per rule's field set, so a review diff stays readable)."""
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True) + "\n", encoding="utf-8")


def main() -> None:
    """Rebuild data/safety.index.json from data/safety.toml (checked in full first)."""
    from bot.safety.loader import DEFAULT_SAFETY_PATH, analyse_grammar

    raw = DEFAULT_SAFETY_PATH.read_bytes()
    rules, analysis = analyse_grammar(DEFAULT_SAFETY_PATH)
    write_index(index_data(grammar_digest(raw), rules, analysis))
    print(f"wrote {DEFAULT_INDEX_PATH} ({len(rules)} rules)")
