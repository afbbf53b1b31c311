"""Cross-record rules for Skills Bootcamps (ProgType 32)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ilr_validation_builders import ctx, employment, fam, fires, learner, only, standalone_aim

Record = dict[str, Any]


def bootcamp(aim_type: int, **overrides: Any) -> Record:
    aim: Record = {
        "LearnAimRef": "ZSBC0001" if aim_type == 1 else "60312345",
        "AimType": aim_type,
        "AimSeqNumber": 1 if aim_type == 1 else 2,
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2026-12-31",
        "FundModel": 37,
        "ProgType": 32,
        "ConRefNumber": "SBC-0001",
        "DelLocPostCode": "B1 1AA",
        "CompStatus": 1,
        "LearningDeliveryFAM": [fam("SOF", "105")],
    }
    aim.update(overrides)
    return aim


def pair(**programme: Any) -> list[Record]:
    return [bootcamp(1, **programme), bootcamp(3, LearnStartDate=programme.get(
        "LearnStartDate", "2026-09-01"))]  # fmt: skip


def test_r_135_and_r_136_programme_and_components_share_a_contract() -> None:
    record = learner(bootcamp(1), bootcamp(3, ConRefNumber="SBC-0002"))
    assert only(record, "R_135").field == "LearningDelivery[1].ConRefNumber"
    assert only(record, "R_136").field == "LearningDelivery[0].ConRefNumber"
    same = learner(*pair())
    assert not fires(same, "R_135")
    assert not fires(same, "R_136")
    assert not fires(learner(), "R_135")


def test_r_140_component_open_after_the_programme_closed() -> None:
    record = learner(bootcamp(1, LearnActEndDate="2026-11-30", CompStatus=2), bootcamp(3))
    assert only(record, "R_140").field == "LearningDelivery[1].LearnActEndDate"
    assert not fires(learner(*pair()), "R_140")


def test_r_143_programme_ends_before_its_latest_component() -> None:
    record = learner(
        bootcamp(1, LearnActEndDate="2026-11-30", CompStatus=2),
        bootcamp(3, LearnActEndDate="2026-12-01", CompStatus=2),
    )
    assert only(record, "R_143").field == "LearningDelivery[0].LearnActEndDate"
    same_day = learner(
        bootcamp(1, LearnActEndDate="2026-12-01", CompStatus=2),
        bootcamp(3, LearnActEndDate="2026-12-01", CompStatus=2),
    )
    assert not fires(same_day, "R_143")


def test_r_144_achievement_before_the_earliest_programme_start() -> None:
    record = learner(bootcamp(1, AchDate="2026-08-31", LearnActEndDate="2026-08-31", CompStatus=2,
                              Outcome=1), bootcamp(3))  # fmt: skip
    assert only(record, "R_144").field == "LearningDelivery[0].AchDate"
    on_start = learner(bootcamp(1, AchDate="2026-09-01"), bootcamp(3))
    assert not fires(on_start, "R_144")
    before_2023 = learner(bootcamp(1, LearnStartDate="2023-07-31", AchDate="2023-07-01"))
    assert not fires(before_2023, "R_144")


def test_r_150_event_aim_before_the_2024_25_programme_start() -> None:
    event = bootcamp(3, LearnAimRef="Z0059747", LearnStartDate="2024-08-31", AimSeqNumber=3)
    record = learner(*pair(LearnStartDate="2024-09-01"), event)
    assert only(record, "R_150").field == "LearningDelivery[2].LearnStartDate"
    on_start = {**event, "LearnStartDate": "2024-09-01"}
    assert not fires(learner(*pair(LearnStartDate="2024-09-01"), on_start), "R_150")
    from_2025 = learner(
        *pair(LearnStartDate="2025-08-01"), {**event, "LearnStartDate": "2025-07-01"}
    )
    assert not fires(from_2025, "R_150")


def test_r_152_event_indicator_before_august_2025() -> None:
    programme = bootcamp(
        1,
        LearnStartDate="2025-07-31",
        LearningDeliveryFAM=[fam("SOF", "105"), fam("EVI", "1", "2025-09-01")],
    )
    record = learner(programme, bootcamp(3, LearnStartDate="2025-07-31"))
    assert (
        only(record, "R_152").field == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMType"
    )
    from_august = learner({**programme, "LearnStartDate": "2025-08-01"},
                          bootcamp(3, LearnStartDate="2025-08-01"))  # fmt: skip
    assert not fires(from_august, "R_152")


def test_r_153_event_indicator_applies_from_august_2025() -> None:
    programme = bootcamp(1, LearningDeliveryFAM=[fam("SOF", "105"), fam("EVI", "1", "2025-07-31")])
    record = learner(programme, bootcamp(3))
    assert only(record, "R_153").field == (
        "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMDateFrom"
    )
    fixed = {**programme, "LearningDeliveryFAM": [fam("SOF", "105"), fam("EVI", "1", "2025-08-01")]}
    assert not fires(learner(fixed, bootcamp(3)), "R_153")


def test_r_154_no_event_aims_from_august_2025() -> None:
    record = learner(*pair(), bootcamp(3, LearnAimRef="Z0060443", AimSeqNumber=3))
    assert only(record, "R_154").field == "LearningDelivery[2].LearnAimRef"
    earlier = learner(*pair(LearnStartDate="2025-07-31"),
                      bootcamp(3, LearnAimRef="Z0060443", AimSeqNumber=3))  # fmt: skip
    assert not fires(earlier, "R_154")


def test_r_138_completed_bootcamp_needs_achievement_or_event_aim() -> None:
    done = {"LearnStartDate": "2025-05-01", "LearnActEndDate": "2025-07-31", "CompStatus": 2}
    prepared_soon = ctx(prepared=date(2026, 1, 31))
    record = learner(bootcamp(1, **done), bootcamp(3, LearnStartDate="2025-05-01"))
    assert only(record, "R_138", prepared_soon).field == "LearningDelivery[0].AchDate"
    assert not fires(record, "R_138", ctx(prepared=date(2026, 2, 1)))  # over six months later
    achieved = learner(bootcamp(1, **done, AchDate="2025-07-31"), bootcamp(3))
    assert not fires(achieved, "R_138", prepared_soon)
    with_event = learner(bootcamp(1, **done), bootcamp(3, LearnAimRef="Z0059748"))
    assert not fires(with_event, "R_138", prepared_soon)
    started_later = learner(bootcamp(1, **{**done, "LearnStartDate": "2025-08-01"}), bootcamp(3))
    assert not fires(started_later, "R_138", prepared_soon)


def test_r_134_small_or_medium_employer_needs_a_bootcamp() -> None:
    status = employment(EmploymentStatusMonitoring=[{"ESMType": "OET", "ESMCode": 2}])
    record = learner(standalone_aim(), LearnerEmploymentStatus=[status])
    assert only(record, "R_134").field == (
        "LearnerEmploymentStatus[0].EmploymentStatusMonitoring[0].ESMCode"
    )
    assert not fires(learner(*pair(), LearnerEmploymentStatus=[status]), "R_134")
    devolved = standalone_aim(LearningDeliveryFAM=[fam("SOF", "110"), fam("DAM", "023")])
    excluded = learner(devolved, LearnerEmploymentStatus=[status])
    assert not fires(excluded, "R_134", ctx("2025/26"))
    assert fires(excluded, "R_134")
