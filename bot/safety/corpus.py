"""Labelled safety phrasings (tests/safety/*.tsv) and how the safety rules do on them.

Used by scripts/safety_report.py and tests/unit/test_safety_corpus.py. A file has one phrasing a line:
``tier<TAB>category<TAB>text``, tier one of crisis / concern / benign; blank lines and lines starting with # are
skipped. The phrasings are ours, not members', so reports may print them, except those of a blind test set (a file
whose name starts with "blind"): its misses are never printed, only its figures, so nobody tunes the rules on it.

Scoring: a crisis phrasing is caught only when assessed CRISIS; a concern phrasing is caught when assessed CONCERN
or worse (exact-tier figures are reported too); a benign phrasing is a false alarm when assessed anything but BENIGN.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.safety.assess import SafetyRules
from bot.safety.tiers import SafetyAssessment, Tier

CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "safety"
TIERS = {"crisis": Tier.CRISIS, "concern": Tier.CONCERN, "benign": Tier.BENIGN}

# What the rules must reach on tests/safety/corpus.tsv.
TARGET_CRISIS_RECALL = 0.98
TARGET_CONCERN_RECALL = 0.90
TARGET_BENIGN_FALSE_ALARMS = 0.03


@dataclass(frozen=True)
class Example:
    """One labelled phrasing and where it was written."""

    path: Path
    line: int
    tier: Tier
    category: str
    text: str


@dataclass
class Figures:
    """How one group of phrasings (a category, a tier, a file) was assessed."""

    count: int = 0
    caught: int = 0  # crisis: assessed CRISIS; concern: CONCERN or worse; benign: a false alarm
    exact: int = 0  # assessed exactly the labelled tier
    misses: list[tuple[Example, SafetyAssessment]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Recall for crisis and concern, the false-alarm rate for benign."""
        return self.caught / self.count if self.count else 0.0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.count if self.count else 0.0


@dataclass
class Evaluation:
    """Figures per tier and per (tier, category) for a set of phrasings."""

    tiers: dict[Tier, Figures] = field(default_factory=dict)
    categories: dict[tuple[Tier, str], Figures] = field(default_factory=dict)

    def tier(self, tier: Tier) -> Figures:
        return self.tiers.get(tier, Figures())

    def failures(self) -> list[str]:
        """Which targets these figures miss (crisis recall, concern recall, benign false alarms)."""
        failed = []
        crisis, concern, benign = self.tier(Tier.CRISIS), self.tier(Tier.CONCERN), self.tier(Tier.BENIGN)
        if crisis.count and crisis.rate < TARGET_CRISIS_RECALL:
            failed.append(f"crisis recall {crisis.rate:.3f} < {TARGET_CRISIS_RECALL}")
        if concern.count and concern.rate < TARGET_CONCERN_RECALL:
            failed.append(f"concern recall {concern.rate:.3f} < {TARGET_CONCERN_RECALL}")
        if benign.count and benign.rate > TARGET_BENIGN_FALSE_ALARMS:
            failed.append(f"benign false alarms {benign.rate:.3f} > {TARGET_BENIGN_FALSE_ALARMS}")
        return failed


# The current blind test set: measured once when it arrives, never used to change anything, its misses never
# printed. The next one replaces it, and this one becomes development data (like blind2.tsv to blind8.tsv).
CURRENT_BLIND = "blind9.tsv"


def is_blind(path: Path) -> bool:
    """Whether a file is a blind test set, whose phrasings a report never prints."""
    return path.name.startswith("blind")


def read_examples(path: Path) -> list[Example]:
    """The labelled phrasings of one file; ValueError names the file and line of a malformed one."""
    examples = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = raw.split("\t", 2)
        if len(parts) != 3 or not parts[2].strip():
            raise ValueError(f"{path}:{number}: expected tier<TAB>category<TAB>text")
        tier_name, category, text = (part.strip() for part in parts)
        if tier_name not in TIERS:
            raise ValueError(f"{path}:{number}: tier must be one of {', '.join(TIERS)}, got {tier_name!r}")
        examples.append(Example(path, number, TIERS[tier_name], category, text))
    return examples


