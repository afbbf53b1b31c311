"""Rules on funding models and programme types, and on how the aims of a programme
(T Levels, Skills Bootcamps, apprenticeship units) fit together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, deliveries
from ..derived.dd35 import devolved_funding
from ..model import Hit, ValidationContext
from ..registry import LARS, SOURCE_CSV_2627, SOURCE_V4, needs_reference_data, rule
from .aim_checks import (
    AUG_2024,
    CORE_AIM,
    FM_16_19,
    FM_ADULT_SKILLS,
    FM_ADULT_SKILLS_FUND,
    FM_COMMUNITY_LEARNING,
    FM_NON_FUNDED,
    FM_OTHER_16_19,
    FM_OTHER_ADULT,
    FM_SHORT_COURSES,
    FM_SKILLS_BOOTCAMPS,
    FM_TAILORED_LEARNING,
    PROG_APPRENTICESHIP_UNITS,
    PROG_COMBINED_AUTHORITY,
    PROG_SKILLS_BOOTCAMP,
    PROG_T_LEVEL,
    PROG_T_LEVEL_FOUNDATION,
    aim_ref,
    fund_model_in,
    is_restart,
    per_delivery,
    starts_before,
    starts_on_or_after,
    valid_lookup_on,
)
from .common import (
    APPRENTICESHIP_STANDARD,
    COMPONENT_AIM,
    FM_APPRENTICESHIPS,
    PROGRAMME_AIM,
    is_apprenticeship,
)

needs_reference_data(
    (LARS,), "ProgType_16", "ProgType_19", "ProgType_23", "ProgType_24", "StdCode_02"
)
needs_reference_data((LARS,), "AppSerAgeEligibility_01", years={"2026/27"})

_MAY_2017 = date(2017, 5, 1)
_AUG_2024_EVE = date(2024, 7, 31)
_ADULT_T_LEVEL_PILOT = "384"
_UNITS_ONLY = {"2026/27"}


# --- Funding model ----------------------------------------------------------------------


@per_delivery("FundModel_03", "FundModel")
def fund_model_03(d: Delivery, ctx: ValidationContext) -> bool:
    """Aims financed by an Advanced Learner Loan (ADL) must be non-funded (FundModel 99)."""
    fund_model = d.number("FundModel")
    return d.has_fam("ADL") and fund_model is not None and fund_model != FM_NON_FUNDED


@per_delivery("FundModel_04", "FundModel")
def fund_model_04(d: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship aims (DD07 = Y) must not be 16-19 funded (FundModel 25 or 82)."""
    return is_apprenticeship(d) and fund_model_in(d, (FM_16_19, FM_OTHER_16_19))


@per_delivery("FundModel_05", "FundModel")
def fund_model_05(d: Delivery, ctx: ValidationContext) -> bool:
    """Funding model 36 must not be used for aims starting before 1 May 2017."""
    return d.number("FundModel") == FM_APPRENTICESHIPS and starts_before(d, _MAY_2017)


