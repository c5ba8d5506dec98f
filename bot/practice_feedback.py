"""Rule-based feedback on a practice answer: structure (STAR), detail, length, ownership, hedging and filler.

Everything here is a pure function of the answer text, so it is fast and easy to test. It checks patterns
in the wording, never whether the content is good: the member is told exactly that. The words the member
reads come from data/practice.toml; this module only decides which findings apply and fills them in.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.safety import normalise_text

log = logging.getLogger(__name__)

CATEGORIES = ("behavioural", "motivation", "situational", "technical")
# The member's own hard questions could be of any kind; most are "tell me about a time" questions.
OWN_CATEGORY = "mine"
STAR_PARTS = ("situation", "task", "action", "result")
WORDS_PER_MINUTE = 130  # a calm speaking pace, to turn a typed answer into spoken minutes

LengthBand = Literal["too_short", "brief", "good", "long", "rambling"]
Kind = Literal["strength", "improve"]


@dataclass(frozen=True)
class LengthRule:
    """Word-count bands for one kind of question: below too_short, below brief, up to good, up to long."""

    too_short: int
    brief: int
    good: int
    long: int


LENGTH_RULES: dict[str, LengthRule] = {
    "behavioural": LengthRule(too_short=50, brief=100, good=350, long=500),
    "situational": LengthRule(too_short=45, brief=90, good=300, long=450),
    "motivation": LengthRule(too_short=30, brief=60, good=250, long=400),
    "technical": LengthRule(too_short=40, brief=80, good=350, long=500),
}
# A run-on answer: sentences this long on average read as one breathless stream when spoken.
RAMBLING_SENTENCE_WORDS = 40
RAMBLING_MIN_WORDS = 150
HEDGE_THRESHOLD = 2
FILLER_THRESHOLD = 2

# Which finding matters most when choosing "one thing to work on" (earlier = more important).
PRIORITY = (
    "generic",
    "star_story",
    "star_result",
    "star_action",
    "ownership_only_we",
    "length_too_short",
    "detail_missing",
    "length_rambling",
    "star_situation",
    "ownership_mostly_we",
    "hedging",
    "example_missing",
    "star_task",
    "length_long",
    "filler",
    "length_brief",
)


def _patterns(*sources: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(source) for source in sources)


_PAST_VERBS = (
    r"[a-z]+ed|built|wrote|rewrote|led|ran|made|took|spoke|met|set|brought|found|began|drove|gave|chose|taught"
    r"|put|told|did|got|kept|sent|went|sat|broke|drew|held|paid|sold|won|oversaw|sought|stood|shared|dug"
    r"|split|cut|fought|flew|read|rang|sped|spent|struck|swapped|thought|threw|understood|undertook|rebuilt"
)
# "I wanted", "I needed" and friends describe a state of mind, not something the member did.
_NOT_ACTIONS = frozenset(
    {
        "wanted", "needed", "liked", "loved", "hoped", "guessed", "supposed", "believed", "seemed", "used",
        "learned", "hated", "feared", "worried", "cared", "preferred", "enjoyed", "wished", "missed", "failed",
    }
)
_ACTION_PAST = re.compile(
    r"\bi (?:then |first |also |quickly |immediately |personally |eventually |finally |later |instead |"
    r"actually |just |carefully |calmly )?(" + _PAST_VERBS + r")\b"
)
# Team actions ("we rebuilt") still count as the action part; the ownership check says whose part it was.
_TEAM_ACTION_PAST = re.compile(
    r"\bwe (?:then |first |also |quickly |immediately |eventually |finally |all )?(" + _PAST_VERBS + r")\b"
)
_ACTION_EXTRA = _patterns(r"\bmy first step was\b", r"\bso i (?:went|asked|called|decided|set|started)\b")
_ACTION_HYPOTHETICAL = _patterns(
    r"\bi(?:'d| would| will|'ll) (?:first |then |also |probably |start by |begin by |try to )?[a-z]{3,}",
    r"\bmy first (?:step|move|priority) would be\b",
    r"\b(?:first|firstly|then|next|after that|finally),? i(?:'d| would)\b",
)

_CUES: dict[str, tuple[re.Pattern[str], ...]] = {
    "situation": _patterns(
        r"\b(?:in|at|during) my (?:last|previous|first|current|old|former|second|third) (?:job|role|position|"
        r"company|team|internship|placement|year|semester|employer|workplace)\b",
        r"\b(?:in|at|during) my (?:last|previous|first|current|old|former) [a-z]+\b",
        r"\b(?:in|on|during|spent) my (?:placement|internship|apprenticeship|degree|course|studies|gap year|"
        r"time at)\b",
        r"\bwhen i (?:was|worked|joined|started|moved|took over)\b",
        r"\bwhile (?:i was|working|at|studying)\b",
        r"\b(?:last|this|that|one) (?:year|month|week|summer|spring|autumn|fall|winter|quarter|term)\b",
        r"\bin (?:19|20)\d{2}\b",
        r"\b(?:back in|a few (?:years|months|weeks) ago|years ago|months ago)\b",
        r"\b(?:at the time|the situation was|the context was|the background was)\b",
        r"\b(?:our|the|my) (?:team|company|client|customer|manager|project|department|store|shop|school|"
        r"business|startup|product|warehouse|office|ward|class) (?:was|were|had|needed|wanted|asked)\b",
        r"\bthere (?:was|were) (?:a|an|some|two|three|several|many)\b",
        r"\b(?:we|i) (?:had|were|was) (?:a|an|some|two|three|several|been)\b",
        r"\bi was (?:working|part of|on a|an? [a-z]+ at)\b",
    ),
    "task": _patterns(
        r"\bmy (?:job|role|task|responsibility|goal|aim|brief|assignment|challenge|part) (?:was|were)\b",
        r"\bi was (?:asked|responsible|tasked|in charge|given|expected|supposed|brought in)\b",
        r"\bi (?:needed|had) to\b",
        r"\b(?:the|our|my) (?:goal|aim|task|challenge|problem|issue|objective|target|deadline|priority) "
        r"(?:was|were|is)\b",
        r"\bwe (?:needed|had) to\b",
        r"\b(?:i|we) (?:wanted|aimed|set out|decided) to\b",
        r"\bit was (?:up to me|my job|my responsibility)\b",
    ),
    "result": _patterns(
        r"\bas a result\b",
        r"\bin the end\b",
        r"\bultimately\b",
        r"\bthe (?:result|outcome|impact|effect)\b",
        r"\b(?:which|this|that|it) (?:meant|led to|resulted in|helped|allowed|let us|saved|cut|reduced|"
        r"increased|improved|gave)\b",
        r"\bended up\b",
        r"\b(?:increased|reduced|decreased|dropped|fell|rose|grew(?! up)|improved|doubled|halved|tripled|saved|"
        r"exceeded|delivered|launched|shipped|renewed|promoted|praised|resolved|solved|recovered)\b",
        r"\b(?:on time|ahead of schedule|under budget|on budget|on track)\b",
        r"\bi (?:learned|learnt|realised|realized|took away) (?:that|how|to|a lot|from)\b",
        r"\b(?:since then|from then on|these days|going forward|next time)\b",
        r"\b(?:the |their |my )?feedback was\b",
        r"\b(?:the client|the customer|my manager|the team|they|everyone) (?:was|were) (?:happy|pleased|"
        r"delighted|satisfied|relieved|impressed)\b",
    ),
}
_RESULT_HYPOTHETICAL = _patterns(
    r"\bso that\b", r"\bthat way\b", r"\bthe (?:goal|aim|point) (?:would be|is)\b", r"\b(?:which|this|that) would\b",
    r"\bto make sure\b", r"\bi(?:'d| would) (?:measure|check|know it worked|judge)\b",
)

_NUMBER = re.compile(
    r"(?:[£$€¥]\s?\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand)?|\b\d[\d,.]*\s?(?:%|percent|per cent|k\b|x\b)?"
    r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|hundreds|thousand|thousands|million|millions|dozen|dozens|half|double|doubled|halved|tripled)\b)"
)
_GENERIC = _patterns(
    r"\busually\b", r"\balways\b", r"\bgenerally\b", r"\btypically\b", r"\bnormally\b", r"\btend to\b",
    r"\bin general\b", r"\bwhenever\b", r"\bi(?:'m| am) (?:[a-z]+ ){0,2}(?:hard[- ]working|hard worker|"
    r"team player|people person|perfectionist|good at|great at)",
)
_GENERIC_WOULD = re.compile(r"\bi(?:'d| would)\b")

_HEDGES: dict[str, re.Pattern[str]] = {
    label: re.compile(source)
    for label, source in (
        ("I think", r"\bi think\b"),
        ("I guess", r"\bi guess\b"),
        ("I suppose", r"\bi suppose\b"),
        ("I feel like", r"\bi feel like\b"),
        ("maybe", r"\bmaybe\b"),
        ("perhaps", r"\bperhaps\b"),
        ("probably", r"\bprobably\b"),
        ("possibly", r"\bpossibly\b"),
        ("sort of", r"(?<!what )(?<!this )(?<!that )(?<!the )(?<!any )\bsort of\b"),
        ("kind of", r"(?<!what )(?<!this )(?<!that )(?<!the )(?<!any )\bkind of\b"),
        ("somewhat", r"\bsomewhat\b"),
        ("a bit", r"\ba (?:little )?bit\b"),
        ("hopefully", r"\bhopefully\b"),
        ("not sure", r"\bnot (?:really |totally |entirely )?sure\b"),
        ("might", r"\bmight\b"),
        ("I'm no expert", r"\bi'?m no expert\b"),
    )
}
_FILLERS: dict[str, re.Pattern[str]] = {
    label: re.compile(source)
    for label, source in (
        ("um", r"\bu+m+\b"),
        ("uh", r"\bu+h+\b"),
        ("erm", r"\berm+\b"),
        ("like", r"\blike,|,\s*like\b(?!\s+(?:a|an|the|this|that|when|how|what|to)\b)"),
        ("you know", r"\byou know\b(?! (?:what|how|why|when|where|that|the)\b)"),
        ("basically", r"\bbasically\b"),
        ("literally", r"\bliterally\b"),
        ("actually", r"\bactually\b"),
        ("honestly", r"\bhonestly\b"),
        ("just", r"\bjust\b"),
        ("really", r"\breally\b"),
        ("I mean", r"\bi mean\b"),
        ("so yeah", r"\bso,? yeah\b"),
        ("and stuff", r"\b(?:and|or) (?:stuff|something|whatever)\b|\b(?:stuff|things) like that\b"),
    )
}
_VOCAL_FILLERS = frozenset({"um", "uh", "erm"})
_FIRST_PERSON = re.compile(r"\bi\b")
_TEAM = re.compile(r"\b(?:we|us|our|ours|ourselves)\b")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_BREAK = re.compile(r"[.!?;]+(?:\s+|$)|\n+")


@dataclass(frozen=True)
class Finding:
    """One thing the check noticed: a code (its wording lives in data/practice.toml) and the evidence for it."""

    code: str
    kind: Kind
    evidence: tuple[str, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Analysis:
    """What the rules found in one answer; `findings` is what the member is told."""

    category: str
    words: int
    sentences: int
    star: Mapping[str, tuple[str, ...]]
    numbers: tuple[str, ...]
    first_person: int
    team: int
    hedges: Mapping[str, int]
    fillers: Mapping[str, int]
    generic: tuple[str, ...]
    length: LengthBand
    findings: tuple[Finding, ...]

    @property
    def strengths(self) -> list[Finding]:
        """Findings that say what is working."""
        return [finding for finding in self.findings if finding.kind == "strength"]

    @property
    def improvements(self) -> list[Finding]:
        """Findings that suggest a change, most important first."""
        return sorted(
            (finding for finding in self.findings if finding.kind == "improve"),
            key=lambda finding: priority_of(finding.code),
        )

    @property
    def codes(self) -> set[str]:
        """Every finding's code."""
        return {finding.code for finding in self.findings}

    @property
    def star_found(self) -> tuple[str, ...]:
        """The STAR parts that showed up, in order."""
        return tuple(part for part in STAR_PARTS if self.star.get(part))

    @property
    def spoken_minutes(self) -> float:
        """Roughly how long the answer takes to say aloud."""
        return self.words / WORDS_PER_MINUTE

    @property
    def score(self) -> int:
        """An internal 0-100 figure, only used to pick the strongest answer in a mock interview (never shown)."""
        return score(self)


