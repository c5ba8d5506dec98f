"""The trained second layer of the safety assessment (bot/safety/model.py, data/safety_model.json) and its training
script. Figures are not asserted here beyond a few clear phrasings: scripts/train_safety_model.py prints them."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.safety import BENIGN, Tier, default_safety_rules, load_safety_rules
from bot.safety.corpus import CURRENT_BLIND
from bot.safety.model import (
    DEFAULT_MODEL_PATH,
    FORMAT,
    MATCHED,
    MAX_WINDOW,
    SafetyModel,
    default_safety_model,
    load_safety_model,
    tokenise,
    window_features,
    windows,
)

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR = load_safety_rules()
BOTH = default_safety_rules()

# Written for this test (in no training file): clear risk wording the grammar has no rule for. Picked from a dozen
# such sentences, most of which the grammar already caught; the model raised the ones the grammar missed.
RAISED = [
    "sometimes I lie awake wishing I could just fade out",
    "i keep wishing i could just stop",
    "i wish i could just fade out of everything",
]
# Written for this test: job-hunting figures of speech and plain talk that must stay benign.
STAYS_BENIGN = [
    "this recruiter is killing me with the radio silence",
    "I'm dying to know whether I made the shortlist",
    "my laptop died halfway through the coding test",
    "that final round absolutely destroyed me lol",
    "I'm going to ace the next one",
    "sent off three applications and went for a walk",
    "the hiring manager said she'd be in touch next week",
    "not suicidal or anything, just fed up with ghosting",
]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_safety_model", ROOT / "scripts" / "train_safety_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _slow_logits(model: SafetyModel, text: str) -> tuple[float, float]:
    """The definition: every window's features summed one by one, as training counts them."""
    tokens = tokenise(text)
    best = [-math.inf, -math.inf]
    for span in windows(tokens):
        found = window_features(tokens, span, model.spec)
        for number, head in enumerate((model.crisis, model.care)):
            total = sum(sign * head.weights[index] for index, sign in found)
            best[number] = max(best[number], head.bias + head.scale * total / math.sqrt(len(found)))
    return best[0], best[1]


def test_the_shipped_weights_load_check_and_stay_small() -> None:
    data = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT
    model = default_safety_model()
    assert model is default_safety_model()
    assert len(model.crisis.weights) == len(model.care.weights) == model.spec.buckets
    assert 0 < model.crisis.threshold < 1 and 0 < model.care.threshold < 1
    assert DEFAULT_MODEL_PATH.stat().st_size < 400_000
    assert CURRENT_BLIND not in data["trained_on"]


def test_the_loading_code_hashes_features_as_training_did() -> None:
    # The probes were scored by the training script after writing the file: the same hashing gives the same logits.
    probes = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))["probes"]
    assert len(probes) >= 3
    model = load_safety_model()
    for text, crisis, care in probes:
        assert model.logits(text) == pytest.approx((crisis, care), abs=1e-9), text


