"""The growth plan's pure rules: what an item is, when the plan is full, and what an interviewer's reply gives a
member to act on ("Feedback becomes learning"). No discord import, no database: words in, items out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.content import load_content

# Where an item came from, and what to do about it (stored as these words; shown from data/plan.toml).
SOURCE_KINDS = ("question", "feedback", "answer", "own")
ACTIONS = ("practise", "story", "cv", "own")
PRACTISE = "practise"
# A short list is a plan; a long one is a backlog that weighs on someone already turned down.
MAX_OPEN = 10
MAX_TEXT = 200
MAX_ITEM_WORDS = 80  # an item drawn from a feedback line: a label, not the whole sentence
MAX_FROM_NOTE = 5


@cache
def words() -> dict[str, Any]:
    """What /plan and its offers say (data/plan.toml)."""
    return load_content("plan")


@dataclass(frozen=True)
class Area:
    """A skill interviewers name ("system design"), how the plan calls it, and what to do about it."""

    key: str
    label: str
    action: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """The areas, the words that say nothing actionable, and hints of what to do (data/plan_areas.toml)."""

    areas: tuple[Area, ...]
    generic: frozenset[str]
    hints: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Actionable:
    """Something a feedback reply gives to work on: the item's text, what to do, and the area if one was named."""

    text: str
    action: str
    area: str | None = None


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary of data/plan_areas.toml."""
    data = load_content("plan_areas")
    areas = tuple(
        Area(key=row["key"], label=row["label"], action=row["action"], words=tuple(row["words"]))
        for row in data["area"]
    )
    hints = {action: tuple(phrases) for action, phrases in data["hints"].items()}
    return Vocabulary(areas=areas, generic=frozenset(data["generic"]["words"]), hints=hints)


def is_full(open_count: int) -> bool:
    """Whether the plan has no room for another open item."""
    return open_count >= MAX_OPEN


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """One line, no surrounding space, at most `limit` characters (cut at a word where it can be)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0] or flat[: limit - 1]
    return cut + "…"


# ---------------------------------------------------------------- feedback becomes learning

# A sentence is split into clauses at a turn ("great X, but Y"): praise and critique often share one sentence.
_SENTENCES = re.compile(r"[.!?;\n]+|\s[-–—•*]\s|^\s*[-–—•*]\s", re.MULTILINE)
_TURNS = re.compile(r",?\s*\b(?:but|however|though|although|whereas|while|yet)\b,?\s*")

