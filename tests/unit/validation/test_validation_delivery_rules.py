"""LearningDelivery rules, each tested against its official definition."""

from __future__ import annotations

import pytest
from ilr_validation_builders import (
    component_aim,
    ctx,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    with_aim,
)

BASE = learner()


def test_fund_model_01_code_list_differs_by_year() -> None:
    fm10 = with_aim(BASE, 1, FundModel=10)
    finding = only(fm10, "FundModel_01", ctx("2026/27"))
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].FundModel")
    assert not fires(fm10, "FundModel_01", ctx("2025/26"))
    fm39 = with_aim(BASE, 1, FundModel=39)
    assert fires(fm39, "FundModel_01", ctx("2025/26"))
    assert not fires(fm39, "FundModel_01", ctx("2026/27"))


@pytest.mark.parametrize("aim_type", [3, 4, 5])
def test_learn_aim_ref_30_zprog001_on_other_aim_types(aim_type: int) -> None:
    record = with_aim(BASE, 1, LearnAimRef="ZPROG001", AimType=aim_type)
    finding = only(record, "LearnAimRef_30")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].LearnAimRef")


def test_learn_aim_ref_30_zprog001_on_programme_aim_passes() -> None:
    assert not fires(BASE, "LearnAimRef_30")
    assert not fires(with_aim(BASE, 0, LearnAimRef="zprog001"), "LearnAimRef_30")
    assert not fires(with_aim(BASE, 1, LearnAimRef="ZPROG001", AimType=None), "LearnAimRef_30")


def test_learn_aim_ref_01_only_with_lars_lookup() -> None:
    assert not fires(BASE, "LearnAimRef_01")
    lars = ctx(lars_aims=frozenset({"ZPROG001"}))
    assert only(BASE, "LearnAimRef_01", lars).field == "LearningDelivery[1].LearnAimRef"
    assert not fires(BASE, "LearnAimRef_01", ctx(lars_aims=frozenset({"ZPROG001", "60346018"})))


@pytest.mark.parametrize(("index", "aim_type"), [(0, 1), (1, 3)])
def test_prog_type_01_programme_and_component_aims_need_prog_type(
    index: int, aim_type: int
) -> None:
    record = with_aim(BASE, index, ProgType=None)
    finding = only(record, "ProgType_01")
    assert finding.field == f"LearningDelivery[{index}].ProgType"
    assert not fires(learner(standalone_aim()), "ProgType_01")  # AimType 4 without ProgType


def test_prog_type_02_aim_type_4_must_not_have_prog_type() -> None:
    record = learner(standalone_aim(ProgType=25))
    assert only(record, "ProgType_02").field == "LearningDelivery[0].ProgType"
    assert not fires(learner(standalone_aim()), "ProgType_02")
    assert not fires(BASE, "ProgType_02")


def test_std_code_01_standard_needs_std_code() -> None:
    finding = only(with_aim(BASE, 0, StdCode=None), "StdCode_01")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].StdCode")
    assert not fires(BASE, "StdCode_01")
    assert not fires(with_aim(BASE, 0, ProgType=31, StdCode=None), "StdCode_01")


def test_std_code_03_std_code_only_on_standards() -> None:
    record = learner(standalone_aim(StdCode=91))
    assert only(record, "StdCode_03").field == "LearningDelivery[0].StdCode"
    assert fires(with_aim(BASE, 0, ProgType=31), "StdCode_03")
    assert not fires(BASE, "StdCode_03")
    assert not fires(with_aim(BASE, 0, ProgType="x"), "StdCode_03")


def test_fund_model_06_fm36_must_be_apprenticeship() -> None:
    finding = only(with_aim(BASE, 1, ProgType=31), "FundModel_06")
    assert finding.field == "LearningDelivery[1].FundModel"
    assert fires(learner(standalone_aim(FundModel=36)), "FundModel_06")  # no ProgType: DD07 = N
    assert not fires(BASE, "FundModel_06")
    assert not fires(learner(standalone_aim(FundModel=38)), "FundModel_06")


