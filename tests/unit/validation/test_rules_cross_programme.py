"""Cross-record rules on programme, component and core aims."""

from __future__ import annotations

from typing import Any

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
    without,
)

from ilr_shared.validation import rule_catalogue

Record = dict[str, Any]

ENGLISH = "60143009"
LARS_CTX = ctx(
    lars_aims=frozenset({"ZPROG001", "60346018", ENGLISH}),
    lars_english_maths_aims=frozenset({ENGLISH}),
)


def t_level(aim_type: int, **overrides: Any) -> Record:
    aim: Record = {
        "LearnAimRef": "ZTLOS001" if aim_type != 1 else "ZPROG002",
        "AimType": aim_type,
        "AimSeqNumber": aim_type,
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2028-07-31",
        "FundModel": 25,
        "ProgType": 31,
        "DelLocPostCode": "B1 1AA",
        "CompStatus": 1,
        "LearningDeliveryFAM": [fam("SOF", "107")],
    }
    aim.update(overrides)
    return aim


def core(start: str, end: str | None = None, seq: int = 5) -> Record:
    return t_level(5, LearnStartDate=start, AimSeqNumber=seq, LearnActEndDate=end)


def test_r_30_component_needs_a_programme() -> None:
    record = learner(programme_aim(), component_aim(StdCode=92))
    assert only(record, "R_30").field == "LearningDelivery[1].AimType"
    assert not fires(learner(), "R_30")
    assert not fires(learner(standalone_aim()), "R_30")


def test_r_66_funded_component_needs_programme_of_the_same_fund_model() -> None:
    record = learner(programme_aim(FundModel=99), component_aim())
    assert only(record, "R_66").field == "LearningDelivery[1].FundModel"
    assert not fires(learner(), "R_66")
    non_funded = learner(programme_aim(), component_aim(FundModel=99))
    assert not fires(non_funded, "R_66")


def test_r_56_open_non_funded_programme_with_funded_component() -> None:
    record = learner(programme_aim(FundModel=99), component_aim())
    assert only(record, "R_56").field == "LearningDelivery[1].FundModel"
    closed = learner(programme_aim(FundModel=99, LearnActEndDate="2026-12-01"), component_aim())
    assert not fires(closed, "R_56")
    assert not fires(learner(), "R_56")


def test_r_56_excepts_components_ended_before_the_programme_started() -> None:
    ended = component_aim(LearnStartDate="2026-08-01", LearnActEndDate="2026-08-31")
    on_start = component_aim(LearnStartDate="2026-08-01", LearnActEndDate="2026-09-01")
    programme = programme_aim(FundModel=99, LearnStartDate="2026-09-01")
    assert not fires(learner(programme, ended), "R_56")
    assert fires(learner(programme, on_start), "R_56")
    assert fires(learner(programme, ended), "R_56", ctx("2025/26"))


def test_r_90_closed_programme_with_open_component() -> None:
    record = learner(programme_aim(LearnActEndDate="2027-01-01", CompStatus=3), component_aim())
    assert only(record, "R_90", LARS_CTX).field == "LearningDelivery[1].LearnActEndDate"
    assert not fires(record, "R_90")  # LARS not loaded
    english = learner(programme_aim(LearnActEndDate="2027-01-01", CompStatus=3),
                      component_aim(LearnAimRef=ENGLISH))  # fmt: skip
    assert not fires(english, "R_90", LARS_CTX)
    assert not fires(learner(), "R_90", LARS_CTX)


def test_r_90_only_the_latest_programme_aim_counts() -> None:
    old = programme_aim(LearnActEndDate="2026-08-31", CompStatus=3, LearnStartDate="2026-08-01")
    restart = programme_aim(AimSeqNumber=3, LearnStartDate="2026-09-01")
    assert not fires(learner(old, component_aim(), restart), "R_90", LARS_CTX)


def test_r_89_programme_ends_before_its_components() -> None:
    record = learner(
        programme_aim(LearnActEndDate="2027-01-01", CompStatus=3),
        component_aim(LearnActEndDate="2027-01-02", CompStatus=3),
    )
    assert only(record, "R_89", LARS_CTX).field == "LearningDelivery[0].LearnActEndDate"
    same_day = learner(
        programme_aim(LearnActEndDate="2027-01-02", CompStatus=3),
        component_aim(LearnActEndDate="2027-01-02", CompStatus=3),
    )
    assert not fires(same_day, "R_89", LARS_CTX)
    english = learner(
        programme_aim(LearnActEndDate="2027-01-01", CompStatus=3),
        component_aim(LearnAimRef=ENGLISH, LearnActEndDate="2027-03-01", CompStatus=3),
    )
    assert not fires(english, "R_89", LARS_CTX)
    assert not fires(record, "R_89")


