"""The second layer of the safety assessment: a small linear classifier, asked after the grammar (bot/safety/).

The grammar in data/safety.toml is exact but literal; this model reads the same text more loosely, so wording the
grammar has never seen ("i wnat to be gone for good") can still raise the tier. It only ever raises it:
SafetyRules.assess takes the worse of the two. Trained by scripts/train_safety_model.py on the project's own
hand-written phrasings (tests/safety/corpus.tsv, heldout.tsv, training_extra.tsv) and shipped as
data/safety_model.json; inference is pure Python, offline, on the CPU, and never downloads anything.

Features, over bot.safety.matchable_text() with line breaks read as sentence ends: hashed word unigrams and
bigrams (bigrams never span a sentence end) and character n-grams inside each word padded as ``<word>``, so typos
and run-together words still share most features. Each feature is hashed with CRC-32 into 2**bits buckets, with a
sign from the top bit; a window's vector is its signed counts divided by the square root of its feature count.
Two logistic heads: "crisis" (CRISIS against the rest) and "care" (CRISIS or CONCERN against BENIGN).

Long texts are read in windows: a text of at most MAX_WINDOW words is one window; a longer one has a window from
each sentence start: that sentence alone, and as many whole sentences as fit in MAX_WINDOW words (a longer sentence
is cut into windows of MAX_WINDOW words every STRIDE words). Each head takes its highest window, so a signal in the
middle of a long vent is scored on its own sentence. Every word's contribution is computed once and cached, and
window sums come from prefix sums, so a 4,000-character vent costs little more than reading its words.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from bot.safety.normalise import matchable_text
from bot.safety.tiers import BENIGN, SafetyAssessment, Tier

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "safety_model.json"
FORMAT = "bounceback-safety-model/1"
HEADS = ("crisis", "care")
MAX_WINDOW = 32  # words
STRIDE = 16  # words, inside a sentence longer than MAX_WINDOW
MAX_WORD = 40  # characters of a word that char n-grams are taken from
MATCHED = "model"  # SafetyAssessment.matched when the model raised the tier
_NO_FEATURES = (0, 0, 0)

_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029\x0b\x0c\x85]+")
_SENTENCE_END = re.compile(r"[.!?;:\u2026]+")
_WORD = re.compile(r"[^\W_]+")
_CACHE_SIZE = 50_000
# The care head may only raise a text to CONCERN when the text speaks of the writer (a first-person word) and of how
# they feel (an affect word): "honestly nothing", "n/a" or "I was terrible" in a form field are never a concern.
_FIRST_PERSON_WORDS = "i im ive id ill me my myself mine"
_AFFECT_WORDS = """
feel feels feeling feelings felt sad sadness hopeless hopelessness empty emptiness numb alone lonely worthless useless
tired exhausted drained hate cry crying cried stuck trapped burden pointless broken lost miserable depressed depression
anxious scared afraid ashamed shame failure hurt hurting pain heavy dark darkness gone invisible unwanted unloved
nobody nothing noone cant anymore give giving gave quit done over end ending die dying dead alive living life exist
existing disappear vanish weight drowning sinking falling apart pieces fog grey blank hollow dread despair defeated
"""
FIRST_PERSON = frozenset(_FIRST_PERSON_WORDS.split())
AFFECT = frozenset(_AFFECT_WORDS.split())


def has_affect(words: Sequence[str]) -> bool:
    """Whether some words hold both a first-person word and an affect word (the care head's gate)."""
    present = set(words)
    return not present.isdisjoint(FIRST_PERSON) and not present.isdisjoint(AFFECT)


@dataclass(frozen=True)
class FeatureSpec:
    """How text becomes hashed features; stored with the weights, which only make sense with it."""

    bits: int = 18
    char_min: int = 3
    char_max: int = 5
    bigrams: bool = True

    @property
    def buckets(self) -> int:
        return 1 << self.bits

    def bucket(self, feature: str) -> tuple[int, int]:
        """(index, sign) of one feature string."""
        hashed = zlib.crc32(feature.encode("utf-8"))
        return hashed & (self.buckets - 1), (1 if hashed >> 31 else -1)

    def word_features(self, word: str) -> list[tuple[int, int]]:
        """The word itself and its character n-grams (of ``<word>``, at most MAX_WORD characters of it)."""
        found = [self.bucket("w" + word)]
        padded = f"<{word[:MAX_WORD]}>"
        for size in range(self.char_min, self.char_max + 1):
            found.extend(self.bucket("c" + padded[start : start + size]) for start in range(len(padded) - size + 1))
        return found

    def bigram_features(self, first: str, second: str) -> list[tuple[int, int]]:
        return [self.bucket(f"b{first} {second}")] if self.bigrams else []


@dataclass(frozen=True)
class Tokens:
    """A text's words in order, and whether each word continues the sentence of the one before it."""

    words: tuple[str, ...]
    joined: tuple[bool, ...]
    sentence_starts: tuple[int, ...]


def tokenise(text: str) -> Tokens:
    """Words of matchable_text(text), line breaks and . ! ? ; : … ending sentences."""
    words: list[str] = []
    joined: list[bool] = []
    starts: list[int] = []
    for sentence in _SENTENCE_END.split(matchable_text(_LINE_BREAKS.sub(" . ", text))):
        found = _WORD.findall(sentence)
        if found:
            starts.append(len(words))
            joined.extend([False] + [True] * (len(found) - 1))
            words.extend(found)
    return Tokens(tuple(words), tuple(joined), tuple(starts))


def windows(tokens: Tokens) -> list[tuple[int, int]]:
    """The [start, end) word spans a text is scored in (see the module docstring)."""
    total = len(tokens.words)
    if total <= MAX_WINDOW:
        return [(0, total)] if total else []
    ends = [*tokens.sentence_starts[1:], total]
    spans: list[tuple[int, int]] = []
    for number, start in enumerate(tokens.sentence_starts):
        end = ends[number]
        if end - start > MAX_WINDOW:
            spans.extend((begin, min(begin + MAX_WINDOW, end)) for begin in range(start, end - STRIDE, STRIDE))
            continue
        spans.append((start, end))
        for later in ends[number + 1 :]:
            if later - start > MAX_WINDOW:
                break
            end = later
        if end != spans[-1][1]:
            spans.append((start, end))
    return spans


def window_features(tokens: Tokens, span: tuple[int, int], spec: FeatureSpec) -> list[tuple[int, int]]:
    """Every (index, sign) feature of one window, repeats included: what training counts."""
    start, end = span
    found: list[tuple[int, int]] = []
    for position in range(start, end):
        found.extend(spec.word_features(tokens.words[position]))
        if position > start and tokens.joined[position]:
            found.extend(spec.bigram_features(tokens.words[position - 1], tokens.words[position]))
    return found


@dataclass(frozen=True)
class Head:
    """One logistic head: quantised weights (int8 times scale) and a bias."""

    bias: float
    scale: float
    weights: array[int]
    threshold: float  # a probability: at or above it, the head says yes


@dataclass(frozen=True)
class ModelScores:
    """Each head's highest probability over a text's windows (0.0 for a text without words)."""

    crisis: float
    care: float


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    exp = math.exp(value)
    return exp / (1.0 + exp)


@dataclass(frozen=True)
class SafetyModel:
    """The trained second layer; load it with load_safety_model()."""

    spec: FeatureSpec
    crisis: Head
    care: Head
    meta: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # word or bigram -> (feature count, crisis sum, care sum) in quantised units
    _cache: dict[str, tuple[int, int, int]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _contribution(self, key: str, features: list[tuple[int, int]]) -> tuple[int, int, int]:
        cached = self._cache.get(key)
        if cached is None:
            crisis = self.crisis.weights
            care = self.care.weights
            count = crisis_sum = care_sum = 0
            for index, sign in features:
                count += 1
                crisis_sum += sign * crisis[index]
                care_sum += sign * care[index]
            cached = (count, crisis_sum, care_sum)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = cached
        return cached

    def _word(self, word: str) -> tuple[int, int, int]:
        cached = self._cache.get(word)
        return cached if cached is not None else self._contribution(word, self.spec.word_features(word))

    def _bigram(self, first: str, second: str) -> tuple[int, int, int]:
        # One hash, cheaper than a look-up worth keeping: most word pairs are new, and remembering them would push
        # the words out of the cache.
        index, sign = self.spec.bucket(f"b{first} {second}")
        return 1, sign * self.crisis.weights[index], sign * self.care.weights[index]

    def logits(self, text: str) -> tuple[float, float]:
        """Each head's highest logit over the text's windows (-inf for a text without words)."""
        return self._logits(tokenise(text))

    def _logits(self, tokens: Tokens) -> tuple[float, float]:
        spans = windows(tokens)
        if not spans:
            return -math.inf, -math.inf
        words = tokens.words
        cached = self._cache.get
        word_rows = [cached(word) or self._word(word) for word in words]
        # The bigram ending at each word (none for the first word, nor across a sentence end).
        pair_rows = [_NO_FEATURES, _NO_FEATURES]
        if self.spec.bigrams:
            joined = tokens.joined
            for position in range(1, len(words)):
                if joined[position]:
                    pair_rows.append(self._bigram(words[position - 1], words[position]))
                else:
                    pair_rows.append(_NO_FEATURES)
        else:
            pair_rows.extend(_NO_FEATURES for _ in range(1, len(words)))
        # Prefix sums of word and of bigram contributions (transposed and summed in C).
        count, crisis, care = (list(accumulate(column, initial=0)) for column in zip(*word_rows, strict=True))
        pair_count, pair_crisis, pair_care = (list(accumulate(column)) for column in zip(*pair_rows, strict=True))
        best_crisis = best_care = -math.inf
        crisis_head, care_head = self.crisis, self.care
        for start, end in spans:
            # Words start..end-1, and the bigrams ending at start+1..end-1.
            norm = 1.0 / math.sqrt(count[end] - count[start] + pair_count[end] - pair_count[start + 1])
            crisis_sum = crisis[end] - crisis[start] + pair_crisis[end] - pair_crisis[start + 1]
            care_sum = care[end] - care[start] + pair_care[end] - pair_care[start + 1]
            best_crisis = max(best_crisis, crisis_head.bias + crisis_head.scale * crisis_sum * norm)
            best_care = max(best_care, care_head.bias + care_head.scale * care_sum * norm)
        return best_crisis, best_care

    def scores(self, text: str) -> ModelScores:
        """Each head's highest probability over the text's windows."""
        return self._scores(tokenise(text))

    def _scores(self, tokens: Tokens) -> ModelScores:
        crisis, care = self._logits(tokens)
        return ModelScores(_sigmoid(crisis) if crisis > -math.inf else 0.0, _sigmoid(care) if care > -math.inf else 0.0)

    def tier(self, scores: ModelScores, affect: bool = True) -> Tier:
        """The tier some scores read as with the shipped thresholds (CONCERN only for a text with affect)."""
        if scores.crisis >= self.crisis.threshold:
            return Tier.CRISIS
        if affect and scores.care >= self.care.threshold:
            return Tier.CONCERN
        return Tier.BENIGN

    def assess(self, text: str) -> SafetyAssessment:
        """BENIGN, or the tier the model reads with matched="model" (no category: the heads only know tiers)."""
        tokens = tokenise(text)
        tier = self.tier(self._scores(tokens), has_affect(tokens.words))
        return BENIGN if tier is Tier.BENIGN else SafetyAssessment(tier, None, MATCHED)


def weights_digest(spec: FeatureSpec, heads: Sequence[tuple[float, float, bytes, float]]) -> str:
    """SHA-256 over the feature spec and every head's numbers: the file's checksum field."""
    digest = hashlib.sha256(json.dumps([spec.bits, spec.char_min, spec.char_max, spec.bigrams]).encode())
    for bias, scale, raw, threshold in heads:
        digest.update(json.dumps([bias, scale, threshold]).encode())
        digest.update(raw)
    return digest.hexdigest()


def encode_head(bias: float, scale: float, raw: bytes, threshold: float) -> dict[str, Any]:
    """One head as the weights file stores it: the int8 weights zlib-compressed (most buckets are 0), base64."""
    packed = base64.b64encode(zlib.compress(raw, 9)).decode("ascii")
    return {"bias": bias, "scale": scale, "threshold": threshold, "int8_zlib": packed}


def load_safety_model(path: Path = DEFAULT_MODEL_PATH) -> SafetyModel:
    """Read and check a weights file; ValueError says what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the safety model: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file")
    try:
        spec = FeatureSpec(**data["features"])
        raw_heads = []
        for name in HEADS:
            head = data["heads"][name]
            raw = zlib.decompress(base64.b64decode(head["int8_zlib"], validate=True))
            raw_heads.append((float(head["bias"]), float(head["scale"]), raw, float(head["threshold"])))
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise ValueError(f"{path}: malformed safety model: {exc!r}") from exc
    for name, (_, _, raw, _) in zip(HEADS, raw_heads, strict=True):
        if len(raw) != spec.buckets:
            raise ValueError(f"{path}: head {name} has {len(raw)} weights, expected {spec.buckets}")
    if weights_digest(spec, raw_heads) != data.get("sha256"):
        raise ValueError(f"{path}: checksum mismatch; retrain with scripts/train_safety_model.py")
    crisis, care = (Head(bias, scale, array("b", raw), threshold) for bias, scale, raw, threshold in raw_heads)
    meta = {key: value for key, value in data.items() if key not in ("heads", "features", "sha256")}
    return SafetyModel(spec, crisis, care, meta)


@cache
def default_safety_model() -> SafetyModel:
    """The shipped model, data/safety_model.json, loaded once."""
    return load_safety_model(DEFAULT_MODEL_PATH)
