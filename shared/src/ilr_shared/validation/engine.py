"""Run the registered rules over one learner or a whole file."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from . import derived as _derived  # noqa: F401  (registers every derived-data helper)
from . import rules as _rules  # noqa: F401  (registers every rule)
from .access import LearnerView, learn_ref
from .model import Finding, Hit, ValidationContext
from .registry import FILE_RULES, LEARNER_RULES, RuleMeta

log = logging.getLogger(__name__)


def _finding(meta: RuleMeta, hit: Hit, ref: str, academic_year: str) -> Finding:
    return Finding(
        rule=meta.name,
        severity=meta.severity_in(academic_year),
        message=meta.message_in(academic_year),
        field=hit.field,
        learn_ref_number=ref,
    )


def runs(meta: RuleMeta, context: ValidationContext) -> bool:
    """The rule belongs to the year and every dataset it reads is loaded."""
    return meta.applies_to(context.academic_year) and set(meta.needs) <= context.datasets


@cache
def _active_names(academic_year: str, datasets: frozenset[str]) -> tuple[str, ...]:
    """Names of the per-learner rules that run for a year with these datasets."""
    return tuple(
        name
        for name, r in LEARNER_RULES.items()
        if r.meta.applies_to(academic_year) and set(r.meta.needs) <= datasets
    )


def validate_learner(record: Mapping[str, Any], context: ValidationContext) -> list[Finding]:
    """All per-learner findings for one canonical learner dict. Never raises on bad data."""
    if not isinstance(record, Mapping):
        return []
    view = LearnerView(record)
    ref = learn_ref(view)
    year = context.academic_year
    findings: list[Finding] = []
    for name in _active_names(year, context.datasets):
        registered = LEARNER_RULES[name]  # looked up each time: a rule may be replaced
        try:
            hits = list(registered.check(view, context))
        except Exception:  # a rule bug must not stop a save or an export
            log.exception("validation rule %s failed on %r", registered.meta.name, ref)
            continue
        if hits:
            findings.extend(_finding(registered.meta, hit, ref, year) for hit in hits)
    return findings


def validate_batch(
    records: Iterable[Mapping[str, Any]], context: ValidationContext
) -> dict[str, list[Finding]]:
    """Findings for every learner of a file, keyed by LearnRefNumber, including the
    cross-learner rules (R_06, R_59). Records are read once and not kept, so memory grows
    only with the number of learners' keys and findings."""
    checks = [
        (registered.meta, registered.factory(context))
        for registered in FILE_RULES.values()
        if runs(registered.meta, context)
    ]
    results: dict[str, list[Finding]] = {}
    for record in records:
        if not isinstance(record, Mapping):
            continue
        results.setdefault(learn_ref(record), []).extend(validate_learner(record, context))
        for _, check in checks:
            check.observe(record)
    for meta, check in checks:
        for ref, hit in check.finish():
            results.setdefault(ref, []).append(_finding(meta, hit, ref, context.academic_year))
    return results
