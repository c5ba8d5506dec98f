"""data/safety.index.json: current, equivalent to checking the grammar in full, and ignored when stale."""

from __future__ import annotations

import json
from pathlib import Path

from bot.safety import DEFAULT_SAFETY_PATH, load_safety_rules
from bot.safety.corpus import corpus_files, read_examples
from bot.safety.index import DEFAULT_INDEX_PATH, grammar_digest, index_data
from bot.safety.loader import analyse_grammar

MISSING = Path("/nonexistent/safety.index.json")


def test_the_committed_index_is_current() -> None:
    kept = json.loads(DEFAULT_INDEX_PATH.read_text(encoding="utf-8"))
    fresh = index_data(grammar_digest(DEFAULT_SAFETY_PATH.read_bytes()), *analyse_grammar())
    assert kept == json.loads(json.dumps(fresh)), "data/safety.index.json is stale: run scripts/safety_index.py"


def test_rules_from_the_index_assess_like_rules_checked_in_full() -> None:
    indexed = load_safety_rules()
    checked = load_safety_rules(index=MISSING)
    assert [rule.name for rule in indexed.rules] == [rule.name for rule in checked.rules]
    texts = [example.text for path in corpus_files() for example in read_examples(path)]
    assert len(texts) > 1000
    assert [indexed.assess(text) for text in texts] == [checked.assess(text) for text in texts]


def test_a_start_from_the_index_compiles_rules_only_when_searched() -> None:
    rules = load_safety_rules()
    assert not any("pattern" in vars(rule) for rule in rules.rules)
    assert rules.assess("i have been saving my pills").is_crisis
    compiled = sum("pattern" in vars(rule) for rule in rules.rules)
    assert 0 < compiled < len(rules.rules) / 4


def test_an_index_made_from_another_file_is_ignored(tmp_path: Path) -> None:
    grammar = tmp_path / "safety.toml"
    grammar.write_bytes(DEFAULT_SAFETY_PATH.read_bytes() + b"\n# an edit\n")
    stale = tmp_path / "safety.index.json"
    stale.write_text(DEFAULT_INDEX_PATH.read_text(encoding="utf-8").replace('"want', '"wxnt'), encoding="utf-8")
    rules = load_safety_rules(grammar, index=stale)
    assert rules.assess("I want to die").is_crisis
    assert [rule.regex for rule in rules.rules] == [rule.regex for rule in load_safety_rules(index=MISSING).rules]


def test_a_broken_index_is_ignored(tmp_path: Path) -> None:
    broken = tmp_path / "safety.index.json"
    broken.write_text("{not json", encoding="utf-8")
    assert load_safety_rules(index=broken).assess("i wrote my goodbye letters").is_crisis