# Cues that say what was missing and name it right after ("more depth on caching"): the rest is the object.
_OBJECT_CUES = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b(?:we|they|the team|the panel|the hiring manager|i)\s+(?:were|was|are|'re|had been|have been)?\s*"
        r"(?:really\s+|mainly\s+|specifically\s+|ideally\s+)?(?:looking|hoping)\s+for\s+(?P<obj>.+)",
        r"\b(?:we|they|the team|the panel)\s+(?:expected|were expecting|wanted)\s+(?P<obj>.+)",
        r"\bwould(?:\s+have)?\s+(?:liked|like|loved|love|wanted|preferred)\s+"
        r"(?P<obj>(?:to\s+(?:see|hear\s+more)|to have seen|more|a\s+stronger|stronger|better|deeper|greater)\s+.+)",
        r"\b(?:we|they|i)'d\s+(?:have\s+)?(?:liked|like|loved|love|wanted|preferred)\s+"
        r"(?P<obj>(?:to\s+(?:see|hear\s+more)|to have seen|more|a\s+stronger|stronger|better|deeper|greater)\s+.+)",
        r"\b(?:more|greater|deeper|further)\s+(?:depth|detail|details|focus|emphasis|evidence|clarity|exposure|"
        r"experience|practice|knowledge|understanding|examples?)\s+(?:on|in|around|about|of|with|into)\s+(?P<obj>.+)",
        r"\b(?:lacked|lacking|lacks|a lack of|lack of)\s+(?P<obj>.+)",
        r"\b(?:could|can|should|might|may)\s+(?:further\s+)?(?:improve|strengthen|develop|work on|brush up on|"
        r"focus on|build on|sharpen)\s+(?P<obj>.+)",
        r"\b(?:need|needs|needed)\s+(?:to\s+)?(?:improve|strengthen|develop|work on|brush up on|focus on|more|"
        r"further|stronger|sharpen)\s+(?P<obj>.+)",
        r"\b(?:room for improvement|areas? (?:to|for) (?:improve|improvement|development|growth)|development areas?)"
        r"\s*(?:in|on|around|with|:|was|were|is|are|would be)?\s*(?P<obj>.+)",
        r"\b(?:struggled|struggling|struggle)\s+(?:a bit\s+|a little\s+|somewhat\s+)?(?:with|on|in|to)\s+(?P<obj>.+)",
        r"\b(?:weaker|weak|not as strong|less strong|not strong enough|gaps?|shaky|rusty|less confident)\s+"
        r"(?:on|in|around|with)\s+(?P<obj>.+)",
        r"\b(?:did not|didn't|failed to|couldn't|could not)\s+(?:fully\s+|quite\s+|really\s+)?(?:demonstrate|show|"
        r"showcase|cover|address|explain|evidence)\s+(?P<obj>.+)",
        r"\b(?:would|could|will|might)\s+benefit\s+from\s+(?P<obj>.+)",
        r"\bnot enough\s+(?P<obj>.+)",
        r"\b(?:more|better)\s+(?:practice|preparation|prep)\s+(?:on|in|with|for)\s+(?P<obj>.+)",
        r"\b(?:keep\s+)?work(?:ing)? on\s+(?P<obj>.+)",
    )
)
# Cues that something fell short, without naming it after: the clause must name an area for an item.
_CLAUSE_CUES = re.compile(
    r"\b(?:weak|weaker|not (?:as |quite as )?strong|wasn't (?:as |quite as )?strong|was not strong|less strong|"
    r"not quite there|shaky|unclear|wasn't clear|was not clear|concerns?|fell short|below (?:the )?(?:bar|level)|"
    r"did(?:n't| not) meet|missing|lacking|lacked|limited|could have been (?:stronger|better|clearer|deeper|more)|"
    r"too (?:brief|short|long|vague|high[- ]level|general|generic)|vague|superficial|surface[- ]level|rusty|"
    r"struggled|struggle|gaps?|not enough|insufficient|not deep enough|needs? (?:more|work)|needed (?:more|work)|"
    r"to improve|improvement|improving|could be (?:stronger|better|clearer|deeper|more)|held (?:you|it) back)\b"
)
# "No concerns about your SQL" is praise: a cue that is denied is no cue.
_DENIED = re.compile(
    r"\b(?:no|without any|without|not any|never|didn't|did not)\s+(?:real\s+|major\s+|big\s+|any\s+)?"
    r"(?:concerns?|gaps?|issues?|problems?|doubts?|struggle|struggled|weakness(?:es)?)\b"
    r"|\b(?:wasn't|was not|weren't|were not)\s+(?:a\s+)?(?:concern|problem|issue|weakness)\b"
)
# Words in front of what was missing that are not what was missing ("someone with more depth in ...").
_LEADING = tuple(
    re.compile(pattern)
    for pattern in (
        r"^(?:to\s+(?:see|hear)|to have seen|seen)\s+",
        r"^(?:was|were|is|are|be)\s+",
        r"^(?:someone|somebody|a candidate|candidates|a person|people)\s+(?:who\s+(?:had|has|could|can|was|is|showed|"
        r"shows|demonstrated|demonstrates|brought|brings)|with|that)\s+",
        r"^(?:a\s+(?:bit|little)\s+|much\s+|slightly\s+|a\s+lot\s+|even\s+)?(?:more|greater|deeper|further|stronger|"
        r"better|clearer|additional|extra)\s+",
        r"^(?:depth|detail|details|focus|emphasis|evidence|clarity|exposure|experience|practice|knowledge|"
        r"understanding|preparation|prep|examples?)\s+(?:on|in|around|about|of|with|into|for)\s+",
        r"^(?:the|your|their|a|an|some|any|how you)\s+",
        r"^(?:on|in|with|at|around|about|of)\s+",
    )
)
# Where what was missing ends: the reason or context that follows it is not part of it.
_TRAILING = re.compile(
    r"(?:,|\s\(|\s(?:which|so|because|as|since|given|for (?:this|the|a) (?:role|position|level|team)|"
    r"at (?:this|that|the) level|in (?:the|your|our) (?:interview|interviews|conversation|final round)|"
    r"during (?:the|your|our)|compared (?:to|with)|than (?:other|the other)|from you|overall|"
    r"would(?:'ve| have| be)|will (?:help|matter)|(?:was|is|were|are) (?:needed|expected|key|important))\b).*$"
)
_WORD = re.compile(r"[\w'+#/.-]+")


