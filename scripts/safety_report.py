"""How the safety rules do on the labelled phrasings: recall per category, false alarms, and every miss.

Run: .venv/bin/python scripts/safety_report.py [--check] [--quiet] [files...]
With no files, reads every tests/safety/*.tsv (corpus.tsv, heldout.tsv...), and reports per file and overall.
--check exits 1 when a file misses the targets (crisis recall >= 0.98, concern recall >= 0.90 counting
CONCERN or worse, benign false alarms <= 0.03).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safety import load_safety_rules
from bot.safety_corpus import corpus_files, evaluate_files, format_evaluation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="labelled .tsv files (default: tests/safety/*.tsv)")
    parser.add_argument("--check", action="store_true", help="exit 1 if any file misses the targets")
    parser.add_argument("--quiet", action="store_true", help="figures only, no list of misses")
    args = parser.parse_args(argv)
    paths = args.files or corpus_files()
    if not paths:
        print("no labelled files found", file=sys.stderr)
        return 2
    results = evaluate_files(paths, load_safety_rules())
    failed = False
    for name, evaluation in results.items():
        print(format_evaluation(f"== {name}", evaluation, show_misses=not args.quiet))
        print()
        failed |= name != "overall" and bool(evaluation.failures())
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