def test_learn_start_date_05_start_on_or_before_birth() -> None:
    on_birthday = with_aim(learner(DateOfBirth="2026-08-01"), 1, LearnStartDate="2027-01-01")
    finding = only(on_birthday, "LearnStartDate_05")  # start equal to birth: the programme aim
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].LearnStartDate")
    assert fires(learner(DateOfBirth="2026-08-02"), "LearnStartDate_05")
    assert not fires(learner(DateOfBirth="2026-07-31"), "LearnStartDate_05")
    assert not fires(learner(DateOfBirth="not a date"), "LearnStartDate_05")


def test_learn_plan_end_date_02_before_start() -> None:
    finding = only(with_aim(BASE, 0, LearnPlanEndDate="2026-07-31"), "LearnPlanEndDate_02")
    assert finding.field == "LearningDelivery[0].LearnPlanEndDate"
    assert not fires(with_aim(BASE, 0, LearnPlanEndDate="2026-08-01"), "LearnPlanEndDate_02")


def test_learn_act_end_date_01_before_start() -> None:
    finding = only(with_aim(BASE, 1, LearnActEndDate="2026-07-31"), "LearnActEndDate_01")
    assert finding.field == "LearningDelivery[1].LearnActEndDate"
    assert not fires(with_aim(BASE, 1, LearnActEndDate="2026-08-01"), "LearnActEndDate_01")
    assert not fires(BASE, "LearnActEndDate_01")


@pytest.mark.parametrize("status", [2, 3, 6])
def test_comp_status_03_needs_actual_end_date(status: int) -> None:
    record = with_aim(BASE, 1, CompStatus=status, Outcome=3)
    finding = only(record, "CompStatus_03")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].CompStatus")
    ended = with_aim(record, 1, LearnActEndDate="2026-09-30")
    assert not fires(ended, "CompStatus_03")


def test_comp_status_03_continuing_without_end_date_passes() -> None:
    assert not fires(BASE, "CompStatus_03")
    assert not fires(with_aim(BASE, 1, CompStatus=None), "CompStatus_03")


def test_comp_status_04_needs_outcome() -> None:
    record = with_aim(BASE, 1, CompStatus=2, LearnActEndDate="2026-09-30")
    assert only(record, "CompStatus_04").field == "LearningDelivery[1].CompStatus"
    assert not fires(with_aim(record, 1, Outcome=1), "CompStatus_04")


def test_ach_date_02_after_teaching_year_end() -> None:
    assert fires(with_aim(BASE, 1, AchDate="2027-08-01"), "AchDate_02")
    assert not fires(with_aim(BASE, 1, AchDate="2027-07-31"), "AchDate_02")


def test_ach_date_03_before_start() -> None:
    finding = only(with_aim(BASE, 1, AchDate="2026-07-31"), "AchDate_03")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].AchDate")
    assert not fires(with_aim(BASE, 1, AchDate="2026-08-01"), "AchDate_03")


def test_ach_date_03_excludes_skills_bootcamps() -> None:
    bootcamp = standalone_aim(AimType=1, FundModel=37, ProgType=32, AchDate="2026-08-01")
    assert not fires(learner(bootcamp), "AchDate_03")
    assert fires(learner({**bootcamp, "ProgType": 31}), "AchDate_03")


def test_del_loc_post_code_11_format_with_olass_exclusion() -> None:
    finding = only(with_aim(BASE, 0, DelLocPostCode="B11AA"), "DelLocPostCode_11")
    assert finding.field == "LearningDelivery[0].DelLocPostCode"
    olass = standalone_aim(DelLocPostCode="B11AA", LearningDeliveryFAM=[fam("LDM", "034")])
    assert not fires(learner(olass), "DelLocPostCode_11")
    assert not fires(with_aim(BASE, 0, DelLocPostCode="ZZ99 9ZZ"), "DelLocPostCode_11")


def test_del_loc_post_code_03_lookup() -> None:
    lookup = ctx(postcodes=frozenset({"B1 1AA"}))
    assert not fires(BASE, "DelLocPostCode_03", lookup)
    assert fires(with_aim(BASE, 0, DelLocPostCode="B2 2AA"), "DelLocPostCode_03", lookup)
    assert not fires(with_aim(BASE, 0, DelLocPostCode="B2 2AA"), "DelLocPostCode_03")


def test_component_builder_is_clean() -> None:
    assert not fires(learner(programme_aim(), component_aim()), "ProgType_01")
