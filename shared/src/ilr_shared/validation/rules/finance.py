"""Apprenticeship financial records (AppFinRecord): types, codes, amounts and dates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ..access import Delivery, Record, day, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import SOURCE_V4, rule
from .common import APPRENTICESHIP_STANDARD, FM_APPRENTICESHIPS, valid_typed_lookup
from .dates import FM_OTHER_ADULT, is_programme_aim, is_standard, years_later

TNP, PMR, RIP = "TNP", "PMR", "RIP"
TOTAL_TRAINING, TOTAL_ASSESSMENT, RESIDUAL_TRAINING, RESIDUAL_ASSESSMENT = 1, 2, 3, 4
TRAINING_PAYMENT, ASSESSMENT_PAYMENT = 1, 2
PRIOR_LEARNING_REDUCTION = 1
ASSESSMENT_PRICES = (TOTAL_ASSESSMENT, RESIDUAL_ASSESSMENT)
TRAINING_PRICES = (TOTAL_TRAINING, RESIDUAL_TRAINING)
RESIDUAL_PRICES = (RESIDUAL_TRAINING, RESIDUAL_ASSESSMENT)
RIP_MAX, RIP_MIN = 18000, 5


@dataclass(frozen=True)
class FinRecord:
    """One readable AppFinRecord of a delivery."""

    index: int
    fin_type: str | None
    code: int | None
    on: date | None
    amount: int | None

    def is_a(self, fin_type: str, *codes: int) -> bool:
        return self.fin_type == fin_type and (not codes or self.code in codes)


def fin_records(d: Delivery) -> tuple[FinRecord, ...]:
    """The delivery's financial records (type upper-cased, unreadable values as None), read
    once per delivery."""
    return d.memo("finance.fin_records", _read_fin_records)


def _read_fin_records(d: Delivery) -> tuple[FinRecord, ...]:
    found = []
    for index, fin in d.app_fin():
        fin_type = text(fin, "AFinType")
        found.append(
            FinRecord(
                index=index,
                fin_type=fin_type.upper() if fin_type is not None else None,
                code=integer(fin, "AFinCode"),
                on=day(fin, "AFinDate"),
                amount=integer(fin, "AFinAmount"),
            )
        )
    return tuple(found)


def _has(d: Delivery, fin_type: str, *codes: int) -> bool:
    return any(r.is_a(fin_type, *codes) for r in fin_records(d))


def _at(d: Delivery, r: FinRecord, field: str) -> Hit:
    return Hit(d.at(f"AppFinRecord[{r.index}].{field}"))


def _standard_programme(d: Delivery) -> bool:
    """Apprenticeship standard programme aim (ProgType 25, AimType 1)."""
    return is_programme_aim(d) and d.number("ProgType") == APPRENTICESHIP_STANDARD


# --- AFinType ------------------------------------------------------------------------


@rule("AFinType_01")
def afin_type_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM81 standard programme aims need a total training price (TNP1)."""
    for d in deliveries(record):
        fm81 = is_programme_aim(d) and is_standard(d, FM_OTHER_ADULT)
        if fm81 and not _has(d, TNP, TOTAL_TRAINING):
            yield Hit(d.at("AppFinRecord"))


@rule("AFinType_02")
def afin_type_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The financial code must be valid for the financial type (ILR_AppFinRecordAFinTypeAFinCode)."""
    for d in deliveries(record):
        for index, fin in d.app_fin():
            fin_type = text(fin, "AFinType")
            code: int | str | None = integer(fin, "AFinCode")
            if code is None:
                code = text(fin, "AFinCode")
            if fin_type is None or code is None:
                continue
            if not valid_typed_lookup(ctx, "AFinType", "AFinCode", fin_type.upper(), code):
                yield Hit(d.at(f"AppFinRecord[{index}].AFinCode"))


@rule("AFinType_04")
def afin_type_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Financial records only on FM81 standard or FM36 programme aims."""
    for d in deliveries(record):
        if not fin_records(d):
            continue
        allowed = is_programme_aim(d) and (
            is_standard(d, FM_OTHER_ADULT) or d.number("FundModel") == FM_APPRENTICESHIPS
        )
        if not allowed:
            yield Hit(d.at("AppFinRecord"))


@rule("AFinType_07")
def afin_type_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An assessment payment (PMR2) on a standard programme needs an assessment price (TNP2/4)."""
    for d in deliveries(record):
        if not _standard_programme(d) or not _has(d, PMR, ASSESSMENT_PAYMENT):
            continue
        if not _has(d, TNP, *ASSESSMENT_PRICES):
            yield Hit(d.at("AppFinRecord"))


@rule("AFinType_08")
def afin_type_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Residual prices (TNP3/4) only on apprenticeship funded (FM36) aims."""
    for d in deliveries(record):
        if d.number("FundModel") == FM_APPRENTICESHIPS:
            continue
        for r in fin_records(d):
            if r.is_a(TNP, *RESIDUAL_PRICES):
                yield _at(d, r, "AFinCode")


