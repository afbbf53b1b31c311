"""Employment status rules, each tested against its official definition."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    ctx,
    employment,
    fam,
    fires,
    learner,
    only,
    programme_aim,
    standalone_aim,
)

from ilr_shared.ilr.codelist import CodeList, closed
from ilr_shared.ilr.codes import code_lists
from ilr_shared.validation import validate_learner
from ilr_shared.validation.access import deliveries
from ilr_shared.validation.derived.dd05 import emp_id_check_digit
from ilr_shared.validation.rules.employment import status_at_start

Y25, Y26 = "2025/26", "2026/27"


def esm(esm_type: str, code: int) -> Record:
    return {"ESMType": esm_type, "ESMCode": code}


def status(*monitors: Record, **overrides: Any) -> Record:
    """An employment status with exactly the given monitoring records."""
    return employment(EmploymentStatusMonitoring=list(monitors), **overrides)


def with_statuses(*statuses: Record, aims: tuple[Record, ...] = (), **overrides: Any) -> Record:
    return learner(*aims, LearnerEmploymentStatus=list(statuses), **overrides)


def fires_in(record: Record, rule: str, year: str = Y26) -> bool:
    return bool(fires(record, rule, ctx(year)))


# --- the applicable status ----------------------------------------------------------------


def test_status_at_start_is_the_latest_on_or_before_the_start() -> None:
    record = with_statuses(
        employment(DateEmpStatApp="2026-01-01", EmpStat=11),
        employment(DateEmpStatApp="2026-08-01", EmpStat=10),
        employment(DateEmpStatApp="2026-08-02", EmpStat=12),
    )
    found = status_at_start(record, deliveries(record)[0])
    assert found is not None and (found.index, found.emp_stat) == (1, 10)


def test_status_at_start_is_none_without_an_earlier_status() -> None:
    record = with_statuses(employment(DateEmpStatApp="2026-08-02"))
    assert status_at_start(record, deliveries(record)[0]) is None


# --- DD05 and EmpId -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("emp_id", "expected"),
    [("154549452", "2"), ("100000000", "2"), ("100000001", "2"), ("12345678", "X"),
     ("1234567890", "X"), ("A12345678", "X"), ("000000060", "X"), ("000000000", "0"),
     ("000000019", "9")],
)  # fmt: skip
def test_dd05_check_digit(emp_id: str, expected: str) -> None:
    assert emp_id_check_digit(emp_id) == expected


@pytest.mark.parametrize("year", [Y25, Y26])
@pytest.mark.parametrize(("emp_id", "fails"), [
    (154549452, False), (999999999, False), ("000000000", False), (154549451, True),
    (12345, True), ("ABCDEFGHI", True), ("000000060", True), ("00000006X", True),
])  # fmt: skip
def test_emp_id_02_checksum(emp_id: object, fails: bool, year: str) -> None:
    record = with_statuses(employment(EmpId=emp_id))
    assert fires_in(record, "EmpId_02", year) is fails


def test_emp_id_02_reports_the_emp_id_field() -> None:
    record = with_statuses(employment(), employment(DateEmpStatApp="2026-07-02", EmpId=154549451))
    assert only(record, "EmpId_02").field == "LearnerEmploymentStatus[1].EmpId"


def test_emp_id_10_employed_apprentice_needs_an_employer() -> None:
    record = with_statuses(employment(EmpId=None))
    assert only(record, "EmpId_10").field == "LearnerEmploymentStatus[0].EmpStat"
    assert not fires(learner(), "EmpId_10")


def test_emp_id_10_only_the_status_at_the_start_counts() -> None:
    earlier = employment(DateEmpStatApp="2026-01-01", EmpId=None)
    assert not fires(with_statuses(earlier, employment()), "EmpId_10")
    later = employment(DateEmpStatApp="2026-08-02", EmpId=None)
    assert not fires(with_statuses(employment(), later), "EmpId_10")
    unemployed = employment(EmpStat=11, EmpId=None)
    assert not fires(with_statuses(unemployed), "EmpId_10")


@pytest.mark.parametrize(("prog_type", "year", "expected"), [
    (25, Y26, True), (25, Y25, True), (2, Y25, True), (2, Y26, False), (None, Y26, False),
])  # fmt: skip
def test_emp_id_14_unemployed_apprentice_has_no_employer(
    prog_type: int | None, year: str, expected: bool
) -> None:
    aim = standalone_aim(ProgType=prog_type) if prog_type else standalone_aim()
    record = with_statuses(status(EmpStat=11), aims=(aim,))
    assert fires_in(record, "EmpId_14", year) is expected


def test_emp_id_14_employed_apprentice_with_employer_passes() -> None:
    assert not fires(learner(), "EmpId_14")


# --- DateEmpStatApp -----------------------------------------------------------------------


@pytest.mark.parametrize(("applies", "year", "expected"), [
    ("2027-07-31", Y26, False), ("2027-08-01", Y26, True),
    ("2026-07-31", Y25, False), ("2026-08-01", Y25, True),
])  # fmt: skip
def test_date_emp_stat_app_01_not_after_the_teaching_year(
    applies: str, year: str, expected: bool
) -> None:
    record = with_statuses(employment(DateEmpStatApp=applies))
    assert fires_in(record, "DateEmpStatApp_01", year) is expected


@pytest.mark.parametrize(("applies", "expected"), [("1990-07-31", True), ("1990-08-01", False)])
def test_date_emp_stat_app_02_not_before_august_1990(applies: str, expected: bool) -> None:
    record = with_statuses(employment(DateEmpStatApp=applies))
    assert fires(record, "DateEmpStatApp_02") is expected
    if expected:
        assert (
            only(record, "DateEmpStatApp_02").field == "LearnerEmploymentStatus[0].DateEmpStatApp"
        )


# --- EmpStat_05 and ESMType_01 ------------------------------------------------------------


@pytest.mark.parametrize(("emp_stat", "expected"), [(10, False), (98, False), (13, True)])
def test_emp_stat_05_valid_code(emp_stat: int, expected: bool) -> None:
    assert fires(with_statuses(employment(EmpStat=emp_stat)), "EmpStat_05") is expected


@pytest.mark.parametrize(("monitor", "expected"), [
    (esm("EII", 8), False), (esm("EII", 99), True), (esm("LOE", 4), False),
    ({"ESMType": "BSI"}, True), (esm("XYZ", 1), True),  # an unknown type has no valid code
])  # fmt: skip
def test_esm_type_01_code_valid_for_its_type(monitor: Record, expected: bool) -> None:
    record = with_statuses(status(esm("LOE", 1), monitor))
    assert fires(record, "ESMType_01") is expected
    if expected:
        field = only(record, "ESMType_01").field
        assert field == "LearnerEmploymentStatus[0].EmploymentStatusMonitoring[1].ESMCode"


# --- rules on each status record ----------------------------------------------------------


STATUS_CASES: list[tuple[str, Record, Record]] = [
    # (rule, a status that breaks it, a status that keeps it)
    ("ESMType_02", status(DateEmpStatApp="2012-08-01"), status(DateEmpStatApp="2012-07-31")),
    ("ESMType_02", status(esm("LOE", 1)), status(esm("EII", 5))),
    ("ESMType_05", status(esm("LOU", 1)), status(esm("LOU", 1), EmpStat=11)),
    ("ESMType_07", status(esm("SEI", 1), EmpStat=11), status(esm("SEI", 1))),
    ("ESMType_08", status(EmpStat=11, DateEmpStatApp="2012-08-01"),
     status(EmpStat=11, DateEmpStatApp="2012-07-31")),
    ("ESMType_08", status(EmpStat=11), status(esm("LOU", 2), EmpStat=11)),
    ("ESMType_10", status(esm("LOE", 1), EmpStat=12), status(esm("LOE", 1))),
    ("ESMType_10", status(esm("LOE", 1), EmpStat=11), status(esm("LOU", 1), EmpStat=11)),
    ("ESMType_12", status(esm("EII", 5), EmpStat=12, DateEmpStatApp="2013-08-01"),
     status(esm("EII", 5), EmpStat=12, DateEmpStatApp="2013-07-31")),
    ("ESMType_12", status(esm("SEI", 1), EmpStat=11), status(esm("SEI", 1), EmpStat=10)),
    ("ESMType_15", status(esm("EII", 5), esm("EII", 6)), status(esm("EII", 5), esm("LOE", 1))),
    ("ESMType_15", status(esm("BSI", 1), esm("BSI", 1)), status(esm("OET", 1), esm("OET", 2))),
    ("ESMType_18", status(esm("OET", 1)), status(esm("OET", 2))),
    ("ESMType_18", status(esm("OET", 1)), status(esm("OET", 1), EmpStat=11)),
    ("ESMType_19", status(esm("OET", 2), EmpStat=11), status(esm("OET", 2))),
    ("ESMType_19", status(esm("OET", 2), EmpStat=None), status(esm("OET", 1), EmpStat=11)),
    ("ESMType_20", status(esm("OET", 1), esm("OET", 1)), status(esm("OET", 1), esm("OET", 2))),
]  # fmt: skip


@pytest.mark.parametrize("year", [Y25, Y26])
@pytest.mark.parametrize(("rule", "broken", "kept"), STATUS_CASES)
def test_status_rules(rule: str, broken: Record, kept: Record, year: str) -> None:
    def record(data: Record) -> Record:
        data = {k: v for k, v in data.items() if v is not None}
        return with_statuses(data, aims=(standalone_aim(),))

    assert fires_in(record(broken), rule, year)
    assert not fires_in(record(kept), rule, year)


def test_esm_type_08_excluded_for_16_19_and_bootcamp_learners() -> None:
    looking = status(EmpStat=11)
    assert fires(with_statuses(looking, aims=(standalone_aim(),)), "ESMType_08")
    for fund_model in (25, 82, 37):
        aims = (standalone_aim(), standalone_aim(FundModel=fund_model, AimSeqNumber=4))
        assert not fires(with_statuses(looking, aims=aims), "ESMType_08")


def test_esm_type_15_reports_the_repeat() -> None:
    record = with_statuses(status(esm("EII", 5), esm("LOE", 1), esm("EII", 6)))
    field = only(record, "ESMType_15").field
    assert field == "LearnerEmploymentStatus[0].EmploymentStatusMonitoring[2].ESMType"


# --- rules on the status applying at an aim's start ---------------------------------------


def test_esm_type_09_employed_apprentice_needs_length_of_employment() -> None:
    assert not fires(learner(), "ESMType_09")
    assert fires(with_statuses(status(esm("EII", 8))), "ESMType_09")
    old = status(esm("EII", 8), DateEmpStatApp="2013-07-31")
    assert not fires(with_statuses(old), "ESMType_09")
    assert fires(with_statuses(status(esm("EII", 8), DateEmpStatApp="2013-08-01")), "ESMType_09")
    assert not fires(with_statuses(status(EmpStat=11)), "ESMType_09")
    assert not fires(with_statuses(status(), aims=(standalone_aim(),)), "ESMType_09")


def test_esm_type_16_small_employer_needs_employment_on_standards() -> None:
    unemployed_sem = status(esm("SEM", 1), EmpStat=11)
    assert fires(with_statuses(unemployed_sem), "ESMType_16")
    assert not fires(with_statuses(status(esm("SEM", 1))), "ESMType_16")
    assert not fires(with_statuses(unemployed_sem, aims=(standalone_aim(),)), "ESMType_16")


def _academy(**overrides: Any) -> Record:
    return standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("LDM", "375")], **overrides)


@pytest.mark.parametrize(("monitors", "expected"), [
    ((esm("BSI", 1),), False), ((esm("BSI", 4),), False), ((esm("BSI", 5),), False),
    ((esm("BSI", 2),), True), ((), True),
])  # fmt: skip
def test_esm_type_17_work_academy_needs_work_benefits(
    monitors: tuple[Record, ...], expected: bool
) -> None:
    record = with_statuses(status(*monitors, EmpStat=11), aims=(_academy(),))
    assert fires(record, "ESMType_17") is expected


def test_esm_type_17_without_a_status_or_the_code() -> None:
    assert fires(with_statuses(aims=(_academy(),)), "ESMType_17")
    record = with_statuses(status(EmpStat=11), aims=(standalone_aim(),))
    assert not fires(record, "ESMType_17")


def _unit_programme(**overrides: Any) -> Record:
    return programme_aim(ProgType=34, FundModel=38, **overrides)


def test_esm_type_21_apprenticeship_unit_needs_length_of_employment() -> None:
    without_loe = with_statuses(status(esm("EII", 8)), aims=(_unit_programme(),))
    assert fires_in(without_loe, "ESMType_21", Y26)
    assert not fires_in(without_loe, "ESMType_21", Y25)
    with_loe = with_statuses(status(esm("LOE", 1)), aims=(_unit_programme(),))
    assert not fires_in(with_loe, "ESMType_21", Y26)
    assert fires_in(with_statuses(aims=(_unit_programme(),)), "ESMType_21", Y26)
    component = with_statuses(status(), aims=(_unit_programme(AimType=3),))
    assert not fires_in(component, "ESMType_21", Y26)


# --- an employment status must exist ------------------------------------------------------


def _adult(fund_model: int, start: str = "2026-09-01", **overrides: Any) -> Record:
    return standalone_aim(FundModel=fund_model, LearnStartDate=start, **overrides)


@pytest.mark.parametrize("year", [Y25, Y26])
@pytest.mark.parametrize("fund_model", [35, 37, 81, 99])
def test_emp_stat_08_adult_aims_need_an_earlier_status(fund_model: int, year: str) -> None:
    aim = _adult(fund_model)
    assert fires_in(with_statuses(aims=(aim,)), "EmpStat_08", year)
    on_start = with_statuses(employment(DateEmpStatApp="2026-09-01"), aims=(aim,))
    assert fires_in(on_start, "EmpStat_08", year)
    before = with_statuses(employment(DateEmpStatApp="2026-08-31"), aims=(aim,))
    assert not fires_in(before, "EmpStat_08", year)


def test_emp_stat_08_edges() -> None:
    assert not fires(with_statuses(aims=(_adult(38),)), "EmpStat_08")
    born = "1990-01-01"
    old = with_statuses(aims=(_adult(35, "2014-07-31"),), DateOfBirth=born)
    assert not fires(old, "EmpStat_08")
    assert fires(with_statuses(aims=(_adult(35, "2014-08-01"),), DateOfBirth=born), "EmpStat_08")
    # 19 on 31 August of the teaching year the aim started in.
    assert fires(with_statuses(aims=(_adult(35),), DateOfBirth="2007-08-31"), "EmpStat_08")
    assert not fires(with_statuses(aims=(_adult(35),), DateOfBirth="2007-09-01"), "EmpStat_08")
    assert not fires(with_statuses(aims=(_adult(35, ProgType=25),)), "EmpStat_08")


def test_emp_stat_08_community_learning_excluded_only_in_2025_26() -> None:
    aim = _adult(99, LearningDeliveryFAM=[fam("SOF", "108")])
    assert not fires_in(with_statuses(aims=(aim,)), "EmpStat_08", Y25)
    assert fires_in(with_statuses(aims=(aim,)), "EmpStat_08", Y26)


@pytest.mark.parametrize("year", [Y25, Y26])
def test_emp_stat_09_apprenticeship_programme_needs_an_earlier_status(year: str) -> None:
    assert not fires_in(learner(), "EmpStat_09", year)
    on_start = with_statuses(employment(DateEmpStatApp="2026-08-01"))
    assert only(on_start, "EmpStat_09", ctx(year)).field == "LearningDelivery[0].LearnStartDate"
    assert not fires_in(with_statuses(aims=(standalone_aim(),)), "EmpStat_09", year)


def test_emp_stat_09_not_before_august_2014() -> None:
    old = programme_aim(LearnStartDate="2014-07-31")
    assert not fires(with_statuses(aims=(old,)), "EmpStat_09")
    assert fires(with_statuses(aims=(programme_aim(LearnStartDate="2014-08-01"),)), "EmpStat_09")


@pytest.mark.parametrize(("hours", "eep", "expected"), [
    (500, None, True), (539, 0, True), (540, None, False), (300, 240, False), (None, None, True),
])  # fmt: skip
def test_emp_stat_11_part_time_16_19_needs_an_earlier_status(
    hours: int | None, eep: int | None, expected: bool
) -> None:
    extra = {k: v for k, v in (("PlanLearnHours", hours), ("PlanEEPHours", eep)) if v is not None}
    for fund_model in (25, 82):
        record = with_statuses(aims=(_adult(fund_model),), **extra)
        assert fires(record, "EmpStat_11") is expected
    covered = with_statuses(employment(DateEmpStatApp="2026-08-31"), aims=(_adult(25),))
    assert not fires(covered, "EmpStat_11")


def test_emp_stat_21_adult_skills_needs_an_earlier_status() -> None:
    assert fires(with_statuses(aims=(_adult(38),)), "EmpStat_21")
    assert not fires(learner(_adult(38)), "EmpStat_21")
    assert not fires(with_statuses(aims=(_adult(38),), DateOfBirth="2008-01-01"), "EmpStat_21")
    on_start = with_statuses(employment(DateEmpStatApp="2026-09-01"), aims=(_adult(38),))
    assert fires(on_start, "EmpStat_21")


def test_emp_stat_22_tailored_learning_needs_a_status_on_or_before_the_start() -> None:
    assert fires(with_statuses(aims=(_adult(11),)), "EmpStat_22")
    on_start = with_statuses(employment(DateEmpStatApp="2026-09-01"), aims=(_adult(11),))
    assert not fires(on_start, "EmpStat_22")
    after = with_statuses(employment(DateEmpStatApp="2026-09-02"), aims=(_adult(11),))
    assert fires(after, "EmpStat_22")


def test_emp_stat_01_old_adult_starts_2025_26_only() -> None:
    def record(aim: Record, *statuses: Record, born: str = "1990-01-01") -> Record:
        return with_statuses(*statuses, aims=(aim,), DateOfBirth=born)

    aim = _adult(35, "2013-09-01")
    assert fires_in(record(aim), "EmpStat_01", Y25)
    assert not fires_in(record(aim), "EmpStat_01", Y26)
    assert not fires_in(record(aim, born="1995-01-01"), "EmpStat_01", Y25)
    on_start = record(aim, employment(DateEmpStatApp="2013-09-01"))
    assert not fires_in(on_start, "EmpStat_01", Y25)
    community = _adult(99, "2013-09-01", LearningDeliveryFAM=[fam("SOF", "108")])
    assert not fires_in(record(community), "EmpStat_01", Y25)
    assert not fires_in(record(_adult(35, "2014-08-01")), "EmpStat_01", Y25)


def test_emp_stat_02_old_apprenticeship_starts_2025_26_only() -> None:
    aim = programme_aim(LearnStartDate="2014-07-31")
    later = with_statuses(employment(DateEmpStatApp="2014-08-01"), aims=(aim,))
    assert fires_in(later, "EmpStat_02", Y25)
    assert not fires_in(later, "EmpStat_02", Y26)
    on_start = with_statuses(employment(DateEmpStatApp="2014-07-31"), aims=(aim,))
    assert not fires_in(on_start, "EmpStat_02", Y25)
    new = with_statuses(aims=(programme_aim(LearnStartDate="2014-08-01"),))
    assert not fires_in(new, "EmpStat_02", Y25)


# --- the status at the start must be employed ---------------------------------------------


@pytest.mark.parametrize("year", [Y25, Y26])
def test_emp_stat_12_apprentices_should_be_employed_at_the_start(year: str) -> None:
    assert not fires_in(learner(), "EmpStat_12", year)
    unemployed = with_statuses(status(EmpStat=11))
    assert only(unemployed, "EmpStat_12", ctx(year)).severity == "warning"
    assert fires_in(with_statuses(), "EmpStat_12", year)
    for code in ("353", "355"):
        aim = programme_aim(LearningDeliveryFAM=[fam("ACT", "1"), fam("LDM", code)])
        assert not fires_in(with_statuses(status(EmpStat=11), aims=(aim,)), "EmpStat_12", year)


def test_emp_stat_15_unknown_status_at_apprenticeship_start() -> None:
    assert fires(with_statuses(status(EmpStat=98)), "EmpStat_15")
    assert not fires(learner(), "EmpStat_15")
    old = programme_aim(LearnStartDate="2016-07-31")
    aged = status(EmpStat=98, DateEmpStatApp="2016-07-01")
    assert not fires(with_statuses(aged, aims=(old,)), "EmpStat_15")
    assert fires(
        with_statuses(aged, aims=(programme_aim(LearnStartDate="2016-08-01"),)), "EmpStat_15"
    )


def test_emp_stat_15_strategic_ldm_excluded_only_in_2025_26() -> None:
    aim = programme_aim(LearningDeliveryFAM=[fam("ACT", "1"), fam("LDM", "355")])
    record = with_statuses(status(EmpStat=98), aims=(aim,))
    assert not fires_in(record, "EmpStat_15", Y25)
    assert fires_in(record, "EmpStat_15", Y26)


@pytest.mark.parametrize("year", [Y25, Y26])
def test_emp_stat_20_low_wage_aims_need_employment(year: str) -> None:
    aim = standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("LDM", "363")])
    assert fires_in(with_statuses(status(EmpStat=11), aims=(aim,)), "EmpStat_20", year)
    assert not fires_in(with_statuses(status(), aims=(aim,)), "EmpStat_20", year)
    plain = with_statuses(status(EmpStat=11), aims=(standalone_aim(),))
    assert not fires_in(plain, "EmpStat_20", year)


def test_emp_stat_23_apprenticeship_unit_identifier_needs_employment() -> None:
    aim = standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("LDM", "403")])
    unemployed = with_statuses(status(EmpStat=12), aims=(aim,))
    assert fires_in(unemployed, "EmpStat_23", Y26)
    assert not fires_in(unemployed, "EmpStat_23", Y25)
    assert not fires_in(with_statuses(status(), aims=(aim,)), "EmpStat_23", Y26)
    component = dict(aim, AimType=3)
    assert not fires_in(with_statuses(status(EmpStat=12), aims=(component,)), "EmpStat_23")


def test_emp_stat_24_apprenticeship_unit_programme_needs_employment() -> None:
    unemployed = with_statuses(status(EmpStat=11), aims=(_unit_programme(),))
    assert only(unemployed, "EmpStat_24").field == "LearnerEmploymentStatus[0].EmpStat"
    assert not fires_in(unemployed, "EmpStat_24", Y25)
    assert not fires(with_statuses(status(), aims=(_unit_programme(),)), "EmpStat_24")
    assert fires(with_statuses(aims=(_unit_programme(),)), "EmpStat_24")


# --- AgreemId -----------------------------------------------------------------------------


def _short_course(**overrides: Any) -> Record:
    return programme_aim(FundModel=39, ProgType=None, StdCode=None, **overrides)


def test_agreem_id_01_short_course_programme_needs_an_agreement() -> None:
    assert fires_in(with_statuses(status(), aims=(_short_course(),)), "AgreemId_01", Y26)
    assert not fires_in(with_statuses(status(), aims=(_short_course(),)), "AgreemId_01", Y25)
    agreed = with_statuses(status(AgreemId="AG1"), aims=(_short_course(),))
    assert not fires_in(agreed, "AgreemId_01", Y26)
    late = with_statuses(
        status(AgreemId="AG1", DateEmpStatApp="2026-08-02"), aims=(_short_course(),)
    )
    assert fires_in(late, "AgreemId_01", Y26)
    restart = _short_course(LearningDeliveryFAM=[fam("RES", "1")])
    assert not fires_in(with_statuses(status(), aims=(restart,)), "AgreemId_01", Y26)


@pytest.mark.parametrize("year", [Y25, Y26])
def test_clean_learner_has_no_employment_findings(year: str) -> None:
    prefixes = ("Emp", "ESM", "DateEmp", "AgreemId")
    assert not [f for f in validate_learner(learner(), ctx(year)) if f.rule.startswith(prefixes)]


def test_esm_type_11_status_date_not_after_the_code_valid_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    eii = closed({1: "old", 8: "new"}, valid_to={1: date(2013, 7, 31)})

    def lists(year: str) -> Mapping[str, CodeList]:
        return {**code_lists(year), "ESMCode.EII": eii}

    monkeypatch.setattr("ilr_shared.validation.rules.he.code_lists", lists)
    late = with_statuses(status(esm("LOE", 1), esm("EII", 1), DateEmpStatApp="2013-08-01"))
    field = only(late, "ESMType_11").field
    assert field == "LearnerEmploymentStatus[0].EmploymentStatusMonitoring[1].ESMCode"
    on_time = with_statuses(status(esm("LOE", 1), esm("EII", 1), DateEmpStatApp="2013-07-31"))
    assert not fires(on_time, "ESMType_11")
    assert not fires(learner(), "ESMType_11")
