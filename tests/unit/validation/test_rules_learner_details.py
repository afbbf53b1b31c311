"""Learner detail rules: LLDD and health problems, prior attainment, planned hours."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
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

OLD = ctx("2025/26", prepared=date(2026, 3, 1))
YOUNG = "2005-01-01"


def lldd(category: int = 4, primary: int | None = 1) -> Record:
    item: Record = {"LLDDCat": category}
    if primary is not None:
        item["PrimaryLLDD"] = primary
    return item


def prior(level: object = 3, applies: str = "2018-07-01") -> Record:
    return {"PriorLevel": level, "DateLevelApp": applies}


def adult_aim(**overrides: Any) -> Record:
    return standalone_aim(**overrides)


def sixteen_19(**overrides: Any) -> Record:
    return standalone_aim(**{"FundModel": 25, "LearningDeliveryFAM": [fam("SOF", "107")],
                             **overrides})  # fmt: skip


def test_lldd_health_prob_01_valid_code() -> None:
    assert only(learner(LLDDHealthProb=3), "LLDDHealthProb_01").field == "LLDDHealthProb"
    assert not fires(learner(LLDDHealthProb=9), "LLDDHealthProb_01")


def test_lldd_health_prob_04_no_records_when_none_reported() -> None:
    record = learner(LLDDandHealthProblem=[lldd()])
    assert only(record, "LLDDHealthProb_04").field == "LLDDandHealthProblem"
    assert not fires(learner(), "LLDDHealthProb_04")
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd()]), "LLDDHealthProb_04")


def test_lldd_health_prob_06_records_needed_when_reported() -> None:
    record = learner(adult_aim(), LLDDHealthProb=1, DateOfBirth=YOUNG)
    assert only(record, "LLDDHealthProb_06").field == "LLDDandHealthProblem"
    assert not fires(learner(adult_aim(), LLDDHealthProb=1, LLDDandHealthProblem=[lldd()],
                             DateOfBirth=YOUNG), "LLDDHealthProb_06")  # fmt: skip


def test_lldd_health_prob_06_excludes_non_funded_fm10_2025_26_and_adults() -> None:
    non_funded = standalone_aim(FundModel=99, LearningDeliveryFAM=[])
    assert not fires(learner(non_funded, LLDDHealthProb=1, DateOfBirth=YOUNG), "LLDDHealthProb_06")
    fm10 = standalone_aim(FundModel=10, LearningDeliveryFAM=[], LearnStartDate="2025-09-01")
    assert not fires(learner(fm10, LLDDHealthProb=1, DateOfBirth=YOUNG), "LLDDHealthProb_06", OLD)
    assert fires(learner(fm10, LLDDHealthProb=1, DateOfBirth=YOUNG), "LLDDHealthProb_06")
    start = adult_aim(LearnStartDate="2026-09-01")
    assert fires(learner(start, LLDDHealthProb=1, DateOfBirth="2001-09-02"), "LLDDHealthProb_06")
    assert not fires(learner(start, LLDDHealthProb=1, DateOfBirth="2001-09-01"),
                     "LLDDHealthProb_06")  # 25 on the first start  # fmt: skip


def test_lldd_health_prob_07_community_learning_over_10_hours_2025_26() -> None:
    cl = standalone_aim(FundModel=10, LearningDeliveryFAM=[], LearnStartDate="2025-09-01")
    record = learner(cl, LLDDHealthProb=1, PlanLearnHours=11, DateOfBirth="2005-01-01")
    assert fires(record, "LLDDHealthProb_07", OLD)
    assert not fires(record, "LLDDHealthProb_07")
    assert not fires(learner(cl, LLDDHealthProb=1, PlanLearnHours=10), "LLDDHealthProb_07", OLD)
    adult = learner(cl, LLDDHealthProb=1, PlanLearnHours=11, DateOfBirth="1990-01-01")
    assert not fires(adult, "LLDDHealthProb_07", OLD)


def test_lldd_cat_01_each_category_valid() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4), lldd(50, None)])
    assert only(record, "LLDDCat_01").field == "LLDDandHealthProblem[1].LLDDCat"
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(99)]), "LLDDCat_01")


def test_lldd_cat_02_closed_categories_after_july_2015() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(2)])
    assert only(record, "LLDDCat_02").field == "LLDDandHealthProblem[0].LLDDCat"
    early = learner(programme_aim(LearnStartDate="2015-07-31"), LLDDHealthProb=1,
                    LLDDandHealthProblem=[lldd(2)])  # fmt: skip
    assert not fires(early, "LLDDCat_02")
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4)]), "LLDDCat_02")


def test_primary_lldd_01_one_record_must_be_primary_from_august_2015() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4, None), lldd(5, None)])
    assert only(record, "PrimaryLLDD_01").field == "LLDDandHealthProblem"
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4, None), lldd(5)]),
                     "PrimaryLLDD_01")  # fmt: skip
    early = learner(programme_aim(LearnStartDate="2015-07-31"), LLDDHealthProb=1,
                    LLDDandHealthProblem=[lldd(4, None)])  # fmt: skip
    assert not fires(early, "PrimaryLLDD_01")
    assert not fires(learner(), "PrimaryLLDD_01")


def test_primary_lldd_02_valid_code() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4, 2)])
    assert only(record, "PrimaryLLDD_02").field == "LLDDandHealthProblem[0].PrimaryLLDD"
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd()]), "PrimaryLLDD_02")


def test_primary_lldd_03_only_one_primary() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4), lldd(5), lldd(6)])
    assert [f.field for f in findings(record, "PrimaryLLDD_03")] == [
        "LLDDandHealthProblem[1].PrimaryLLDD", "LLDDandHealthProblem[2].PrimaryLLDD"]  # fmt: skip
    assert not fires(learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4), lldd(5, None)]),
                     "PrimaryLLDD_03")  # fmt: skip


def test_primary_lldd_04_single_record_must_be_primary() -> None:
    record = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4, None)])
    assert only(record, "PrimaryLLDD_04").field == "LLDDandHealthProblem[0].PrimaryLLDD"
    two = learner(LLDDHealthProb=1, LLDDandHealthProblem=[lldd(4, None), lldd(5)])
    assert not fires(two, "PrimaryLLDD_04")


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_prior_attain_01_required_except_excluded_funding(year: str) -> None:
    context = ctx(year, prepared=date(2026, 3, 1) if year == "2025/26" else date(2026, 10, 1))
    assert only(without(learner(), "PriorAttain"), "PriorAttain_01", context).field == (
        "PriorAttain"
    )
    assert fires(learner(PriorAttain=[{"DateLevelApp": "2018-07-01"}]), "PriorAttain_01", context)
    for fund_model in (99, 25, 82, 11):
        aim = standalone_aim(FundModel=fund_model, LearningDeliveryFAM=[])
        assert not fires(without(learner(aim), "PriorAttain"), "PriorAttain_01", context)


def test_prior_attain_01_fm10_excluded_only_in_2025_26() -> None:
    aim = standalone_aim(FundModel=10, LearningDeliveryFAM=[])
    assert not fires(without(learner(aim), "PriorAttain"), "PriorAttain_01", OLD)
    assert fires(without(learner(aim), "PriorAttain"), "PriorAttain_01")


def test_prior_attain_03_valid_level() -> None:
    record = learner(PriorAttain=[prior(3), prior(42, "2019-07-01")])
    assert only(record, "PriorAttain_03").field == "PriorAttain[1].PriorLevel"
    assert not fires(learner(PriorAttain=[prior(99)]), "PriorAttain_03")


def test_prior_attain_04_level_4_on_adult_framework_apprenticeship_2025_26() -> None:
    aim = standalone_aim(FundModel=35, AimType=1, ProgType=3, LearnStartDate="2025-09-01")
    record = learner(aim, PriorAttain=[prior(7)])
    assert only(record, "PriorAttain_04", OLD).field == "LearningDelivery[0].ProgType"
    assert not fires(learner(aim, PriorAttain=[prior(6)]), "PriorAttain_04", OLD)
    assert not fires(record, "PriorAttain_04")  # not in 2026/27


def test_prior_attain_09_date_not_after_file_preparation() -> None:
    record = learner(PriorAttain=[prior(3, "2026-10-02")])
    finding = only(record, "PriorAttain_09")
    assert (finding.field, finding.severity) == ("PriorAttain[0].DateLevelApp", "warning")
    assert not fires(learner(PriorAttain=[prior(3, "2026-10-01")]), "PriorAttain_09")
    assert only(learner(PriorAttain=[prior(3, "2026-03-02")]), "PriorAttain_09", OLD).severity == (
        "error"
    )


def test_prior_attain_10_one_record_per_date() -> None:
    record = learner(PriorAttain=[prior(3), prior(4), prior(5, "2019-01-01")])
    assert only(record, "PriorAttain_10").field == "PriorAttain[1].DateLevelApp"
    assert not fires(learner(PriorAttain=[prior(3), prior(4, "2019-01-01")]), "PriorAttain_10")


def test_plan_learn_hours_01_required_with_exclusions() -> None:
    record = without(learner(adult_aim()), "PlanLearnHours")
    assert only(record, "PlanLearnHours_01").field == "PlanLearnHours"
    assert not fires(without(learner(), "PlanLearnHours"), "PlanLearnHours_01")  # apprentice
    closed = adult_aim(LearnActEndDate="2026-12-01")
    assert not fires(without(learner(closed), "PlanLearnHours"), "PlanLearnHours_01")
    for aim in (standalone_aim(FundModel=82), sixteen_19(ProgType=31, AimType=1)):
        assert not fires(without(learner(aim), "PlanLearnHours"), "PlanLearnHours_01")
    assert fires(without(learner(sixteen_19()), "PlanLearnHours"), "PlanLearnHours_01")


@pytest.mark.parametrize(("year", "fund_model", "expected"),
                         [("2026/27", 39, True), ("2025/26", 39, False), ("2025/26", 10, True),
                          ("2026/27", 10, False), ("2026/27", 82, False)])  # fmt: skip
def test_plan_learn_hours_02_zero_hours_by_year(year: str, fund_model: int, expected: bool) -> None:
    context = OLD if year == "2025/26" else ctx()
    record = learner(standalone_aim(FundModel=fund_model), PlanLearnHours=0)
    assert fires(record, "PlanLearnHours_02", context) is expected
    assert not fires(learner(standalone_aim(FundModel=fund_model), PlanLearnHours=1),
                     "PlanLearnHours_02", context)  # fmt: skip


def test_plan_learn_hours_02_excludes_t_levels() -> None:
    record = learner(sixteen_19(ProgType=31, AimType=1), PlanLearnHours=0)
    assert not fires(record, "PlanLearnHours_02")
    assert only(learner(sixteen_19(), PlanLearnHours=0), "PlanLearnHours_02").severity == "warning"


def test_plan_learn_hours_03_sixteen_19_total_above_zero() -> None:
    record = learner(sixteen_19(), PlanLearnHours=0, PlanEEPHours=0)
    assert only(record, "PlanLearnHours_03").field == "PlanLearnHours"
    assert fires(learner(sixteen_19(), PlanLearnHours=0), "PlanLearnHours_03")
    assert not fires(learner(sixteen_19(), PlanLearnHours=0, PlanEEPHours=1), "PlanLearnHours_03")
    assert not fires(learner(adult_aim(), PlanLearnHours=0), "PlanLearnHours_03")
    t_level = sixteen_19(ProgType=31, AimType=1)
    assert not fires(learner(t_level, PlanLearnHours=0), "PlanLearnHours_03")


@pytest.mark.parametrize(("rule_name", "limit", "severity"),
                         [("PlanLearnHours_04", 1000, "warning"),
                          ("PlanLearnHours_05", 4000, "error")])  # fmt: skip
def test_plan_learn_hours_04_05_total_limits(rule_name: str, limit: int, severity: str) -> None:
    over = learner(adult_aim(), PlanLearnHours=limit - 10, PlanEEPHours=11)
    assert only(over, rule_name).severity == severity
    assert not fires(learner(adult_aim(), PlanLearnHours=limit - 10, PlanEEPHours=10), rule_name)
    assert not fires(learner(standalone_aim(FundModel=82), PlanLearnHours=limit + 1), rule_name)
    t_level = sixteen_19(ProgType=31, AimType=1)
    assert not fires(learner(t_level, PlanLearnHours=limit + 1), rule_name)


def test_plan_learn_hours_05_needs_planned_learning_hours() -> None:
    record = without(learner(adult_aim(), PlanEEPHours=5000), "PlanLearnHours")
    assert not fires(record, "PlanLearnHours_05")
    assert fires(record, "PlanLearnHours_04")


def test_plan_eep_hours_01_sixteen_19_learners() -> None:
    record = learner(sixteen_19())
    assert only(record, "PlanEEPHours_01").field == "PlanEEPHours"
    assert not fires(learner(sixteen_19(), PlanEEPHours=0), "PlanEEPHours_01")
    assert not fires(learner(sixteen_19(LearnActEndDate="2026-12-01")), "PlanEEPHours_01")
    assert not fires(learner(sixteen_19(ProgType=31, AimType=1)), "PlanEEPHours_01")
    assert not fires(learner(adult_aim()), "PlanEEPHours_01")


def test_plan_eep_hours_01_apprenticeship_exclusion_only_in_2025_26() -> None:
    apprenticeship = sixteen_19(ProgType=25, AimType=1, LearnStartDate="2025-09-01")
    assert not fires(learner(apprenticeship), "PlanEEPHours_01", OLD)
    assert fires(learner(apprenticeship), "PlanEEPHours_01")