def corpus_files(directory: Path = CORPUS_DIR) -> list[Path]:
    """Every labelled file: corpus.tsv first, then the others (heldout.tsv...) by name."""
    return sorted(directory.glob("*.tsv"), key=lambda path: (path.name != "corpus.tsv", path.name))


def evaluate(examples: Iterable[Example], rules: SafetyRules) -> Evaluation:
    """Assess every phrasing and sum up per tier and per category."""
    evaluation = Evaluation()
    for example in examples:
        assessment = rules.assess(example.text)
        if example.tier is Tier.CRISIS:
            caught = assessment.tier is Tier.CRISIS
        elif example.tier is Tier.CONCERN:
            caught = assessment.tier >= Tier.CONCERN
        else:
            caught = assessment.tier > Tier.BENIGN
        for figures in (
            evaluation.tiers.setdefault(example.tier, Figures()),
            evaluation.categories.setdefault((example.tier, example.category), Figures()),
        ):
            figures.count += 1
            figures.caught += caught
            figures.exact += assessment.tier is example.tier
            # A miss is a crisis or concern not caught, or a benign phrasing that raised an alarm.
            if caught == (example.tier is Tier.BENIGN):
                figures.misses.append((example, assessment))
    return evaluation


def format_evaluation(
    title: str, evaluation: Evaluation, *, show_misses: bool = True, reveal: Collection[str] = ()
) -> str:
    """A table per category, the tier totals, and the misses with their text (never those of a blind file, unless
    its name is in `reveal`: a former blind set that has become development data)."""
    lines = [title, f"{'tier':8} {'category':20} {'count':>5} {'rate':>7} {'exact':>7}"]
    for tier in (Tier.CRISIS, Tier.CONCERN, Tier.BENIGN):
        measure = (
            "false alarms"
            if tier is Tier.BENIGN
            else ("recall (tier>=CONCERN)" if tier is Tier.CONCERN else "recall (tier==CRISIS)")
        )
        for (category_tier, category), figures in sorted(evaluation.categories.items(), key=lambda item: item[0][1]):
            if category_tier is tier:
                lines.append(
                    f"{tier.name.lower():8} {category:20} {figures.count:5d} {figures.rate:7.3f} "
                    f"{figures.exact_rate:7.3f}"
                )
        total = evaluation.tier(tier)
        if total.count:
            lines.append(
                f"{tier.name.lower():8} {'ALL':20} {total.count:5d} {total.rate:7.3f} "
                f"{total.exact_rate:7.3f}   <- {measure}"
            )
    failures = evaluation.failures()
    lines.append("targets: " + ("met" if not failures else "MISSED: " + "; ".join(failures)))
    if show_misses:
        misses = [miss for tier in (Tier.CRISIS, Tier.CONCERN, Tier.BENIGN) for miss in evaluation.tier(tier).misses]
        shown = [
            (example, assessment)
            for example, assessment in misses
            if not is_blind(example.path) or example.path.name in reveal
        ]
        hidden = len(misses) - len(shown)
        lines.append(
            f"misses and false alarms: {len(misses)}" + (f" ({hidden} in blind test sets, not shown)" if hidden else "")
        )
        for example, assessment in shown:
            lines.append(
                f"  {example.path.name}:{example.line} {example.tier.name.lower()}/{example.category} -> "
                f"{assessment.tier.name.lower()} ({assessment.matched}): {example.text}"
            )
    return "\n".join(lines)


def evaluate_files(paths: Sequence[Path], rules: SafetyRules) -> dict[str, Evaluation]:
    """Figures per file, plus 'overall' when there is more than one file."""
    examples = {str(path): read_examples(path) for path in paths}
    results = {name: evaluate(items, rules) for name, items in examples.items()}
    if len(paths) > 1:
        results["overall"] = evaluate([item for items in examples.values() for item in items], rules)
    return results
