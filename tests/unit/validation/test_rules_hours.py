"""Hours rules: 2026/27 HRSRecord (HRSType, HRSAmount) and the 2025/26 PHours, OTJActHours
and AddHours rules they replace, at their edges."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    case_ids,
    check_case,
    component_aim,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
)

from ilr_shared.validation.official import official_rule
from ilr_shared.validation.registry import DECLARED

AIM = "LearningDelivery[0]."
Y26, Y25 = "2026/27", "2025/26"
RES = {"LearningDeliveryFAM": [fam("SOF", "105"), fam("ACT", "1"), fam("RES", "1")]}


def h(code: int, amount: int = 100) -> Record:
    return {"HRSType": "HRS", "HRSCode": code, "HRSAmount": amount}


def prog(*hours: Record, **overrides: Any) -> Record:
    """One FM36 standard programme aim with the hours records given."""
    return learner(programme_aim(HRSRecord=list(hours), **overrides))


def planned(amount: int, start: str, **overrides: Any) -> Record:
    """An FM36 programme aim with planned off-the-job hours in both years' shapes."""
    return prog(h(1, amount), PHours=amount, LearnStartDate=start, **overrides)


def alone(*hours: Record, **overrides: Any) -> Record:
    """One FM38 aim that is not part of a programme, with the hours records given."""
    return learner(standalone_aim(HRSRecord=list(hours), **overrides))


def t_level(*hours: Record, **overrides: Any) -> Record:
    """One T Level (FM25, ProgType 31) programme aim."""
    return alone(*hours, **{"FundModel": 25, "ProgType": 31, "AimType": 1, **overrides})


def tailored(*hours: Record, **overrides: Any) -> Record:
    """One Tailored Learning (FM11) aim."""
    return alone(*hours, **{"FundModel": 11, **overrides})


def spread(amount: int, days: int, legacy: bool = False) -> Record:
    """An FM38 aim with additional hours over a planned period of ``days`` days."""
    end = f"2026-09-{days:02d}"
    if legacy:
        return alone(AddHours=amount, LearnStartDate="2026-09-01", LearnPlanEndDate=end)
    return alone(h(6, amount), LearnStartDate="2026-09-01", LearnPlanEndDate=end)


COMPLETED = {"CompStatus": 2, "LearnActEndDate": "2026-09-30", "Outcome": 8}
WITHDRAWN = {"CompStatus": 3, "LearnActEndDate": "2026-09-30", "WithdrawReason": 98}
OTJ = h(3, 200)

