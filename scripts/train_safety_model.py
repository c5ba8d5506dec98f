"""Train the safety model (bot/safety/model.py) and write data/safety_model.json.

Run: .venv/bin/python scripts/train_safety_model.py [--out data/safety_model.json] [--quick] [files...]

Trains ONLY on the project's own hand-written phrasings: by default tests/safety/corpus.tsv, heldout.tsv,
training_extra.tsv, training_6.tsv and blind2.tsv to blind7.tsv (former blind sets: each became development data
once it had been measured and a newer one was written). Never the current blind set (bot.safety.corpus.CURRENT_BLIND):
that is the honest test set now, and the script refuses it.

Reproducible (fixed seed, full-batch optimisation, no threads). Steps:
1. Each text is cut into windows exactly as bot/safety/model.py reads it; a short text is one window.
2. Two L2-regularised logistic heads (crisis vs rest; crisis or concern vs benign), class-balanced, trained by
   full-batch Adam on hashed sparse features (numpy only). Every window of a long benign text is a benign
   example; a long crisis or concern vent only lends its highest-scoring window (after a first pass without
   vents) as the positive example, since the rest of a vent is usually everyday talk.
3. Stratified k-fold cross-validation picks the settings (char n-gram range, L2 strength) by mean recall at
   <= 3 % benign false alarms, then the thresholds: the pair that maximises crisis + concern recall of grammar
   and model together while the model's own benign false alarms stay <= --max-false-alarms in cross-validation.
4. The final model is trained on everything, its weights quantised to int8, and the file checked by loading it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safety import Tier, load_safety_rules
from bot.safety.corpus import CORPUS_DIR, CURRENT_BLIND, Example, read_examples
from bot.safety.model import (
    DEFAULT_MODEL_PATH,
    FORMAT,
    HEADS,
    FeatureSpec,
    encode_head,
    has_affect,
    load_safety_model,
    tokenise,
    weights_digest,
    window_features,
    windows,
)

DEFAULT_FILES = [
    CORPUS_DIR / "corpus.tsv",
    CORPUS_DIR / "heldout.tsv",
    CORPUS_DIR / "training_extra.tsv",
    CORPUS_DIR / "blind2.tsv",
    CORPUS_DIR / "blind3.tsv",
    CORPUS_DIR / "blind4.tsv",
    CORPUS_DIR / "blind5.tsv",
    CORPUS_DIR / "blind6.tsv",
    CORPUS_DIR / "blind7.tsv",
    CORPUS_DIR / "training_7.tsv",
    CORPUS_DIR / "training_8.tsv",
    CORPUS_DIR / "training_6.tsv",
]
FORBIDDEN = {CURRENT_BLIND}
SEED = 13
BITS = 17
# Sentences whose scores are stored in the file: loading code must reproduce them (the hashing is the same).
PROBES = [
    "I want to die",
    "this market is killing me",
    "i keep thinking about not being here",
    "I feel like a burden to everyone",
    "the recruiter never called back",
]


@dataclass(frozen=True)
class Settings:
    char_min: int
    char_max: int
    l2: float


GRID = [Settings(3, 5, 1e-4), Settings(3, 5, 1e-3), Settings(2, 5, 1e-4), Settings(2, 5, 1e-3), Settings(3, 5, 1e-5)]


# ---------------------------------------------------------------------------------------------- features


@dataclass
class Featurised:
    """Every window of every example as a sparse row, and which rows belong to which example."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    example_of_row: np.ndarray
    rows_of: list[range]

    def rows(self, selected: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A CSR sub-matrix of the given rows."""
        starts, ends = self.indptr[selected], self.indptr[np.asarray(selected) + 1]
        lengths = ends - starts
        take = (
            np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)])
            if len(selected)
            else (np.zeros(0, dtype=np.int64))
        )
        return np.concatenate([[0], np.cumsum(lengths)]), self.indices[take], self.data[take]


def featurise(examples: Sequence[Example], spec: FeatureSpec) -> Featurised:
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    example_of_row: list[int] = []
    rows_of: list[range] = []
    for number, example in enumerate(examples):
        tokens = tokenise(example.text)
        first = len(example_of_row)
        for span in windows(tokens):
            counts: dict[int, int] = {}
            found = window_features(tokens, span, spec)
            for index, sign in found:
                counts[index] = counts.get(index, 0) + sign
            norm = 1.0 / math.sqrt(len(found))
            for index in sorted(counts):
                if counts[index]:
                    indices.append(index)
                    data.append(counts[index] * norm)
            indptr.append(len(indices))
            example_of_row.append(number)
        rows_of.append(range(first, len(example_of_row)))
    return Featurised(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int64),
        np.asarray(data, dtype=np.float64),
        np.asarray(example_of_row),
        rows_of,
    )


def logits(matrix: tuple[np.ndarray, np.ndarray, np.ndarray], weights: np.ndarray, bias: float) -> np.ndarray:
    indptr, indices, data = matrix
    products = data * weights[indices]
    sums = np.add.reduceat(products, indptr[:-1]) if len(products) else np.zeros(len(indptr) - 1)
    sums[indptr[:-1] == indptr[1:]] = 0.0  # reduceat gives the next value for empty rows
    return sums + bias


def train_head(
    matrix: tuple[np.ndarray, np.ndarray, np.ndarray], labels: np.ndarray, l2: float, buckets: int, iterations: int
) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression by full-batch Adam."""
    indptr, indices, data = matrix
    positives = max(labels.sum(), 1)
    negatives = max(len(labels) - labels.sum(), 1)
    sample = np.where(labels == 1, 0.5 / positives, 0.5 / negatives)
    row_of_entry = np.repeat(np.arange(len(labels)), np.diff(indptr))
    weights = np.zeros(buckets)
    bias = 0.0
    m_w, v_w = np.zeros(buckets), np.zeros(buckets)
    m_b = v_b = 0.0
    rate, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for step in range(1, iterations + 1):
        z = logits(matrix, weights, bias)
        p = 1.0 / (1.0 + np.exp(-z))
        g = (p - labels) * sample
        grad_w = np.bincount(indices, weights=data * g[row_of_entry], minlength=buckets) + l2 * weights
        grad_b = g.sum()
        m_w = beta1 * m_w + (1 - beta1) * grad_w
        v_w = beta2 * v_w + (1 - beta2) * grad_w**2
        m_b = beta1 * m_b + (1 - beta1) * grad_b
        v_b = beta2 * v_b + (1 - beta2) * grad_b**2
        step_rate = rate * math.sqrt(1 - beta2**step) / (1 - beta1**step)
        weights -= step_rate * m_w / (np.sqrt(v_w) + eps)
        bias -= step_rate * m_b / (math.sqrt(v_b) + eps)
    return weights, bias


@dataclass
class Trained:
    weights: dict[str, np.ndarray]
    biases: dict[str, float]


def head_labels(examples: Sequence[Example], head: str) -> np.ndarray:
    if head == "crisis":
        return np.asarray([example.tier is Tier.CRISIS for example in examples], dtype=np.float64)
    return np.asarray([example.tier is not Tier.BENIGN for example in examples], dtype=np.float64)


def train(
    features: Featurised,
    examples: Sequence[Example],
    chosen: Sequence[int],
    settings: Settings,
    buckets: int,
    iterations: int,
) -> Trained:
    """Both heads on the chosen examples; long positive vents lend only their best window (see the docstring)."""
    result = Trained({}, {})
    for head in HEADS:
        labels = head_labels(examples, head)
        rows: list[int] = []
        row_labels: list[float] = []
        vents: list[int] = []
        for number in chosen:
            own = features.rows_of[number]
            if len(own) == 1 or labels[number] == 0:
                rows.extend(own)
                row_labels.extend([labels[number]] * len(own))
            else:
                vents.append(number)
        weights, bias = train_head(features.rows(rows), np.asarray(row_labels), settings.l2, buckets, iterations)
        if vents:
            for number in vents:
                windows = list(features.rows_of[number])
                rows.append(windows[int(np.argmax(logits(features.rows(windows), weights, bias)))])
                row_labels.append(1.0)
            weights, bias = train_head(features.rows(rows), np.asarray(row_labels), settings.l2, buckets, iterations)
        result.weights[head], result.biases[head] = weights, bias
    return result


def example_scores(features: Featurised, trained: Trained, chosen: Sequence[int]) -> dict[str, np.ndarray]:
    """Each head's highest window probability per chosen example."""
    scores = {}
    for head in HEADS:
        rows = [row for number in chosen for row in features.rows_of[number]]
        z = logits(features.rows(rows), trained.weights[head], trained.biases[head])
        owner = features.example_of_row[rows]
        best = np.full(len(features.rows_of), -np.inf)
        np.maximum.at(best, owner, z)
        scores[head] = 1.0 / (1.0 + np.exp(-best[list(chosen)]))
    return scores


# ---------------------------------------------------------------------------------------------- evaluation


def folds(examples: Sequence[Example], count: int, seed: int) -> list[list[int]]:
    """Stratified by tier and category, shuffled with a fixed seed."""
    rng = random.Random(seed)
    groups: dict[tuple[Tier, str], list[int]] = {}
    for number, example in enumerate(examples):
        groups.setdefault((example.tier, example.category), []).append(number)
    result: list[list[int]] = [[] for _ in range(count)]
    offset = 0
    for key in sorted(groups, key=lambda item: (item[0], item[1])):
        members = groups[key]
        rng.shuffle(members)
        for position, number in enumerate(members):
            result[(position + offset) % count].append(number)
        offset += len(members)
    return result


def out_of_fold(
    features: Featurised,
    examples: Sequence[Example],
    settings: Settings,
    buckets: int,
    iterations: int,
    fold_count: int,
) -> dict[str, np.ndarray]:
    scores = {head: np.zeros(len(examples)) for head in HEADS}
    for held in folds(examples, fold_count, SEED):
        held_set = set(held)
        chosen = [number for number in range(len(examples)) if number not in held_set]
        trained = train(features, examples, chosen, settings, buckets, iterations)
        for head, values in example_scores(features, trained, held).items():
            scores[head][held] = values
    return scores


def model_tiers(scores: dict[str, np.ndarray], crisis: float, care: float) -> np.ndarray:
    """The model's tiers; scores["affect"] (1.0 or 0.0 per example) gates the care head as bot/safety/model.py does."""
    affect = scores.get("affect")
    care_yes = scores["care"] >= care
    if affect is not None:
        care_yes &= affect > 0
    return np.where(scores["crisis"] >= crisis, 2, np.where(care_yes, 1, 0))


def figures(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Crisis recall (==CRISIS), concern recall (>=CONCERN), benign false alarms (>BENIGN)."""
    crisis, concern, benign = truth == 2, truth == 1, truth == 0
    return (
        float((predicted[crisis] == 2).mean()) if crisis.any() else 0.0,
        float((predicted[concern] >= 1).mean()) if concern.any() else 0.0,
        float((predicted[benign] >= 1).mean()) if benign.any() else 0.0,
    )


CANDIDATES = np.round(np.arange(0.05, 0.996, 0.01), 2)


def choose_thresholds(
    scores: dict[str, np.ndarray], truth: np.ndarray, grammar: np.ndarray, max_false_alarms: float
) -> tuple[float, float]:
    """The pair maximising combined crisis + concern recall while grammar and model together raise at most
    max_false_alarms benign false alarms (cross-validated)."""
    best: tuple[float, float, float, float] | None = None
    for crisis in CANDIDATES:
        for care in CANDIDATES:
            model = model_tiers(scores, crisis, care)
            c_recall, k_recall, false_alarms = figures(truth, np.maximum(model, grammar))
            if false_alarms > max_false_alarms:
                continue
            key = (c_recall + k_recall, -false_alarms, crisis, care)
            if best is None or key > best:
                best = key
    if best is None:
        return 0.995, 0.995
    return float(best[2]), float(best[3])


def model_only_quality(scores: dict[str, np.ndarray], truth: np.ndarray, max_false_alarms: float) -> float:
    """Mean of crisis and concern recall at the best thresholds with <= max_false_alarms (model alone)."""
    best = 0.0
    for crisis in CANDIDATES[::2]:
        for care in CANDIDATES[::2]:
            c_recall, k_recall, false_alarms = figures(truth, model_tiers(scores, crisis, care))
            if false_alarms <= max_false_alarms:
                best = max(best, (c_recall + k_recall) / 2)
    return best


def describe(name: str, truth: np.ndarray, predicted: np.ndarray) -> str:
    crisis, concern, false_alarms = figures(truth, predicted)
    return f"{name:28} crisis recall {crisis:.3f}  concern recall {concern:.3f}  benign false alarms {false_alarms:.3f}"


# ---------------------------------------------------------------------------------------------- main


def read_training(paths: Sequence[Path]) -> list[Example]:
    examples: list[Example] = []
    seen: set[str] = set()
    for path in paths:
        if path.name in FORBIDDEN:
            raise SystemExit(f"{path.name} is the blind test set: never train on it")
        for example in read_examples(path):
            key = " ".join(example.text.casefold().split())
            if key not in seen:  # the same phrasing twice would leak across folds
                seen.add(key)
                examples.append(example)
    return examples


def quantise(weights: np.ndarray) -> tuple[float, bytes]:
    largest = float(np.abs(weights).max()) or 1.0
    scale = largest / 127.0
    return scale, np.clip(np.rint(weights / scale), -127, 127).astype(np.int8).tobytes()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="labelled .tsv files (default: corpus, heldout, extra)")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--bits", type=int, default=BITS, help="log2 of the number of hash buckets")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument(
        "--max-false-alarms",
        type=float,
        default=None,
        help="most benign false alarms of grammar + model together, cross-validated (default: the grammar's own "
        "plus --model-share, and at least 0.04)",
    )
    parser.add_argument(
        "--model-share",
        type=float,
        default=0.015,
        help="benign false alarms the model may add to the grammar's, cross-validated",
    )
    parser.add_argument("--quick", action="store_true", help="one setting, no grid: for tests")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    np.random.seed(SEED)
    examples = read_training(args.files or DEFAULT_FILES)
    truth = np.asarray([int(example.tier) for example in examples])
    rules = load_safety_rules()
    grammar = np.asarray([int(rules.assess(example.text).tier) for example in examples])
    affect = np.asarray([float(has_affect(tokenise(example.text).words)) for example in examples])
    print(
        f"{len(examples)} phrasings: {int((truth == 2).sum())} crisis, {int((truth == 1).sum())} concern, "
        f"{int((truth == 0).sum())} benign"
    )
    if args.max_false_alarms is None:
        # The grammar's own false alarms grow with harder benign phrasings; the model keeps a fixed share on top.
        benign = truth == 0
        grammar_false_alarms = float(np.mean(grammar[benign] > 0)) if benign.any() else 0.0
        args.max_false_alarms = max(0.04, round(grammar_false_alarms + args.model_share, 3))
        print(
            f"false alarms allowed: grammar {grammar_false_alarms:.3f} + model {args.model_share}"
            f" = {args.max_false_alarms}"
        )
    buckets = 1 << args.bits
    grid = GRID[:1] if args.quick else GRID
    results = []
    for settings in grid:
        spec = FeatureSpec(args.bits, settings.char_min, settings.char_max, True)
        features = featurise(examples, spec)
        scores = out_of_fold(features, examples, settings, buckets, args.iterations, args.folds)
        scores["affect"] = affect
        quality = model_only_quality(scores, truth, args.max_false_alarms)
        print(f"cv {settings}: model alone, mean recall at <= {args.max_false_alarms} false alarms: {quality:.3f}")
        results.append((quality, -grid.index(settings), settings, features, scores))
    _, _, settings, features, scores = max(results, key=lambda item: (item[0], item[1]))
    spec = FeatureSpec(args.bits, settings.char_min, settings.char_max, True)
    crisis_threshold, care_threshold = choose_thresholds(scores, truth, grammar, args.max_false_alarms)
    model_cv = model_tiers(scores, crisis_threshold, care_threshold)
    print(f"chosen: {settings}; thresholds crisis {crisis_threshold:.2f}, care {care_threshold:.2f}")
    print(f"cross-validated ({args.folds} folds, the grammar as is: it was written against corpus.tsv):")
    cv_lines = [
        describe("grammar only", truth, grammar),
        describe("model only", truth, model_cv),
        describe("grammar + model", truth, np.maximum(grammar, model_cv)),
    ]
    print("\n".join("  " + line for line in cv_lines))
    for path in args.files or DEFAULT_FILES:
        mine = np.asarray([example.path == path for example in examples])
        print(f"  {path.name}:")
        for name, predicted in (("grammar only", grammar), ("grammar + model", np.maximum(grammar, model_cv))):
            print("    " + describe(name, truth[mine], predicted[mine]))

    trained = train(features, examples, range(len(examples)), settings, buckets, args.iterations)
    heads = []
    for head, threshold in zip(HEADS, (crisis_threshold, care_threshold), strict=True):
        scale, raw = quantise(trained.weights[head])
        heads.append((float(trained.biases[head]), scale, raw, threshold))
    payload: dict[str, Any] = {
        "format": FORMAT,
        "features": {"bits": spec.bits, "char_min": spec.char_min, "char_max": spec.char_max, "bigrams": True},
        "heads": {name: encode_head(*head) for name, head in zip(HEADS, heads, strict=True)},
        "sha256": weights_digest(spec, heads),
        "trained_on": {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16] for path in (args.files or DEFAULT_FILES)
        },
        "settings": {"l2": settings.l2, "iterations": args.iterations, "seed": SEED, "folds": args.folds},
        "cross_validated": {
            "grammar_only": figures(truth, grammar),
            "model_only": figures(truth, model_cv),
            "grammar_and_model": figures(truth, np.maximum(grammar, model_cv)),
            "order": ["crisis_recall", "concern_recall", "benign_false_alarms"],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    # Probes: what the loading code computes from the written file, stored so a test can check the hashing agrees.
    model = load_safety_model(args.out)
    payload["probes"] = [[text, *model.logits(text)] for text in PROBES]
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    model = load_safety_model(args.out)
    final = np.asarray([int(model.assess(example.text).tier) for example in examples])
    float_scores = example_scores(features, trained, range(len(examples)))
    float_scores["affect"] = affect
    agree = float((model_tiers(float_scores, crisis_threshold, care_threshold) == final).mean())
    print("on the training data itself (optimistic):")
    print("  " + describe("model only", truth, final))
    print("  " + describe("grammar + model", truth, np.maximum(grammar, final)))
    print(f"int8 weights agree with the float model on {agree:.3%} of training tiers")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
