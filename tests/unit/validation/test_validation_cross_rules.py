"""Cross-record rules: within a learner (R_07, R_31) and across the file (R_06, R_59)."""

from __future__ import annotations

from ilr_validation_builders import (
    component_aim,
    ctx,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
    with_aim,
)

from ilr_shared.validation import validate_batch

BASE = learner()


def test_r_07_duplicate_aim_sequence_number() -> None:
    record = with_aim(BASE, 1, AimSeqNumber=1)
    finding = only(record, "R_07")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].AimSeqNumber")
    assert not fires(BASE, "R_07")


def test_r_31_open_programme_needs_matching_component() -> None:
    alone = learner(programme_aim())
    finding = only(alone, "R_31")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[0].AimType")
    assert not fires(BASE, "R_31")
    other_standard = learner(programme_aim(), component_aim(StdCode=92))
    assert fires(other_standard, "R_31")


def test_r_31_closed_programme_and_standalone_aims_are_fine() -> None:
    closed = learner(programme_aim(LearnActEndDate="2026-12-01", CompStatus=3, Outcome=3))
    assert not fires(closed, "R_31")
    assert not fires(learner(standalone_aim()), "R_31")
    t_level = learner(programme_aim(FundModel=25, ProgType=31, StdCode=None),
                      component_aim(FundModel=25, ProgType=31, StdCode=None))  # fmt: skip
    assert not fires(t_level, "R_31")


def test_r_06_duplicate_learn_ref_number_in_the_file() -> None:
    records = [learner(LearnRefNumber="A1"), learner(LearnRefNumber="A1", ULN=1004014316),
               learner(LearnRefNumber="B2", ULN=1061486701)]  # fmt: skip
    result = validate_batch(records, ctx())
    r06 = [f for f in result["A1"] if f.rule == "R_06"]
    assert [(f.severity, f.field, f.learn_ref_number) for f in r06] == [
        ("error", "LearnRefNumber", "A1")
    ]
    assert result["B2"] == []


def test_r_59_duplicate_uln_except_default() -> None:
    records = [learner(LearnRefNumber="A1"), learner(LearnRefNumber="B2"),
               learner(LearnRefNumber="C3", ULN=9999999999),
               learner(LearnRefNumber="D4", ULN=9999999999)]  # fmt: skip
    result = validate_batch(records, ctx())
    assert [f.rule for f in result["A1"]] == ["R_59"]
    assert [f.field for f in result["B2"]] == ["ULN"]
    assert not any(f.rule == "R_59" for f in result["C3"] + result["D4"])


def test_cross_learner_rules_do_not_run_per_learner() -> None:
    assert not fires(BASE, "R_06")
    assert not fires(BASE, "R_59")
