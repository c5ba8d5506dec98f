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
middle of a long vent is scored on its own sentence. Every word's contribution is computed once and cached, bigrams
are hashed in C (and remembered), and window sums come from one prefix sum of packed (count, crisis, care) triples,
so a 4,000-character vent costs little more than reading its words. SafetyRules hands the model the text it has
already normalised for the grammar (assess_matchable).
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
from itertools import accumulate, compress, pairwise, repeat
from operator import add, and_, getitem, or_, rshift
from pathlib import Path
from typing import Any, cast

from bot.safety.normalise import _LINE_BREAKS, has_line_break, matchable_text
from bot.safety.tiers import BENIGN, SafetyAssessment, Tier

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "safety_model.json"
FORMAT = "bounceback-safety-model/1"
HEADS = ("crisis", "care")
MAX_WINDOW = 32  # words
STRIDE = 16  # words, inside a sentence longer than MAX_WINDOW
MAX_WORD = 40  # characters of a word that char n-grams are taken from
MATCHED = "model"  # SafetyAssessment.matched when the model raised the tier

_SENTENCE_END = re.compile(r"[.!?;:\u2026]+")
_WORD = re.compile(r"[^\W_]+")
# ASCII: sentence ends to a line break (matchable text has none), anything not a letter or digit to a space.
_ASCII_WORDS = str.maketrans(
    {chr(code): "\n" if chr(code) in ".!?;:" else " " for code in range(128) if not chr(code).isalnum()}
)
_BYTE_WORDS = bytes(ord(_ASCII_WORDS.get(code, chr(code))) if code < 128 else code for code in range(256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
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


# A (feature count, crisis sum, care sum) triple as one integer, count + crisis * _FIELD + care * _FIELD**2, so that
# sums of them are one addition each and prefix sums one accumulate(). A window's count and sums stay far below
# 2**31 in size (32 words of at most a few hundred features, int8 weights), so each field decodes exactly: the count
# is the low bits; the sums, taken as signed numbers, the next fields (see SafetyModel._logits).
_FIELD_BITS = 32
_FIELD = 1 << _FIELD_BITS
_FIELD_MASK = _FIELD - 1
_HALF_FIELD = _FIELD >> 1


def _pack(count: int, crisis: int, care: int) -> int:
    return count + (crisis << _FIELD_BITS) + (care << (2 * _FIELD_BITS))


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


def model_text(text: str) -> str:
    """Text as the model reads it: matchable_text() with line breaks read as sentence ends."""
    return matchable_text(_LINE_BREAKS.sub(" . ", text) if has_line_break(text) else text)


def tokenise(text: str) -> Tokens:
    """Words of matchable_text(text), line breaks and . ! ? ; : … ending sentences."""
    return tokens_of(model_text(text))


def tokens_of(matchable: str) -> Tokens:
    """The words and sentences of text already in model_text() form.

    The same words as _WORD and _SENTENCE_END find, split in C: a character outside ASCII (an emoji, an accent)
    that is no letter or digit is made a space (the ellipsis a full stop), then sentence ends become line breaks
    (matchable text has none) and everything else that is no letter or digit a space, so split() finds the words.
    ([^\\W_] is exactly str.isalnum().) Letters outside ASCII stay as they are, in UTF-8 bytes (all >= 0x80).
    """
    text = matchable
    if not text.isascii():
        for char in set(_NON_ASCII.findall(text)):
            if not char.isalnum():
                text = text.replace(char, "." if char == "\u2026" else " ")
    if text.isascii():
        sentences = [sentence.split() for sentence in text.translate(_ASCII_WORDS).split("\n")]
    else:
        sentences = [
            list(map(bytes.decode, sentence.split())) for sentence in text.encode().translate(_BYTE_WORDS).split(b"\n")
        ]
    words: list[str] = []
    starts: list[int] = []
    for found in sentences:
        if found:
            starts.append(len(words))
            words.extend(found)
    joined = [True] * len(words)
    for start in starts:
        joined[start] = False
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
    # word -> its contribution, packed (see _pack), bounded
    _words: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # word -> CRC-32 of "b<word> ", how every bigram it starts begins (zlib.crc32 carries on from it), bounded
    _pair_starts: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # (word, next word) -> their bigram's contribution, packed, bounded: common pairs come back
    _pairs: dict[tuple[str, str], int] = field(default_factory=dict, init=False, repr=False, compare=False)
    # A bigram is one feature: each bucket's contribution, packed, for sign -1 and for sign +1.
    _signed: tuple[list[int], list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zero = _pack(1, 0, 0)
        negative, positive = [zero] * self.spec.buckets, [zero] * self.spec.buckets
        crisis, care = self.crisis.weights, self.care.weights
        for index in compress(range(self.spec.buckets), map(or_, crisis, care)):  # most buckets are 0
            # _pack(1, ±crisis, ±care), written out: a start-up cost of 32,000 calls otherwise
            weights = (crisis[index] << _FIELD_BITS) + (care[index] << (2 * _FIELD_BITS))
            negative[index], positive[index] = 1 - weights, 1 + weights
        object.__setattr__(self, "_signed", (negative, positive))

    def _word(self, word: str) -> int:
        """A word's features (the word and its character n-grams), packed, and remembered."""
        crisis = self.crisis.weights
        care = self.care.weights
        count = crisis_sum = care_sum = 0
        for index, sign in self.spec.word_features(word):
            count += 1
            crisis_sum += sign * crisis[index]
            care_sum += sign * care[index]
        packed = _pack(count, crisis_sum, care_sum)
        if len(self._words) >= _CACHE_SIZE:
            self._words.clear()
        self._words[word] = packed
        return packed

    def _pair_start(self, first: str) -> int:
        """CRC-32 of the start of every bigram feature that begins with this word (see _bigrams), remembered."""
        if len(self._pair_starts) >= _CACHE_SIZE:
            self._pair_starts.clear()
        start = self._pair_starts[first] = zlib.crc32(f"b{first} ".encode())
        return start

    def _bigrams(self, words: Sequence[str]) -> list[int]:
        """The packed bigram feature ending at each word (0 for the first): FeatureSpec.bucket(f"b{first} {second}"),
        worked out in C, map() by map(): the CRC of "b{first} " is kept per word, and zlib.crc32 carries on from it
        over the second word; the bucket is its low bits, the sign its top bit. Every pair is remembered."""
        found = list(map(self._pair_starts.get, words[:-1]))
        starts = (
            cast("list[int]", found)
            if None not in found
            else [self._pair_start(word) if start is None else start for word, start in zip(words, found, strict=False)]
        )
        hashes = list(map(zlib.crc32, map(str.encode, words[1:]), starts))
        by_sign = map(self._signed.__getitem__, map(rshift, hashes, repeat(31)))
        bigrams = cast("list[int]", list(map(getitem, by_sign, map(and_, hashes, repeat(self.spec.buckets - 1)))))
        if len(self._pairs) + len(bigrams) > _CACHE_SIZE:
            self._pairs.clear()
        self._pairs.update(zip(pairwise(words), bigrams, strict=True))
        return [0, *bigrams]

    def logits(self, text: str) -> tuple[float, float]:
        """Each head's highest logit over the text's windows (-inf for a text without words)."""
        return self._logits(tokenise(text))

    def _logits(self, tokens: Tokens) -> tuple[float, float]:
        spans = windows(tokens)
        if not spans:
            return -math.inf, -math.inf
        words = tokens.words
        # Each word's contribution plus that of the bigram ending at it (none at a sentence start), looked up by
        # map() in C; only the misses are worked out here.
        found = list(map(self._words.get, words))
        # (no None left in it: cast, rather than a copy in Python)
        rows = (
            cast("list[int]", found)
            if None not in found
            else [self._word(word) if row is None else row for word, row in zip(words, found, strict=True)]
        )
        bigrams = [0] * len(words)
        if self.spec.bigrams and len(words) > 1:
            # Remembered pairs in one look-up each; any new pair, and every pair is worked out afresh (in C).
            known = [0, *map(self._pairs.get, pairwise(words))]
            bigrams = cast("list[int]", known) if None not in known else self._bigrams(words)
            for start in tokens.sentence_starts:  # no bigram across a sentence end
                bigrams[start] = 0
            rows = list(map(add, rows, bigrams))
        # Prefix sums of the packed rows: one sum gives a window's count and both heads' sums at once.
        prefix = list(accumulate(rows, initial=0))
        best_crisis = best_care = -math.inf
        crisis_head, care_head = self.crisis, self.care
        for start, end in spans:
            # Words start..end-1, and the bigrams ending at start+1..end-1; then unpacked (see _pack).
            total = prefix[end] - prefix[start] - bigrams[start]
            count = total & _FIELD_MASK
            rest = (total - count) >> _FIELD_BITS
            crisis_sum = ((rest + _HALF_FIELD) & _FIELD_MASK) - _HALF_FIELD
            care_sum = (rest - crisis_sum) >> _FIELD_BITS
            norm = 1.0 / math.sqrt(count)
            crisis_logit = crisis_head.bias + crisis_head.scale * crisis_sum * norm
            care_logit = care_head.bias + care_head.scale * care_sum * norm
            if crisis_logit > best_crisis:
                best_crisis = crisis_logit
            if care_logit > best_care:
                best_care = care_logit
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
        return self.assess_matchable(model_text(text))

    def assess_matchable(self, matchable: str) -> SafetyAssessment:
        """assess() of text already in model_text() form (SafetyRules shares the grammar's normalisation)."""
        tokens = tokens_of(matchable)
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
