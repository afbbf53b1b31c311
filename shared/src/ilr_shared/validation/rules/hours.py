"""Learning delivery hours: the 2026/27 HRSRecord (HRSType HRS, HRSCode 1-6) and the
2025/26 LearningDelivery fields it replaced (PHours, OTJActHours, AddHours)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ..access import Delivery, Record, children, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import LARS, SOURCE_V4, needs_reference_data, rule
from .common import FM_APPRENTICESHIPS, PROGRAMME_AIM
from .dates import PT_T_LEVEL, is_programme_aim, is_restart

HRS = "HRS"
# HRSCode values of HRSType HRS.
PLANNED_OTJ = 1
T_LEVEL_PLANNED = 2
ACTUAL_OTJ = 3
PRIOR_LEARNING_OTJ = 4
TAILORED_SIZE = 5
ADDITIONAL = 6
FM_16_19, FM_TAILORED_LEARNING = 25, 11
ADULT_SKILLS_FMS = frozenset({35, 38, 81})
APPRENTICESHIP_ONLY_CODES = (PLANNED_OTJ, ACTUAL_OTJ, PRIOR_LEARNING_OTJ)
COMPLETED, WITHDRAWN = 2, 3
HOURS_FROM_2019 = date(2019, 8, 1)
HOURS_FROM_2020 = date(2020, 8, 1)
HOURS_FROM_2022 = date(2022, 8, 1)
MINIMUM_278_TO, MINIMUM_187_FROM = date(2025, 7, 31), date(2025, 8, 1)
ADD_HOURS_FROM = date(2015, 8, 1)
Y2627, Y2526 = {"2026/27"}, {"2025/26"}

needs_reference_data((LARS,), "HRSType_11", years=Y2627)
needs_reference_data((LARS,), "AddHours_03", years=Y2526)

# (field path, amount) of each returned hours value of a kind on a delivery.
Amounts = list[tuple[str, int | None]]
Source = Callable[[Delivery], Amounts]


def hrs_records(d: Delivery) -> Iterator[tuple[int, int | None, int | None]]:
    """(index, HRSCode, HRSAmount) of each HRSRecord of type HRS."""
    return iter(d.memo("hours.hrs_records", _read_hrs_records))


def _read_hrs_records(d: Delivery) -> tuple[tuple[int, int | None, int | None], ...]:
    return tuple(
        (index, integer(hrs, "HRSCode"), integer(hrs, "HRSAmount"))
        for index, hrs in children(d.data, "HRSRecord")
        if (hrs_type := text(hrs, "HRSType")) is not None and hrs_type.upper() == HRS
    )


def hrs(code: int) -> Source:
    """The amounts of the HRS records of one code (2026/27)."""

    def amounts(d: Delivery) -> Amounts:
        return [
            (d.at(f"HRSRecord[{index}].HRSAmount"), amount)
            for index, found, amount in hrs_records(d)
            if found == code
        ]

    return amounts


def legacy(field: str) -> Source:
    """The value of a LearningDelivery hours field, if returned (2025/26)."""

    def amounts(d: Delivery) -> Amounts:
        return [(d.at(field), d.number(field))] if d.is_known(field) else []

    return amounts


def _forbidden_codes(d: Delivery, codes: tuple[int, ...]) -> Iterator[Hit]:
    for index, code, _ in hrs_records(d):
        if code in codes:
            yield Hit(d.at(f"HRSRecord[{index}].HRSCode"))


def _started_from(d: Delivery, first: date) -> bool:
    start = d.day("LearnStartDate")
    return start is not None and start >= first


def _fm36_programme(d: Delivery) -> bool:
    return d.number("FundModel") == FM_APPRENTICESHIPS and is_programme_aim(d)


def _t_level(d: Delivery) -> bool:
    return d.number("FundModel") == FM_16_19 and d.number("ProgType") == PT_T_LEVEL


def _t_level_programme(d: Delivery) -> bool:
    return _t_level(d) and is_programme_aim(d)


# --- Shared checks, one per rule shape ------------------------------------------------


def _hours_missing(
    record: Record, source: Source, missing: str, applies: Callable[[Delivery], bool]
) -> Iterator[Hit]:
    """Aims the check applies to that have no value from the source."""
    for d in deliveries(record):
        if applies(d) and not source(d):
            yield Hit(d.at(missing))


def _actual_otj_due(
    status: int, first: date, restarts_excluded: bool
) -> Callable[[Delivery], bool]:
    """FM36 programme aims of a completion status started on or after a date."""

    def applies(d: Delivery) -> bool:
        return (
            _fm36_programme(d)
            and d.number("CompStatus") == status
            and _started_from(d, first)
            and not (restarts_excluded and is_restart(d))
        )

    return applies


def _planned_otj_below(
    record: Record, source: Source, minimum: int, first: date, last: date | None
) -> Iterator[Hit]:
    """FM36 aims started in a period (restarts excluded) with planned hours below a minimum."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if start is None or start < first or (last is not None and start > last):
            continue
        if d.number("FundModel") != FM_APPRENTICESHIPS or is_restart(d):
            continue
        for path, amount in source(d):
            if amount is not None and amount < minimum:
                yield Hit(path)


