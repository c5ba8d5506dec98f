"""How the safety rules do on the labelled phrasings: recall per category, false alarms, and every miss.

The detailed tables are for the grammar with its trained second layer (bot/safety/model.py), as the bot runs it;
a closing table puts the grammar-only figures beside them for each file.

Run: .venv/bin/python scripts/safety_report.py [--check] [--quiet] [files...]
With no files, reads every tests/safety/*.tsv (corpus.tsv, heldout.tsv...), and reports per file and overall.
--check exits 1 when a file misses the targets (crisis recall >= 0.98, concern recall >= 0.90 counting
CONCERN or worse, benign false alarms <= 0.03).
A blind test set (a file whose name starts with "blind", e.g. blind2.tsv) only ever shows its figures: its misses
are never printed, in its own section or in "overall", so nobody tunes the rules on it by accident.
--show-misses-of NAME prints the misses of a former blind set that has become development data (blind2.tsv);
never of the current blind set (bot.safety.corpus.CURRENT_BLIND), which the script refuses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safety import Tier, load_safety_rules
from bot.safety.corpus import CURRENT_BLIND, Evaluation, corpus_files, evaluate_files, format_evaluation
from bot.safety.model import default_safety_model

# The blind test set whose misses may never be shown.
STILL_BLIND = frozenset({CURRENT_BLIND})


def _figures(evaluation: Evaluation) -> str:
    crisis, concern, benign = (evaluation.tier(tier) for tier in (Tier.CRISIS, Tier.CONCERN, Tier.BENIGN))
    return f"{crisis.rate:6.3f} {concern.rate:7.3f} {benign.rate:6.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="labelled .tsv files (default: tests/safety/*.tsv)")
    parser.add_argument("--check", action="store_true", help="exit 1 if any file misses the targets")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of misses")
    parser.add_argument(
        "--show-misses-of",
        action="append",
        default=[],
        metavar="NAME",
        help="print the misses of this former blind set too (a file name such as blind2.tsv)",
    )
    args = parser.parse_args(argv)
    reveal = {Path(name).name for name in args.show_misses_of}
    if reveal & STILL_BLIND:
        print(
            f"{', '.join(sorted(reveal & STILL_BLIND))} is the current blind test set: its misses stay hidden",
            file=sys.stderr,
        )
        return 2
    paths = args.files or corpus_files()
    if not paths:
        print("no labelled files found", file=sys.stderr)
        return 2
    grammar = evaluate_files(paths, load_safety_rules())
    results = evaluate_files(paths, load_safety_rules(model=default_safety_model()))
    failed = False
    for name, evaluation in results.items():
        print(format_evaluation(f"== {name} (grammar + model)", evaluation, show_misses=not args.quiet, reveal=reveal))
        print()
        failed |= name != "overall" and bool(evaluation.failures())
    print(f"{'':32} {'grammar only':^22}   {'grammar + model':^22}")
    print(f"{'file':32} {'crisis concern  false':22}   {'crisis concern  false':22}")
    for name, evaluation in results.items():
        print(f"{Path(name).name:32} {_figures(grammar[name]):22}   {_figures(evaluation):22}")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
