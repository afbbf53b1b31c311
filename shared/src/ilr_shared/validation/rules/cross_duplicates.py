"""Cross-record rules: duplicated child records within one learner (R_43 ... R_157)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from datetime import date
from itertools import pairwise

from ..access import Delivery, Record, children, day, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import SOURCE_V4, rule
from .common import APPRENTICESHIP_STANDARD, FM_APPRENTICESHIPS, PROGRAMME_AIM

_R52_EXCLUDED_TYPES = frozenset({"LSF", "ACT", "ALB"})
_R157_FROM = date(2026, 8, 1)


def repeated(keyed: Iterable[tuple[Hashable | None, str]]) -> Iterator[Hit]:
    """A hit at each (key, path) whose key was already seen; unknown keys never match."""
    seen: set[Hashable] = set()
    for key, path in keyed:
        if key is None:
            continue
        if key in seen:
            yield Hit(path)
        seen.add(key)


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def _pair(first: Hashable | None, second: Hashable | None) -> tuple[Hashable, Hashable] | None:
    return None if first is None or second is None else (first, second)


@rule("R_43")
def r_43(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two employment statuses may share a DateEmpStatApp."""
    return repeated(
        (day(s, "DateEmpStatApp"), f"LearnerEmploymentStatus[{i}].DateEmpStatApp")
        for i, s in children(record, "LearnerEmploymentStatus")
    )


@rule("R_45")
def r_45(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two LLDD and health problem records may share an LLDDCat."""
    return repeated(
        (integer(p, "LLDDCat"), f"LLDDandHealthProblem[{i}].LLDDCat")
        for i, p in children(record, "LLDDandHealthProblem")
    )


@rule("R_49")
def r_49(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two learner provider specified monitoring records may share an occurrence code."""
    return repeated(
        (
            _upper(text(m, "ProvSpecLearnMonOccur")),
            f"ProviderSpecLearnerMonitoring[{i}].ProvSpecLearnMonOccur",
        )
        for i, m in children(record, "ProviderSpecLearnerMonitoring")
    )


@rule("R_50")
def r_50(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two provider specified monitoring records of an aim may share an occurrence code."""
    for d in deliveries(record):
        yield from repeated(
            (
                _upper(text(m, "ProvSpecDelMonOccur")),
                d.at(f"ProviderSpecDeliveryMonitoring[{i}].ProvSpecDelMonOccur"),
            )
            for i, m in children(d.data, "ProviderSpecDeliveryMonitoring")
        )


@rule("R_51")
def r_51(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two learner FAM records may share a LearnFAMType and LearnFAMCode."""
    return repeated(
        (
            _pair(_upper(text(f, "LearnFAMType")), integer(f, "LearnFAMCode")),
            f"LearnerFAM[{i}].LearnFAMCode",
        )
        for i, f in children(record, "LearnerFAM")
    )


def _fam_key(fam_type: str | None, code: str | None) -> tuple[Hashable, Hashable] | None:
    if fam_type is None or fam_type.upper() in _R52_EXCLUDED_TYPES or code is None:
        return None
    return (fam_type.upper(), int(code) if code.isascii() and code.isdigit() else code.upper())


@rule("R_52")
def r_52(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two FAM records of an aim may share a type and code (LSF, ACT and ALB excepted)."""
    for d in deliveries(record):
        yield from repeated(
            (_fam_key(kind, code), d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMCode"))
            for i, kind, code in d.fams()
        )


@rule("R_67")
def r_67(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two work placements of an aim may share a start date and employer identifier."""
    for d in deliveries(record):
        yield from repeated(
            (
                _pair(day(w, "WorkPlaceStartDate"), integer(w, "WorkPlaceEmpId")),
                d.at(f"LearningDeliveryWorkPlacement[{i}].WorkPlaceStartDate"),
            )
            for i, w in children(d.data, "LearningDeliveryWorkPlacement")
        )


@rule("R_96")
def r_96(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No two work placements of the learner may share a start date."""
    return repeated(
        (
            day(w, "WorkPlaceStartDate"),
            d.at(f"LearningDeliveryWorkPlacement[{i}].WorkPlaceStartDate"),
        )
        for d in deliveries(record)
        for i, w in children(d.data, "LearningDeliveryWorkPlacement")
    )


def _standard_programmes(record: Record) -> dict[int | None, list[Delivery]]:
    """FM36 apprenticeship standard programme aims grouped by StdCode."""
    groups: dict[int | None, list[Delivery]] = {}
    for d in deliveries(record):
        if (
            d.number("FundModel") == FM_APPRENTICESHIPS
            and d.number("AimType") == PROGRAMME_AIM
            and d.number("ProgType") == APPRENTICESHIP_STANDARD
        ):
            groups.setdefault(d.number("StdCode"), []).append(d)
    return groups


def _fin_key(fin: Record) -> tuple[str, int, date] | None:
    kind, code, on = text(fin, "AFinType"), integer(fin, "AFinCode"), day(fin, "AFinDate")
    if kind is None or code is None or on is None:
        return None
    return (kind.upper(), code, on)


@rule("R_68")
def r_68(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An FM36 standard's financial records must not repeat type, code and date."""
    for programmes in _standard_programmes(record).values():
        yield from repeated(
            (_fin_key(fin), d.at(f"AppFinRecord[{i}].AFinType"))
            for d in programmes
            for i, fin in d.app_fin()
        )


def _status_key(status: Record) -> tuple[Hashable, ...]:
    monitoring = frozenset(
        (_upper(text(m, "ESMType")), integer(m, "ESMCode"))
        for _, m in children(status, "EmploymentStatusMonitoring")
    )
    return (
        integer(status, "EmpStat"),
        integer(status, "EmpId"),
        _upper(text(status, "AgreemId")),
        monitoring,
    )


@rule("R_97")
def r_97(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Consecutive employment statuses must not be identical."""
    dated = sorted(
        (applies, i, status)
        for i, status in children(record, "LearnerEmploymentStatus")
        if (applies := day(status, "DateEmpStatApp")) is not None
    )
    for (before, _, earlier), (after, i, later) in pairwise(dated):
        if before != after and _status_key(earlier) == _status_key(later):
            yield Hit(f"LearnerEmploymentStatus[{i}].EmpStat")


@rule("R_157", years={"2026/27"}, source=SOURCE_V4)
def r_157(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Aims started from 1 August 2026 must not have two ALB records with the same date from."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < _R157_FROM:
            continue
        yield from repeated(
            (day(fam, "LearnDelFAMDateFrom"), d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMDateFrom"))
            for i, fam in children(d.data, "LearningDeliveryFAM")
            if _upper(text(fam, "LearnDelFAMType")) == "ALB"
        )