def _t_level_hours_not_positive(record: Record, source: Source) -> Iterator[Hit]:
    for d in deliveries(record):
        if _t_level_programme(d):
            yield from (
                Hit(path) for path, amount in source(d) if amount is not None and amount <= 0
            )


def _per_day(record: Record, source: Source, fails: Callable[[int, int], bool]) -> Iterator[Hit]:
    """Additional hours failing a test of (hours, planned days counting both ends)."""
    for d in deliveries(record):
        start, planned = d.day("LearnStartDate"), d.day("LearnPlanEndDate")
        if start is None or planned is None or planned < start:
            continue
        days = (planned - start).days + 1
        for path, amount in source(d):
            if amount is not None and fails(amount, days):
                yield Hit(path)


def _over_24_a_day(hours: int, days: int) -> bool:
    return hours > 60 and hours > 24 * days


def _over_35_a_week(hours: int, days: int) -> bool:
    return hours > 60 and hours * 7 > 35 * days


def _between_9_and_24_a_day(hours: int, days: int) -> bool:
    return 9 * days < hours < 24 * days


# --- HRSType (2026/27) ---------------------------------------------------------------


@rule("HRSType_02", years=Y2627, source=SOURCE_V4)
def hrs_type_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Level (FM25, ProgType 31) programme aims need planned T Level hours (HRS2)."""
    return _hours_missing(record, hrs(T_LEVEL_PLANNED), "HRSRecord", _t_level_programme)


def _t_level_prog_type_programme(d: Delivery) -> bool:
    return d.number("ProgType") == PT_T_LEVEL and is_programme_aim(d)


@rule("HRSType_04", years=Y2627, source=SOURCE_V4)
def hrs_type_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Level (ProgType 31) programme aims need planned T Level hours (HRS2)."""
    return _hours_missing(record, hrs(T_LEVEL_PLANNED), "HRSRecord", _t_level_prog_type_programme)


@rule("HRSType_05", years=Y2627, source=SOURCE_V4)
def hrs_type_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned T Level hours (HRS2) must not be returned on FM25 aims that are not T Levels."""
    for d in deliveries(record):
        if d.number("FundModel") == FM_16_19 and d.number("ProgType") != PT_T_LEVEL:
            yield from _forbidden_codes(d, (T_LEVEL_PLANNED,))


def _tailored_learning(d: Delivery) -> bool:
    return d.number("FundModel") == FM_TAILORED_LEARNING


@rule("HRSType_06", years=Y2627, source=SOURCE_V4)
def hrs_type_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Tailored Learning (FM11) aims need the course size (HRS5)."""
    return _hours_missing(record, hrs(TAILORED_SIZE), "HRSRecord", _tailored_learning)