def test_r_124_overlapping_programme_aims() -> None:
    first = programme_aim(LearnActEndDate="2026-12-31", CompStatus=3)
    on_end = programme_aim(AimSeqNumber=3, LearnStartDate="2026-12-31")
    after = programme_aim(AimSeqNumber=3, LearnStartDate="2027-01-01")
    assert only(learner(first, component_aim(), on_end), "R_124").field == (
        "LearningDelivery[2].LearnStartDate"
    )
    assert not fires(learner(first, component_aim(), after), "R_124")
    assert not fires(learner(), "R_124")


def test_r_124_achieved_standard_ends_on_its_achievement_date() -> None:
    first = programme_aim(LearnActEndDate="2026-10-31", AchDate="2026-12-31", CompStatus=2)
    second = programme_aim(AimSeqNumber=3, LearnStartDate="2026-12-01")
    assert fires(learner(first, component_aim(), second), "R_124")


def test_r_125_and_r_126_t_level_programme_and_parts() -> None:
    assert only(learner(t_level(3)), "R_125").field == "LearningDelivery[0].AimType"
    assert only(learner(t_level(1)), "R_126").field == "LearningDelivery[0].AimType"
    whole = learner(t_level(1), t_level(5))
    assert not fires(whole, "R_125")
    assert not fires(whole, "R_126")
    other_fund_model = learner(t_level(1), t_level(5, FundModel=99))
    assert fires(other_fund_model, "R_125")
    assert fires(other_fund_model, "R_126")
    assert not fires(learner(), "R_125")


@pytest.mark.parametrize("hours", ["PlanLearnHours", "PlanEEPHours"])
def test_r_130_t_level_only_learners_return_no_planned_hours(hours: str) -> None:
    no_hours = without(learner(t_level(1), t_level(5)), "PlanLearnHours", "PlanEEPHours")
    assert only({**no_hours, hours: 540}, "R_130").field == hours
    assert not fires(no_hours, "R_130")
    mixed = {**no_hours, "LearningDelivery": [t_level(1), standalone_aim(FundModel=25)]}
    assert not fires({**mixed, hours: 540}, "R_130")


def test_r_137_t_level_learner_needs_an_occupational_specialism() -> None:
    record = learner(t_level(1), t_level(5, LearnAimRef="60371234"))
    assert only(record, "R_137").field == "LearningDelivery[0].LearnAimRef"
    assert not fires(learner(t_level(1), t_level(5)), "R_137")
    assert not fires(learner(), "R_137")


def test_r_58_core_aims_must_not_overlap() -> None:
    open_first = learner(t_level(1), core("2026-09-01"), core("2026-10-01", seq=6))
    assert only(open_first, "R_58").field == "LearningDelivery[2].LearnStartDate"
    touching = learner(t_level(1), core("2026-09-01", "2026-10-01"), core("2026-10-01", seq=6))
    assert fires(touching, "R_58")
    apart = learner(t_level(1), core("2026-09-01", "2026-09-30"), core("2026-10-01", seq=6))
    assert not fires(apart, "R_58")


def test_r_63_16_19_learner_needs_a_core_aim() -> None:
    record = learner(standalone_aim(FundModel=25, LearningDeliveryFAM=[fam("SOF", "107")]))
    assert only(record, "R_63").field == "LearningDelivery[0].AimType"
    assert not fires(learner(t_level(1), t_level(5)), "R_63")
    sof_105 = learner(standalone_aim(FundModel=25))
    assert not fires(sof_105, "R_63")
    assert not fires(learner(), "R_63")


def test_r_31_a_core_aim_completes_an_open_t_level_programme() -> None:
    assert not fires(learner(t_level(1), t_level(5)), "R_31")
    assert fires(learner(t_level(1)), "R_31")


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_every_cross_record_rule_is_implemented_or_declared(year: str) -> None:
    entries = [e for e in rule_catalogue(year) if e.category == "Cross Record" and e.official]
    assert len(entries) > 60
    assert {
        e.name for e in entries if e.status not in ("implemented", "needs reference data")
    } == set()