def test_a_tampered_or_foreign_file_is_refused(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    data["heads"]["crisis"]["bias"] += 1.0
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_safety_model(path)
    path.write_text(json.dumps({"format": "something else"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a bounceback-safety-model"):
        load_safety_model(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_safety_model(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "text",
    [
        "I want to die",
        "the recruiter never called back",
        "I can't, I won't, I'm...",
        "",
        " ".join(
            ["The recruiter said they would call on Friday."] * 40
            + ["i want to disappear for good."]
            + ["I updated my CV again this morning."] * 30
        ),
        " ".join(["no punctuation at all just words going on and on"] * 60),
    ],
)
def test_the_fast_path_agrees_with_the_definition_and_is_deterministic(text: str) -> None:
    fresh = load_safety_model()
    first = fresh.logits(text)
    assert fresh.logits(text) == first  # from the word cache this time
    assert default_safety_model().logits(text) == first
    expected = _slow_logits(fresh, text)
    if math.isinf(expected[0]):
        assert first == expected
    else:
        assert first == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_windows_cover_every_word_and_stay_short() -> None:
    text = "short one. " + " ".join(f"w{n}" for n in range(100)) + ". another short sentence here"
    tokens = tokenise(text)
    spans = windows(tokens)
    covered = {position for start, end in spans for position in range(start, end)}
    assert covered == set(range(len(tokens.words)))
    assert all(0 < end - start <= MAX_WINDOW for start, end in spans)
    assert windows(tokenise("a few words")) == [(0, 3)]
    assert windows(tokenise("  ...  ")) == []


@pytest.mark.parametrize("text", RAISED)
def test_the_model_raises_risk_wording_the_grammar_misses(text: str) -> None:
    assert GRAMMAR.assess(text) == BENIGN, "the grammar catches this now: pick another example"
    result = BOTH.assess(text)
    assert result.tier is not Tier.BENIGN and result.matched == MATCHED


def test_a_signal_in_the_middle_of_a_long_vent_is_still_raised() -> None:
    filler = [
        "The recruiter said they would call me by Friday.",
        "I updated my CV again this morning.",
        "The panel was friendly enough.",
        "My commute to the office is about forty minutes.",
    ] * 15
    vent = " ".join([*filler[:30], RAISED[0] + ".", *filler[30:]])
    assert len(vent) > 2000
    assert BOTH.assess(vent).needs_care
    assert BOTH.assess(" ".join(filler)) == BENIGN


@pytest.mark.parametrize("text", STAYS_BENIGN)
def test_benign_idioms_and_job_talk_stay_benign(text: str) -> None:
    assert BOTH.assess(text) == BENIGN


def test_the_grammar_keeps_its_own_findings() -> None:
    result = BOTH.assess("I want to kill myself")
    assert result.is_crisis and result.matched != MATCHED and result.category is not None
    assert BOTH.assess(None, "", "  ") == BENIGN


def test_the_training_script_runs_on_a_tiny_subset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        *(
            f"crisis\tactive_wish\t{text}"
            for text in (
                "I want to die",
                "i want to kill myself",
                "I want to end my life",
                "i wanna be dead",
                "I want to not exist",
                "I keep wanting to die",
                "kill myself tonight",
                "i want to stop living",
            )
        ),
        *(
            f"concern\thopelessness\t{text}"
            for text in (
                "nothing will ever get better",
                "I feel hopeless",
                "what's the point anymore",
                "I give up on everything",
                "I'm a burden to everyone",
                "I feel empty inside",
            )
        ),
        *(
            f"benign\tidiom\t{text}"
            for text in (
                "this interview killed me",
                "I'm dying to hear back",
                "I could kill for a coffee",
                "the wait is killing me",
                "I updated my CV",
                "the panel was friendly",
                "I bombed it",
                "dead tired after three rounds",
                "the recruiter called",
                "going for a run",
            )
        ),
    ]
    data = tmp_path / "tiny.tsv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model.json"
    script = _load_script()
    assert (
        script.main(["--quick", "--folds", "2", "--iterations", "40", "--bits", "12", "--out", str(out), str(data)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "cross-validated" in printed and "benign false alarms" in printed
    model = load_safety_model(out)
    assert model.spec.bits == 12
    assert model.logits("I want to die") == load_safety_model(out).logits("I want to die")
    with pytest.raises(SystemExit, match="blind test set"):
        script.read_training([tmp_path / CURRENT_BLIND])


@pytest.mark.parametrize("text", ["honestly nothing", "n/a", "not much", "nothing went well", "idk", "I was terrible"])
def test_short_dismissive_form_answers_are_benign(text: str) -> None:
    assert default_safety_rules().assess(text) == BENIGN


def test_the_care_head_needs_a_first_person_affect_word() -> None:
    from bot.safety.model import has_affect

    assert not has_affect(["honestly", "nothing"])
    assert not has_affect(["i", "was", "terrible"])
    assert has_affect(["i", "feel", "so", "empty"])
