"""Apprenticeship financial record (AFinType, AFinDate) rules at their edges."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    case_ids,
    check_case,
    component_aim,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    tnp,
)

AIM = "LearningDelivery[0]."
Y26, Y25 = "2026/27", "2025/26"


def fin(fin_type: str, code: int | str, on: str = "2026-08-01", amount: int = 100) -> Record:
    return {"AFinType": fin_type, "AFinCode": code, "AFinDate": on, "AFinAmount": amount}


def pmr(code: int, on: str = "2026-09-01") -> Record:
    return fin("PMR", code, on)


def rip(amount: int) -> Record:
    return fin("RIP", 1, amount=amount)


def prog(*records: Record, **overrides: Any) -> Record:
    """One FM36 standard programme aim with the financial records given."""
    return learner(programme_aim(AppFinRecord=list(records), **overrides))


def fm81(*records: Record, **overrides: Any) -> Record:
    """One FM81 apprenticeship standard programme aim with the financial records given."""
    aim = {"FundModel": 81, "ProgType": 25, "StdCode": 91, "AimType": 1, **overrides}
    return learner(standalone_aim(AppFinRecord=list(records), **aim))


def framework(*records: Record, **overrides: Any) -> Record:
    """One FM36 framework (ProgType 3) programme aim with the financial records given."""
    return prog(*records, **{"ProgType": 3, "StdCode": None, **overrides})


PRICES = (tnp(1), tnp(2))
ENDED = "2026-09-01"

CASES: list[tuple[str, Record, str, str | None]] = [
    # AFinType_01: FM81 standard programmes need TNP1
    ("AFinType_01", fm81(tnp(2)), Y26, "AppFinRecord"),
    ("AFinType_01", fm81(tnp(1)), Y26, None),
    ("AFinType_01", prog(tnp(2)), Y26, None),
    # AFinType_02: the code is valid for the type
    ("AFinType_02", prog(*PRICES, tnp(5)), Y26, "AppFinRecord[2].AFinCode"),
    ("AFinType_02", prog(*PRICES, pmr(4)), Y25, "AppFinRecord[2].AFinCode"),
    ("AFinType_02", prog(*PRICES, pmr(3), fin("tnp", "04")), Y26, None),
    ("AFinType_02", prog(*PRICES, fin("RIP", 2)), Y26, "AppFinRecord[2].AFinCode"),
    # an unknown type has no valid code (the lookup is on the type and code together)
    ("AFinType_02", prog(*PRICES, fin("XYZ", 9)), Y26, "AppFinRecord[2].AFinCode"),
    # AFinType_04: only FM81 standard or FM36 programme aims
    ("AFinType_04", learner(standalone_aim(AppFinRecord=[tnp(1)])), Y26, "AppFinRecord"),
    ("AFinType_04", learner(component_aim(AppFinRecord=[tnp(1)])), Y26, "AppFinRecord"),
    ("AFinType_04", fm81(tnp(1), ProgType=3), Y26, "AppFinRecord"),
    ("AFinType_04", fm81(tnp(1)), Y26, None),
    ("AFinType_04", prog(*PRICES), Y26, None),
    ("AFinType_04", learner(standalone_aim(AppFinRecord=[])), Y26, None),
    # AFinType_07: assessment payment needs an assessment price
    ("AFinType_07", prog(tnp(1), pmr(2)), Y26, "AppFinRecord"),
    ("AFinType_07", prog(tnp(1), tnp(4), pmr(2)), Y26, None),
    ("AFinType_07", prog(tnp(1), pmr(1)), Y26, None),
    ("AFinType_07", prog(tnp(1), pmr(2), AimType=3), Y26, None),
    # AFinType_08: residual prices only on FM36
    ("AFinType_08", fm81(tnp(1), tnp(3)), Y26, "AppFinRecord[1].AFinCode"),
    ("AFinType_08", fm81(tnp(1), tnp(4)), Y25, "AppFinRecord[1].AFinCode"),
    ("AFinType_08", prog(*PRICES, tnp(3)), Y26, None),
    ("AFinType_08", fm81(tnp(1), pmr(3)), Y26, None),
    # AFinType_10: standard programmes should have an assessment price
    ("AFinType_10", prog(tnp(1)), Y26, "AppFinRecord"),
    ("AFinType_10", prog(tnp(1), tnp(4)), Y26, None),
    ("AFinType_10", prog(tnp(1), AimType=3), Y26, None),
    # AFinType_11 (2025/26): FM36 frameworks have no assessment codes
    ("AFinType_11", framework(*PRICES), Y25, "AppFinRecord[1].AFinCode"),
    ("AFinType_11", framework(tnp(1), pmr(1)), Y25, None),
    ("AFinType_11", prog(*PRICES), Y25, None),
    ("AFinType_11", framework(*PRICES), Y26, None),
    # AFinType_14: training payment needs a training price
    ("AFinType_14", prog(tnp(2), pmr(1)), Y26, "AppFinRecord"),
    ("AFinType_14", prog(tnp(2), tnp(3), pmr(1)), Y26, None),
    ("AFinType_14", prog(tnp(2), pmr(1), AimType=3), Y26, None),
    # AFinType_15 / _16 (2026/27): prior-learning reduction between £5 and £18,000
    ("AFinType_15", prog(*PRICES, rip(18001)), Y26, "AppFinRecord[2].AFinAmount"),
    ("AFinType_15", prog(*PRICES, rip(18000)), Y26, None),
    ("AFinType_15", prog(*PRICES, rip(18001)), Y25, None),
    ("AFinType_16", prog(*PRICES, rip(4)), Y26, "AppFinRecord[2].AFinAmount"),
    ("AFinType_16", prog(*PRICES, rip(5)), Y26, None),
    ("AFinType_16", prog(*PRICES, fin("RIP", 2, amount=4)), Y26, None),
    # AFinDate_04 (2025/26): framework prices not after the actual end date
    ("AFinDate_04", framework(tnp(1), tnp(1, "2026-09-02"), LearnActEndDate=ENDED), Y25,
     "AppFinRecord[1].AFinDate"),
    ("AFinDate_04", framework(tnp(1), tnp(1, ENDED), LearnActEndDate=ENDED), Y25, None),
    ("AFinDate_04", prog(tnp(1), tnp(1, "2026-09-02"), LearnActEndDate=ENDED), Y25, None),
    ("AFinDate_04", framework(tnp(1), tnp(1, "2026-09-02"), LearnActEndDate=ENDED), Y26, None),
    # AFinDate_05: TNP1 not dated after TNP3
    ("AFinDate_05", prog(tnp(3, "2026-09-01"), tnp(1, "2026-09-02")), Y26,
     "AppFinRecord[1].AFinDate"),
    ("AFinDate_05", prog(tnp(1), tnp(3, "2026-09-01"), tnp(1, "2026-09-01")), Y26, None),
    # AFinDate_06: TNP2 not dated after TNP4
    ("AFinDate_06", prog(tnp(1), tnp(4, "2026-09-01"), tnp(2, "2026-09-02")), Y26,
     "AppFinRecord[2].AFinDate"),
    ("AFinDate_06", prog(tnp(1), tnp(2, "2026-08-31"), tnp(4, "2026-09-01")), Y26, None),
    # AFinDate_12: standard programmes, not more than two years after the actual end date
    ("AFinDate_12", prog(*PRICES, pmr(1, "2026-09-02"), LearnActEndDate="2024-09-01"), Y26,
     "AppFinRecord[2].AFinDate"),
    ("AFinDate_12", prog(*PRICES, pmr(1, "2026-09-01"), LearnActEndDate="2024-09-01"), Y26, None),
    ("AFinDate_12", prog(*PRICES, pmr(1, "2026-09-02"), LearnActEndDate="2024-09-01",
                         AimType=3), Y26, None),
    # AFinDate_13: standard prices not after the achievement date or withdrawal end date
    ("AFinDate_13", prog(tnp(1), tnp(2, "2026-09-02"), AchDate=ENDED), Y26,
     "AppFinRecord[1].AFinDate"),
    ("AFinDate_13", prog(tnp(1), tnp(2, ENDED), AchDate=ENDED), Y26, None),
    ("AFinDate_13", prog(tnp(1), pmr(2, "2026-09-02"), AchDate=ENDED), Y26, None),
    ("AFinDate_13", prog(tnp(1), tnp(3, "2026-09-02"), LearnActEndDate=ENDED, WithdrawReason=98),
     Y26, "AppFinRecord[1].AFinDate"),
    ("AFinDate_13", prog(tnp(1), tnp(3, "2026-09-02"), LearnActEndDate=ENDED), Y26, None),
    ("AFinDate_13", framework(tnp(1), tnp(3, "2026-09-02"), AchDate=ENDED), Y26, None),
    # AFinDate_14: payments not after the file preparation date (1 October 2026)
    ("AFinDate_14", prog(*PRICES, pmr(1, "2026-10-02")), Y26, "AppFinRecord[2].AFinDate"),
    ("AFinDate_14", prog(*PRICES, pmr(1, "2026-10-01")), Y25, None),
    ("AFinDate_14", prog(tnp(1), tnp(2, "2026-10-02")), Y26, None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "year", "field"), CASES, ids=case_ids(CASES))
def test_finance_rule(rule: str, record: Record, year: str, field: str | None) -> None:
    check_case(rule, record, year, field, AIM)


def test_afin_type_10_is_a_warning() -> None:
    assert only(prog(tnp(1)), "AFinType_10").severity == "warning"


def test_malformed_financial_records_are_ignored() -> None:
    record = prog(*PRICES, {"AFinType": 7, "AFinCode": "x", "AFinDate": "soon"})
    record["LearningDelivery"][0]["AppFinRecord"].append("junk")
    for rule in ("AFinType_08", "AFinDate_05", "AFinDate_14"):
        assert not fires(record, rule)
    # a returned type with a code that is no valid lookup is a finding, never an exception
    assert fires(record, "AFinType_02")
