"""Learning delivery FAM rules on the Date applies from and Date applies to."""

from __future__ import annotations

from datetime import date

from ..access import Delivery
from ..model import ValidationContext
from .common import FM_APPRENTICESHIPS, PROGRAMME_AIM
from .delivery_fams import (
    DATE_FROM,
    DATE_TO,
    FAM_TYPE,
    Fam,
    after,
    fam_rule,
    fm_in,
    fund_model,
    starts_after,
)

_DATED_FMS = (35, 36, 38, 81, 99)


def _date_from_01(d: Delivery, f: Fam, ctx: ValidationContext) -> bool:
    return f.type in ("LSF", "ALB") and not (f.is_known(DATE_FROM) and f.is_known(DATE_TO))


def _date_to_02(d: Delivery, f: Fam, ctx: ValidationContext) -> bool:
    achieved_act = (
        f.type == "ACT" and d.number("AimType") == PROGRAMME_AIM and d.is_known("AchDate")
    )
    return not achieved_act and after(f.day(DATE_TO), d.day("LearnPlanEndDate"))


def _evi_outside_programme(d: Delivery, f: Fam, ctx: ValidationContext) -> bool:
    if f.type != "EVI" or d.number("AimType") != PROGRAMME_AIM:
        return False
    applies_from = f.day(DATE_FROM)
    start = d.day("LearnStartDate")
    before_start = applies_from is not None and start is not None and applies_from < start
    return before_start or after(applies_from, d.day("LearnActEndDate"))


fam_rule(
    "LearnDelFAMDateFrom_01",
    "LSF and ALB records need both a Date applies from and a Date applies to.",
    FAM_TYPE,
    _date_from_01,
)
fam_rule(
    "LearnDelFAMDateFrom_02",
    "For funding models 35, 36, 38, 81 and 99 the Date applies from is not before the start.",
    DATE_FROM,
    lambda d, f, ctx: (
        fm_in(d, _DATED_FMS) and f.day(DATE_FROM) is not None and starts_after(d, f.day(DATE_FROM))
    ),
)
fam_rule(
    "LearnDelFAMDateFrom_03",
    "Only LSF, ACT, ALB and EVI records may have a Date applies from.",
    DATE_FROM,
    lambda d, f, ctx: (
        f.type is not None and f.type not in ("LSF", "ACT", "ALB", "EVI") and f.is_known(DATE_FROM)
    ),
)
fam_rule(
    "LearnDelFAMDateFrom_04",
    "ACT records need a Date applies from.",
    DATE_FROM,
    lambda d, f, ctx: f.type == "ACT" and not f.is_known(DATE_FROM),
    only="ACT",
)
fam_rule(
    "LearnDelFAMDateFrom_05",
    "EVI (event indicator) records need a Date applies from.",
    DATE_FROM,
    lambda d, f, ctx: f.type == "EVI" and not f.is_known(DATE_FROM),
    only="EVI",
)
fam_rule(
    "LearnDelFAMDateFrom_06",
    "An EVI Date applies from must not be before 1 August 2025.",
    DATE_FROM,
    lambda d, f, ctx: f.type == "EVI" and after(date(2025, 8, 1), f.day(DATE_FROM)),
    only="EVI",
)
fam_rule(
    "LearnDelFAMDateFrom_07",
    "An EVI Date applies from lies within the programme aim's start and actual end dates.",
    DATE_FROM,
    _evi_outside_programme,
    only="EVI",
)
fam_rule(
    "LearnDelFAMDateTo_01",
    "The Date applies to is not before the Date applies from.",
    DATE_TO,
    lambda d, f, ctx: after(f.day(DATE_FROM), f.day(DATE_TO)),
)
fam_rule(
    "LearnDelFAMDateTo_02",
    "The Date applies to should not be after the planned end date (achieved ACT excepted).",
    DATE_TO,
    _date_to_02,
)
fam_rule(
    "LearnDelFAMDateTo_03",
    "For funding models 35, 36, 38, 81 and 99 non-ACT Date applies to is not after the end.",
    DATE_TO,
    lambda d, f, ctx: (
        fm_in(d, _DATED_FMS) and f.type != "ACT" and after(f.day(DATE_TO), d.day("LearnActEndDate"))
    ),
)
fam_rule(
    "LearnDelFAMDateTo_04",
    "Only LSF, ACT and ALB records may have a Date applies to.",
    DATE_TO,
    lambda d, f, ctx: (
        f.type is not None and f.type not in ("LSF", "ACT", "ALB") and f.is_known(DATE_TO)
    ),
)
fam_rule(
    "LearnDelFAMDateTo_05",
    "An FM36 ACT Date applies to must not be after the Achievement date.",
    DATE_TO,
    lambda d, f, ctx: (
        f.type == "ACT"
        and fund_model(d) == FM_APPRENTICESHIPS
        and after(f.day(DATE_TO), d.day("AchDate"))
    ),
    only="ACT",
)