def priority_of(code: str) -> int:
    """How important a finding is when picking one thing to work on (lower comes first)."""
    return PRIORITY.index(code) if code in PRIORITY else len(PRIORITY)


def uses_star(category: str) -> bool:
    """Whether the STAR structure is the yardstick for this kind of question."""
    return category in ("behavioural", OWN_CATEGORY)


def length_rule(category: str) -> LengthRule:
    """Word-count bands for a category (own hard questions are measured like behavioural ones)."""
    return LENGTH_RULES.get(category, LENGTH_RULES["behavioural"])


def prepare(text: str) -> str:
    """Fold the answer for matching: straight quotes, lower case, single spaces (line breaks kept as breaks)."""
    lines = (normalise_text(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def count_words(prepared: str) -> int:
    """How many words an answer has."""
    return len(_WORD.findall(prepared))


def count_sentences(prepared: str) -> int:
    """How many sentences (at least one for any non-empty text)."""
    return max(1, len([part for part in _SENTENCE_BREAK.split(prepared) if _WORD.search(part)])) if prepared else 0


def _unique(items: Iterable[str], limit: int = 3) -> tuple[str, ...]:
    seen: list[str] = []
    for item in items:
        cleaned = item.strip(" ,.;:")
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
        if len(seen) == limit:
            break
    return tuple(seen)


def find_cues(prepared: str, patterns: Sequence[re.Pattern[str]]) -> tuple[str, ...]:
    """The phrases of the answer that match any of the patterns (first few, in order of appearance)."""
    hits: list[tuple[int, str]] = []
    for pattern in patterns:
        hits.extend((match.start(), match.group(0)) for match in pattern.finditer(prepared))
    return _unique(text for _, text in sorted(hits))


def _past_actions(prepared: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    return [
        (match.start(), match.group(0)) for match in pattern.finditer(prepared) if match.group(1) not in _NOT_ACTIONS
    ]


def find_own_actions(prepared: str, category: str) -> tuple[str, ...]:
    """Things the member says they did themselves ("I rewrote"), or would do, for a what-if question."""
    hits = _past_actions(prepared, _ACTION_PAST)
    extra = list(_ACTION_EXTRA)
    if category == "situational":
        extra.extend(_ACTION_HYPOTHETICAL)
    for pattern in extra:
        hits.extend((match.start(), match.group(0)) for match in pattern.finditer(prepared))
    return _unique(text for _, text in sorted(hits))


def find_actions(prepared: str, category: str) -> tuple[str, ...]:
    """Evidence of the action part: the member's own actions, or failing those, the team's ("we rebuilt")."""
    own = find_own_actions(prepared, category)
    if own:
        return own
    return _unique(text for _, text in sorted(_past_actions(prepared, _TEAM_ACTION_PAST)))


def find_star(prepared: str, category: str) -> dict[str, tuple[str, ...]]:
    """Evidence for each STAR part: the phrases that suggest it is there."""
    result_patterns = list(_CUES["result"])
    if category == "situational":
        result_patterns.extend(_RESULT_HYPOTHETICAL)
    return {
        "situation": find_cues(prepared, _CUES["situation"]),
        "task": find_cues(prepared, _CUES["task"]),
        "action": find_actions(prepared, category),
        "result": find_cues(prepared, result_patterns),
    }


def find_numbers(prepared: str) -> tuple[str, ...]:
    """Figures in the answer: digits, percentages, money, and number words such as "three" or "doubled"."""
    return _unique((match.group(0) for match in _NUMBER.finditer(prepared)), limit=4)


def count_phrases(prepared: str, table: Mapping[str, re.Pattern[str]]) -> dict[str, int]:
    """How often each phrase of a table occurs (only those that do)."""
    counts = {label: len(pattern.findall(prepared)) for label, pattern in table.items()}
    return {label: count for label, count in counts.items() if count}


def find_generic(prepared: str, category: str) -> tuple[str, ...]:
    """Phrases that describe habits or self-labels ("I usually", "I'm a team player") instead of one real time."""
    patterns = list(_GENERIC)
    if category != "situational":
        patterns.append(_GENERIC_WOULD)
    return find_cues(prepared, patterns)


def length_band(words: int, sentences: int, category: str) -> LengthBand:
    """Too short, brief, good, long or rambling, for this kind of question."""
    rule = length_rule(category)
    if words < rule.too_short:
        return "too_short"
    if words > rule.long:
        return "rambling"
    if words >= RAMBLING_MIN_WORDS and sentences and words / sentences >= RAMBLING_SENTENCE_WORDS:
        return "rambling"
    if words < rule.brief:
        return "brief"
    return "good" if words <= rule.good else "long"


def analyse(text: str, category: str) -> Analysis:
    """Run every rule over an answer to a question of the given category."""
    prepared = prepare(text)
    words = count_words(prepared)
    sentences = count_sentences(prepared)
    star = find_star(prepared, category)
    numbers = find_numbers(prepared)
    first_person = len(_FIRST_PERSON.findall(prepared))
    team = len(_TEAM.findall(prepared))
    hedges = count_phrases(prepared, _HEDGES)
    fillers = count_phrases(prepared, _FILLERS)
    generic = find_generic(prepared, category)
    band = length_band(words, sentences, category)
    own_actions = find_own_actions(prepared, category)
    findings = tuple(
        _findings(
            category=category, words=words, star=star, numbers=numbers, first_person=first_person, team=team,
            hedges=hedges, fillers=fillers, generic=generic, band=band, own_actions=own_actions,
        )
    )
    return Analysis(
        category=category, words=words, sentences=sentences, star=star, numbers=numbers,
        first_person=first_person, team=team, hedges=hedges, fillers=fillers, generic=generic, length=band,
        findings=findings,
    )


def _findings(
    *, category: str, words: int, star: Mapping[str, tuple[str, ...]], numbers: tuple[str, ...],
    first_person: int, team: int, hedges: Mapping[str, int], fillers: Mapping[str, int],
    generic: tuple[str, ...], band: LengthBand, own_actions: tuple[str, ...],
) -> Iterable[Finding]:
    yield from _structure_findings(category, star, generic, numbers)
    if numbers:
        yield Finding("detail_numbers", "strength", numbers)
    elif category != "motivation":
        # Motivation answers are about reasons, where figures are rarely the point.
        yield Finding("detail_missing", "improve")
    rule = length_rule(category)
    yield Finding(
        f"length_{band}", "strength" if band == "good" else "improve",
        values={"words": words, "low": rule.brief, "high": rule.good},
    )
    yield from _ownership_findings(first_person, team, has_own_actions=bool(own_actions))
    yield from _delivery_findings(words, hedges, fillers)


def _structure_findings(
    category: str, star: Mapping[str, tuple[str, ...]], generic: tuple[str, ...], numbers: tuple[str, ...]
) -> Iterable[Finding]:
    found = [part for part in STAR_PARTS if star.get(part)]
    if uses_star(category):
        if len(generic) >= 2 and len(star.get("action", ())) < 2:
            yield Finding("generic", "improve", generic)
        if len(found) == len(STAR_PARTS):
            yield Finding("star_complete", "strength")
        elif len(found) <= 1:
            # With most parts missing, one suggestion about the whole shape helps more than four separate ones.
            yield Finding("star_story", "improve", values={"found": "one" if found else "none"})
        else:
            for part in STAR_PARTS:
                if not star.get(part):
                    yield Finding(f"star_{part}", "improve")
        return
    if category == "situational":
        # A hypothetical question: what matters is reading the situation, the steps, and what success looks like.
        for part in ("situation", "action", "result"):
            if not star.get(part) and not (part == "situation" and star.get("task")):
                yield Finding(f"star_{part}", "improve")
        if all(star.get(part) for part in ("action", "result")):
            yield Finding("approach_clear", "strength")
        return
    # Motivation and technical questions: STAR isn't the yardstick, but a real example makes any claim stronger.
    if star.get("action") and (star.get("situation") or star.get("result") or numbers):
        yield Finding("example_given", "strength")
    else:
        yield Finding("example_missing", "improve")


def _ownership_findings(first_person: int, team: int, *, has_own_actions: bool) -> Iterable[Finding]:
    values = {"i": first_person, "we": team}
    if team >= 2 and first_person == 0:
        yield Finding("ownership_only_we", "improve", values=values)
    elif team >= 4 and team > 2 * first_person:
        yield Finding("ownership_mostly_we", "improve", values=values)
    elif not has_own_actions:
        # Plenty of "I" but no "I did": praising ownership here would be praise for nothing.
        return
    elif first_person >= 2 and team >= 1:
        yield Finding("ownership_balanced", "strength", values=values)
    elif first_person >= 2:
        yield Finding("ownership_clear", "strength", values=values)


def _delivery_findings(words: int, hedges: Mapping[str, int], fillers: Mapping[str, int]) -> Iterable[Finding]:
    hedge_total = sum(hedges.values())
    filler_total = sum(fillers.values())
    if hedge_total >= HEDGE_THRESHOLD:
        yield Finding("hedging", "improve", _by_count(hedges), values={"count": hedge_total, "counts": dict(hedges)})
    if filler_total >= FILLER_THRESHOLD or _VOCAL_FILLERS & set(fillers):
        yield Finding("filler", "improve", _by_count(fillers), values={"count": filler_total, "counts": dict(fillers)})
    if hedge_total == 0 and filler_total == 0 and words >= LENGTH_RULES["motivation"].too_short:
        yield Finding("confident", "strength")


def _by_count(counts: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(label for label, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def score(analysis: Analysis) -> int:
    """Points for structure, detail, length, ownership and clean delivery; only for ranking a member's own answers."""
    codes = analysis.codes
    points = 12 * len(analysis.star_found)
    points += 15 if analysis.numbers else 0
    points += {"good": 12, "brief": 6, "long": 6}.get(analysis.length, 0)
    if "ownership_balanced" in codes or "ownership_clear" in codes:
        points += 10
    elif "ownership_mostly_we" in codes:
        points += 4
    hedge_total, filler_total = sum(analysis.hedges.values()), sum(analysis.fillers.values())
    points += 8 if hedge_total == 0 else 4 if hedge_total < HEDGE_THRESHOLD else 0
    points += 7 if filler_total == 0 else 3 if filler_total < FILLER_THRESHOLD else 0
    if "generic" in codes:
        points -= 10
    return max(0, min(100, points))


def one_thing_to_work_on(analyses: Sequence[Analysis]) -> str | None:
    """Across several answers, the single most useful improvement: the most important of the most frequent."""
    counts = Counter(finding.code for analysis in analyses for finding in analysis.improvements)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], priority_of(code)))


def strongest(analyses: Sequence[Analysis]) -> int | None:
    """Index of the strongest answer (ties go to the earlier one)."""
    if not analyses:
        return None
    return max(range(len(analyses)), key=lambda index: (analyses[index].score, -index))


# ---------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Feedback:
    """The feedback as the member reads it: sections of plain text, ready for an embed."""

    summary: str
    structure_title: str
    structure: str
    strengths: str
    improvements: str
    honesty: str


def quote(snippet: str, limit: int = 40) -> str:
    """Show a piece of the member's answer back to them, short and unable to break the markdown."""
    cleaned = re.sub(r"[\\*_`~|>#\[\]()<@]", "", snippet).strip()
    # Matching folds case; give "I" its capital back so the quote reads like the member wrote it.
    cleaned = re.sub(r"\bi\b", "I", cleaned)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return f"“{cleaned}”"


def _fill(template: str, finding: Finding) -> str:
    counts: Mapping[str, int] = finding.values.get("counts", {})
    shown = [quote(item) + (f" ×{counts[item]}" if counts.get(item, 1) > 1 else "") for item in finding.evidence[:5]]
    values = {key: value for key, value in finding.values.items() if key != "counts"}
    return template.format(evidence=", ".join(shown), **values)


def render_structure(analysis: Analysis, wording: Mapping[str, Any]) -> tuple[str, str]:
    """The structure section: STAR part by part with the phrases that showed it, or the example check."""
    labels = wording["star_labels"]
    if uses_star(analysis.category) or analysis.category == "situational":
        parts = STAR_PARTS if uses_star(analysis.category) else ("situation", "action", "result")
        lines = []
        for part in parts:
            cues = analysis.star.get(part, ())
            if part == "situation" and not cues and analysis.category == "situational":
                cues = analysis.star.get("task", ())
            if cues:
                lines.append(f"✅ **{labels[part]}**: {', '.join(quote(cue) for cue in cues[:2])}")
            else:
                lines.append(f"▫️ **{labels[part]}**: {wording['star_not_found']}")
        title = wording["structure_title_star"] if uses_star(analysis.category) else wording["structure_title_plan"]
        return title, "\n".join(lines)
    found = "example_given" in analysis.codes
    return wording["structure_title_example"], wording["example_found" if found else "example_not_found"]


def render(analysis: Analysis, wording: Mapping[str, Any], *, max_improvements: int = 3) -> Feedback:
    """Turn an analysis into the member's feedback, each point explained, using the wording from data/practice.toml."""
    templates: Mapping[str, str] = wording["findings"]
    title, structure = render_structure(analysis, wording)
    strengths = [f"• {_fill(templates[f.code], f)}" for f in analysis.strengths if f.code in templates]
    improvements = analysis.improvements
    shown = [f"• {_fill(templates[f.code], f)}" for f in improvements[:max_improvements] if f.code in templates]
    hidden = len(improvements) - max_improvements
    if hidden > 0:
        shown.append(wording["more_points"].format(count=hidden, noun="point" if hidden == 1 else "points"))
    minutes = analysis.spoken_minutes
    if minutes < 1.5:
        # Seconds, to the nearest ten: "about 50 seconds" reads more naturally than "0.8 minutes".
        spoken = wording["spoken_seconds"].format(seconds=max(10, round(minutes * 6) * 10))
    else:
        spoken = wording["spoken_minutes"].format(minutes=f"{minutes:.1f}".rstrip("0").rstrip("."))
    summary = wording["summary_line"].format(words=analysis.words, spoken=spoken)
    return Feedback(
        summary=summary,
        structure_title=title,
        structure=structure,
        strengths="\n".join(strengths) or wording["no_strengths"],
        improvements="\n".join(shown) or wording["no_improvements"],
        honesty=wording["honesty"],
    )