CASES: list[tuple[str, Record, str, str | None]] = [
    # HRSType_02 / _04: T Level programme aims need planned T Level hours (HRS2)
    ("HRSType_02", t_level(), Y26, "HRSRecord"),
    ("HRSType_02", t_level(h(2, 500)), Y26, None),
    ("HRSType_02", t_level(AimType=3), Y26, None),
    ("HRSType_02", t_level(), Y25, None),
    ("HRSType_04", t_level(FundModel=38), Y26, "HRSRecord"),
    ("HRSType_04", t_level(h(2, 500), FundModel=38), Y26, None),
    ("HRSType_04", t_level(h(1, 500), ProgType=None, AimType=1), Y26, None),
    # HRSType_05: no HRS2 on FM25 aims that are not T Levels
    ("HRSType_05", alone(h(2), FundModel=25), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_05", alone(h(2), FundModel=25, ProgType=24), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_05", t_level(h(2)), Y26, None),
    ("HRSType_05", alone(h(2)), Y26, None),
    # HRSType_06: Tailored Learning needs the course size (HRS5)
    ("HRSType_06", tailored(), Y26, "HRSRecord"),
    ("HRSType_06", tailored(h(6)), Y26, "HRSRecord"),
    ("HRSType_06", tailored(h(5, 30)), Y26, None),
    ("HRSType_06", tailored(), Y25, None),
    # HRSType_07: actual off-the-job hours only on programme aims
    ("HRSType_07", learner(component_aim(HRSRecord=[OTJ])), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_07", prog(h(1, 400), OTJ), Y26, None),
    # HRSType_08: completed FM36 programmes from 1 August 2019 need HRS3; restarts excluded
    ("HRSType_08", prog(h(1, 400), **COMPLETED), Y26, "HRSRecord"),
    ("HRSType_08", prog(h(1, 400), OTJ, **COMPLETED), Y26, None),
    ("HRSType_08", prog(h(1, 400), **COMPLETED, LearnStartDate="2019-07-31"), Y26, None),
    ("HRSType_08", prog(h(1, 400), **COMPLETED, **RES), Y26, None),
    # HRSType_09: withdrawn FM36 programmes from 1 August 2022 need HRS3
    ("HRSType_09", prog(h(1, 400), **WITHDRAWN, LearnStartDate="2022-08-01"), Y26, "HRSRecord"),
    ("HRSType_09", prog(h(1, 400), **WITHDRAWN, LearnStartDate="2022-07-31"), Y26, None),
    ("HRSType_09", prog(h(1, 400), **WITHDRAWN, **RES), Y26, "HRSRecord"),
    ("HRSType_09", prog(h(1, 400), OTJ, **WITHDRAWN), Y26, None),
    # HRSType_10: HRS6 only on FM35/38/81
    ("HRSType_10", prog(h(1, 400), h(6)), Y26, "HRSRecord[1].HRSCode"),
    ("HRSType_10", alone(h(6)), Y26, None),
    ("HRSType_10", alone(h(6), FundModel=81), Y26, None),
    ("HRSType_10", alone(h(6), FundModel=35), Y26, None),
    # HRSType_12: T Levels return no HRS 1, 3, 4, 5 or 6
    ("HRSType_12", t_level(h(2, 500), h(4)), Y26, "HRSRecord[1].HRSCode"),
    ("HRSType_12", t_level(h(2, 500)), Y26, None),
    # HRSType_13: HRS 1, 3, 4 only on FM36
    ("HRSType_13", alone(h(4)), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_13", alone(h(1), FundModel=None), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_13", prog(h(1, 400), h(4)), Y26, None),
    # HRSType_14: FM36 returns no HRS 2, 5 or 6
    ("HRSType_14", prog(h(1, 400), h(5)), Y26, "HRSRecord[1].HRSCode"),
    ("HRSType_14", prog(h(1, 400), h(4)), Y26, None),
    # HRSType_15: HRS5 only on FM11
    ("HRSType_15", alone(h(5)), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_15", tailored(h(5)), Y26, None),
    # HRSType_16: FM11 returns no HRS 1, 2, 3, 4 or 6
    ("HRSType_16", tailored(h(5), h(6)), Y26, "HRSRecord[1].HRSCode"),
    ("HRSType_16", tailored(h(5)), Y26, None),
    # HRSType_17: FM35/38/81 return no HRS 1 to 5
    ("HRSType_17", alone(h(3)), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_17", alone(h(5), FundModel=81), Y26, "HRSRecord[0].HRSCode"),
    ("HRSType_17", alone(h(6)), Y26, None),
    # HRSType_18: no repeated hours code on an aim
    ("HRSType_18", prog(h(1, 400), h(1, 300)), Y26, "HRSRecord[1].HRSCode"),
    ("HRSType_18", prog(h(1, 400), OTJ), Y26, None),
    ("HRSType_18", prog(h(1, 400), h(1, 300)), Y25, None),
    # HRSAmount_01: planned T Level hours above zero
    ("HRSAmount_01", t_level(h(2, 0)), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_01", t_level(h(2, 1)), Y26, None),
    ("HRSAmount_01", t_level(h(2, 0), AimType=3), Y26, None),
    # HRSAmount_02: FM36 starts 1 August 2022 - 31 July 2025, at least 278; restarts excluded
    ("HRSAmount_02", planned(277, "2025-07-31"), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_02", planned(277, "2022-08-01"), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_02", planned(278, "2025-07-31"), Y26, None),
    ("HRSAmount_02", planned(277, "2022-07-31"), Y26, None),
    ("HRSAmount_02", planned(277, "2025-08-01"), Y26, None),
    ("HRSAmount_02", planned(277, "2024-08-01", **RES), Y26, None),
    # HRSAmount_03: FM36 starts from 1 August 2025, at least 187; restarts excluded
    ("HRSAmount_03", planned(186, "2025-08-01"), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_03", planned(187, "2025-08-01"), Y26, None),
    ("HRSAmount_03", planned(186, "2025-07-31"), Y26, None),
    ("HRSAmount_03", planned(186, "2026-08-01", **RES), Y26, None),
    # HRSAmount_04 to _06: additional delivery hours per day / week
    ("HRSAmount_04", spread(73, 3), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_04", spread(72, 3), Y26, None),
    ("HRSAmount_04", spread(60, 2), Y26, None),
    ("HRSAmount_05", spread(71, 14), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_05", spread(70, 14), Y26, None),
    ("HRSAmount_05", spread(60, 7), Y26, None),
    ("HRSAmount_06", spread(91, 10), Y26, "HRSRecord[0].HRSAmount"),
    ("HRSAmount_06", spread(90, 10), Y26, None),
    ("HRSAmount_06", spread(240, 10), Y26, None),
    ("HRSAmount_06", spread(91, 10), Y25, None),
    # PHours_01 (2025/26): FM36 programmes from 1 August 2019 need planned hours
    ("PHours_01", prog(PHours=None), Y25, "PHours"),
    ("PHours_01", prog(PHours=None, LearnStartDate="2019-07-31"), Y25, None),
    ("PHours_01", prog(), Y25, None),
    ("PHours_01", prog(PHours=None), Y26, None),
    # PHours_03 / _04: T Level programmes from 1 August 2020 need planned hours above zero
    ("PHours_03", t_level(LearnStartDate="2020-08-01"), Y25, "PHours"),
    ("PHours_03", t_level(LearnStartDate="2020-07-31"), Y25, None),
    ("PHours_03", t_level(PHours=500), Y25, None),
    ("PHours_04", t_level(PHours=0), Y25, "PHours"),
    ("PHours_04", t_level(PHours=1), Y25, None),
    # PHours_05: no planned hours on FM25 aims that are not T Levels
    ("PHours_05", alone(FundModel=25, PHours=10), Y25, "PHours"),
    ("PHours_05", t_level(PHours=10), Y25, None),
    # PHours_06 / _08: FM36 minimum planned hours; restarts excluded
    ("PHours_06", planned(277, "2025-07-31"), Y25, "PHours"),
    ("PHours_06", planned(278, "2022-08-01"), Y25, None),
    ("PHours_06", planned(277, "2025-07-31", **RES), Y25, None),
    ("PHours_08", planned(186, "2025-08-01"), Y25, "PHours"),
    ("PHours_08", planned(187, "2025-08-01"), Y25, None),
    ("PHours_08", planned(186, "2025-08-01", **RES), Y25, None),
    # PHours_07: Tailored Learning needs planned hours
    ("PHours_07", tailored(), Y25, "PHours"),
    ("PHours_07", tailored(PHours=30), Y25, None),
    # OTJActHours_01 to _03
    ("OTJActHours_01", learner(component_aim(OTJActHours=10)), Y25, "OTJActHours"),
    ("OTJActHours_01", prog(OTJActHours=10), Y25, None),
    ("OTJActHours_02", prog(**COMPLETED), Y25, "OTJActHours"),
    ("OTJActHours_02", prog(**COMPLETED, OTJActHours=200), Y25, None),
    ("OTJActHours_02", prog(**COMPLETED, **RES), Y25, None),
    ("OTJActHours_02", prog(**COMPLETED), Y26, None),
    ("OTJActHours_03", prog(**WITHDRAWN, LearnStartDate="2022-08-01"), Y25, "OTJActHours"),
    ("OTJActHours_03", prog(**WITHDRAWN, LearnStartDate="2022-07-31"), Y25, None),
    # AddHours_01 / _02
    ("AddHours_01", alone(AddHours=10, LearnStartDate="2015-07-31"), Y25, "AddHours"),
    ("AddHours_01", alone(AddHours=10, LearnStartDate="2015-08-01"), Y25, None),
    ("AddHours_02", alone(AddHours=10, FundModel=37), Y25, "AddHours"),
    ("AddHours_02", alone(AddHours=10, FundModel=10), Y25, "AddHours"),
    ("AddHours_02", alone(AddHours=10), Y25, None),
    # AddHours_04 to _06: the same averages on the 2025/26 field
    ("AddHours_04", spread(73, 3, legacy=True), Y25, "AddHours"),
    ("AddHours_04", spread(72, 3, legacy=True), Y25, None),
    ("AddHours_05", spread(71, 14, legacy=True), Y25, "AddHours"),
    ("AddHours_05", spread(70, 14, legacy=True), Y25, None),
    ("AddHours_06", spread(91, 10, legacy=True), Y25, "AddHours"),
    ("AddHours_06", spread(240, 10, legacy=True), Y25, None),
    ("AddHours_06", spread(91, 10, legacy=True), Y26, None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "year", "field"), CASES, ids=case_ids(CASES))
def test_hours_rule(rule: str, record: Record, year: str, field: str | None) -> None:
    check_case(rule, record, year, field, AIM)


def test_hrs_type_01_takes_the_official_message() -> None:
    finding = only(prog(OTJ), "HRSType_01")
    official = official_rule("HRSType_01", Y26)
    assert official is not None
    assert (finding.severity, finding.message) == ("error", official.error_message)


def test_planned_before_start_is_left_to_learn_plan_end_date_02() -> None:
    record = alone(h(6, 500), LearnStartDate="2026-09-10", LearnPlanEndDate="2026-09-01")
    for rule in ("HRSAmount_04", "HRSAmount_05", "HRSAmount_06"):
        assert not fires(record, rule)


def test_warnings() -> None:
    assert only(spread(71, 14), "HRSAmount_05").severity == "warning"
    assert only(spread(91, 10), "HRSAmount_06").severity == "warning"


@pytest.mark.parametrize(("name", "year"), [("HRSType_11", Y26), ("AddHours_03", Y25)])
def test_esol_rules_need_lars(name: str, year: str) -> None:
    assert DECLARED[name].needs == ("LARS",)
    assert DECLARED[name].years == frozenset({year})
