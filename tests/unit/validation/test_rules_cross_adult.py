"""Cross-record rules for adult provision (R_114, R_131, R_132, R_146, R_148, R_151)."""

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
)

Record = dict[str, Any]

ENGLISH = "60143009"
LARS_CTX = ctx(
    lars_aims=frozenset({"ZPROG001", "60346018", ENGLISH, "60005415"}),
    lars_english_maths_aims=frozenset({ENGLISH}),
)


def prior(level: int, on: str = "2018-07-01") -> Record:
    return {"PriorLevel": level, "DateLevelApp": on}


def fcfj(start: str, *extra: Record, fund_model: int = 38) -> Record:
    fams = [fam("SOF", "105"), fam("LDM", "378"), *extra]
    aim: Record = standalone_aim(
        LearnStartDate=start, FundModel=fund_model, LearningDeliveryFAM=fams
    )
    return aim


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_r_131_prior_attainment_dates_after_the_earliest_start(year: str) -> None:
    record = learner(standalone_aim(), PriorAttain=[prior(3, "2026-09-02")])
    assert only(record, "R_131", ctx(year)).field == "PriorAttain[0].DateLevelApp"
    on_start = learner(
        standalone_aim(), PriorAttain=[prior(3, "2026-09-01"), prior(4, "2026-10-01")]
    )
    assert not fires(on_start, "R_131", ctx(year))
    assert not fires(learner(standalone_aim(), PriorAttain=[]), "R_131", ctx(year))


def test_r_131_fund_model_39_from_2026_27() -> None:
    record = learner(standalone_aim(FundModel=39), PriorAttain=[prior(3, "2026-09-02")])
    assert fires(record, "R_131")
    assert not fires(record, "R_131", ctx("2025/26"))


def test_r_131_fm25_aims_do_not_count() -> None:
    record = learner(standalone_aim(FundModel=25), PriorAttain=[prior(3, "2026-09-02")])
    assert not fires(record, "R_131")


def _adult(start: str, *extra: Record) -> Record:
    return fcfj(start, *extra, fund_model=35)


def test_r_132_fcfj_full_level_3_needs_unemployment_or_low_wage() -> None:
    record = learner(_adult("2024-07-31"), PriorAttain=[prior(7)])
    assert (
        only(record, "R_132").field == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode"
    )
    assert not fires(learner(_adult("2024-08-01"), PriorAttain=[prior(7)]), "R_132")
    assert not fires(learner(_adult("2022-03-31"), PriorAttain=[prior(7)]), "R_132")
    assert not fires(learner(_adult("2024-07-31"), PriorAttain=[prior(3)]), "R_132")
    low_wage = learner(_adult("2024-07-31", fam("LDM", "382")), PriorAttain=[prior(7)])
    assert not fires(low_wage, "R_132")
    devolved = learner(_adult("2024-07-31", fam("DAM", "023")), PriorAttain=[prior(7)])
    assert not fires(devolved, "R_132")


def test_r_132_unemployed_on_benefits_dd38() -> None:
    status = employment(EmpStat=11, EmpId=None, DateEmpStatApp="2024-07-01",
                        EmploymentStatusMonitoring=[{"ESMType": "BSI", "ESMCode": 4}])  # fmt: skip
    record = learner(_adult("2024-07-31"), PriorAttain=[prior(7)], LearnerEmploymentStatus=[status])
    assert not fires(record, "R_132")


@pytest.mark.parametrize(("birth", "fires_"), [
    ("2007-09-01", True),   # 19 on the start date
    ("2007-09-02", False),  # 18
    ("2002-09-02", True),   # 23
    ("2002-09-01", False),  # 24
])  # fmt: skip
def test_r_148_fcfj_19_to_23_year_olds(birth: str, fires_: bool) -> None:
    record = learner(fcfj("2026-09-01"), DateOfBirth=birth, PriorAttain=[prior(7)])
    assert fires(record, "R_148") is fires_


def test_r_148_low_earnings_or_below_level_3_passes() -> None:
    young = {"DateOfBirth": "2005-01-01"}
    assert fires(learner(fcfj("2024-08-01"), PriorAttain=[prior(7)], **young), "R_148")
    assert not fires(learner(fcfj("2024-07-31"), PriorAttain=[prior(7)], **young), "R_148")
    low = learner(fcfj("2026-09-01", fam("LDM", "391")), PriorAttain=[prior(7)], **young)
    assert not fires(low, "R_148")
    below = learner(fcfj("2026-09-01"), PriorAttain=[prior(7), prior(3)], **young)
    assert not fires(below, "R_148")


def test_r_151_fcfj_24_and_over_needs_low_earnings() -> None:
    record = learner(fcfj("2026-09-01"), DateOfBirth="2002-09-01")
    assert (
        only(record, "R_151").field == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode"
    )
    assert not fires(learner(fcfj("2026-09-01"), DateOfBirth="2002-09-02"), "R_151")
    assert not fires(
        learner(fcfj("2026-09-01", fam("LDM", "391")), DateOfBirth="2000-01-01"), "R_151"
    )
    assert not fires(
        learner(fcfj("2026-09-01", fam("DAM", "023")), DateOfBirth="2000-01-01"), "R_151"
    )
    assert not fires(learner(fcfj("2026-09-01", fund_model=35), DateOfBirth="2000-01-01"), "R_151")
    assert not fires(learner(fcfj("2024-07-31"), DateOfBirth="1990-01-01"), "R_151")


def test_r_146_adult_skills_english_maths_during_an_apprenticeship() -> None:
    english = standalone_aim(LearnAimRef=ENGLISH, LearnStartDate="2026-08-01")
    record = learner(programme_aim(), component_aim(), english)
    assert only(record, "R_146", LARS_CTX).field == "LearningDelivery[2].LearnStartDate"
    assert not fires(record, "R_146")  # LARS not loaded
    before = {**english, "LearnStartDate": "2026-07-31"}
    assert not fires(learner(programme_aim(), component_aim(), before), "R_146", LARS_CTX)
    closed = programme_aim(LearnActEndDate="2026-12-01", CompStatus=3)
    assert not fires(learner(closed, component_aim(), english), "R_146", LARS_CTX)
    other_aim = learner(programme_aim(), component_aim(), standalone_aim())
    assert not fires(other_aim, "R_146", LARS_CTX)


def test_r_114_fm35_english_maths_during_an_apprenticeship_until_july_2024() -> None:
    programme = programme_aim(LearnStartDate="2024-01-01")
    english = standalone_aim(LearnAimRef=ENGLISH, FundModel=35, LearnStartDate="2024-07-31")
    record = learner(programme, component_aim(), english)
    assert only(record, "R_114", LARS_CTX).field == "LearningDelivery[2].LearnStartDate"
    later = {**english, "LearnStartDate": "2024-08-01"}
    assert not fires(learner(programme, component_aim(), later), "R_114", LARS_CTX)
    earlier = {**english, "LearnStartDate": "2023-12-31"}
    assert not fires(learner(programme, component_aim(), earlier), "R_114", LARS_CTX)
