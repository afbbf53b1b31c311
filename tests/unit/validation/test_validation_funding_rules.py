"""FAM, financial record and hours rules, each tested against its official definition."""

from __future__ import annotations

from datetime import date

import pytest
from ilr_validation_builders import (
    BASE_AIMS,
    ctx,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    tnp,
    with_aim,
)

BASE = learner(*BASE_AIMS)


@pytest.mark.parametrize("fund_model", [25, 82, 35, 36, 37, 81, 11, 38])
def test_learn_del_fam_type_01_sof_required(fund_model: int) -> None:
    record = learner(standalone_aim(FundModel=fund_model, LearningDeliveryFAM=[fam("FFI", "1")]))
    finding = only(record, "LearnDelFAMType_01")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].LearningDeliveryFAM")


def test_learn_del_fam_type_01_year_specific_fund_models() -> None:
    fm10 = learner(standalone_aim(FundModel=10, LearningDeliveryFAM=[]))
    fm39 = learner(standalone_aim(FundModel=39, LearningDeliveryFAM=[]))
    assert fires(fm10, "LearnDelFAMType_01", ctx("2025/26"))
    assert not fires(fm10, "LearnDelFAMType_01", ctx("2026/27"))
    assert fires(fm39, "LearnDelFAMType_01", ctx("2026/27"))
    assert not fires(fm39, "LearnDelFAMType_01", ctx("2025/26"))


def test_learn_del_fam_type_01_not_for_non_funded_or_when_sof_present() -> None:
    assert not fires(
        learner(standalone_aim(FundModel=99, LearningDeliveryFAM=[])), "LearnDelFAMType_01"
    )
    assert not fires(BASE, "LearnDelFAMType_01")


def test_learn_del_fam_type_64_programme_aim_needs_act() -> None:
    record = with_aim(BASE, 0, LearningDeliveryFAM=[fam("SOF", "105")])
    finding = only(record, "LearnDelFAMType_64")
    assert finding.field == "LearningDelivery[0].LearningDeliveryFAM"
    assert not fires(BASE, "LearnDelFAMType_64")


def test_learn_del_fam_type_64_english_maths_component_needs_lars() -> None:
    record = with_aim(BASE, 1, LearningDeliveryFAM=[fam("SOF", "105")])
    assert not fires(record, "LearnDelFAMType_64")  # no LARS: cannot tell it is English/maths
    lars = ctx(lars_english_maths_aims=frozenset({"60346018"}))
    assert (
        only(record, "LearnDelFAMType_64", lars).field == "LearningDelivery[1].LearningDeliveryFAM"
    )
    other = ctx(lars_english_maths_aims=frozenset({"50086832"}))
    assert not fires(record, "LearnDelFAMType_64", other)
    non_apprenticeship = learner(standalone_aim(AimType=3, ProgType=31, LearnAimRef="60346018"))
    assert not fires(non_apprenticeship, "LearnDelFAMType_64", lars)


def test_afin_type_12_fm36_programme_needs_tnp() -> None:
    record = with_aim(BASE, 0, AppFinRecord=[{"AFinType": "PMR", "AFinCode": 1,
                                              "AFinDate": "2026-08-01", "AFinAmount": 100}])  # fmt: skip
    finding = only(record, "AFinType_12")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].AppFinRecord")
    assert fires(with_aim(BASE, 0, AppFinRecord=None), "AFinType_12")
    assert not fires(BASE, "AFinType_12")
    assert not fires(with_aim(BASE, 1, AppFinRecord=None), "AFinType_12")  # component aim


def test_afin_type_13_tnp_must_start_on_learn_start_date() -> None:
    late = with_aim(BASE, 0, AppFinRecord=[tnp(1, "2026-08-02")])
    finding = only(late, "AFinType_13")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].AppFinRecord")
    later_change = with_aim(BASE, 0, AppFinRecord=[tnp(1), tnp(3, "2027-01-01")])
    assert not fires(later_change, "AFinType_13")
    not_fm36 = with_aim(late, 0, FundModel=81)
    assert not fires(not_fm36, "AFinType_13")


@pytest.mark.parametrize(
    ("rule", "total", "residual"), [("AFinDate_07", 1, 3), ("AFinDate_08", 2, 4)]
)
def test_afin_date_07_08_total_and_residual_on_same_date(
    rule: str, total: int, residual: int
) -> None:
    same = with_aim(BASE, 0, AppFinRecord=[tnp(total), tnp(residual)])
    assert only(same, rule).field == "LearningDelivery[0].AppFinRecord[1].AFinDate"
    apart = with_aim(BASE, 0, AppFinRecord=[tnp(total), tnp(residual, "2026-09-01")])
    assert not fires(apart, rule)


def test_afin_date_03_after_file_preparation_date() -> None:
    record = with_aim(BASE, 0, AppFinRecord=[tnp(1), tnp(2, "2026-10-02")])
    year_2526 = ctx("2025/26")
    finding = only(record, "AFinDate_03", year_2526)
    assert finding.field == "LearningDelivery[0].AppFinRecord[1].AFinDate"
    assert not fires(record, "AFinDate_03", ctx("2025/26", prepared=date(2026, 10, 2)))
    assert not fires(record, "AFinDate_03")  # not a 2026/27 rule


def test_afin_date_09_more_than_a_year_before_start() -> None:
    early = with_aim(BASE, 0, AppFinRecord=[tnp(1), tnp(2, "2025-07-31")])
    assert only(early, "AFinDate_09").field == "LearningDelivery[0].AppFinRecord[1].AFinDate"
    assert not fires(with_aim(BASE, 0, AppFinRecord=[tnp(1), tnp(2, "2025-08-01")]), "AFinDate_09")


def test_hrs_type_01_planned_hours_for_fm36_programme() -> None:
    record = with_aim(BASE, 0, HRSRecord=[{"HRSType": "HRS", "HRSCode": 3, "HRSAmount": 10}])
    finding = only(record, "HRSType_01")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].HRSRecord")
    assert fires(with_aim(BASE, 0, HRSRecord=None), "HRSType_01")
    assert not fires(BASE, "HRSType_01")


def test_hrs_type_01_boundaries_and_scope() -> None:
    no_hours = with_aim(BASE, 0, HRSRecord=None)
    assert fires(with_aim(no_hours, 0, LearnStartDate="2019-08-01"), "HRSType_01")
    assert not fires(with_aim(no_hours, 0, LearnStartDate="2019-07-31"), "HRSType_01")
    assert not fires(with_aim(no_hours, 0, FundModel=81), "HRSType_01")
    assert not fires(no_hours, "HRSType_01", ctx("2025/26"))
    assert not fires(learner(programme_aim(HRSRecord=None, AimType=3)), "HRSType_01")
