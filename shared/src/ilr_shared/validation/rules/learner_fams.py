"""Learner FAM rules (LearnerFAM), learning support cost, and GCSE English and maths
grades with the FAMs they imply."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..access import Record, deliveries, is_known, same_code, text
from ..model import Hit, ValidationContext
from ..registry import LearnerCheck, rule
from .common import valid_lookup
from .learner_helpers import FM_16_19, has_learner_fam, learner_fams

_GRADE_NONE = "NONE"
# GCSE grade D or below, or grade 3 or below (EngGrade_03 / MathGrade_03).
_LOW_GRADES = frozenset(
    {"D", "DD", "DE", "E", "EE", "EF", "F", "FF", "FG", "G", "GG", "N", "U", "3", "2", "1"}
)
_MET_OR_EXEMPT = ("2", "3", "4")


def _fam_path(index: int, field: str) -> str:
    return f"LearnerFAM[{index}].{field}"


@rule("LearnFAMType_01")
def learn_fam_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Each Learner FAM code must be valid for its FAM type (a missing code is left to
    the field-definition rules)."""
    for index, fam_type, code in learner_fams(record):
        if fam_type is None or code is None:
            continue
        type_ok = valid_lookup(ctx, "LearnFAMType", fam_type)
        if not type_ok or not valid_lookup(ctx, f"LearnFAMCode.{fam_type}", code):
            yield Hit(_fam_path(index, "LearnFAMCode"))


def _occurrence_rule(fam_types: frozenset[str], limit: int) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        seen: Counter[str] = Counter()
        for index, fam_type, _ in learner_fams(record):
            if fam_type not in fam_types:
                continue
            seen[fam_type] += 1
            if seen[fam_type] > limit:
                yield Hit(_fam_path(index, "LearnFAMType"))

    check.__doc__ = f"At most {limit} Learner FAM(s) of each type {', '.join(sorted(fam_types))}."
    return check


for _name, _types, _limit in (
    ("LearnFAMType_09", {"HNS", "EHC", "DLA", "SEN", "MCF", "ECF", "FME", "MMH", "EMH"}, 1),
    ("LearnFAMType_10", {"LSR"}, 4),
    ("LearnFAMType_11", {"NLM", "EDF"}, 2),
):
    rule(_name)(_occurrence_rule(frozenset(_types), _limit))


def _fam_indexes(record: Record, fam_type: str, code: str) -> list[int]:
    return [i for i, t, c in learner_fams(record) if t == fam_type and same_code(c, code)]


@rule("LearnFAMType_14")
def learn_fam_type_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner with SEN must not also have an EHC plan FAM."""
    if _fam_indexes(record, "SEN", "1"):
        for index in _fam_indexes(record, "EHC", "1"):
            yield Hit(_fam_path(index, "LearnFAMType"))


def _exemption_needs_ehc(fam_type: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if has_learner_fam(record, "EHC"):
            return
        for index in _fam_indexes(record, fam_type, "1"):
            yield Hit(_fam_path(index, "LearnFAMCode"))

    check.__doc__ = (
        f"{fam_type} 1 (exempt from the GCSE condition of funding through a learning "
        "difficulty) needs an EHC plan FAM."
    )
    return check


rule("LearnFAMType_15")(_exemption_needs_ehc("MCF"))
rule("LearnFAMType_16")(_exemption_needs_ehc("ECF"))


@rule("LearnFAMType_17")
def learn_fam_type_17(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """NLM 22 (repeating a final 16-19 year) and NLM 21 must not both be returned."""
    if _fam_indexes(record, "NLM", "22"):
        for index in _fam_indexes(record, "NLM", "21"):
            yield Hit(_fam_path(index, "LearnFAMCode"))


@rule("ALSCost_02")
def als_cost_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learning support cost is only returned for High Needs Students (HNS FAM)."""
    if is_known(record, "ALSCost") and not has_learner_fam(record, "HNS"):
        yield Hit("ALSCost")


def _grade(record: Record, field: str) -> str | None:
    value = text(record, field)
    return value.upper() if value is not None else None


def _grade_required(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if is_known(record, field):
            return
        if any(d.number("FundModel") == FM_16_19 for d in deliveries(record)):
            yield Hit(field)

    check.__doc__ = f"16-19 funded (FM 25) learners must have a {field}."
    return check


def _grade_valid(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        grade = _grade(record, field)
        if grade is not None and grade != _GRADE_NONE and not valid_lookup(ctx, field, grade):
            yield Hit(field)

    check.__doc__ = f"If returned, the {field} must be NONE or a valid GCSE grade."
    return check


def _low_grade_needs_edf(field: str, edf_code: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if _grade(record, field) in _LOW_GRADES and not has_learner_fam(record, "EDF", edf_code):
            yield Hit(field)

    check.__doc__ = f"A {field} of D / 3 or below needs Learner FAM EDF {edf_code}."
    return check


def _met_condition_needs_none(field: str, fam_type: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if (
            has_learner_fam(record, fam_type, *_MET_OR_EXEMPT)
            and _grade(record, field) != _GRADE_NONE
        ):
            yield Hit(field)

    check.__doc__ = f"{fam_type} 2, 3 or 4 (condition of funding met or exempt): {field} NONE."
    return check


for _field, _edf, _cof in (("EngGrade", "2", "ECF"), ("MathGrade", "1", "MCF")):
    rule(f"{_field}_01")(_grade_required(_field))
    rule(f"{_field}_02")(_grade_valid(_field))
    rule(f"{_field}_03")(_low_grade_needs_edf(_field, _edf))
    rule(f"{_field}_04")(_met_condition_needs_none(_field, _cof))