@rule("AFinType_10")
def afin_type_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Standard programme aims should have an end-point assessment price (TNP2/4)."""
    for d in deliveries(record):
        if _standard_programme(d) and not _has(d, TNP, *ASSESSMENT_PRICES):
            yield Hit(d.at("AppFinRecord"))


@rule("AFinType_11", years={"2025/26"})
def afin_type_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 framework aims (ProgType not 25) must not have assessment codes (2 or 4)."""
    for d in deliveries(record):
        framework = d.number("ProgType") != APPRENTICESHIP_STANDARD
        if d.number("FundModel") != FM_APPRENTICESHIPS or not framework:
            continue
        for r in fin_records(d):
            if r.code in ASSESSMENT_PRICES:
                yield _at(d, r, "AFinCode")


@rule("AFinType_14")
def afin_type_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A training payment (PMR1) on a programme aim needs a training price (TNP1/3)."""
    for d in deliveries(record):
        if not is_programme_aim(d) or not _has(d, PMR, TRAINING_PAYMENT):
            continue
        if not _has(d, TNP, *TRAINING_PRICES):
            yield Hit(d.at("AppFinRecord"))


def _price_reductions(record: Record) -> Iterator[tuple[Delivery, FinRecord, int]]:
    for d in deliveries(record):
        for r in fin_records(d):
            if r.is_a(RIP, PRIOR_LEARNING_REDUCTION) and r.amount is not None:
                yield d, r, r.amount


@rule("AFinType_15", years={"2026/27"}, source=SOURCE_V4)
def afin_type_15(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A prior-learning price reduction (RIP1) must not exceed £18,000."""
    for d, r, amount in _price_reductions(record):
        if amount > RIP_MAX:
            yield _at(d, r, "AFinAmount")


@rule("AFinType_16", years={"2026/27"}, source=SOURCE_V4)
def afin_type_16(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A prior-learning price reduction (RIP1) must not be less than £5."""
    for d, r, amount in _price_reductions(record):
        if amount < RIP_MIN:
            yield _at(d, r, "AFinAmount")


# --- AFinDate ------------------------------------------------------------------------


def _dated_after(d: Delivery, limit: date, fin_type: str | None = None) -> Iterator[Hit]:
    """Records (of a type, if given) dated after a limit."""
    for r in fin_records(d):
        if (fin_type is None or r.fin_type == fin_type) and r.on is not None and r.on > limit:
            yield _at(d, r, "AFinDate")


@rule("AFinDate_04", years={"2025/26"})
def afin_date_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Price records of frameworks must not be dated after the actual end date."""
    for d in deliveries(record):
        ended = d.day("LearnActEndDate")
        if ended is not None and d.number("ProgType") != APPRENTICESHIP_STANDARD:
            yield from _dated_after(d, ended, TNP)


def _total_after_residual(record: Record, total: int, residual: int) -> Iterator[Hit]:
    for d in deliveries(record):
        records = fin_records(d)
        residual_dates = [r.on for r in records if r.is_a(TNP, residual) and r.on is not None]
        if not residual_dates:
            continue
        for r in records:
            if r.is_a(TNP, total) and r.on is not None and r.on > min(residual_dates):
                yield _at(d, r, "AFinDate")


@rule("AFinDate_05")
def afin_date_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A total training price (TNP1) must not be dated after a residual one (TNP3)."""
    return _total_after_residual(record, TOTAL_TRAINING, RESIDUAL_TRAINING)


@rule("AFinDate_06")
def afin_date_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A total assessment price (TNP2) must not be dated after a residual one (TNP4)."""
    return _total_after_residual(record, TOTAL_ASSESSMENT, RESIDUAL_ASSESSMENT)


@rule("AFinDate_12")
def afin_date_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Standard programme records must not be dated over two years after the actual end date."""
    for d in deliveries(record):
        ended = d.day("LearnActEndDate")
        if ended is not None and _standard_programme(d):
            yield from _dated_after(d, years_later(ended, 2))


@rule("AFinDate_13")
def afin_date_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Standard price records must not be dated after the achievement date, or after the
    actual end date of a withdrawn learner."""
    for d in deliveries(record):
        if d.number("ProgType") != APPRENTICESHIP_STANDARD:
            continue
        limit = d.day("AchDate")
        if not d.is_known("AchDate") and d.is_known("WithdrawReason"):
            limit = d.day("LearnActEndDate")
        if limit is not None:
            yield from _dated_after(d, limit, TNP)


@rule("AFinDate_14")
def afin_date_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Payment records (PMR) must not be dated after the file preparation date."""
    for d in deliveries(record):
        yield from _dated_after(d, ctx.file_preparation_date, PMR)