def _mentions(clause: str, phrase: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(phrase) + r"(?![\w-])", clause) is not None


def _areas_in(clause: str, vocab: Vocabulary) -> list[Area]:
    return [area for area in vocab.areas if any(_mentions(clause, word) for word in area.words)]


def _object(clause: str) -> str | None:
    """What a cue says was missing, with the words around it that are not part of it taken away."""
    for cue in _OBJECT_CUES:
        found = cue.search(clause)
        if found is None:
            continue
        text = _TRAILING.sub("", found["obj"]).strip(" :'\"“”")
        changed = True
        while changed:
            changed = False
            for leading in _LEADING:
                stripped = leading.sub("", text, count=1)
                if stripped != text:
                    text, changed = stripped, True
        return text.strip(" :'\"“”")
    return None


def _hinted_action(clause: str, vocab: Vocabulary) -> str:
    for action, phrases in vocab.hints.items():
        if any(_mentions(clause, phrase) for phrase in phrases):
            return action
    return PRACTISE


def _clauses(note: str) -> list[str]:
    clauses: list[str] = []
    for sentence in _SENTENCES.split(note.casefold().replace("’", "'")):
        clauses.extend(part.strip() for part in _TURNS.split(sentence) if part.strip())
    return clauses


def actionable_lines(note: str, vocab: Vocabulary | None = None) -> list[Actionable]:
    """What an interviewer's reply gives to act on: each area named where something fell short, or else what a
    cue ("more depth on ...", "we were looking for ...") says was missing; never praise or a generic no.

    In the order they appear, each once, at most MAX_FROM_NOTE.
    """
    vocab = vocab or vocabulary()
    found: list[Actionable] = []
    for clause in _clauses(note):
        if _DENIED.search(clause):
            continue
        obj = _object(clause)
        if obj is None and not _CLAUSE_CUES.search(clause):
            continue  # praise, thanks, or the decision itself
        areas = _areas_in(clause, vocab)
        if areas:
            found.extend(Actionable(area.label, area.action, area.key) for area in areas)
            continue
        if obj and any(word not in vocab.generic for word in _WORD.findall(obj)):
            text = clean_text(obj, MAX_ITEM_WORDS)
            found.append(Actionable(text[:1].upper() + text[1:], _hinted_action(clause, vocab)))
    unique: dict[str, Actionable] = {}
    for item in found:
        unique.setdefault(item.text.casefold(), item)
    return list(unique.values())[:MAX_FROM_NOTE]


# ---------------------------------------------------------------- what the member reads


def source_phrase(source_kind: str) -> str:
    """Where an item came from, in plain words ("a hard question from a reflection")."""
    return str(words()["sources"].get(source_kind, words()["sources"]["own"]))


def action_phrase(action: str) -> str:
    """What to do about an item, in plain words ("practise this question")."""
    return str(words()["actions"].get(action, words()["actions"]["own"]))
