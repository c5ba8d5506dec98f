"""Crisis detection: does anything a member typed read as intent to self-harm or suicide?

The words live in data/safety.toml, reviewed like code. Text is normalised, figures of speech
("this interview killed me") are blanked out, then the crisis patterns are searched. The member's
text is never logged; only the pattern that matched is.
"""

from __future__ import annotations

import enum
import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_SAFETY_PATH = Path(__file__).resolve().parent.parent / "data" / "safety.toml"

# What a matched idiom is replaced with: a word of its own, so it can neither complete a crisis phrase
# nor glue the words on either side of it together.
PLACEHOLDER = " _ "

_KEYS = ("crisis_patterns", "idiom_patterns")
_APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u02bc\u02bb\u00b4\u0060\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_QUOTES = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), **dict.fromkeys(_DOUBLE_QUOTES, '"')})
# Zero-width and invisible formatting characters people (or keyboards) slip between letters.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"))
_WHITESPACE = re.compile(r"\s+")
_ESCAPE = re.compile(r"\\.")


def normalise_text(text: str) -> str:
    """Fold text for matching: straight quotes, NFKC, casefolded, no zero-width characters, single spaces."""
    # Quotes first: NFKC would turn an acute accent (´) into a space and a combining mark.
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).casefold()
    text = text.translate(_INVISIBLE).translate(_QUOTES)
    return _WHITESPACE.sub(" ", text).strip()


def matchable_text(text: str) -> str:
    """The form patterns are written against: normalised, with apostrophes dropped ("can't" -> "cant")."""
    return normalise_text(text).replace("'", "")


class Tier(enum.IntEnum):
    """How much care some words call for; ordered, so the worst of several is their max()."""

    BENIGN = 0
    CONCERN = 1
    CRISIS = 2


@dataclass(frozen=True)
class SafetyAssessment:
    """Whether some text reads as a crisis, and which pattern said so (never the text itself)."""

    is_crisis: bool
    matched: str | None = None

    @property
    def tier(self) -> Tier:
        """The tier."""
        return Tier.CRISIS if self.is_crisis else Tier.BENIGN

    @property
    def is_concern(self) -> bool:
        """True for concern."""
        return False

    @property
    def needs_care(self) -> bool:
        """True unless benign."""
        return self.is_crisis


NOT_A_CRISIS = SafetyAssessment(is_crisis=False, matched=None)
BENIGN = NOT_A_CRISIS


@dataclass(frozen=True)
class SafetyRules:
    """Compiled crisis and idiom patterns from data/safety.toml."""

    crisis_patterns: tuple[re.Pattern[str], ...]
    idiom_patterns: tuple[re.Pattern[str], ...]
    # One alternation per list answers "does any of them match?" in a single scan; most texts match nothing,
    # so the per-pattern passes (whose order matters for idioms) only run when one of them will do something.
    _any_crisis: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _any_idiom: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_any_crisis", _alternation(self.crisis_patterns))
        object.__setattr__(self, "_any_idiom", _alternation(self.idiom_patterns))

    def neutralise(self, text: str) -> str:
        """Prepare text for crisis matching: normalise it and blank out every known idiom."""
        prepared = matchable_text(text)
        if not self._any_idiom.search(prepared):
            return prepared
        for idiom in self.idiom_patterns:
            prepared = idiom.sub(PLACEHOLDER, prepared)
        return prepared

    def assess(self, *texts: str | None) -> SafetyAssessment:
        """Say whether any of the texts (vent, company, role, reflection...) reads as a crisis."""
        for text in texts:
            if not text or not text.strip():
                continue
            # Each text on its own: joining them could make a phrase out of the end of one and the start of the next.
            prepared = self.neutralise(text)
            if not self._any_crisis.search(prepared):
                continue
            for pattern in self.crisis_patterns:
                if pattern.search(prepared):
                    log.info("crisis wording detected (pattern %r)", pattern.pattern)
                    return SafetyAssessment(is_crisis=True, matched=pattern.pattern)
        return NOT_A_CRISIS


def _alternation(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    """One pattern that matches wherever any of `patterns` would."""
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns))


def _pattern_list(path: Path, data: dict[str, Any], key: str) -> tuple[re.Pattern[str], ...]:
    """Validate and compile one list of patterns, naming the file, list and index of any problem."""
    if key not in data:
        raise ValueError(f"{path}: missing required key {key!r} (a list of regular expressions)")
    raw = data[key]
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: {key} must be a non-empty list of regular expressions")
    compiled: list[re.Pattern[str]] = []
    seen: set[str] = set()
    for index, source in enumerate(raw):
        where = f"{path}: {key}[{index}]"
        if not isinstance(source, str) or not source.strip():
            raise ValueError(f"{where} must be a non-empty string, got {source!r}")
        if source in seen:
            raise ValueError(f"{where} {source!r} is listed twice")
        seen.add(source)
        if "'" in source or "\u2019" in source:
            raise ValueError(
                f"{where} {source!r} contains an apostrophe; apostrophes are dropped from text before matching, "
                "so write cant, dont, im"
            )
        if any(char.isupper() for char in _ESCAPE.sub("", source)):
            raise ValueError(
                f"{where} {source!r} has capital letters; text is casefolded, so write patterns in lowercase"
            )
        try:
            pattern = re.compile(source)
        except re.error as exc:
            raise ValueError(f"{where} {source!r} is not a valid regular expression: {exc}") from exc
        if pattern.search(""):
            raise ValueError(f"{where} {source!r} matches empty text, so it would match everything")
        if pattern.search(PLACEHOLDER):
            raise ValueError(f"{where} {source!r} matches the idiom placeholder {PLACEHOLDER.strip()!r}")
        compiled.append(pattern)
    return tuple(compiled)


def load_safety_rules(path: Path = DEFAULT_SAFETY_PATH) -> SafetyRules:
    """Read, validate and compile the crisis and idiom patterns; ValueError says what is wrong with a bad file."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}; expected only {', '.join(_KEYS)}")
    rules = SafetyRules(
        crisis_patterns=_pattern_list(path, data, "crisis_patterns"),
        idiom_patterns=_pattern_list(path, data, "idiom_patterns"),
    )
    log.debug(
        "loaded %d crisis and %d idiom patterns from %s", len(rules.crisis_patterns), len(rules.idiom_patterns), path
    )
    return rules


@cache
def default_safety_rules() -> SafetyRules:
    """The rules from data/safety.toml, loaded once."""
    return load_safety_rules(DEFAULT_SAFETY_PATH)
