"""FAM codes used outside their validity dates (LearnDelFAMType_06/_104, LearnFAMType_03).

Dates come from the code lists (``CodeList.valid_to``/``valid_from``); an undated code is
always valid; unknown codes are LearnDelFAMType_04/LearnFAMType_01's to report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from ...ilr.codes import code_lists
from ..access import Record, deliveries, same_code
from ..derived.dd06 import earliest_start
from ..model import ALL_YEARS, Hit, ValidationContext
from ..registry import SOURCE_CSV, rule
from .learner_helpers import learner_fams

_LDM = "LDM"
# LDM codes LearnDelFAMType_104 never checks (its exclusion: the whole aim is skipped).
_LDM_EXCLUDED = ("368", "369")


def _code_date(dates: Mapping[str, date], code: str) -> date | None:
    """The date of ``code`` in a per-code date map, reading "034" and "34" alike."""
    found = dates.get(code)
    if found is not None:
        return found
    return next((d for key, d in dates.items() if same_code(code, key)), None)


def _valid_to(ctx: ValidationContext, list_name: str, code: str) -> date | None:
    found = code_lists(ctx.academic_year).get(list_name)
    return _code_date(found.valid_to, code) if found is not None else None


def _valid_from(ctx: ValidationContext, list_name: str, code: str) -> date | None:
    found = code_lists(ctx.academic_year).get(list_name)
    return _code_date(found.valid_from, code) if found is not None else None


@rule("LearnDelFAMType_06", years=ALL_YEARS, source=SOURCE_CSV)
def learn_del_fam_type_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learning start date must not be after the 'Valid to' date of a learning
    delivery FAM code (restarted aims, with a RES record, are excluded)."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or d.has_fam("RES"):
            continue
        for index, fam_type, code in d.fams():
            if fam_type is None or code is None:
                continue
            last = _valid_to(ctx, f"LearnDelFAMCode.{fam_type.upper()}", code)
            if last is not None and start > last:
                yield Hit(d.at(f"LearningDeliveryFAM[{index}].LearnDelFAMCode"))


@rule("LearnDelFAMType_104", years=ALL_YEARS, source=SOURCE_CSV)
def learn_del_fam_type_104(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learning start date must not be before the 'EffectiveFrom' date of a learning
    delivery monitoring (LDM) code (aims with LDM 368 or 369 are excluded). Silent for
    codes the LDM list has no date for."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or any(d.has_fam(_LDM, code) for code in _LDM_EXCLUDED):
            continue
        for index, fam_type, code in d.fams():
            if fam_type is None or code is None or fam_type.upper() != _LDM:
                continue
            first = _valid_from(ctx, f"LearnDelFAMCode.{_LDM}", code)
            if first is not None and start < first:
                yield Hit(d.at(f"LearningDeliveryFAM[{index}].LearnDelFAMCode"))


@rule("LearnFAMType_03", years=ALL_YEARS, source=SOURCE_CSV)
def learn_fam_type_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The learner's earliest learning start date (DD06) must not be after the 'Valid
    to' date of a learner FAM type and code."""
    first = earliest_start(record)
    if first is None:
        return
    for index, fam_type, code in learner_fams(record):
        if fam_type is None or code is None:
            continue
        last = _valid_to(ctx, f"LearnFAMCode.{fam_type}", code)
        if last is not None and first > last:
            yield Hit(f"LearnerFAM[{index}].LearnFAMCode")
