"""Practice rules without Discord: feedback wording from an analysis, the strongest answer, what to work on.

The analyser (`analysis.py`) decides what an answer shows; this module turns that into the sections the member
reads, with the words of data/practice.toml, and sums up a session. Pure functions, unit-tested.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.content import plural
from cogs.practice.analysis import STAR_PARTS, Analysis, Finding, priority_of, uses_star


def one_thing_to_work_on(analyses: Sequence[Analysis]) -> str | None:
    """Across several answers, the single most useful improvement: the most important of the most frequent."""
    counts = Counter(finding.code for analysis in analyses for finding in analysis.improvements)
    if not counts:
        return None
    return min(counts, key=lambda code: (-counts[code], priority_of(code)))


def strongest(analyses: Sequence[Analysis]) -> int | None:
    """Index of the strongest answer (ties go to the earlier one); an answer to another question never is one."""
    candidates = [index for index, analysis in enumerate(analyses) if not analysis.off_topic]
    if not candidates:
        return None
    return max(candidates, key=lambda index: (analyses[index].score, -index))


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


# Which number in a finding is said with which noun (data/practice.toml [counted]).
COUNTED = {"words": "words", "i": "times", "we": "times"}
MAX_EVIDENCE = 5


def _fill(template: str, finding: Finding, counted: Mapping[str, Mapping[str, str]]) -> str:
    counts: Mapping[str, int] = finding.values.get("counts", {})
    listed, rest = finding.evidence[:MAX_EVIDENCE], finding.evidence[MAX_EVIDENCE:]
    shown = [quote(item) + (f" ×{counts[item]}" if counts.get(item, 1) > 1 else "") for item in listed]
    # The phrases left out are still counted, so "I counted 6" never sits above five listed.
    hidden = sum(counts.get(item, 1) for item in rest)
    values = {key: value for key, value in finding.values.items() if key != "counts"}
    for key, noun in COUNTED.items():
        if isinstance(values.get(key), int):
            values[key] = plural(counted[noun], values[key])
    if finding.code == "hedging":
        values["hedges"] = plural(counted["hedges"], int(values["count"]))
    more = plural(counted["more"], hidden) if hidden else ""
    return template.format(evidence=", ".join(shown), more=more, **values)


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
    counted = wording["counted"]
    strengths = [f"• {_fill(templates[f.code], f, counted)}" for f in analysis.strengths if f.code in templates]
    improvements = analysis.improvements
    shown = [
        f"• {_fill(templates[f.code], f, counted)}" for f in improvements[:max_improvements] if f.code in templates
    ]
    hidden = len(improvements) - max_improvements
    if hidden > 0:
        shown.append(plural(wording["more_points"], hidden))
    minutes = analysis.spoken_minutes
    if minutes < 1.5:
        # Seconds, to the nearest ten: "about 50 seconds" reads more naturally than "0.8 minutes".
        spoken = plural(wording["spoken_seconds"], max(10, round(minutes * 6) * 10))
    else:
        spoken = wording["spoken_minutes"].format(minutes=f"{minutes:.1f}".rstrip("0").rstrip("."))
    summary = plural(wording["summary_line"], analysis.words, spoken=spoken)
    return Feedback(
        summary=summary,
        structure_title=title,
        structure=structure,
        strengths="\n".join(strengths) or wording["no_strengths"],
        improvements="\n".join(shown) or wording["no_improvements"],
        honesty=wording["honesty"],
    )


def clip(text: str, limit: int) -> str:
    """Shorten text to a Discord limit, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def join_words(items: Sequence[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def strongest_reasons(analysis: Analysis, reasons_table: Mapping[str, str], fallback: str, *, last: str = "and") -> str:
    """Why an answer was the strongest, from its strengths (e.g. "all four STAR parts and concrete figures")."""
    reasons: list[str] = []
    for finding in analysis.strengths:
        reason = reasons_table.get(finding.code)
        if reason and reason not in reasons:
            reasons.append(reason)
    return join_words(reasons[:3], last) or fallback