@per_delivery("FundModel_07", "FundModel")
def fund_model_07(d: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship programme aims started from 1 May 2017 must be FundModel 36
    (non-funded, restarts and LDM 353/355 excluded)."""
    fund_model = d.number("FundModel")
    if fund_model is None or fund_model in (FM_APPRENTICESHIPS, FM_NON_FUNDED):
        return False
    if is_restart(d) or d.has_fam("LDM", "353") or d.has_fam("LDM", "355"):
        return False
    return (
        is_apprenticeship(d)
        and d.number("AimType") == PROGRAMME_AIM
        and starts_on_or_after(d, _MAY_2017)
    )


@per_delivery("FundModel_09", "FundModel")
def fund_model_09(d: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship standard programme aims started before 1 May 2017 must be FundModel 81
    (non-funded excluded)."""
    fund_model = d.number("FundModel")
    return (
        is_apprenticeship(d)
        and d.number("AimType") == PROGRAMME_AIM
        and starts_before(d, _MAY_2017)
        and fund_model is not None
        and fund_model not in (FM_OTHER_ADULT, FM_NON_FUNDED)
    )


@per_delivery(
    "FundModel_10",
    "FundModel",
    source=SOURCE_CSV_2627,
    note="2025/26 also accepts Community Learning (FundModel 10).",
)
def fund_model_10(d: Delivery, ctx: ValidationContext) -> bool:
    """Combined Authority funded aims (DD35) started by 31 July 2024 must be Adult skills."""
    allowed = {FM_ADULT_SKILLS}
    if ctx.academic_year == "2025/26":
        allowed.add(FM_COMMUNITY_LEARNING)
    fund_model = d.number("FundModel")
    start = d.day("LearnStartDate")
    return (
        start is not None
        and start <= _AUG_2024_EVE
        and fund_model is not None
        and fund_model not in allowed
        and devolved_funding(d, ctx.academic_year)
    )


@per_delivery("FundModel_11", "FundModel")
def fund_model_11(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level programme (ProgType 31) must be 16-19 funded (FundModel 25)."""
    fund_model = d.number("FundModel")
    return (
        d.number("ProgType") == PROG_T_LEVEL and fund_model is not None and fund_model != FM_16_19
    )


@per_delivery("FundModel_14", "FundModel", years={"2025/26"})
def fund_model_14(d: Delivery, ctx: ValidationContext) -> bool:
    """Actual off-the-job training hours are only returned on apprenticeship aims (FM 36)."""
    fund_model = d.number("FundModel")
    return d.is_known("OTJActHours") and fund_model is not None and fund_model != FM_APPRENTICESHIPS


@per_delivery("FundModel_15", "FundModel")
def fund_model_15(d: Delivery, ctx: ValidationContext) -> bool:
    """Level 3 Free Courses for Jobs aims (LDM 378) must be FundModel 35 or 38."""
    fund_model = d.number("FundModel")
    return (
        d.has_fam("LDM", "378")
        and fund_model is not None
        and fund_model not in (FM_ADULT_SKILLS, FM_ADULT_SKILLS_FUND)
    )


@per_delivery("FundModel_16", "ProgType")
def fund_model_16(d: Delivery, ctx: ValidationContext) -> bool:
    """Skills Bootcamps funded aims (FundModel 37) must have ProgType 32."""
    return (
        d.number("FundModel") == FM_SKILLS_BOOTCAMPS
        and d.number("ProgType") != PROG_SKILLS_BOOTCAMP
    )


@per_delivery("FundModel_17", "FundModel")
def fund_model_17(d: Delivery, ctx: ValidationContext) -> bool:
    """Adult skills (FundModel 35) must not be used for starts from 1 August 2024
    (restarts excluded)."""
    return (
        d.number("FundModel") == FM_ADULT_SKILLS
        and starts_on_or_after(d, AUG_2024)
        and not is_restart(d)
    )


@per_delivery("FundModel_18", "FundModel")
def fund_model_18(d: Delivery, ctx: ValidationContext) -> bool:
    """Combined Authority funded aims (DD35) from 1 August 2024 must be FundModel 38 or 11
    (restarts excluded)."""
    fund_model = d.number("FundModel")
    return (
        fund_model is not None
        and fund_model not in (FM_ADULT_SKILLS_FUND, FM_TAILORED_LEARNING)
        and starts_on_or_after(d, AUG_2024)
        and not is_restart(d)
        and devolved_funding(d, ctx.academic_year)
    )


@per_delivery("FundModel_19", "FundModel")
def fund_model_19(d: Delivery, ctx: ValidationContext) -> bool:
    """Adult Skills Fund (FundModel 38) must not be used for starts before 1 August 2024."""
    return d.number("FundModel") == FM_ADULT_SKILLS_FUND and starts_before(d, AUG_2024)


@per_delivery("FundModel_20", "FundModel")
def fund_model_20(d: Delivery, ctx: ValidationContext) -> bool:
    """Tailored Learning (FundModel 11) must not be used for starts before 1 August 2024."""
    return d.number("FundModel") == FM_TAILORED_LEARNING and starts_before(d, AUG_2024)


@per_delivery("FundModel_21", "FundModel")
def fund_model_21(d: Delivery, ctx: ValidationContext) -> bool:
    """Adult Skills Fund aims must not have an original start date before 1 August 2024."""
    original = d.day("OrigLearnStartDate")
    return (
        d.number("FundModel") == FM_ADULT_SKILLS_FUND
        and starts_on_or_after(d, AUG_2024)
        and original is not None
        and original < AUG_2024
    )


@per_delivery("FundModel_22", "ProgType", years=_UNITS_ONLY, source=SOURCE_V4)
def fund_model_22(d: Delivery, ctx: ValidationContext) -> bool:
    """Growth and Skills short course aims (FundModel 39) must have ProgType 34."""
    return (
        d.number("FundModel") == FM_SHORT_COURSES
        and d.number("ProgType") != PROG_APPRENTICESHIP_UNITS
    )


# --- Programme type ---------------------------------------------------------------------


@per_delivery("ProgType_03", "ProgType")
def prog_type_03(d: Delivery, ctx: ValidationContext) -> bool:
    """If returned, the Programme type must be a valid ILR_ProgType code on the start date."""
    prog_type = d.number("ProgType")
    return prog_type is not None and not valid_lookup_on(
        ctx, "ProgType", prog_type, d.day("LearnStartDate")
    )


@per_delivery("ProgType_06", "FundModel")
def prog_type_06(d: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship standard aims (ProgType 25) must be FundModel 36 or 81 (99 excluded)."""
    fund_model = d.number("FundModel")
    return (
        d.number("ProgType") == APPRENTICESHIP_STANDARD
        and fund_model is not None
        and fund_model not in (FM_APPRENTICESHIPS, FM_OTHER_ADULT, FM_NON_FUNDED)
    )


def _t_level_exempt(d: Delivery) -> bool:
    """Adult T Level pilot (LDM 384) and non-funded T Levels are excluded."""
    return d.has_fam("LDM", _ADULT_T_LEVEL_PILOT) or d.number("FundModel") == FM_NON_FUNDED


@per_delivery("ProgType_15", "ProgType")
def prog_type_15(d: Delivery, ctx: ValidationContext) -> bool:
    """The T Level industry placement aim (ZWRKX003) must be in a T Level (ProgType 31)."""
    return (
        aim_ref(d) == "ZWRKX003" and d.number("ProgType") != PROG_T_LEVEL and not _t_level_exempt(d)
    )


@per_delivery("ProgType_17", "ProgType")
def prog_type_17(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level occupational specialism class code (ZTLOSxxx) must be in a T Level."""
    return (
        aim_ref(d).startswith("ZTLOS")
        and d.number("ProgType") != PROG_T_LEVEL
        and not _t_level_exempt(d)
    )


def _is_foundation_year_core_aim(d: Delivery) -> bool:
    return d.number("AimType") == CORE_AIM and aim_ref(d).startswith("ZTPR")


@rule("ProgType_18")
def prog_type_18(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A T Level foundation year (ProgType 30) needs a ZTPRxxxx core aim."""
    aims = deliveries(record)
    if any(_is_foundation_year_core_aim(d) for d in aims):
        return
    for d in aims:
        if d.number("ProgType") == PROG_T_LEVEL_FOUNDATION:
            yield Hit(d.at("ProgType"))


@per_delivery("ProgType_20", "ProgType")
def prog_type_20(d: Delivery, ctx: ValidationContext) -> bool:
    """A T Level foundation year class code (ZTPRxxxx) must be in ProgType 30."""
    return aim_ref(d).startswith("ZTPR") and d.number("ProgType") != PROG_T_LEVEL_FOUNDATION


@per_delivery("ProgType_21", "FundModel")
def prog_type_21(d: Delivery, ctx: ValidationContext) -> bool:
    """Skills Bootcamp aims (ProgType 32) must be FundModel 37."""
    fund_model = d.number("FundModel")
    return (
        d.number("ProgType") == PROG_SKILLS_BOOTCAMP
        and fund_model is not None
        and fund_model != FM_SKILLS_BOOTCAMPS
    )


@per_delivery("ProgType_22", "ProgType")
def prog_type_22(d: Delivery, ctx: ValidationContext) -> bool:
    """Combined authority programme aims (ProgType 33) need a Combined Authority SOF (DD35)."""
    return d.number("ProgType") == PROG_COMBINED_AUTHORITY and not devolved_funding(
        d, ctx.academic_year
    )


@per_delivery("ProgType_25", "FundModel", years=_UNITS_ONLY, source=SOURCE_V4)
def prog_type_25(d: Delivery, ctx: ValidationContext) -> bool:
    """Apprenticeship units (ProgType 34) must be Growth and Skills funded (FundModel 39)."""
    return (
        d.number("ProgType") == PROG_APPRENTICESHIP_UNITS
        and d.number("FundModel") != FM_SHORT_COURSES
    )


# --- Apprenticeship units: one component aim per programme aim --------------------------

_Dates = tuple[date | None, date | None, date | None]


def _dates(d: Delivery) -> _Dates:
    """Start, planned end and actual end (None when not returned)."""
    return d.day("LearnStartDate"), d.day("LearnPlanEndDate"), d.day("LearnActEndDate")


def _unit_aims(record: Record, aim_type: int) -> list[Delivery]:
    return [
        d
        for d in deliveries(record)
        if d.number("AimType") == aim_type and d.number("ProgType") == PROG_APPRENTICESHIP_UNITS
    ]


def _unit_key(d: Delivery) -> tuple[int | None, _Dates]:
    return d.number("FundModel"), _dates(d)


@rule("AimType_10", years=_UNITS_ONLY, source=SOURCE_V4)
def aim_type_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An apprenticeship units programme aim (ProgType 34) has only one component aim with
    the same start, planned end and actual end dates."""
    components = _unit_aims(record, COMPONENT_AIM)
    for programme in _unit_aims(record, PROGRAMME_AIM):
        matching = [c for c in components if _dates(c) == _dates(programme)]
        if len(matching) > 1:
            yield from (Hit(c.at("AimType")) for c in matching[1:])


def _unmatched(record: Record, aim_type: int, partner_type: int) -> Iterator[Hit]:
    """Unit aims of ``aim_type`` with no ``partner_type`` aim of the same funding model,
    programme type and dates."""
    partners = {_unit_key(d) for d in _unit_aims(record, partner_type)}
    for d in _unit_aims(record, aim_type):
        if _unit_key(d) not in partners:
            yield Hit(d.at("AimType"))


@rule("R_159", years=_UNITS_ONLY, source=SOURCE_V4)
def r_159(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An apprenticeship unit component aim needs a programme aim with the same funding
    model, programme type and dates."""
    return _unmatched(record, COMPONENT_AIM, PROGRAMME_AIM)


@rule("R_160", years=_UNITS_ONLY, source=SOURCE_V4)
def r_160(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An apprenticeship unit programme aim needs a component aim with the same funding
    model, programme type and dates."""
    return _unmatched(record, PROGRAMME_AIM, COMPONENT_AIM)
