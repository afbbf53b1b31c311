"""Learner FAM rules, learning support cost, and GCSE English and maths grades."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

import pytest
from ilr_validation_builders import (
    Record,
    ctx,
    fam,
    findings,
    fires,
    learner,
    only,
    standalone_aim,
)

from ilr_shared.ilr.codelist import CodeList, closed
from ilr_shared.ilr.codes import code_lists

OLD = ctx("2025/26", prepared=date(2026, 3, 1))
GCSE_FOR_TESTS = closed({g: g for g in ("9", "8", "4", "3", "1", "A*", "C", "D", "U", "N")})


def lfam(fam_type: str, code: object) -> Record:
    return {"LearnFAMType": fam_type, "LearnFAMCode": code}


def sixteen_19() -> Record:
    return standalone_aim(FundModel=25, LearningDeliveryFAM=[fam("SOF", "107")])


@pytest.fixture
def gcse_lists(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make sure EngGrade and MathGrade lists exist (the code lists may not have them yet)."""

    def with_gcse(year: str) -> Mapping[str, CodeList]:
        lists = dict(code_lists(year))
        for name in ("EngGrade", "MathGrade"):
            lists.setdefault(name, GCSE_FOR_TESTS)
        return lists

    monkeypatch.setattr("ilr_shared.validation.rules.common.code_lists", with_gcse)
    yield


@pytest.mark.parametrize(("fam_type", "code", "expected"),
                         [("EHC", 1, False), ("EHC", 2, True), ("XYZ", 1, True),
                          ("LSR", "36", False), ("LSR", 1, True)])  # fmt: skip
def test_learn_fam_type_01_code_valid_for_type(fam_type: str, code: object, expected: bool) -> None:
    record = learner(LearnerFAM=[lfam("HNS", 1), lfam(fam_type, code)])
    assert fires(record, "LearnFAMType_01") is expected
    if expected:
        assert only(record, "LearnFAMType_01").field == "LearnerFAM[1].LearnFAMCode"
    assert fires(record, "LearnFAMType_01", OLD) is expected


def test_learn_fam_type_01_type_without_code_is_left_to_field_rules() -> None:
    assert not fires(learner(LearnerFAM=[{"LearnFAMType": "EHC"}]), "LearnFAMType_01")


@pytest.mark.parametrize("fam_type", ["HNS", "EHC", "DLA", "SEN", "MCF", "ECF", "FME", "MMH",
                                      "EMH"])  # fmt: skip
def test_learn_fam_type_09_single_occurrence(fam_type: str) -> None:
    record = learner(LearnerFAM=[lfam(fam_type, 1), lfam("LSR", 36), lfam(fam_type, 1)])
    assert only(record, "LearnFAMType_09").field == "LearnerFAM[2].LearnFAMType"
    assert not fires(learner(LearnerFAM=[lfam(fam_type, 1)]), "LearnFAMType_09")


def test_learn_fam_type_10_at_most_four_lsr() -> None:
    four = [lfam("LSR", code) for code in (36, 55, 56, 57)]
    assert not fires(learner(LearnerFAM=four), "LearnFAMType_10")
    five = learner(LearnerFAM=[*four, lfam("LSR", 58)])
    assert only(five, "LearnFAMType_10").field == "LearnerFAM[4].LearnFAMType"


@pytest.mark.parametrize("fam_type", ["NLM", "EDF"])
def test_learn_fam_type_11_at_most_two_nlm_or_edf(fam_type: str) -> None:
    two = [lfam(fam_type, 1), lfam(fam_type, 2)]
    assert not fires(learner(LearnerFAM=two), "LearnFAMType_11")
    assert fires(learner(LearnerFAM=[*two, lfam(fam_type, 17)]), "LearnFAMType_11")
    mixed = [lfam("NLM", 17), lfam("NLM", 18), lfam("EDF", 1), lfam("EDF", 2)]
    assert not fires(learner(LearnerFAM=mixed), "LearnFAMType_11")


def test_learn_fam_type_14_sen_and_ehc() -> None:
    record = learner(LearnerFAM=[lfam("SEN", 1), lfam("EHC", 1)])
    assert only(record, "LearnFAMType_14").field == "LearnerFAM[1].LearnFAMType"
    assert not fires(learner(LearnerFAM=[lfam("SEN", 1)]), "LearnFAMType_14")
    assert not fires(learner(LearnerFAM=[lfam("EHC", 1)]), "LearnFAMType_14")


