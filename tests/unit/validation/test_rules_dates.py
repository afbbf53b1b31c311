"""Learning delivery date rules, each tested at its edges against its official definition."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    case_ids,
    check_case,
    ctx,
    fam,
    fires,
    learner,
    programme_aim,
)
from ilr_validation_builders import standalone_aim as _standalone

from ilr_shared.validation.registry import DECLARED, LEARNER_RULES
from ilr_shared.validation.rules.dates import add_months, days_later, years_later

AIM = "LearningDelivery[0]."
Y26, Y25 = "2026/27", "2025/26"


def prog(**overrides: Any) -> Record:
    """A learner with one FM36 apprenticeship standard programme aim."""
    return learner(programme_aim(**overrides))


def alone(**overrides: Any) -> Record:
    """A learner with one FM38 aim that is not part of a programme."""
    return learner(_standalone(**overrides))


def bootcamp(**overrides: Any) -> Record:
    """A learner with one Skills Bootcamp programme aim."""
    return alone(**{"FundModel": 37, "ProgType": 32, "AimType": 1, **overrides})


def units(**overrides: Any) -> Record:
    """A learner with one apprenticeship units (ProgType 34) programme aim."""
    return alone(**{"FundModel": 39, "ProgType": 34, "AimType": 1, **overrides})


START = {"LearnStartDate": "2026-09-01"}
RES = {"LearningDeliveryFAM": [fam("SOF", "105"), fam("RES", "1")]}

CASES: list[tuple[str, Record, str, str | None]] = [
    # LearnStartDate_02: not more than 10 years before the start of the teaching year
    ("LearnStartDate_02", alone(LearnStartDate="2016-07-31"), Y26, "LearnStartDate"),
    ("LearnStartDate_02", alone(LearnStartDate="2016-08-01"), Y26, None),
    ("LearnStartDate_02", alone(LearnStartDate="2015-07-31"), Y25, "LearnStartDate"),
    ("LearnStartDate_02", alone(LearnStartDate="2015-08-01"), Y25, None),
    # LearnStartDate_03: not after the teaching year; FM36, FM37 and T Levels excluded
    ("LearnStartDate_03", alone(LearnStartDate="2027-08-01"), Y26, "LearnStartDate"),
    ("LearnStartDate_03", alone(LearnStartDate="2027-07-31"), Y26, None),
    ("LearnStartDate_03", alone(LearnStartDate="2026-08-01"), Y25, "LearnStartDate"),
    ("LearnStartDate_03", prog(LearnStartDate="2027-08-01"), Y26, None),
    ("LearnStartDate_03", alone(FundModel=37, LearnStartDate="2027-08-01"), Y26, None),
    ("LearnStartDate_03", alone(FundModel=25, ProgType=31, LearnStartDate="2027-08-01"), Y26, None),
    # LearnStartDate_12: apprenticeships not more than a year after the teaching year
    ("LearnStartDate_12", prog(LearnStartDate="2028-08-01"), Y26, "LearnStartDate"),
    ("LearnStartDate_12", prog(LearnStartDate="2028-07-31"), Y26, None),
    ("LearnStartDate_12", prog(LearnStartDate="2027-08-01"), Y25, "LearnStartDate"),
    ("LearnStartDate_12", alone(LearnStartDate="2028-08-01"), Y26, None),
    # LearnStartDate_21: Skills Bootcamp funding from 1 August 2022
    ("LearnStartDate_21", alone(FundModel=37, LearnStartDate="2022-07-31"), Y26, "LearnStartDate"),
    ("LearnStartDate_21", alone(FundModel=37, LearnStartDate="2022-08-01"), Y26, None),
    ("LearnStartDate_21", alone(LearnStartDate="2022-07-31"), Y26, None),
    # OrigLearnStartDate_01: not more than 10 years before the start date
    ("OrigLearnStartDate_01", alone(**START, OrigLearnStartDate="2016-08-31"), Y26,
     "OrigLearnStartDate"),
    ("OrigLearnStartDate_01", alone(**START, OrigLearnStartDate="2016-09-01"), Y26, None),
    # OrigLearnStartDate_02: before the start date
    ("OrigLearnStartDate_02", alone(**START, OrigLearnStartDate="2026-09-01"), Y26,
     "OrigLearnStartDate"),
    ("OrigLearnStartDate_02", alone(**START, OrigLearnStartDate="2026-08-31"), Y26, None),
    # OrigLearnStartDate_03: not on FM25/82 (2025/26 also FM10)
    ("OrigLearnStartDate_03", alone(FundModel=25, OrigLearnStartDate="2025-09-01"), Y26,
     "OrigLearnStartDate"),
    ("OrigLearnStartDate_03", alone(FundModel=82, OrigLearnStartDate="2025-09-01"), Y25,
     "OrigLearnStartDate"),
    ("OrigLearnStartDate_03", alone(FundModel=10, OrigLearnStartDate="2025-09-01"), Y25,
     "OrigLearnStartDate"),
    ("OrigLearnStartDate_03", alone(FundModel=10, OrigLearnStartDate="2025-09-01"), Y26, None),
    ("OrigLearnStartDate_03", alone(OrigLearnStartDate="2025-09-01"), Y26, None),
    # OrigLearnStartDate_04: needs a restart indicator
    ("OrigLearnStartDate_04", alone(OrigLearnStartDate="2025-09-01"), Y26, "OrigLearnStartDate"),
    ("OrigLearnStartDate_04", alone(OrigLearnStartDate="2025-09-01", **RES), Y26, None),
    # OrigLearnStartDate_09: FM36 not before 1 May 2017
    ("OrigLearnStartDate_09", prog(OrigLearnStartDate="2017-04-30"), Y26, "OrigLearnStartDate"),
    ("OrigLearnStartDate_09", prog(OrigLearnStartDate="2017-05-01"), Y26, None),
    ("OrigLearnStartDate_09", alone(OrigLearnStartDate="2017-04-30"), Y26, None),
    # LearnPlanEndDate_03: less than 10 years after the start date
    ("LearnPlanEndDate_03", alone(**START, LearnPlanEndDate="2036-09-01"), Y26,
     "LearnPlanEndDate"),
    ("LearnPlanEndDate_03", alone(**START, LearnPlanEndDate="2036-08-31"), Y26, None),
    # LearnPlanEndDate_04: apprenticeship units planned for at most 16 weeks (2026/27)
    ("LearnPlanEndDate_04", units(**START, LearnPlanEndDate="2026-12-23"), Y26,
     "LearnPlanEndDate"),
    ("LearnPlanEndDate_04", units(**START, LearnPlanEndDate="2026-12-22"), Y26, None),
    ("LearnPlanEndDate_04", units(**START, LearnPlanEndDate="2026-12-23", AimType=3), Y26, None),
    ("LearnPlanEndDate_04", units(**START, LearnPlanEndDate="2026-12-23"), Y25, None),
    # LearnActEndDate_04: not after the file preparation date (1 October 2026)
    ("LearnActEndDate_04", alone(LearnActEndDate="2026-10-02"), Y26, "LearnActEndDate"),
    ("LearnActEndDate_04", alone(LearnActEndDate="2026-10-01"), Y26, None),
    # AchDate_04: needs an actual end date; Skills Bootcamps excluded
    ("AchDate_04", alone(AchDate="2026-09-30"), Y26, "LearnActEndDate"),
    ("AchDate_04", alone(AchDate="2026-09-30", LearnActEndDate="2026-09-30"), Y26, None),
    ("AchDate_04", bootcamp(AchDate="2026-09-30"), Y26, None),
    # AchDate_05: on or after the actual end date; Skills Bootcamps excluded
    ("AchDate_05", alone(AchDate="2026-09-29", LearnActEndDate="2026-09-30"), Y26, "AchDate"),
    ("AchDate_05", alone(AchDate="2026-09-30", LearnActEndDate="2026-09-30"), Y26, None),
    ("AchDate_05", bootcamp(AchDate="2026-09-29", LearnActEndDate="2026-09-30"), Y26, None),
    # AchDate_07: not after the file preparation date
    ("AchDate_07", alone(AchDate="2026-10-02"), Y26, "AchDate"),
    ("AchDate_07", alone(AchDate="2026-10-01"), Y26, None),
    # AchDate_08: achieved FM81 standard programmes need an achievement date
    ("AchDate_08", alone(FundModel=81, ProgType=25, AimType=1, Outcome=1), Y26, "AchDate"),
    ("AchDate_08", alone(FundModel=81, ProgType=25, AimType=1, Outcome=1, AchDate="2026-09-30"),
     Y26, None),
    ("AchDate_08", alone(FundModel=81, ProgType=25, AimType=1, Outcome=3), Y26, None),
    ("AchDate_08", prog(Outcome=1), Y26, None),
    # AchDate_09: no achievement date for starts after 31 July 2015; standards, Bootcamps excluded
    ("AchDate_09", alone(AchDate="2026-09-30"), Y26, "AchDate"),
    ("AchDate_09", alone(AchDate="2026-09-30", LearnStartDate="2015-07-31"), Y26, None),
    ("AchDate_09", alone(AchDate="2026-09-30", LearnStartDate="2015-08-01"), Y25, "AchDate"),
    ("AchDate_09", prog(AchDate="2026-09-30"), Y26, None),
    ("AchDate_09", alone(AchDate="2026-09-30", FundModel=81, ProgType=25), Y26, None),
    ("AchDate_09", bootcamp(AchDate="2026-09-30"), Y26, None),
    # AchDate_11 (2025/26): FM36 standard programmes, at least 7 days after the end date
    ("AchDate_11", prog(LearnActEndDate="2025-06-01", AchDate="2025-06-07"), Y25, "AchDate"),
    ("AchDate_11", prog(LearnActEndDate="2025-06-01", AchDate="2025-06-08"), Y25, None),
    ("AchDate_11", prog(LearnActEndDate="2019-07-31", AchDate="2019-08-01"), Y25, None),
    ("AchDate_11", prog(LearnActEndDate="2025-06-01", AchDate="2025-06-07"), Y26, None),
    # AchDate_12: completed FM36 standard programmes ended from 1 August 2021
    ("AchDate_12", prog(LearnActEndDate="2021-08-01", CompStatus=2), Y26, "AchDate"),
    ("AchDate_12", prog(LearnActEndDate="2021-07-31", CompStatus=2), Y26, None),
    ("AchDate_12", prog(LearnActEndDate="2026-09-01", CompStatus=2, AchDate="2026-09-20"), Y25,
     None),
    ("AchDate_12", prog(LearnActEndDate="2026-09-01", CompStatus=3), Y26, None),
    # AchDate_13: Skills Bootcamps at most six months after the end date
    ("AchDate_13", bootcamp(LearnActEndDate="2026-03-31", AchDate="2026-10-01"), Y26, "AchDate"),
    ("AchDate_13", bootcamp(LearnActEndDate="2026-03-31", AchDate="2026-09-30"), Y26, None),
    ("AchDate_13", bootcamp(LearnActEndDate="2026-03-31", AchDate="2026-10-01", AimType=3), Y26,
     None),
    # AchDate_14 (2026/27): only on programme aims
    ("AchDate_14", alone(AchDate="2026-09-30"), Y26, "AchDate"),
    ("AchDate_14", prog(AchDate="2026-09-30"), Y26, None),
    ("AchDate_14", alone(AchDate="2026-09-30"), Y25, None),
    # AchDate_15 (2026/27): Skills Bootcamps not before the start date
    ("AchDate_15", bootcamp(LearnStartDate="2026-09-01", AchDate="2026-08-31"), Y26, "AchDate"),
    ("AchDate_15", bootcamp(LearnStartDate="2026-09-01", AchDate="2026-09-01"), Y26, None),
    ("AchDate_15", bootcamp(LearnStartDate="2026-09-01", AchDate="2026-08-31"), Y25, None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "year", "field"), CASES, ids=case_ids(CASES))
def test_date_rule(rule: str, record: Record, year: str, field: str | None) -> None:
    check_case(rule, record, year, field, AIM)


def test_unreadable_dates_are_unknown() -> None:
    record = alone(LearnStartDate="not a date", AchDate="2026-13-45", LearnActEndDate=20260901)
    for rule in ("LearnStartDate_02", "LearnStartDate_03", "AchDate_05", "AchDate_07"):
        assert not fires(record, rule)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 3, 31), 6) == date(2026, 9, 30)
    assert add_months(date(2026, 1, 15), 11) == date(2026, 12, 15)


@pytest.mark.parametrize(
    ("name", "needs"),
    [
        ("LearnStartDate_13", "LARS"),
        ("LearnStartDate_14", "LARS"),
        ("LearnStartDate_17", "LARS"),
        ("LearnStartDate_18", "LARS"),
        ("LearnStartDate_20", "contracts"),
        ("OrigLearnStartDate_06", "LARS"),
        ("OrigLearnStartDate_07", "LARS"),
        ("OrigLearnStartDate_08", "LARS"),
        ("OrigLearnStartDate_10", "LARS"),
        ("OrigLearnStartDate_11", "LARS"),
    ],
)
def test_reference_data_rules_are_declared(name: str, needs: str) -> None:
    assert DECLARED[name].needs == (needs,)


def test_saturating_date_arithmetic() -> None:
    assert years_later(date(9995, 1, 1), 10) == date.max
    assert years_later(date(5, 1, 1), -10) == date.min
    assert days_later(date.max, 7) == date.max
    assert add_months(date(9999, 12, 1), 6) == date.max


@pytest.mark.parametrize("extreme", ["0001-01-01", "9999-12-31"])
def test_rules_of_this_area_tolerate_extreme_dates(extreme: str) -> None:
    dates = dict.fromkeys(("LearnStartDate", "OrigLearnStartDate", "LearnPlanEndDate",
                           "LearnActEndDate", "AchDate"), extreme)  # fmt: skip
    money = [{"AFinType": "TNP", "AFinCode": 1, "AFinDate": extreme, "AFinAmount": 1}]
    records = [prog(**dates, AppFinRecord=money), bootcamp(**dates, CompStatus=2)]
    modules = {"dates", "outcomes", "finance", "hours", "funding"}
    for year in (Y26, Y25):
        for rule in LEARNER_RULES.values():
            if rule.check.__module__.rsplit(".", 1)[-1] in modules:
                for record in records:
                    list(rule.check(record, ctx(year)))