@rule("HRSType_07", years=Y2627, source=SOURCE_V4)
def hrs_type_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Actual off-the-job hours (HRS3) only on programme aims."""
    for d in deliveries(record):
        aim_type = d.number("AimType")
        if aim_type is not None and aim_type != PROGRAMME_AIM:
            yield from _forbidden_codes(d, (ACTUAL_OTJ,))


@rule("HRSType_08", years=Y2627, source=SOURCE_V4)
def hrs_type_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Completed FM36 programmes started from 1 August 2019 need actual off-the-job hours
    (HRS3); restarts excluded."""
    due = _actual_otj_due(COMPLETED, HOURS_FROM_2019, restarts_excluded=True)
    return _hours_missing(record, hrs(ACTUAL_OTJ), "HRSRecord", due)


@rule("HRSType_09", years=Y2627, source=SOURCE_V4)
def hrs_type_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Withdrawn FM36 programmes started from 1 August 2022 need actual off-the-job hours (HRS3)."""
    due = _actual_otj_due(WITHDRAWN, HOURS_FROM_2022, restarts_excluded=False)
    return _hours_missing(record, hrs(ACTUAL_OTJ), "HRSRecord", due)


def _codes_outside(
    record: Record, codes: tuple[int, ...], fund_models: frozenset[int]
) -> Iterator[Hit]:
    """HRS records of the codes on aims whose FundModel is not one of the models (or none)."""
    for d in deliveries(record):
        if d.number("FundModel") not in fund_models:
            yield from _forbidden_codes(d, codes)


def _codes_inside(
    record: Record, codes: tuple[int, ...], applies: Callable[[Delivery], bool]
) -> Iterator[Hit]:
    """HRS records of the codes on aims the check applies to."""
    for d in deliveries(record):
        if applies(d):
            yield from _forbidden_codes(d, codes)


def _fund_model_in(fund_models: frozenset[int]) -> Callable[[Delivery], bool]:
    return lambda d: d.number("FundModel") in fund_models


@rule("HRSType_10", years=Y2627, source=SOURCE_V4)
def hrs_type_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours (HRS6) only on Adult Skills or Other Adult aims (FM35/38/81)."""
    return _codes_outside(record, (ADDITIONAL,), ADULT_SKILLS_FMS)


@rule("HRSType_12", years=Y2627, source=SOURCE_V4)
def hrs_type_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Levels (FM25, ProgType 31) must not return HRS 1, 3, 4, 5 or 6."""
    return _codes_inside(
        record,
        (PLANNED_OTJ, ACTUAL_OTJ, PRIOR_LEARNING_OTJ, TAILORED_SIZE, ADDITIONAL),
        _t_level,
    )


@rule("HRSType_13", years=Y2627, source=SOURCE_V4)
def hrs_type_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Off-the-job hours (HRS 1, 3, 4) only on apprenticeship funded (FM36) aims."""
    return _codes_outside(record, APPRENTICESHIP_ONLY_CODES, frozenset({FM_APPRENTICESHIPS}))


