"""Completion status, outcome, grade and withdrawal reason rules at their edges."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    case_ids,
    check_case,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
)

from ilr_shared.ilr.codelist import closed
from ilr_shared.ilr.codes import code_lists
from ilr_shared.validation.registry import DECLARED
from ilr_shared.validation.rules import common

AIM = "LearningDelivery[0]."
Y26, Y25 = "2026/27", "2025/26"
ENDED = {"LearnActEndDate": "2026-09-30"}


def prog(**overrides: Any) -> Record:
    """A learner with one FM36 apprenticeship standard programme aim."""
    return learner(programme_aim(**overrides))


def alone(**overrides: Any) -> Record:
    """A learner with one FM38 aim that is not part of a programme."""
    return learner(standalone_aim(**overrides))


def bootcamp(**overrides: Any) -> Record:
    """A learner with one Skills Bootcamp programme aim."""
    return alone(**{"FundModel": 37, "ProgType": 32, "AimType": 1, **overrides})


def units(**overrides: Any) -> Record:
    """A learner with one apprenticeship units (ProgType 34) programme aim."""
    return alone(**{"FundModel": 39, "ProgType": 34, "AimType": 1, **overrides})


CASES: list[tuple[str, Record, str, str | None]] = [
    # CompStatus_01: valid ILR_CompStatus
    ("CompStatus_01", alone(CompStatus=4), Y26, "CompStatus"),
    ("CompStatus_01", alone(CompStatus="x"), Y25, "CompStatus"),
    ("CompStatus_01", alone(CompStatus="06"), Y26, None),
    # CompStatus_02: no 'continuing' with an end date; FM36/99 standard programmes excluded
    ("CompStatus_02", alone(**ENDED), Y26, "CompStatus"),
    ("CompStatus_02", alone(**ENDED, CompStatus=2), Y26, None),
    ("CompStatus_02", prog(**ENDED), Y26, None),
    ("CompStatus_02", prog(**ENDED, FundModel=99), Y26, None),
    ("CompStatus_02", prog(**ENDED, AimType=3), Y26, "CompStatus"),
    # CompStatus_05: continuing aims without an Outcome; standards and Bootcamps excluded
    ("CompStatus_05", alone(Outcome=8), Y26, "Outcome"),
    ("CompStatus_05", alone(Outcome=8, CompStatus=2), Y26, None),
    ("CompStatus_05", prog(Outcome=1), Y26, None),
    ("CompStatus_05", prog(Outcome=1, FundModel=99, AimType=3), Y26, None),
    ("CompStatus_05", bootcamp(Outcome=1), Y26, None),
    # CompStatus_06: withdrawn / break not achieved or outcome-unknown; Bootcamps excluded
    ("CompStatus_06", alone(CompStatus=3, Outcome=1), Y26, "Outcome"),
    ("CompStatus_06", alone(CompStatus=6, Outcome=8), Y25, "Outcome"),
    ("CompStatus_06", alone(CompStatus=3, Outcome=3), Y26, None),
    ("CompStatus_06", bootcamp(CompStatus=3, Outcome=1), Y26, None),
    # CompStatus_07: FM36 standard programmes ended from 1 August 2019 with AchDate: completed
    ("CompStatus_07", prog(LearnActEndDate="2019-08-01", AchDate="2019-09-01", CompStatus=3),
     Y26, "CompStatus"),
    ("CompStatus_07", prog(LearnActEndDate="2019-07-31", AchDate="2019-09-01", CompStatus=3),
     Y26, None),
    ("CompStatus_07", prog(**ENDED, AchDate="2026-09-30", CompStatus=2), Y26, None),
    ("CompStatus_07", prog(**ENDED, CompStatus=3), Y26, None),
    # CompStatus_08: Skills Bootcamp programmes with AchDate: completed
    ("CompStatus_08", bootcamp(AchDate="2026-09-30", CompStatus=3), Y26, "CompStatus"),
    ("CompStatus_08", bootcamp(AchDate="2026-09-30", CompStatus=2), Y26, None),
    ("CompStatus_08", bootcamp(AchDate="2026-09-30", CompStatus=3, AimType=3), Y26, None),
    # CompStatus_09: Skills Bootcamp event aims should be completed
    ("CompStatus_09", alone(LearnAimRef="z0059748"), Y26, "CompStatus"),
    ("CompStatus_09", alone(LearnAimRef="Z0059749", CompStatus=2), Y26, None),
    ("CompStatus_09", alone(LearnAimRef="Z0059750"), Y26, None),
    # CompStatus_10 (2026/27): achieved FM36 standards are not continuing
    ("CompStatus_10", prog(Outcome=1), Y26, "CompStatus"),
    ("CompStatus_10", prog(Outcome=1, CompStatus=2), Y26, None),
    ("CompStatus_10", prog(Outcome=1, FundModel=99), Y26, None),
    ("CompStatus_10", prog(Outcome=1), Y25, None),
    # CompStatus_11 (2026/27): no break in learning on apprenticeship units
    ("CompStatus_11", units(CompStatus=6), Y26, "CompStatus"),
    ("CompStatus_11", units(CompStatus=3), Y26, None),
    ("CompStatus_11", units(CompStatus=6), Y25, None),
    # Outcome_01: valid ILR_Outcome
    ("Outcome_01", alone(Outcome=4), Y26, "Outcome"),
    ("Outcome_01", alone(Outcome=8), Y26, None),
    ("Outcome_01", alone(), Y26, None),
    # Outcome_04: AchDate needs 'Achieved'; FM36 standards excluded
    ("Outcome_04", alone(AchDate="2026-09-30", Outcome=2), Y26, "Outcome"),
    ("Outcome_04", alone(AchDate="2026-09-30"), Y26, "Outcome"),
    ("Outcome_04", alone(AchDate="2026-09-30", Outcome=1), Y26, None),
    ("Outcome_04", prog(AchDate="2026-09-30", Outcome=2), Y26, None),
    # Outcome_05: achieved needs an end date; Skills Bootcamps excluded
    ("Outcome_05", alone(Outcome=1), Y26, "LearnActEndDate"),
    ("Outcome_05", alone(Outcome=1, **ENDED), Y26, None),
    ("Outcome_05", bootcamp(Outcome=1), Y26, None),
    # Outcome_09: Outcome 8 needs CompStatus 2; standard programmes and Bootcamps excluded
    ("Outcome_09", alone(Outcome=8, CompStatus=3), Y26, "CompStatus"),
    ("Outcome_09", alone(Outcome=8, CompStatus=2), Y26, None),
    ("Outcome_09", prog(Outcome=8, CompStatus=3), Y26, None),
    ("Outcome_09", prog(Outcome=8, CompStatus=3, AimType=3), Y26, "CompStatus"),
    ("Outcome_09", bootcamp(Outcome=8, CompStatus=3), Y26, None),
    # Outcome_10: no achievement is not continuing
    ("Outcome_10", alone(Outcome=3), Y26, "Outcome"),
    ("Outcome_10", alone(Outcome=3, CompStatus=3), Y26, None),
    # Outcome_11: an Outcome needs an end date; Skills Bootcamps excluded
    ("Outcome_11", alone(Outcome=2), Y26, "LearnActEndDate"),
    ("Outcome_11", alone(Outcome=2, **ENDED), Y26, None),
    ("Outcome_11", bootcamp(Outcome=2), Y26, None),
    # Outcome_12: an end date needs an Outcome
    ("Outcome_12", alone(**ENDED, CompStatus=2), Y26, "Outcome"),
    ("Outcome_12", alone(**ENDED, CompStatus=2), Y25, "Outcome"),
    ("Outcome_12", alone(**ENDED, CompStatus=2, Outcome=8), Y26, None),
    # Outcome_13 (2026/27): achieved apprenticeship units need LDM 404
    ("Outcome_13", units(Outcome=1), Y26, "LearningDeliveryFAM"),
    ("Outcome_13", units(Outcome=1, LearningDeliveryFAM=[fam("LDM", "404")]), Y26, None),
    ("Outcome_13", units(Outcome=2), Y26, None),
    ("Outcome_13", units(Outcome=1), Y25, None),
    # OutGrade_04: no grade without an Outcome or with Outcome 8
    ("OutGrade_04", alone(OutGrade="A"), Y26, "OutGrade"),
    ("OutGrade_04", alone(OutGrade="A", Outcome=8), Y26, "OutGrade"),
    ("OutGrade_04", alone(OutGrade="A", Outcome=1), Y26, None),
    # OutGrade_05: a fail grade is not 'Achieved'
    ("OutGrade_05", alone(OutGrade="fl", Outcome=1), Y26, "Outcome"),
    ("OutGrade_05", alone(OutGrade="Y", Outcome=3), Y26, None),
    ("OutGrade_05", alone(OutGrade="A", Outcome=1), Y26, None),
    # OutGrade_06: no achievement allows only a fail grade or none
    ("OutGrade_06", alone(OutGrade="A", Outcome=3), Y26, "OutGrade"),
    ("OutGrade_06", alone(OutGrade="U", Outcome=3), Y26, None),
    ("OutGrade_06", alone(Outcome=3), Y26, None),
    # WithdrawReason_02: valid ILR_WithdrawReason
    ("WithdrawReason_02", alone(WithdrawReason=99, CompStatus=3), Y26, "WithdrawReason"),
    ("WithdrawReason_02", alone(WithdrawReason=98, CompStatus=3), Y26, None),
    ("WithdrawReason_02", alone(WithdrawReason="028", CompStatus=3), Y25, None),
    # WithdrawReason_03: withdrawn needs a reason
    ("WithdrawReason_03", alone(CompStatus=3), Y26, "WithdrawReason"),
    ("WithdrawReason_03", alone(CompStatus=3, WithdrawReason=97), Y26, None),
    # WithdrawReason_04: no reason unless withdrawn
    ("WithdrawReason_04", alone(WithdrawReason=97), Y26, "WithdrawReason"),
    ("WithdrawReason_04", alone(CompStatus=6, WithdrawReason=97), Y25, "WithdrawReason"),
    ("WithdrawReason_04", alone(CompStatus=3, WithdrawReason=97), Y26, None),
    # WithdrawReason_05: reason 28 only on OLASS (LDM 034)
    ("WithdrawReason_05", alone(CompStatus=3, WithdrawReason=28), Y26, "WithdrawReason"),
    ("WithdrawReason_05", alone(CompStatus=3, WithdrawReason=28,
                                LearningDeliveryFAM=[fam("LDM", "34")]), Y26, None),
    # WithdrawReason_06: reason 48 only on ZWRKX002
    ("WithdrawReason_06", alone(CompStatus=3, WithdrawReason=48), Y26, "LearnAimRef"),
    ("WithdrawReason_06", alone(CompStatus=3, WithdrawReason=48, LearnAimRef="zwrkx002"), Y26,
     None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "year", "field"), CASES, ids=case_ids(CASES))
def test_outcome_rule(rule: str, record: Record, year: str, field: str | None) -> None:
    check_case(rule, record, year, field, AIM)


def test_out_grade_01_valid_lookup_on_ilr_out_grade(monkeypatch: pytest.MonkeyPatch) -> None:
    lists = dict(code_lists("2026/27"))
    lists["OutGrade"] = closed({"A": "A", "FL": "Fail"})
    monkeypatch.setattr(common, "code_lists", lambda year: lists)
    finding = only(alone(Outcome=1, OutGrade="B"), "OutGrade_01")
    assert finding.field == AIM + "OutGrade"
    assert not fires(alone(Outcome=1, OutGrade="A"), "OutGrade_01")
    assert not fires(alone(Outcome=1), "OutGrade_01")


def test_comp_status_09_is_a_warning() -> None:
    assert only(alone(LearnAimRef="Z0059747"), "CompStatus_09").severity == "warning"


def test_out_grade_07_needs_lars() -> None:
    assert DECLARED["OutGrade_07"].needs == ("LARS",)
