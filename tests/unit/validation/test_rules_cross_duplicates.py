"""Cross-record rules on duplicated child records (R_43 ... R_157)."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    component_aim,
    ctx,
    employment,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    tnp,
)

Record = dict[str, Any]


def _placement(start: str, emp_id: int = 154549452) -> Record:
    return {"WorkPlaceStartDate": start, "WorkPlaceMode": 1, "WorkPlaceEmpId": emp_id}


@pytest.mark.parametrize(
    ("rule", "bad", "good", "field"),
    [
        (
            "R_43",
            {"LearnerEmploymentStatus": [employment(), employment(EmpStat=11)]},
            {"LearnerEmploymentStatus": [employment(), employment(DateEmpStatApp="2026-07-02")]},
            "LearnerEmploymentStatus[1].DateEmpStatApp",
        ),
        (
            "R_45",
            {"LLDDandHealthProblem": [{"LLDDCat": 4}, {"LLDDCat": 4}]},
            {"LLDDandHealthProblem": [{"LLDDCat": 4}, {"LLDDCat": 5}]},
            "LLDDandHealthProblem[1].LLDDCat",
        ),
        (
            "R_49",
            {"ProviderSpecLearnerMonitoring": [
                {"ProvSpecLearnMonOccur": "A", "ProvSpecLearnMon": "x"},
                {"ProvSpecLearnMonOccur": "a", "ProvSpecLearnMon": "y"}]},
            {"ProviderSpecLearnerMonitoring": [
                {"ProvSpecLearnMonOccur": "A", "ProvSpecLearnMon": "x"},
                {"ProvSpecLearnMonOccur": "B", "ProvSpecLearnMon": "y"}]},
            "ProviderSpecLearnerMonitoring[1].ProvSpecLearnMonOccur",
        ),
        (
            "R_51",
            {"LearnerFAM": [{"LearnFAMType": "EHC", "LearnFAMCode": 1},
                            {"LearnFAMType": "ehc", "LearnFAMCode": "1"}]},
            {"LearnerFAM": [{"LearnFAMType": "EHC", "LearnFAMCode": 1},
                            {"LearnFAMType": "HNS", "LearnFAMCode": 1}]},
            "LearnerFAM[1].LearnFAMCode",
        ),
    ],
)  # fmt: skip
def test_learner_level_duplicates(rule: str, bad: Record, good: Record, field: str) -> None:
    assert only(learner(**bad), rule).field == field
    assert not fires(learner(**good), rule)
    assert not fires(learner(), rule)


def test_r_43_unreadable_dates_are_not_duplicates() -> None:
    statuses = [employment(DateEmpStatApp="bad"), employment(DateEmpStatApp="bad")]
    assert not fires(learner(LearnerEmploymentStatus=statuses), "R_43")


def test_r_50_duplicate_delivery_monitoring_occurrence_per_aim() -> None:
    monitoring = [{"ProvSpecDelMonOccur": "A", "ProvSpecDelMon": "x"}]
    twice = learner(programme_aim(ProviderSpecDeliveryMonitoring=monitoring * 2), component_aim())
    assert only(twice, "R_50").field == (
        "LearningDelivery[0].ProviderSpecDeliveryMonitoring[1].ProvSpecDelMonOccur"
    )
    across_aims = learner(
        programme_aim(ProviderSpecDeliveryMonitoring=monitoring),
        component_aim(ProviderSpecDeliveryMonitoring=monitoring),
    )
    assert not fires(across_aims, "R_50")


@pytest.mark.parametrize("fam_type", ["LSF", "ACT", "ALB"])
def test_r_52_excludes_dated_fam_types(fam_type: str) -> None:
    fams = [fam("SOF", "105"), fam(fam_type, "1", "2026-08-01"), fam(fam_type, "1", "2026-09-01")]
    assert not fires(learner(standalone_aim(LearningDeliveryFAM=fams)), "R_52")


def test_r_52_duplicate_fam_type_and_code() -> None:
    fams = [fam("SOF", "105"), fam("FFI", "1"), fam("LDM", "034"), fam("LDM", "34")]
    finding = only(learner(standalone_aim(LearningDeliveryFAM=fams)), "R_52")
    assert finding.field == "LearningDelivery[0].LearningDeliveryFAM[3].LearnDelFAMCode"
    assert not fires(learner(standalone_aim()), "R_52")


def test_r_67_same_start_and_employer_on_an_aim() -> None:
    same = [_placement("2026-09-01"), _placement("2026-09-01")]
    other_employer = [_placement("2026-09-01"), _placement("2026-09-01", 123456789)]
    assert only(learner(standalone_aim(LearningDeliveryWorkPlacement=same)), "R_67").field == (
        "LearningDelivery[0].LearningDeliveryWorkPlacement[1].WorkPlaceStartDate"
    )
    assert not fires(learner(standalone_aim(LearningDeliveryWorkPlacement=other_employer)), "R_67")


def test_r_96_same_start_across_the_learners_aims() -> None:
    record = learner(
        standalone_aim(LearningDeliveryWorkPlacement=[_placement("2026-09-01")]),
        standalone_aim(AimSeqNumber=4, LearningDeliveryWorkPlacement=[
            _placement("2026-09-01", 123456789)]),
    )  # fmt: skip
    assert only(record, "R_96").field == (
        "LearningDelivery[1].LearningDeliveryWorkPlacement[0].WorkPlaceStartDate"
    )
    later = learner(
        standalone_aim(LearningDeliveryWorkPlacement=[_placement("2026-09-01")]),
        standalone_aim(AimSeqNumber=4, LearningDeliveryWorkPlacement=[_placement("2026-09-02")]),
    )
    assert not fires(later, "R_96")


def test_r_68_duplicate_financial_records_across_programmes_of_a_standard() -> None:
    restart = programme_aim(AimSeqNumber=3, LearnStartDate="2026-10-01", AppFinRecord=[tnp(1)])
    record = learner(programme_aim(), component_aim(), restart)
    assert only(record, "R_68").field == "LearningDelivery[2].AppFinRecord[0].AFinType"
    other_standard = learner(programme_aim(), component_aim(), {**restart, "StdCode": 92})
    assert not fires(other_standard, "R_68")
    not_fm36 = learner(programme_aim(), component_aim(), {**restart, "FundModel": 99})
    assert not fires(not_fm36, "R_68")


def test_r_97_consecutive_identical_statuses_warn() -> None:
    twice = [employment(), employment(DateEmpStatApp="2026-09-01")]
    finding = only(learner(LearnerEmploymentStatus=twice), "R_97")
    assert (finding.severity, finding.field) == ("warning", "LearnerEmploymentStatus[1].EmpStat")
    monitoring_differs = [
        employment(),
        employment(DateEmpStatApp="2026-09-01", EmploymentStatusMonitoring=[
            {"ESMType": "EII", "ESMCode": 9}]),
    ]  # fmt: skip
    assert not fires(learner(LearnerEmploymentStatus=monitoring_differs), "R_97")
    employer_differs = [employment(), employment(DateEmpStatApp="2026-09-01", EmpId=123456789)]
    assert not fires(learner(LearnerEmploymentStatus=employer_differs), "R_97")


def test_r_97_compares_neighbours_in_date_order() -> None:
    statuses = [
        employment(DateEmpStatApp="2026-09-01"),
        employment(DateEmpStatApp="2026-08-01", EmpStat=11, EmpId=None),
        employment(),
    ]
    assert not fires(learner(LearnerEmploymentStatus=statuses), "R_97")


def test_r_97_agreement_identifier_separates_records_in_2026_27() -> None:
    statuses = [employment(AgreemId="A1"), employment(DateEmpStatApp="2026-09-01", AgreemId="A2")]
    assert not fires(learner(LearnerEmploymentStatus=statuses), "R_97")


def test_r_157_same_alb_date_from_for_starts_from_august_2026() -> None:
    fams = [fam("SOF", "105"), fam("ALB", "1", "2026-09-01"), fam("ALB", "2", "2026-09-01")]
    record = learner(standalone_aim(FundModel=99, LearningDeliveryFAM=fams))
    assert only(record, "R_157").field == (
        "LearningDelivery[0].LearningDeliveryFAM[2].LearnDelFAMDateFrom"
    )
    earlier = learner(standalone_aim(FundModel=99, LearnStartDate="2026-07-31",
                                     LearningDeliveryFAM=fams))  # fmt: skip
    assert not fires(earlier, "R_157")
    assert not fires(record, "R_157", ctx("2025/26"))
    apart = [fam("ALB", "1", "2026-09-01"), fam("ALB", "1", "2026-10-01")]
    assert not fires(learner(standalone_aim(FundModel=99, LearningDeliveryFAM=apart)), "R_157")
