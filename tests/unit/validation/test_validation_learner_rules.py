"""Learner-level rules, each tested against its official definition."""

from __future__ import annotations

from datetime import date

import pytest
from ilr_validation_builders import (
    Record,
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

from ilr_shared.validation.rules.common import uln_check_digit


# ULN_04 / DD01: weights 10..2 over the first nine digits, mod 11, check digit 10 - remainder.
@pytest.mark.parametrize(
    ("uln", "expected"),
    [("1061484016", "6"), ("1004014316", "6"), ("1061485810", "0"), ("9999999999", "Y"),
     ("106148401", "N"), ("10614840161", "N"), ("10614840x6", "N")],
)  # fmt: skip
def test_dd01_check_digit(uln: str, expected: str) -> None:
    assert uln_check_digit(uln) == expected


def test_dd01_remainder_zero_is_never_valid() -> None:
    uln = "2000000010"  # 10*2 + 2*1 = 22, 22 mod 11 = 0
    assert uln_check_digit(uln) == "N"
    assert fires(learner(ULN=int(uln)), "ULN_04")


@pytest.mark.parametrize("uln", [1061484016, "1061484016", 9999999999, 1061485810])
def test_uln_04_passes_valid_and_default_ulns(uln: object) -> None:
    assert not fires(learner(ULN=uln), "ULN_04")


@pytest.mark.parametrize("uln", [1061484017, "1061484015", 106148401, "ABCDEFGHIJ", -5])
def test_uln_04_fires_on_bad_check_digit_or_shape(uln: object) -> None:
    finding = only(learner(ULN=uln), "ULN_04")
    assert (finding.severity, finding.field) == ("error", "ULN")


def test_uln_04_missing_uln_does_not_fire() -> None:
    assert not fires(without(learner(), "ULN"), "ULN_04")


def _non_funded(**overrides: object) -> Record:
    return standalone_aim(**{"FundModel": 99, "LearningDeliveryFAM": [], **overrides})


def test_uln_02_default_uln_on_non_funded_aim() -> None:
    record = learner(_non_funded(), ULN=9999999999)
    finding = only(record, "ULN_02")
    assert (finding.severity, finding.field) == ("warning", "ULN")
    assert not fires(learner(_non_funded(), ULN=1061484016), "ULN_02")
    assert not fires(learner(ULN=9999999999), "ULN_02")  # FM36 only


def test_uln_02_excludes_ofs_funded_and_fm10_only_in_2025_26() -> None:
    ofs = _non_funded(LearningDeliveryFAM=[fam("SOF", "1")])
    assert not fires(learner(ofs, ULN=9999999999), "ULN_02")
    fm10 = _non_funded(FundModel=10)
    assert fires(learner(fm10, ULN=9999999999), "ULN_02", ctx("2025/26"))
    assert not fires(learner(fm10, ULN=9999999999), "ULN_02", ctx("2026/27"))


def test_uln_03_before_1_january_of_the_teaching_year() -> None:
    record = learner(standalone_aim(), ULN=9999999999)
    finding = only(record, "ULN_03", ctx(prepared=date(2026, 12, 31)))
    assert (finding.severity, finding.field) == ("warning", "ULN")
    assert not fires(record, "ULN_03", ctx(prepared=date(2027, 1, 1)))
    # Levy apprenticeships (ACT 1) are excluded.
    assert not fires(learner(ULN=9999999999), "ULN_03", ctx(prepared=date(2026, 9, 1)))


def test_date_of_birth_01_required_for_funded_aims() -> None:
    finding = only(without(learner(), "DateOfBirth"), "DateOfBirth_01")
    assert (finding.severity, finding.field) == ("error", "DateOfBirth")
    assert not fires(learner(), "DateOfBirth_01")
    non_funded = learner(_non_funded())
    assert not fires(without(non_funded, "DateOfBirth"), "DateOfBirth_01")


def test_date_of_birth_01_excludes_olass() -> None:
    olass = standalone_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("LDM", "034")])
    assert not fires(without(learner(olass), "DateOfBirth"), "DateOfBirth_01")
    mixed = learner(olass, standalone_aim(AimSeqNumber=4))
    assert fires(without(mixed, "DateOfBirth"), "DateOfBirth_01")


def test_date_of_birth_02_should_be_returned_for_non_funded_unless_loan() -> None:
    finding = only(without(learner(_non_funded()), "DateOfBirth"), "DateOfBirth_02")
    assert finding.severity == "warning"
    loan = _non_funded(LearningDeliveryFAM=[fam("ADL", "1")])
    assert not fires(without(learner(loan), "DateOfBirth"), "DateOfBirth_02")


