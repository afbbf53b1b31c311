"""Rule-engine benchmark: the whole official rule set run on one learner at a time.

Generated FM36 apprentices with 2-4 deliveries (the export bench's learners, FAMs, TNP
prices, employment status) are validated with ``validate_learner`` exactly as a save, the
QA check and the export run it. Prints the number of rules that ran, the median, p95 and
p99 time per learner, and learners per second.

Reproduce (from the repository root):

    uv run python bench/rules_bench.py --learners 5000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ilr_shared.validation import LEARNER_RULES, ValidationContext, validate_learner  # noqa: E402
from tests.unit.export.factory import make_learner  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(learners: int, year: str) -> None:
    context = ValidationContext(
        academic_year=year, ukprn=10000001, file_preparation_date=date.today()
    )
    records = [make_learner(i) for i in range(learners)]
    rules = sum(1 for r in LEARNER_RULES.values() if r.meta.applies_to(year) and not r.meta.needs)
    validate_learner(records[0], context)  # warm-up: code lists and official texts load once
    timings: list[float] = []
    findings = 0
    started = time.perf_counter()
    for record in records:
        before = time.perf_counter()
        findings += len(validate_learner(record, context))
        timings.append(time.perf_counter() - before)
    total = time.perf_counter() - started
    print(f"rules_bench: {learners} learners, {year}, {rules} per-learner rules ran")
    print(f"  median {statistics.median(timings) * 1000:.3f} ms/learner")
    print(f"  p95    {percentile(timings, 0.95) * 1000:.3f} ms/learner")
    print(f"  p99    {percentile(timings, 0.99) * 1000:.3f} ms/learner")
    print(f"  total  {total:.2f} s ({learners / total:,.0f} learners/s), {findings} findings")
    print(f"reproduce: uv run python bench/rules_bench.py --learners {learners} --year {year}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=5000)
    parser.add_argument("--year", default="2026/27")
    args = parser.parse_args()
    run(args.learners, args.year)


if __name__ == "__main__":
    main()
