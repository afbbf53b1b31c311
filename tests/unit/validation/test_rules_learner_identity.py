"""Learner identity rules: default ULN, names, address line 1 and coded personal fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
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

DEFAULT = 9999999999
JAN = date(2027, 1, 1)


def _aim(fund_model: int = 38, *fams: Record, **overrides: Any) -> Record:
    """A standalone aim starting 10 January 2027 (planned 5 months)."""
    fields: dict[str, Any] = {
        "FundModel": fund_model,
        "LearnStartDate": "2027-01-10",
        "LearnPlanEndDate": "2027-06-30",
        "LearningDeliveryFAM": list(fams) or [fam("SOF", "105")],
    }
    return standalone_aim(**{**fields, **overrides})


def _on(days_after_start: int, year: str = "2026/27") -> Any:
    start = date(2027, 1, 10) if year == "2026/27" else date(2026, 1, 10)
    return ctx(year, prepared=date.fromordinal(start.toordinal() + days_after_start))


def _old_year_aim(fund_model: int = 38, *fams: Record) -> Record:
    return _aim(fund_model, *fams, LearnStartDate="2026-01-10", LearnPlanEndDate="2026-06-30")


@pytest.mark.parametrize(
    ("days", "recent_rule", "late_rule"), [(60, True, False), (61, False, True)]
)
def test_uln_06_and_07_split_at_60_days_since_start(
    days: int, recent_rule: bool, late_rule: bool
) -> None:
    record = learner(_aim(), ULN=DEFAULT)
    assert fires(record, "ULN_06", _on(days)) is recent_rule
    assert fires(record, "ULN_07", _on(days)) is late_rule
    assert only(record, "ULN_06" if recent_rule else "ULN_07", _on(days)).field == "ULN"


def test_uln_06_and_07_need_the_default_uln_and_1_january() -> None:
    assert not fires(learner(_aim()), "ULN_06", _on(10))
    before_january = ctx(prepared=date(2026, 12, 31))
    early = learner(_aim(LearnStartDate="2026-11-10"), ULN=DEFAULT)
    assert not fires(early, "ULN_06", before_january)
    assert not fires(early, "ULN_07", before_january)
    assert fires(early, "ULN_06", ctx(prepared=JAN))  # 52 days after the start


def test_uln_06_duration_of_five_days_planned_or_actual() -> None:
    short = _aim(LearnPlanEndDate="2027-01-14")
    assert not fires(learner(short, ULN=DEFAULT), "ULN_06", _on(10))
    assert fires(learner(_aim(LearnPlanEndDate="2027-01-15"), ULN=DEFAULT), "ULN_06", _on(10))
    actual = _aim(LearnPlanEndDate="2027-01-11", LearnActEndDate="2027-01-15")
    assert fires(learner(actual, ULN=DEFAULT), "ULN_06", _on(10))


def test_uln_06_07_exclusions_and_scope() -> None:
    olass = _aim(35, fam("SOF", "105"), fam("LDM", "034"))
    assert not fires(learner(olass, ULN=DEFAULT), "ULN_06", _on(10))
    levy = programme_aim(LearnStartDate="2027-01-10")
    assert not fires(learner(levy, ULN=DEFAULT), "ULN_07", _on(90))
    assert fires(learner(programme_aim(LearnStartDate="2027-01-10",
                                       LearningDeliveryFAM=[fam("ACT", "2")]), ULN=DEFAULT),
                 "ULN_07", _on(90))  # fmt: skip
    non_funded = _aim(99, fam("SOF", "105"))
    assert not fires(learner(non_funded, ULN=DEFAULT), "ULN_06", _on(10))
    loan = _aim(99, fam("ADL", "1"))
    assert fires(learner(loan, ULN=DEFAULT), "ULN_06", _on(10))
    fm70 = _aim(70)
    assert fires(learner(fm70, ULN=DEFAULT), "ULN_07", _on(90))
    assert not fires(learner(fm70, ULN=DEFAULT), "ULN_06", _on(10))


def test_uln_06_fm39_only_from_2026_27() -> None:
    assert fires(learner(_aim(39), ULN=DEFAULT), "ULN_06", _on(10))
    old = learner(_old_year_aim(39), ULN=DEFAULT)
    assert not fires(old, "ULN_06", _on(10, "2025/26"))
    assert fires(learner(_old_year_aim(38), ULN=DEFAULT), "ULN_06", _on(10, "2025/26"))


@pytest.mark.parametrize(("days", "rule_name"), [(60, "ULN_10"), (61, "ULN_11")])
def test_uln_10_and_11_office_for_students(days: int, rule_name: str) -> None:
    ofs = learner(_aim(99, fam("SOF", "1")), ULN=DEFAULT)
    assert only(ofs, rule_name, _on(days)).field == "ULN"
    other = "ULN_11" if rule_name == "ULN_10" else "ULN_10"
    assert not fires(ofs, other, _on(days))
    olass = learner(_aim(99, fam("SOF", "1"), fam("LDM", "034")), ULN=DEFAULT)
    assert not fires(olass, rule_name, _on(days))
    assert not fires(ofs, rule_name, ctx(prepared=date(2026, 12, 31)))


def test_uln_09_olass_from_1_january() -> None:
    olass = learner(_aim(35, fam("SOF", "105"), fam("LDM", "034")), ULN=DEFAULT)
    assert fires(olass, "ULN_09", ctx(prepared=JAN))
    assert not fires(olass, "ULN_09", ctx(prepared=date(2026, 12, 31)))
    assert not fires(learner(_aim(35), ULN=DEFAULT), "ULN_09", ctx(prepared=JAN))


def test_uln_12_levy_apprentices_need_a_real_uln() -> None:
    assert only(learner(ULN=DEFAULT), "ULN_12").field == "ULN"
    assert not fires(learner(), "ULN_12")
    assert not fires(learner(_aim(), ULN=DEFAULT), "ULN_12")


def test_uln_13_apprenticeship_units_only_in_2026_27() -> None:
    unit = learner(_aim(39, ProgType=34), ULN=DEFAULT)
    assert fires(unit, "ULN_13")
    assert not fires(learner(_aim(39, ProgType=34)), "ULN_13")
    assert not fires(unit, "ULN_13", ctx("2025/26", prepared=date(2026, 3, 1)))


COMMUNITY = standalone_aim(FundModel=10, LearningDeliveryFAM=[])
CL_NON_FUNDED = standalone_aim(FundModel=99, LearningDeliveryFAM=[fam("SOF", "108")])
OLD = ctx("2025/26", prepared=date(2026, 3, 1))


@pytest.mark.parametrize("field", ["FamilyName", "GivenNames"])
@pytest.mark.parametrize("value", [None, "   "])
def test_names_01_must_be_returned(field: str, value: str | None) -> None:
    record = learner(**{field: value}) if value else without(learner(), field)
    assert only(record, f"{field}_01").field == field
    assert only(record, f"{field}_01", OLD).field == field
    assert not fires(learner(), f"{field}_01")


@pytest.mark.parametrize("field", ["FamilyName", "GivenNames"])
def test_names_01_community_learning_exclusion_only_in_2025_26(field: str) -> None:
    for aim in (COMMUNITY, CL_NON_FUNDED):
        record = without(learner(aim), field)
        assert not fires(record, f"{field}_01", OLD)
    assert fires(without(learner(CL_NON_FUNDED), field), f"{field}_01")
    mixed = without(learner(COMMUNITY, standalone_aim(AimSeqNumber=4)), field)
    assert fires(mixed, f"{field}_01", OLD)


@pytest.mark.parametrize("field", ["FamilyName", "GivenNames"])
def test_names_02_community_learning_over_10_hours_2025_26(field: str) -> None:
    record = without(learner(COMMUNITY, PlanLearnHours=11), field)
    assert fires(record, f"{field}_02", OLD)
    assert not fires(without(learner(COMMUNITY, PlanLearnHours=10), field), f"{field}_02", OLD)
    assert not fires(learner(COMMUNITY, PlanLearnHours=11), f"{field}_02", OLD)
    assert not fires(record, f"{field}_02")  # deleted in 2026/27


@pytest.mark.parametrize("field", ["FamilyName", "GivenNames"])
def test_names_04_community_learning_up_to_10_hours_with_a_uln_2025_26(field: str) -> None:
    record = without(learner(COMMUNITY, PlanLearnHours=10), field)
    assert fires(record, f"{field}_04", OLD)
    assert not fires(without(learner(COMMUNITY, PlanLearnHours=10, ULN=DEFAULT), field),
                     f"{field}_04", OLD)  # fmt: skip
    assert not fires(without(learner(COMMUNITY, PlanLearnHours=11), field), f"{field}_04", OLD)
    assert not fires(record, f"{field}_04")


def test_add_line1_03_required_with_2025_26_community_learning_exclusion() -> None:
    assert only(without(learner(), "AddLine1"), "AddLine1_03").field == "AddLine1"
    assert not fires(learner(), "AddLine1_03")
    short_cl = without(learner(COMMUNITY, PlanLearnHours=10), "AddLine1")
    assert not fires(short_cl, "AddLine1_03", OLD)
    assert fires(short_cl, "AddLine1_03")
    long_cl = without(learner(COMMUNITY, PlanLearnHours=11), "AddLine1")
    assert fires(long_cl, "AddLine1_03", OLD)


@pytest.mark.parametrize(
    ("rule_name", "field", "good", "bad"),
    [("Sex_01", "Sex", "M", "X"), ("Ethnicity_01", "Ethnicity", 98, 12),
     ("Accom_01", "Accom", 5, 1)],
)  # fmt: skip
def test_coded_personal_fields_must_be_valid(
    rule_name: str, field: str, good: object, bad: object
) -> None:
    assert only(learner(**{field: bad}), rule_name).field == field
    assert not fires(learner(**{field: good}), rule_name)
    assert not fires(without(learner(), field), rule_name)
    assert fires(learner(**{field: bad}), rule_name, OLD)


@pytest.mark.parametrize(("occurrence", "expected"), [("A", False), ("B", False), ("C", True)])
def test_prov_spec_learn_mon_occur_01(occurrence: str, expected: bool) -> None:
    monitoring = [{"ProvSpecLearnMonOccur": "A", "ProvSpecLearnMon": "x"},
                  {"ProvSpecLearnMonOccur": occurrence, "ProvSpecLearnMon": "y"}]  # fmt: skip
    record = learner(ProviderSpecLearnerMonitoring=monitoring)
    assert fires(record, "ProvSpecLearnMonOccur_01") is expected
    if expected:
        found = only(record, "ProvSpecLearnMonOccur_01")
        assert found.field == "ProviderSpecLearnerMonitoring[1].ProvSpecLearnMonOccur"


def test_identity_rules_needing_data_are_declared() -> None:
    entries = {e.name: e for e in rule_catalogue("2026/27")}
    assert entries["ULN_05"].needs == ["ULN register"]
    assert entries["UKPRN_06"].needs == ["contracts"]
    assert entries["CampID_01"].needs == ["organisations"]
    assert entries["UKPRN_03"].status == "not applicable"
    old = {e.name: e for e in rule_catalogue("2025/26")}
    assert old["UKPRN_14"].needs == ["contracts"]
    assert "UKPRN_31" not in {e.name for e in rule_catalogue("2025/26") if e.needs}
