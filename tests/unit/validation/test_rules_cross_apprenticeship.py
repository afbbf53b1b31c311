"""Cross-record rules on contract types, prices and support records."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    component_aim,
    ctx,
    employment,
    fam,
    findings,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    tnp,
)

Record = dict[str, Any]


def act(code: str, start: str, end: str | None = None) -> Record:
    record: Record = fam("ACT", code, start)
    if end:
        record["LearnDelFAMDateTo"] = end
    return record


def with_acts(*acts: Record, **overrides: Any) -> Record:
    programme = programme_aim(LearningDeliveryFAM=[fam("SOF", "105"), *acts], **overrides)
    record: Record = learner(programme, component_aim())
    return record


def test_r_100_completed_standard_needs_an_assessment_price() -> None:
    done = {"CompStatus": 2, "LearnActEndDate": "2027-06-30", "Outcome": 1}
    record = learner(programme_aim(AppFinRecord=[tnp(1)], **done), component_aim())
    assert only(record, "R_100").field == "LearningDelivery[0].AppFinRecord"
    assert not fires(learner(programme_aim(**done), component_aim()), "R_100")
    tnp_4 = learner(programme_aim(AppFinRecord=[tnp(1), tnp(4)], **done), component_aim())
    assert not fires(tnp_4, "R_100")
    non_funded = learner(programme_aim(AppFinRecord=[tnp(1)], FundModel=99, **done))
    assert not fires(non_funded, "R_100")


def test_r_101_overlapping_contract_types() -> None:
    record = with_acts(act("1", "2026-08-01", "2026-10-01"), act("2", "2026-10-01"))
    assert only(record, "R_101").field == (
        "LearningDelivery[0].LearningDeliveryFAM[2].LearnDelFAMDateFrom"
    )
    assert fires(with_acts(act("1", "2026-08-01"), act("2", "2026-10-01")), "R_101")
    apart = with_acts(act("1", "2026-08-01", "2026-09-30"), act("2", "2026-10-01"))
    assert not fires(apart, "R_101")
    assert not fires(learner(), "R_101")


def test_r_102_a_contract_type_applies_from_the_start() -> None:
    record = with_acts(act("1", "2026-08-02"))
    assert only(record, "R_102").field == (
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateFrom"
    )
    assert not fires(learner(), "R_102")
    assert not fires(learner(standalone_aim()), "R_102")


def test_r_104_contract_types_are_consecutive() -> None:
    gap = with_acts(act("1", "2026-08-01", "2026-09-29"), act("2", "2026-10-01"))
    assert only(gap, "R_104").field == (
        "LearningDelivery[0].LearningDeliveryFAM[2].LearnDelFAMDateFrom"
    )
    next_day = with_acts(act("1", "2026-08-01", "2026-09-30"), act("2", "2026-10-01"))
    assert not fires(next_day, "R_104")
    assert fires(with_acts(act("1", "2026-08-01"), act("2", "2026-10-01")), "R_104")


def test_r_105_different_contract_types_at_the_same_time() -> None:
    record = learner(
        programme_aim(LearningDeliveryFAM=[fam("SOF", "105"), act("1", "2026-08-01")]),
        component_aim(LearningDeliveryFAM=[fam("SOF", "105"), act("2", "2026-09-01")]),
    )
    assert only(record, "R_105").field == (
        "LearningDelivery[1].LearningDeliveryFAM[1].LearnDelFAMCode"
    )
    assert not fires(learner(), "R_105")
    consecutive = learner(
        programme_aim(
            LearningDeliveryFAM=[fam("SOF", "105"), act("1", "2026-08-01", "2026-08-31")]
        ),
        component_aim(LearningDeliveryFAM=[fam("SOF", "105"), act("2", "2026-09-01")]),
    )
    assert not fires(consecutive, "R_105")


def _lsf(start: str, end: str | None) -> Record:
    record: Record = fam("LSF", "1", start)
    if end:
        record["LearnDelFAMDateTo"] = end
    return record


def test_r_106_two_learning_support_records_at_once_across_aims() -> None:
    record = learner(
        standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), _lsf("2026-09-01", "2026-12-31")]),
        standalone_aim(AimSeqNumber=4, LearningDeliveryFAM=[_lsf("2026-12-31", None)]),
    )
    assert only(record, "R_106").field == (
        "LearningDelivery[1].LearningDeliveryFAM[0].LearnDelFAMDateFrom"
    )
    apart = learner(
        standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), _lsf("2026-09-01", "2026-12-30")]),
        standalone_aim(AimSeqNumber=4, LearningDeliveryFAM=[_lsf("2026-12-31", None)]),
    )
    assert not fires(apart, "R_106")
    old = learner(standalone_aim(LearningDeliveryFAM=[_lsf("2016-07-01", None),
                                                      _lsf("2016-07-02", None)]))  # fmt: skip
    assert not fires(old, "R_106")


@pytest.mark.parametrize("fam_type", ["LSF", "ALB"])
def test_r_61_overlapping_records_of_one_type_on_an_aim(fam_type: str) -> None:
    def rec(start: str, end: str | None = None) -> Record:
        record: Record = fam(fam_type, "1", start)
        if end:
            record["LearnDelFAMDateTo"] = end
        return record

    overlapping = [rec("2026-09-01", "2026-10-15"), rec("2026-10-01")]
    finding = only(learner(standalone_aim(LearningDeliveryFAM=overlapping)), "R_61")
    assert finding.field == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateFrom"
    touching = [rec("2026-09-01", "2026-10-01"), rec("2026-10-01")]
    assert fires(learner(standalone_aim(LearningDeliveryFAM=touching)), "R_61")
    apart = [rec("2026-09-01", "2026-09-30"), rec("2026-10-01")]
    assert not fires(learner(standalone_aim(LearningDeliveryFAM=apart)), "R_61")


def test_r_61_types_are_treated_separately() -> None:
    fams = [fam("LSF", "1", "2026-09-01"), fam("ALB", "1", "2026-09-01")]
    assert not fires(learner(standalone_aim(LearningDeliveryFAM=fams)), "R_61")


def test_r_110_employer_contract_needs_an_employed_learner() -> None:
    unemployed = [employment(EmpStat=11, EmpId=None)]
    record = learner(LearnerEmploymentStatus=unemployed)
    assert [f.field for f in findings(record, "R_110")] == [
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode",
        "LearningDelivery[1].LearningDeliveryFAM[1].LearnDelFAMCode",
    ]
    assert not fires(learner(), "R_110")
    levy = learner(programme_aim(LearningDeliveryFAM=[fam("SOF", "105"), act("2", "2026-08-01")]),
                   LearnerEmploymentStatus=unemployed)  # fmt: skip
    assert not fires(levy, "R_110")


def test_r_110_excepts_restarts_and_redundancy() -> None:
    unemployed = [employment(EmpStat=11, EmpId=None)]
    restart = programme_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("RES", "1"),
                                                 act("1", "2026-08-01")])  # fmt: skip
    assert not fires(learner(restart, LearnerEmploymentStatus=unemployed), "R_110")
    redundant = [
        employment(
            EmpStat=11, EmpId=None, EmploymentStatusMonitoring=[{"ESMType": "OET", "ESMCode": 1}]
        )
    ]
    assert not fires(learner(LearnerEmploymentStatus=redundant), "R_110")


def test_r_119_price_dated_before_the_start() -> None:
    record = learner(programme_aim(AppFinRecord=[tnp(1, on="2026-07-31")]), component_aim())
    assert only(record, "R_119").field == "LearningDelivery[0].AppFinRecord[0].AFinDate"
    assert not fires(learner(), "R_119")
    old = learner(
        programme_aim(LearnStartDate="2019-01-31", AppFinRecord=[tnp(1, on="2019-01-01")])
    )
    assert not fires(old, "R_119")


def test_r_121_latest_contract_type_ends_on_the_achievement_date() -> None:
    achieved = {"AchDate": "2027-06-30", "LearnActEndDate": "2027-05-31", "CompStatus": 2}
    record = with_acts(act("1", "2026-08-01", "2027-05-31"), **achieved)
    assert only(record, "R_121").field == (
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateTo"
    )
    assert not fires(with_acts(act("1", "2026-08-01", "2027-06-30"), **achieved), "R_121")
    assert not fires(learner(), "R_121")


def test_r_122_latest_contract_type_ends_on_the_actual_end_date() -> None:
    ended = {"LearnActEndDate": "2027-05-31", "CompStatus": 3}
    record = with_acts(act("1", "2026-08-01"), **ended)
    assert only(record, "R_122").field == (
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateTo"
    )
    assert not fires(with_acts(act("1", "2026-08-01", "2027-05-31"), **ended), "R_122")
    assert not fires(learner(), "R_122")


def test_r_123_continuing_learner_has_no_contract_type_end() -> None:
    record = with_acts(act("1", "2026-08-01", "2027-05-31"))
    assert only(record, "R_123").field == (
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateTo"
    )
    earlier_closed = with_acts(act("1", "2026-08-01", "2026-08-31"), act("2", "2026-09-01"))
    assert not fires(earlier_closed, "R_123")
    assert not fires(learner(), "R_123")


def test_r_142_withdrawn_programme_price_dated_on_the_new_start() -> None:
    withdrawn = programme_aim(
        LearnStartDate="2025-09-01", LearnActEndDate="2026-07-31", CompStatus=3,
        AppFinRecord=[tnp(1, on="2025-09-01"), tnp(1, on="2026-08-01")],
    )  # fmt: skip
    restart = programme_aim(AimSeqNumber=3)
    record = learner(withdrawn, component_aim(), restart)
    assert only(record, "R_142").field == "LearningDelivery[0].AppFinRecord[1].AFinDate"
    fixed = {**withdrawn, "AppFinRecord": [tnp(1, on="2025-09-01")]}
    assert not fires(learner(fixed, component_aim(), restart), "R_142")
    completed = {**withdrawn, "CompStatus": 2}
    assert not fires(learner(completed, component_aim(), restart), "R_142")


def test_r_161_and_r_162_prior_learning_hours_and_price_reduction() -> None:
    hours = {"HRSType": "HRS", "HRSCode": 4, "HRSAmount": 50}
    reduction = {"AFinType": "RIP", "AFinCode": 1, "AFinDate": "2026-08-01", "AFinAmount": 500}
    only_hours = learner(programme_aim(HRSRecord=[hours]), component_aim())
    assert only(only_hours, "R_161").field == "LearningDelivery[0].HRSRecord[0].HRSCode"
    only_price = learner(programme_aim(AppFinRecord=[tnp(1), reduction]), component_aim())
    assert only(only_price, "R_162").field == "LearningDelivery[0].AppFinRecord[1].AFinCode"
    both = learner(programme_aim(HRSRecord=[hours], AppFinRecord=[tnp(1), reduction]),
                   component_aim())  # fmt: skip
    assert not fires(both, "R_161")
    assert not fires(both, "R_162")
    assert not fires(only_hours, "R_161", ctx("2025/26"))
    assert not fires(only_price, "R_162", ctx("2025/26"))