@rule("HRSType_14", years=Y2627, source=SOURCE_V4)
def hrs_type_14(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship funded (FM36) aims must not return HRS 2, 5 or 6."""
    return _codes_inside(
        record,
        (T_LEVEL_PLANNED, TAILORED_SIZE, ADDITIONAL),
        _fund_model_in(frozenset({FM_APPRENTICESHIPS})),
    )


@rule("HRSType_15", years=Y2627, source=SOURCE_V4)
def hrs_type_15(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Tailored Learning course size (HRS5) only on Tailored Learning (FM11) aims."""
    return _codes_outside(record, (TAILORED_SIZE,), frozenset({FM_TAILORED_LEARNING}))


@rule("HRSType_16", years=Y2627, source=SOURCE_V4)
def hrs_type_16(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Tailored Learning (FM11) aims must not return HRS 1, 2, 3, 4 or 6."""
    return _codes_inside(
        record,
        (PLANNED_OTJ, T_LEVEL_PLANNED, ACTUAL_OTJ, PRIOR_LEARNING_OTJ, ADDITIONAL),
        _tailored_learning,
    )


@rule("HRSType_17", years=Y2627, source=SOURCE_V4)
def hrs_type_17(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Adult Skills and Other Adult (FM35/38/81) aims must not return HRS 1 to 5."""
    return _codes_inside(
        record,
        (PLANNED_OTJ, T_LEVEL_PLANNED, ACTUAL_OTJ, PRIOR_LEARNING_OTJ, TAILORED_SIZE),
        _fund_model_in(ADULT_SKILLS_FMS),
    )


@rule("HRSType_18", years=Y2627, source=SOURCE_V4)
def hrs_type_18(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An aim must not return the same hours code twice."""
    for d in deliveries(record):
        seen: set[int] = set()
        for index, hrs_code in _codes(d):
            if hrs_code in seen:
                yield Hit(d.at(f"HRSRecord[{index}].HRSCode"))
            seen.add(hrs_code)


def _codes(d: Delivery) -> Iterator[tuple[int, int]]:
    """(index, HRSCode) of every HRSRecord with a readable code, whatever its type."""
    for index, record in children(d.data, "HRSRecord"):
        code = integer(record, "HRSCode")
        if code is not None:
            yield index, code


# --- HRSAmount (2026/27) -------------------------------------------------------------


@rule("HRSAmount_01", years=Y2627, source=SOURCE_V4)
def hrs_amount_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned T Level hours (HRS2) on a T Level programme aim must be above zero."""
    return _t_level_hours_not_positive(record, hrs(T_LEVEL_PLANNED))


@rule("HRSAmount_02", years=Y2627, source=SOURCE_V4)
def hrs_amount_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 starts 1 August 2022 - 31 July 2025: planned off-the-job hours (HRS1) at least
    278 (restarts excluded)."""
    return _planned_otj_below(record, hrs(PLANNED_OTJ), 278, HOURS_FROM_2022, MINIMUM_278_TO)


@rule("HRSAmount_03", years=Y2627, source=SOURCE_V4)
def hrs_amount_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 starts from 1 August 2025: planned off-the-job hours (HRS1) at least 187
    (restarts excluded)."""
    return _planned_otj_below(record, hrs(PLANNED_OTJ), 187, MINIMUM_187_FROM, None)


@rule("HRSAmount_04", years=Y2627, source=SOURCE_V4)
def hrs_amount_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours (HRS6) over 60 must not average over 24 a day."""
    return _per_day(record, hrs(ADDITIONAL), _over_24_a_day)


@rule("HRSAmount_05", years=Y2627, source=SOURCE_V4)
def hrs_amount_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours (HRS6) over 60 should not average over 35 a week."""
    return _per_day(record, hrs(ADDITIONAL), _over_35_a_week)


@rule("HRSAmount_06", years=Y2627, source=SOURCE_V4)
def hrs_amount_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours (HRS6) should not average between 9 and 24 a day."""
    return _per_day(record, hrs(ADDITIONAL), _between_9_and_24_a_day)


# --- PHours, OTJActHours, AddHours (2025/26) -----------------------------------------

_PHOURS = legacy("PHours")
_OTJ_ACT_HOURS = legacy("OTJActHours")
_ADD_HOURS = legacy("AddHours")


def _fm36_programme_from_2019(d: Delivery) -> bool:
    return _fm36_programme(d) and _started_from(d, HOURS_FROM_2019)


@rule("PHours_01", years=Y2526)
def phours_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 programme aims started from 1 August 2019 need Planned hours."""
    return _hours_missing(record, _PHOURS, "PHours", _fm36_programme_from_2019)


def _t_level_programme_from_2020(d: Delivery) -> bool:
    return _t_level_programme(d) and _started_from(d, HOURS_FROM_2020)


@rule("PHours_03", years=Y2526)
def phours_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Level programme aims started from 1 August 2020 need Planned hours."""
    return _hours_missing(record, _PHOURS, "PHours", _t_level_programme_from_2020)


@rule("PHours_04", years=Y2526)
def phours_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned hours on a T Level programme aim must be above zero."""
    return _t_level_hours_not_positive(record, _PHOURS)


@rule("PHours_05", years=Y2526)
def phours_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Planned hours must not be returned on FM25 aims that are not T Levels."""
    for d in deliveries(record):
        study_programme = d.number("FundModel") == FM_16_19 and d.number("ProgType") != PT_T_LEVEL
        if study_programme and d.is_known("PHours"):
            yield Hit(d.at("PHours"))


@rule("PHours_06", years=Y2526)
def phours_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 starts 1 August 2022 - 31 July 2025: Planned hours at least 278 (restarts excluded)."""
    return _planned_otj_below(record, _PHOURS, 278, HOURS_FROM_2022, MINIMUM_278_TO)


@rule("PHours_07", years=Y2526)
def phours_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Tailored Learning (FM11) aims need Planned hours."""
    return _hours_missing(record, _PHOURS, "PHours", _tailored_learning)


@rule("PHours_08", years=Y2526)
def phours_08(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM36 starts from 1 August 2025: Planned hours at least 187 (restarts excluded)."""
    return _planned_otj_below(record, _PHOURS, 187, MINIMUM_187_FROM, None)


@rule("OTJActHours_01", years=Y2526)
def otj_act_hours_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Actual off-the-job hours only on programme aims."""
    for d in deliveries(record):
        aim_type = d.number("AimType")
        if d.is_known("OTJActHours") and aim_type is not None and aim_type != PROGRAMME_AIM:
            yield Hit(d.at("OTJActHours"))


@rule("OTJActHours_02", years=Y2526)
def otj_act_hours_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Completed FM36 programmes started from 1 August 2019 need actual off-the-job hours
    (restarts excluded)."""
    due = _actual_otj_due(COMPLETED, HOURS_FROM_2019, restarts_excluded=True)
    return _hours_missing(record, _OTJ_ACT_HOURS, "OTJActHours", due)


@rule("OTJActHours_03", years=Y2526)
def otj_act_hours_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Withdrawn FM36 programmes started from 1 August 2022 need actual off-the-job hours."""
    due = _actual_otj_due(WITHDRAWN, HOURS_FROM_2022, restarts_excluded=False)
    return _hours_missing(record, _OTJ_ACT_HOURS, "OTJActHours", due)


@rule("AddHours_01", years=Y2526)
def add_hours_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours only on aims started from 1 August 2015."""
    for d in deliveries(record):
        start = d.day("LearnStartDate")
        if d.is_known("AddHours") and start is not None and start < ADD_HOURS_FROM:
            yield Hit(d.at("AddHours"))


_NO_ADD_HOURS_FMS = frozenset({25, 82, 10, 37, 99})


@rule("AddHours_02", years=Y2526)
def add_hours_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """FM25, 82, 10, 37 and 99 aims must not return Additional delivery hours."""
    for d in deliveries(record):
        if d.number("FundModel") in _NO_ADD_HOURS_FMS and d.is_known("AddHours"):
            yield Hit(d.at("AddHours"))


@rule("AddHours_04", years=Y2526)
def add_hours_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours over 60 must not average over 24 a day."""
    return _per_day(record, _ADD_HOURS, _over_24_a_day)


@rule("AddHours_05", years=Y2526)
def add_hours_05(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours over 60 should not average over 35 a week."""
    return _per_day(record, _ADD_HOURS, _over_35_a_week)


@rule("AddHours_06", years=Y2526)
def add_hours_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Additional delivery hours should not average between 9 and 24 a day."""
    return _per_day(record, _ADD_HOURS, _between_9_and_24_a_day)
