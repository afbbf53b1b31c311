"""Rules on LearningDeliveryWorkPlacement and ProviderSpecDeliveryMonitoring records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ..access import Delivery, Record, children, day, deliveries, is_known, text
from ..derived.dd14 import work_place_emp_id_check_digit
from ..model import Hit, ValidationContext
from ..registry import EMPLOYERS, needs_reference_data, rule
from .common import valid_lookup

PLACEMENT = "LearningDeliveryWorkPlacement"
UNKNOWN_EMPLOYER = "999999999"
T_LEVEL_PLACEMENT = "ZWRKX003"
_PLACEMENT_AIMS = frozenset(
    {"Z0007834", "Z0007835", "Z0007836", "Z0007837", "Z0007838", "Z0002347", "ZWRKX001", "ZWRKX002"}
)
_INDUSTRY_PLACEMENTS = frozenset({"ZWRKX002", T_LEVEL_PLACEMENT})

PlacementTest = Callable[[Delivery, Record, ValidationContext], bool]


def _aim_ref(d: Delivery) -> str | None:
    ref = d.text("LearnAimRef")
    return ref.upper() if ref else None


def _placements(d: Delivery) -> list[tuple[int, Record]]:
    return list(children(d.data, PLACEMENT))


def _placement_rule(name: str, doc: str, field: str, test: PlacementTest) -> None:
    """Register a rule reporting a field of each work placement that fails ``test``."""

    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        for d in deliveries(record):
            for index, placement in _placements(d):
                if test(d, placement, ctx):
                    yield Hit(d.at(f"{PLACEMENT}[{index}].{field}"))

    check.__doc__ = doc
    rule(name)(check)


def _later(first: date | None, second: date | None) -> bool:
    return first is not None and second is not None and first > second


def _emp_id_check_digit_wrong(d: Delivery, placement: Record, ctx: ValidationContext) -> bool:
    emp_id = text(placement, "WorkPlaceEmpId")
    if emp_id is None or emp_id == UNKNOWN_EMPLOYER:
        return False
    return work_place_emp_id_check_digit(emp_id) != emp_id[8:9]


@rule("WorkPlacement_01")
def work_placement_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The T Level industry placement aim (ZWRKX003) needs a work placement record."""
    for d in deliveries(record):
        if _aim_ref(d) == T_LEVEL_PLACEMENT and not _placements(d):
            yield Hit(d.at(PLACEMENT))


@rule("WorkPlaceStartDate_01")
def work_place_start_date_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Work experience aims starting from 1 August 2014 need a work placement record."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < date(2014, 8, 1) or _aim_ref(d) not in _PLACEMENT_AIMS:
            continue
        if not _placements(d):
            yield Hit(d.at(PLACEMENT))


@rule("WorkPlaceStartDate_03")
def work_place_start_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Only work experience and placement aims may have work placement records."""
    allowed = _PLACEMENT_AIMS | {T_LEVEL_PLACEMENT}
    for d in deliveries(record):
        ref = _aim_ref(d)
        if ref is not None and ref not in allowed and _placements(d):
            yield Hit(d.at(PLACEMENT))


@rule("WorkPlaceStartDate_04")
def work_place_start_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Industry placement aims (ZWRKX002, ZWRKX003) are 16-19 funded (FM25) or non-funded."""
    for d in deliveries(record):
        fund_model = d.number("FundModel")
        if _aim_ref(d) in _INDUSTRY_PLACEMENTS and fund_model not in (None, 25, 99):
            yield Hit(d.at("FundModel"))


_placement_rule(
    "WorkPlaceStartDate_02",
    "A work placement must not start before the learning aim.",
    "WorkPlaceStartDate",
    lambda d, p, ctx: _later(d.day("LearnStartDate"), day(p, "WorkPlaceStartDate")),
)
_placement_rule(
    "WorkPlaceEndDate_01",
    "A work placement must not end before it starts.",
    "WorkPlaceEndDate",
    lambda d, p, ctx: _later(day(p, "WorkPlaceStartDate"), day(p, "WorkPlaceEndDate")),
)
_placement_rule(
    "WorkPlaceEndDate_02",
    "A work placement must not end after the aim's actual end date.",
    "WorkPlaceEndDate",
    lambda d, p, ctx: _later(day(p, "WorkPlaceEndDate"), d.day("LearnActEndDate")),
)
_placement_rule(
    "WorkPlaceMode_01",
    "The work placement mode must be a valid code.",
    "WorkPlaceMode",
    lambda d, p, ctx: is_known(p, "WorkPlaceMode") and not _valid_mode(p, ctx),
)
_placement_rule(
    "WorkPlaceEmpId_02",
    "A work placement employer identifier must pass the DD14 check digit.",
    "WorkPlaceEmpId",
    _emp_id_check_digit_wrong,
)


def _valid_mode(placement: Record, ctx: ValidationContext) -> bool:
    value = text(placement, "WorkPlaceMode")
    return value is not None and valid_lookup(ctx, "WorkPlaceMode", value)


needs_reference_data((EMPLOYERS,), "WorkPlaceEmpId_01")

_OCCURRENCES = frozenset({"A", "B", "C", "D"})


@rule("ProvSpecDelMonOccur_01")
def prov_spec_del_mon_occur_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A provider specified delivery monitoring occurrence must be A, B, C or D."""
    for d in deliveries(record):
        for index, monitoring in children(d.data, "ProviderSpecDeliveryMonitoring"):
            occurrence = text(monitoring, "ProvSpecDelMonOccur")
            if occurrence is not None and occurrence not in _OCCURRENCES:
                yield Hit(d.at(f"ProviderSpecDeliveryMonitoring[{index}].ProvSpecDelMonOccur"))