def test_date_of_birth_05_under_4_at_start_boundary_2025_26_only() -> None:
    aim = _non_funded(LearnStartDate="2026-09-01")
    old_year = ctx("2025/26")
    assert fires(learner(aim, DateOfBirth="2022-09-02"), "DateOfBirth_05", old_year)
    assert not fires(learner(aim, DateOfBirth="2022-09-01"), "DateOfBirth_05", old_year)
    assert not fires(learner(aim, DateOfBirth="2022-09-02"), "DateOfBirth_05")  # deleted


def test_date_of_birth_06_under_13_on_31_august() -> None:
    aim = standalone_aim(FundModel=25)
    finding = only(learner(aim, DateOfBirth="2013-09-01"), "DateOfBirth_06")
    assert (finding.severity, finding.field) == ("warning", "DateOfBirth")
    assert not fires(learner(aim, DateOfBirth="2013-08-31"), "DateOfBirth_06")  # 13 that day
    assert not fires(learner(DateOfBirth="2013-09-01"), "DateOfBirth_06")  # FM36


VALID_POSTCODES = ["SW1A 1AA", "B1 1AA", "M60 2LA", "EC1A 1BB", "W1A 0AX", "ZZ99 9ZZ", "CR2 6XH"]
INVALID_POSTCODES = ["SW1A1AA", "sw1a 1aa", "B1 1CA", "B1 1AI", "B1 1AK", "B1 1AM", "B1 1AO",
                     "B1 1AV", "123 4AB", "ABC1 1AA", "B1A2 1AA", "B 1AA", "B1  1AA", "B1 AAA"]  # fmt: skip


@pytest.mark.parametrize("postcode", VALID_POSTCODES)
def test_postcode_15_accepts_valid_formats(postcode: str) -> None:
    assert not fires(learner(Postcode=postcode), "Postcode_15")
    assert not fires(learner(PostcodePrior=postcode), "PostcodePrior_02")


@pytest.mark.parametrize("postcode", INVALID_POSTCODES)
def test_postcode_15_rejects_invalid_formats(postcode: str) -> None:
    finding = only(learner(Postcode=postcode), "Postcode_15")
    assert (finding.severity, finding.field) == ("error", "Postcode")
    assert only(learner(PostcodePrior=postcode), "PostcodePrior_02").field == "PostcodePrior"


def test_postcode_15_not_returned_does_not_fire() -> None:
    assert not fires(without(learner(), "Postcode"), "Postcode_15")


def test_postcode_14_and_prior_01_need_a_lookup() -> None:
    record = learner(Postcode="B1 1AA", PostcodePrior="B2 2BB")
    assert not fires(record, "Postcode_14")
    lookup = ctx(postcodes=frozenset({"B1 1AA"}))
    assert not fires(record, "Postcode_14", lookup)
    assert only(record, "PostcodePrior_01", lookup).field == "PostcodePrior"
    assert only(learner(Postcode="B3 3BB"), "Postcode_14", lookup).severity == "warning"
    assert not fires(learner(Postcode="ZZ99 9ZZ"), "Postcode_14", lookup)


@pytest.mark.parametrize("ni", ["AB123456C", "AB123456 ", "JT000000D", "ZZ999999A"])
def test_ni_number_01_accepts_valid(ni: str) -> None:
    assert not fires(learner(NINumber=ni), "NINumber_01")


@pytest.mark.parametrize(
    "ni",
    ["DA123456A", "FA123456A", "IA123456A", "QA123456A", "UA123456A", "VA123456A",
     "AD123456A", "AF123456A", "AI123456A", "AO123456A", "AQ123456A", "AU123456A", "AV123456A",
     "AB12345XA", "AB123456E", "AB12345C", "ab123456c", "1B123456C", 123456789],
)  # fmt: skip
def test_ni_number_01_rejects_invalid(ni: object) -> None:
    finding = only(learner(NINumber=ni), "NINumber_01")
    assert (finding.severity, finding.field) == ("error", "NINumber")


def test_ni_number_01_not_returned_does_not_fire() -> None:
    assert not fires(without(learner(), "NINumber"), "NINumber_01")


def test_ni_number_02_required_for_act_1() -> None:
    assert only(without(learner(), "NINumber"), "NINumber_02").field == "NINumber"
    no_act = learner(programme_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("ACT", "2")]),
                     component_aim(LearningDeliveryFAM=[fam("SOF", "105"), fam("ACT", "2")]))  # fmt: skip
    assert not fires(without(no_act, "NINumber"), "NINumber_02")
