"""Date of birth rules: age limits by funding, required dates of birth, minimum
apprenticeship durations and the school leaving age."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    component_aim,
    ctx,
    fam,
    findings,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    without,
)

from ilr_shared.validation import rule_catalogue
from ilr_shared.validation.rules.learner_durations import last_friday_of_june_turning_16

OLD = ctx("2025/26", prepared=date(2026, 3, 1))
SOF_PATH = "LearningDelivery[0].LearningDeliveryFAM[0].LearnDelFAMCode"


def aim(fund_model: int, *fams: Record, **overrides: Any) -> Record:
    fields: dict[str, Any] = {"FundModel": fund_model, "LearnStartDate": "2026-09-01",
                              "LearningDeliveryFAM": list(fams)}  # fmt: skip
    return standalone_aim(**{**fields, **overrides})


def test_date_of_birth_04_under_115_at_start_of_year() -> None:
    assert only(learner(DateOfBirth="1911-08-01"), "DateOfBirth_04").field == "DateOfBirth"
    assert not fires(learner(DateOfBirth="1911-08-02"), "DateOfBirth_04")
    assert fires(learner(DateOfBirth="1910-08-01"), "DateOfBirth_04", OLD)


def test_date_of_birth_27_before_the_teaching_year() -> None:
    assert fires(learner(DateOfBirth="2026-08-01"), "DateOfBirth_27")
    assert not fires(learner(DateOfBirth="2026-07-31"), "DateOfBirth_27")
    assert fires(learner(DateOfBirth="2025-08-01"), "DateOfBirth_27", OLD)


@pytest.mark.parametrize(("birth", "sof", "expected"),
                         [("2001-08-31", "107", True), ("2001-09-01", "107", False),
                          ("2001-08-31", "105", False)])  # fmt: skip
def test_date_of_birth_07_25_or_over_not_16_19_sof(birth: str, sof: str, expected: bool) -> None:
    record = learner(aim(25, fam("SOF", sof)), DateOfBirth=birth)
    assert fires(record, "DateOfBirth_07") is expected
    if expected:
        assert only(record, "DateOfBirth_07").field == SOF_PATH
    assert not fires(learner(aim(35, fam("SOF", sof)), DateOfBirth=birth), "DateOfBirth_07")


@pytest.mark.parametrize(("birth", "sof", "expected"),
                         [("2007-09-01", "105", True), ("2007-09-01", "107", False),
                          ("2007-08-31", "105", False)])  # fmt: skip
def test_date_of_birth_20_under_19_needs_16_19_sof(birth: str, sof: str, expected: bool) -> None:
    record = learner(aim(82, fam("SOF", sof)), DateOfBirth=birth)
    assert fires(record, "DateOfBirth_20") is expected
    assert not fires(learner(aim(35, fam("SOF", sof)), DateOfBirth=birth), "DateOfBirth_20")


def test_date_of_birth_30_19_to_24_with_ehc_needs_16_19_sof() -> None:
    ehc = [{"LearnFAMType": "EHC", "LearnFAMCode": 1}]
    record = learner(aim(35, fam("SOF", "105")), DateOfBirth="2005-01-01", LearnerFAM=ehc)
    assert only(record, "DateOfBirth_30").field == SOF_PATH
    assert not fires(learner(aim(35, fam("SOF", "105")), DateOfBirth="2005-01-01"),
                     "DateOfBirth_30")  # fmt: skip
    assert not fires(learner(aim(35, fam("SOF", "107")), DateOfBirth="2005-01-01", LearnerFAM=ehc),
                     "DateOfBirth_30")  # fmt: skip
    too_old = learner(aim(35, fam("SOF", "105")), DateOfBirth="2001-08-31", LearnerFAM=ehc)
    assert not fires(too_old, "DateOfBirth_30")
    assert not fires(learner(aim(36, fam("SOF", "105")), DateOfBirth="2005-01-01",
                             LearnerFAM=ehc), "DateOfBirth_30")  # fmt: skip


def test_date_of_birth_30_olass_and_apprenticeships_excluded_only_in_2025_26() -> None:
    ehc = [{"LearnFAMType": "EHC", "LearnFAMCode": 1}]
    olass = aim(35, fam("SOF", "105"), fam("LDM", "034"), LearnStartDate="2025-09-01")
    record = learner(olass, DateOfBirth="2004-01-01", LearnerFAM=ehc)
    assert not fires(record, "DateOfBirth_30", OLD)
    assert fires(record, "DateOfBirth_30")
    apprentice = aim(35, fam("SOF", "105"), ProgType=25, AimType=1, LearnStartDate="2025-09-01")
    assert not fires(learner(apprentice, DateOfBirth="2004-01-01", LearnerFAM=ehc),
                     "DateOfBirth_30", OLD)  # fmt: skip


def test_date_of_birth_12_community_learning_pcdl_under_19_2025_26() -> None:
    cl = aim(10, fam("ASL", "1"), LearnStartDate="2025-09-01")
    record = learner(cl, DateOfBirth="2006-09-02")
    assert only(record, "DateOfBirth_12", OLD).field == SOF_PATH
    assert not fires(learner(cl, DateOfBirth="2006-09-01"), "DateOfBirth_12", OLD)
    other = aim(10, fam("ASL", "3"), LearnStartDate="2025-09-01")
    assert not fires(learner(other, DateOfBirth="2006-09-02"), "DateOfBirth_12", OLD)
    assert not fires(record, "DateOfBirth_12")


def test_date_of_birth_13_ofs_under_16_on_31_july() -> None:
    ofs = aim(99, fam("SOF", "1"))
    finding = only(learner(ofs, DateOfBirth="2011-08-01"), "DateOfBirth_13")
    assert finding.severity == "warning"
    assert not fires(learner(ofs, DateOfBirth="2011-07-31"), "DateOfBirth_13")
    assert not fires(learner(aim(99), DateOfBirth="2011-08-01"), "DateOfBirth_13")


def test_date_of_birth_14_olass_under_18_at_start() -> None:
    olass = aim(35, fam("SOF", "105"), fam("LDM", "034"))
    assert fires(learner(olass, DateOfBirth="2008-09-02"), "DateOfBirth_14")
    assert not fires(learner(olass, DateOfBirth="2008-09-01"), "DateOfBirth_14")
    assert not fires(learner(aim(35, fam("SOF", "105")), DateOfBirth="2008-09-02"),
                     "DateOfBirth_14")  # fmt: skip


def test_date_of_birth_23_loans_need_a_date_of_birth() -> None:
    loan = aim(99, fam("ADL", "1"))
    assert only(without(learner(loan), "DateOfBirth"), "DateOfBirth_23").field == "DateOfBirth"
    assert not fires(learner(loan), "DateOfBirth_23")
    olass = aim(99, fam("ADL", "1"), fam("LDM", "034"))
    assert not fires(without(learner(olass), "DateOfBirth"), "DateOfBirth_23")


def test_date_of_birth_24_uln_needs_a_date_of_birth() -> None:
    assert fires(without(learner(), "DateOfBirth"), "DateOfBirth_24")
    assert not fires(without(learner(ULN=9999999999), "DateOfBirth"), "DateOfBirth_24")
    assert not fires(learner(), "DateOfBirth_24")


def test_date_of_birth_26_loans_19_or_over_at_start() -> None:
    loan = aim(99, fam("ADL", "1"))
    assert fires(learner(loan, DateOfBirth="2007-09-02"), "DateOfBirth_26")
    assert not fires(learner(loan, DateOfBirth="2007-09-01"), "DateOfBirth_26")


def test_date_of_birth_25_under_19_on_31_august_2025_26() -> None:
    adult = aim(38, fam("SOF", "105"), LearnStartDate="2025-09-01")
    assert fires(learner(adult, DateOfBirth="2006-09-01"), "DateOfBirth_25", OLD)
    assert not fires(learner(adult, DateOfBirth="2006-08-31"), "DateOfBirth_25", OLD)
    bootcamp = aim(37, LearnStartDate="2025-09-01")
    assert fires(learner(bootcamp, DateOfBirth="2006-09-01"), "DateOfBirth_25", OLD)
    olass = aim(35, fam("LDM", "034"), LearnStartDate="2025-09-01")
    assert not fires(learner(olass, DateOfBirth="2006-09-01"), "DateOfBirth_25", OLD)
    apprentice = aim(35, ProgType=25, AimType=1, LearnStartDate="2025-09-01")
    assert not fires(learner(apprentice, DateOfBirth="2006-09-01"), "DateOfBirth_25", OLD)


def test_date_of_birth_25_only_aims_started_by_31_july_2026_in_2026_27() -> None:
    continuing = aim(38, LearnStartDate="2026-07-31")
    assert fires(learner(continuing, DateOfBirth="2007-09-01"), "DateOfBirth_25")
    new = aim(38, LearnStartDate="2026-08-01")
    assert not fires(learner(new, DateOfBirth="2007-09-01"), "DateOfBirth_25")


def test_date_of_birth_62_new_adult_starts_from_august_2026() -> None:
    new = aim(38, LearnStartDate="2026-08-01")
    assert only(learner(new, DateOfBirth="2007-09-01"), "DateOfBirth_62").field == "DateOfBirth"
    assert not fires(learner(new, DateOfBirth="2007-08-31"), "DateOfBirth_62")
    assert not fires(learner(aim(38, LearnStartDate="2026-07-31"), DateOfBirth="2007-09-01"),
                     "DateOfBirth_62")  # fmt: skip
    assert not fires(learner(aim(37, LearnStartDate="2026-08-01"), DateOfBirth="2007-09-01"),
                     "DateOfBirth_62")  # fmt: skip
    olass = aim(35, fam("LDM", "034"), LearnStartDate="2026-08-01")
    assert not fires(learner(olass, DateOfBirth="2007-09-01"), "DateOfBirth_62")
    assert not fires(learner(new, DateOfBirth="2007-09-01"), "DateOfBirth_62", OLD)


def test_date_of_birth_63_bootcamp_programme_under_19_at_start() -> None:
    bootcamp = aim(37, AimType=1, ProgType=32, LearnStartDate="2026-08-01")
    assert fires(learner(bootcamp, DateOfBirth="2007-08-02"), "DateOfBirth_63")
    assert not fires(learner(bootcamp, DateOfBirth="2007-08-01"), "DateOfBirth_63")
    assert not fires(learner(aim(37, LearnStartDate="2026-08-01"), DateOfBirth="2007-08-02"),
                     "DateOfBirth_63")  # fmt: skip
    early = aim(37, AimType=1, ProgType=32, LearnStartDate="2026-07-31")
    assert not fires(learner(early, DateOfBirth="2007-08-02"), "DateOfBirth_63")


def test_date_of_birth_61_apprenticeship_units_19_or_over() -> None:
    unit = aim(39, ProgType=34)
    assert fires(learner(unit, DateOfBirth="2007-09-02"), "DateOfBirth_61")
    assert not fires(learner(unit, DateOfBirth="2007-09-01"), "DateOfBirth_61")
    assert not fires(learner(unit, DateOfBirth="2007-09-02"), "DateOfBirth_61", OLD)


def test_date_of_birth_34_high_needs_19_to_24_need_ehc() -> None:
    hns = [{"LearnFAMType": "HNS", "LearnFAMCode": 1}]
    record = learner(aim(25, fam("SOF", "107")), DateOfBirth="2005-01-01", LearnerFAM=hns)
    assert only(record, "DateOfBirth_34").field == "DateOfBirth"
    with_ehc = [*hns, {"LearnFAMType": "EHC", "LearnFAMCode": 1}]
    assert not fires(learner(aim(25), DateOfBirth="2005-01-01", LearnerFAM=with_ehc),
                     "DateOfBirth_34")  # fmt: skip
    assert not fires(learner(aim(25), DateOfBirth="2007-09-01", LearnerFAM=hns), "DateOfBirth_34")


def test_date_of_birth_01_fm39_from_2026_27() -> None:
    unit = without(learner(aim(39, ProgType=34)), "DateOfBirth")
    assert fires(unit, "DateOfBirth_01")
    assert not fires(unit, "DateOfBirth_01", OLD)


def _standard(start: date, **overrides: Any) -> Record:
    fields: dict[str, Any] = {"LearnStartDate": start.isoformat(), "LearnPlanEndDate": None}
    return programme_aim(**{**fields, **overrides})


ADULT = "1990-01-01"


def _after(start: date, days: int) -> str:
    return (start + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("rule_name", "start", "fund_model", "days"),
                         [("DateOfBirth_57", date(2025, 8, 1), 36, 242),
                          ("DateOfBirth_46", date(2025, 7, 31), 36, 365),
                          ("DateOfBirth_46", date(2016, 8, 1), 81, 365),
                          ("DateOfBirth_37", date(2015, 9, 1), 35, 365)])  # fmt: skip
def test_minimum_planned_duration(rule_name: str, start: date, fund_model: int, days: int) -> None:
    short = _standard(start, FundModel=fund_model, LearnPlanEndDate=_after(start, days - 1))
    finding = only(learner(short, DateOfBirth=ADULT), rule_name)
    assert finding.field == "LearningDelivery[0].LearnPlanEndDate"
    enough = _standard(start, FundModel=fund_model, LearnPlanEndDate=_after(start, days))
    assert not fires(learner(enough, DateOfBirth=ADULT), rule_name)
    restart = {**short, "LearningDeliveryFAM": [fam("RES", "1")]}
    assert not fires(learner(restart, DateOfBirth=ADULT), rule_name)
    component = {**short, "AimType": 3}
    assert not fires(learner(component, DateOfBirth=ADULT), rule_name)


@pytest.mark.parametrize(("rule_name", "start", "young"),
                         [("DateOfBirth_57", date(2025, 8, 1), "2009-08-02"),
                          ("DateOfBirth_37", date(2015, 9, 1), "1996-09-02")])  # fmt: skip
def test_minimum_planned_duration_age_limit(rule_name: str, start: date, young: str) -> None:
    fund_model = 35 if rule_name == "DateOfBirth_37" else 36
    short = _standard(start, FundModel=fund_model, LearnPlanEndDate=_after(start, 10))
    assert not fires(learner(short, DateOfBirth=young), rule_name)


def test_minimum_planned_duration_start_windows() -> None:
    start = date(2025, 7, 31)
    short = learner(_standard(start, LearnPlanEndDate=_after(start, 100)), DateOfBirth=ADULT)
    assert not fires(short, "DateOfBirth_57")
    assert fires(short, "DateOfBirth_46")


@pytest.mark.parametrize(("rule_name", "start", "fund_model", "finished", "days"),
                         [("DateOfBirth_58", date(2025, 8, 1), 36, {"CompStatus": 2}, 242),
                          ("DateOfBirth_47", date(2024, 9, 1), 36, {"CompStatus": 2}, 365),
                          ("DateOfBirth_40", date(2015, 9, 1), 81, {"Outcome": 1}, 365)])  # fmt: skip
def test_minimum_actual_duration(
    rule_name: str, start: date, fund_model: int, finished: dict[str, int], days: int
) -> None:
    plan = _after(start, 800)
    short = _standard(start, FundModel=fund_model, LearnPlanEndDate=plan,
                      LearnActEndDate=_after(start, days - 1), **finished)  # fmt: skip
    record = learner(short, DateOfBirth=ADULT)
    assert only(record, rule_name).field == "LearningDelivery[0].LearnActEndDate"
    enough = {**short, "LearnActEndDate": _after(start, days)}
    assert not fires(learner(enough, DateOfBirth=ADULT), rule_name)
    unfinished = {**short, "CompStatus": 3, "Outcome": 3}
    assert not fires(learner(unfinished, DateOfBirth=ADULT), rule_name)


@pytest.mark.parametrize(("birth", "expected"),
                         [(date(2010, 9, 1), date(2027, 6, 25)),
                          (date(2010, 8, 31), date(2026, 6, 26)),
                          (date(2008, 2, 29), date(2024, 6, 28))])  # fmt: skip
def test_last_friday_of_june_in_the_academic_year_turning_16(birth: date, expected: date) -> None:
    assert last_friday_of_june_turning_16(birth) == expected


def test_date_of_birth_48_apprenticeship_after_school_leaving_date() -> None:
    on_leaving_day = learner(programme_aim(LearnStartDate="2027-06-25"),
                             component_aim(LearnStartDate="2027-06-28"),
                             DateOfBirth="2010-09-01")  # fmt: skip
    assert [f.field for f in findings(on_leaving_day, "DateOfBirth_48")] == [
        "LearningDelivery[0].LearnStartDate", "LearningDelivery[1].LearnStartDate"]  # fmt: skip
    after = learner(programme_aim(LearnStartDate="2027-06-28"),
                    component_aim(LearnStartDate="2027-06-28"), DateOfBirth="2010-09-01")  # fmt: skip
    assert not fires(after, "DateOfBirth_48")
    not_apprentice = learner(aim(38, LearnStartDate="2027-06-25"), DateOfBirth="2010-09-01")
    assert not fires(not_apprentice, "DateOfBirth_48")


def test_lars_dependent_age_rules_are_declared_per_year() -> None:
    new = {e.name: e for e in rule_catalogue("2026/27")}
    assert new["DateOfBirth_60"].needs == ["LARS"]
    assert new["DateOfBirth_32"].needs == ["LARS", "organisations"]
    old = {e.name: e for e in rule_catalogue("2025/26")}
    assert old["DateofBirth_60"].needs == ["LARS"]
    assert old["DateOfBirth_05"].status == "implemented"
    assert "DateOfBirth_05" not in {e.name for e in rule_catalogue("2026/27") if e.scope}