@pytest.mark.parametrize(("rule_name", "fam_type"),
                         [("LearnFAMType_15", "MCF"), ("LearnFAMType_16", "ECF")])  # fmt: skip
def test_learn_fam_type_15_16_exemption_needs_ehc(rule_name: str, fam_type: str) -> None:
    record = learner(LearnerFAM=[lfam(fam_type, 1)])
    assert only(record, rule_name).field == "LearnerFAM[0].LearnFAMCode"
    assert not fires(learner(LearnerFAM=[lfam(fam_type, 1), lfam("EHC", 1)]), rule_name)
    assert not fires(learner(LearnerFAM=[lfam(fam_type, 2)]), rule_name)
    assert fires(learner(LearnerFAM=[lfam(fam_type, 1), lfam("SEN", 1)]), rule_name, OLD)


def test_learn_fam_type_17_nlm_21_and_22() -> None:
    record = learner(LearnerFAM=[lfam("NLM", 22), lfam("NLM", 21)])
    assert only(record, "LearnFAMType_17").field == "LearnerFAM[1].LearnFAMCode"
    assert not fires(learner(LearnerFAM=[lfam("NLM", 22), lfam("NLM", 17)]), "LearnFAMType_17")


def test_als_cost_02_needs_high_needs_student() -> None:
    assert only(learner(ALSCost=1200), "ALSCost_02").field == "ALSCost"
    assert not fires(learner(ALSCost=1200, LearnerFAM=[lfam("HNS", 1)]), "ALSCost_02")
    assert not fires(learner(), "ALSCost_02")


@pytest.mark.parametrize("field", ["EngGrade", "MathGrade"])
def test_grade_01_required_for_16_19_funding(field: str) -> None:
    assert only(learner(sixteen_19()), f"{field}_01").field == field
    assert not fires(learner(sixteen_19(), **{field: "NONE"}), f"{field}_01")
    assert not fires(learner(), f"{field}_01")
    assert not fires(learner(standalone_aim(FundModel=82)), f"{field}_01")


@pytest.mark.usefixtures("gcse_lists")
@pytest.mark.parametrize("field", ["EngGrade", "MathGrade"])
@pytest.mark.parametrize(("grade", "expected"),
                         [("NONE", False), ("none", False), ("4", False), ("C", False),
                          ("ZZ", True), ("10", True)])  # fmt: skip
def test_grade_02_none_or_valid_gcse_grade(field: str, grade: str, expected: bool) -> None:
    assert fires(learner(**{field: grade}), f"{field}_02") is expected
    assert fires(learner(**{field: grade}), f"{field}_02", OLD) is expected


@pytest.mark.parametrize(("field", "edf"), [("EngGrade", 2), ("MathGrade", 1)])
@pytest.mark.parametrize(("grade", "low"),
                         [("D", True), ("FG", True), ("U", True), ("3", True), ("1", True),
                          ("C", False), ("4", False), ("NONE", False)])  # fmt: skip
def test_grade_03_low_grade_needs_edf(field: str, edf: int, grade: str, low: bool) -> None:
    assert fires(learner(**{field: grade}), f"{field}_03") is low
    with_edf = learner(**{field: grade}, LearnerFAM=[lfam("EDF", edf)])
    assert not fires(with_edf, f"{field}_03")
    other_edf = learner(**{field: grade}, LearnerFAM=[lfam("EDF", 3 - edf)])
    assert fires(other_edf, f"{field}_03") is low


@pytest.mark.parametrize(("field", "fam_type"), [("EngGrade", "ECF"), ("MathGrade", "MCF")])
@pytest.mark.parametrize(("code", "needs_none"), [(1, False), (2, True), (3, True), (4, True)])
def test_grade_04_met_or_exempt_means_none(
    field: str, fam_type: str, code: int, needs_none: bool
) -> None:
    record = learner(**{field: "4"}, LearnerFAM=[lfam(fam_type, code)])
    assert fires(record, f"{field}_04") is needs_none
    ok = learner(**{field: "NONE"}, LearnerFAM=[lfam(fam_type, code)])
    assert not fires(ok, f"{field}_04")


def test_grade_rules_report_once_per_learner() -> None:
    record = learner(sixteen_19(), EngGrade="D")
    assert [f.field for f in findings(record, "EngGrade_03")] == ["EngGrade"]
