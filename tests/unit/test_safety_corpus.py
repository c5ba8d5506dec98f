"""The labelled corpus (tests/safety/corpus.tsv) meets the targets: a real, failable test of the grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.safety import CONCERN_CATEGORIES, CRISIS_CATEGORIES, Tier, load_safety_rules
from bot.safety.corpus import (
    CORPUS_DIR,
    CURRENT_BLIND,
    TARGET_BENIGN_FALSE_ALARMS,
    TARGET_CONCERN_RECALL,
    TARGET_CRISIS_RECALL,
    evaluate,
    evaluate_files,
    format_evaluation,
    read_examples,
)

CORPUS = CORPUS_DIR / "corpus.tsv"


def test_corpus_meets_the_targets() -> None:
    evaluation = evaluate(read_examples(CORPUS), load_safety_rules())
    report = format_evaluation("corpus.tsv", evaluation)
    assert evaluation.tier(Tier.CRISIS).rate >= TARGET_CRISIS_RECALL, report
    assert evaluation.tier(Tier.CONCERN).rate >= TARGET_CONCERN_RECALL, report
    assert evaluation.tier(Tier.BENIGN).rate <= TARGET_BENIGN_FALSE_ALARMS, report
    assert not evaluation.failures()


def test_corpus_is_big_and_broad_enough() -> None:
    examples = read_examples(CORPUS)
    assert len(examples) >= 330
    assert len({example.text for example in examples}) == len(examples), "a phrasing is listed twice"
    for tier, categories in ((Tier.CRISIS, CRISIS_CATEGORIES), (Tier.CONCERN, CONCERN_CATEGORIES)):
        counts = {
            category: sum(1 for e in examples if e.tier is tier and e.category == category) for category in categories
        }
        assert all(count >= 22 for count in counts.values()), counts
        assert {e.category for e in examples if e.tier is tier} == categories
    assert sum(1 for example in examples if example.tier is Tier.BENIGN) >= 110
    assert sum(1 for example in examples if example.tier is not Tier.BENIGN and len(example.text) > 280) >= 15


def test_malformed_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("# fine\ncrisis\tplan\tI will do it tonight\nsevere\tplan\tx\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:3: tier must be"):
        read_examples(path)
    path.write_text("crisis plan no tabs\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:1: expected tier<TAB>category<TAB>text"):
        read_examples(path)


def test_a_miss_is_reported_with_its_text(tmp_path: Path) -> None:
    path = tmp_path / "mini.tsv"
    path.write_text(
        "crisis\tplan\tthe weather is nice\nbenign\tidiom\tI want to die\nconcern\tempty\tI feel empty\n",
        encoding="utf-8",
    )
    evaluation = evaluate(read_examples(path), load_safety_rules())
    report = format_evaluation("mini", evaluation)
    assert "the weather is nice" in report and "I want to die" in report
    assert evaluation.tier(Tier.CRISIS).rate == 0 and evaluation.tier(Tier.BENIGN).rate == 1
    assert evaluation.tier(Tier.CONCERN).rate == 1
    assert len(evaluation.failures()) == 2


def test_a_blind_files_misses_are_never_printed(tmp_path: Path) -> None:
    blind = tmp_path / "blind9.tsv"
    blind.write_text("crisis\tplan\tthe weather is nice\nbenign\tidiom\tI want to die\n", encoding="utf-8")
    open_file = tmp_path / "open.tsv"
    open_file.write_text("crisis\tplan\tthe sky is grey\n", encoding="utf-8")
    results = evaluate_files([blind, open_file], load_safety_rules())
    for name, evaluation in results.items():
        report = format_evaluation(name, evaluation)
        assert "the weather is nice" not in report and "I want to die" not in report
    assert "the sky is grey" in format_evaluation("overall", results["overall"])
    assert "2 in blind test sets, not shown" in format_evaluation("blind", results[str(blind)])
    assert results[str(blind)].tier(Tier.CRISIS).rate == 0


def test_a_former_blind_files_misses_are_shown_only_when_asked(tmp_path: Path) -> None:
    blind = tmp_path / "blind2.tsv"
    blind.write_text("crisis\tplan\tthe weather is nice\n", encoding="utf-8")
    evaluation = evaluate(read_examples(blind), load_safety_rules())
    assert "the weather is nice" not in format_evaluation("blind2", evaluation)
    assert "the weather is nice" in format_evaluation("blind2", evaluation, reveal={"blind2.tsv"})
    assert "the weather is nice" not in format_evaluation("blind2", evaluation, reveal={CURRENT_BLIND})
