"""Rules on LearningDeliveryFAM, AppFinRecord and HRSRecord children."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, children, day, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import SOURCE_CSV_2627, SOURCE_V4, rule
from .common import (
    APPRENTICESHIP_STANDARD,
    COMPONENT_AIM,
    FM_APPRENTICESHIPS,
    PROGRAMME_AIM,
    is_apprenticeship_programme,
)
from .dates import years_later

_SOF_REQUIRED_FMS = {
    "2025/26": frozenset({25, 82, 35, 36, 37, 81, 10, 11, 38}),
    "2026/27": frozenset({25, 82, 35, 36, 37, 81, 11, 38, 39}),
}
_HRS_FROM = date(2019, 8, 1)


def _tnp(d: Delivery) -> Iterator[tuple[int, int | None, date | None]]:
    """(index, AFinCode, AFinDate) of each price (TNP) record."""
    return iter(d.memo("funding.tnp", _read_tnp))


def _read_tnp(d: Delivery) -> tuple[tuple[int, int | None, date | None], ...]:
    return tuple(
        (index, integer(fin, "AFinCode"), day(fin, "AFinDate"))
        for index, fin in d.app_fin()
        if (fin_type := text(fin, "AFinType")) is not None and fin_type.upper() == "TNP"
    )


@rule(
    "LearnDelFAMType_01",
    source=SOURCE_CSV_2627,
    note="FundModel list by year: 2026/27 adds 39 and removes 10.",
)
def learn_del_fam_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Every funded aim must have a Source of funding (SOF) record."""
    fms = _SOF_REQUIRED_FMS.get(ctx.academic_year, frozenset())
    for d in deliveries(record):
        if d.number("FundModel") in fms and not d.has_fam("SOF"):
            yield Hit(d.at("LearningDeliveryFAM"))


@rule(
    "LearnDelFAMType_64",
    note="English/maths component aims are recognised only when the LARS English/maths "
    "lookup is supplied; programme aims are always checked.",
)
def learn_del_fam_type_64(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 programme aims and FM36 English/maths component aims need an ACT record."""
    for d in deliveries(record):
        if d.number("FundModel") != FM_APPRENTICESHIPS or d.has_fam("ACT"):
            continue
        aim_type = d.number("AimType")
        if aim_type == PROGRAMME_AIM or (aim_type == COMPONENT_AIM and _english_maths(d, ctx)):
            yield Hit(d.at("LearningDeliveryFAM"))


def _english_maths(d: Delivery, ctx: ValidationContext) -> bool:
    ref = d.text("LearnAimRef")
    lookup = ctx.lars_english_maths_aims
    return lookup is not None and ref is not None and ref.upper() in lookup


@rule("AFinType_12")
def afin_type_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship funded programme aims need a price (TNP) record."""
    for d in deliveries(record):
        if is_apprenticeship_programme(d) and next(_tnp(d), None) is None:
            yield Hit(d.at("AppFinRecord"))


@rule("AFinType_13")
def afin_type_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship funded programme aims need a TNP record dated on the start date."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or not is_apprenticeship_programme(d):
            continue
        if not any(fin_date == start for _, _, fin_date in _tnp(d)):
            yield Hit(d.at("AppFinRecord"))


def _same_date_prices(record: Record, total: int, residual: int) -> Iterator[Hit]:
    for d in deliveries(record):
        totals = {fin_date for _, code, fin_date in _tnp(d) if code == total and fin_date}
        for index, code, fin_date in _tnp(d):
            if code == residual and fin_date is not None and fin_date in totals:
                yield Hit(d.at(f"AppFinRecord[{index}].AFinDate"))


@rule("AFinDate_07")
def afin_date_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """TNP1 (total training price) and TNP3 (residual) must not share a date."""
    return _same_date_prices(record, total=1, residual=3)


@rule("AFinDate_08")
def afin_date_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """TNP2 (total assessment price) and TNP4 (residual) must not share a date."""
    return _same_date_prices(record, total=2, residual=4)


@rule("AFinDate_03", years=("2025/26",))
def afin_date_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No financial record may be dated after the file preparation date."""
    for d in deliveries(record):
        for index, fin in d.app_fin():
            fin_date = day(fin, "AFinDate")
            if fin_date is not None and fin_date > ctx.file_preparation_date:
                yield Hit(d.at(f"AppFinRecord[{index}].AFinDate"))


@rule("AFinDate_09")
def afin_date_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Financial records must not be dated more than a year before the standard's start."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or d.number("AimType") != PROGRAMME_AIM:
            continue
        if d.number("ProgType") != APPRENTICESHIP_STANDARD:
            continue
        earliest = years_later(start, -1)
        for index, fin in d.app_fin():
            fin_date = day(fin, "AFinDate")
            if fin_date is not None and fin_date < earliest:
                yield Hit(d.at(f"AppFinRecord[{index}].AFinDate"))


@rule("HRSType_01", years=("2026/27",), source=SOURCE_V4)
def hrs_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 programme aims starting from 1 August 2019 need planned hours (HRS1)."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < _HRS_FROM or not is_apprenticeship_programme(d):
            continue
        if not any(_is_hrs(hrs, 1) for _, hrs in children(d.data, "HRSRecord")):
            yield Hit(d.at("HRSRecord"))


def _is_hrs(hrs: Record, code: int) -> bool:
    hrs_type = text(hrs, "HRSType")
    return hrs_type is not None and hrs_type.upper() == "HRS" and integer(hrs, "HRSCode") == code
