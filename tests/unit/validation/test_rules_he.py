"""HE rules (LearningDeliveryHE, LearnerHE), each tested against its official definition."""

from __future__ import annotations

from collections.abc import Mapping
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
)

from ilr_shared.ilr.codelist import CodeList, closed
from ilr_shared.ilr.codes import code_lists
from ilr_shared.validation import validate_learner
from ilr_shared.validation.rules.he import ssn_check_letter

Y25, Y26 = "2025/26", "2026/27"
VALID_SSN = "ABCD12345678K"
HE_PREFIXES = (
    "ELQ_", "FINTYPE_", "FUNDCOMP_", "FUNDLEV_", "GROSSFEE_", "HEPostCode_", "LearnerHE_",
    "LearningDeliveryHE_", "MODESTUD_", "MSTUFEE_", "NETFEE_", "PCOLAB_", "PERMADDCOUNTRY_",
    "QUALENT3_", "SEC_", "SOC_", "SPECFEE_", "SSN_", "STULOAD_", "TTACCOM_", "TYPEYR_",
    "UCASSCHEMECODE_",
)  # fmt: skip


def he(**overrides: Any) -> Record:
    """A complete LearningDeliveryHE record; a value of None leaves the field out."""
    data: Record = {
        "QUALENT3": "P50", "TYPEYR": 1, "MODESTUD": 1, "FUNDLEV": 10, "STULOAD": 100,
        "MSTUFEE": 1, "SPECFEE": 0, "NETFEE": 9000, "GROSSFEE": 9000, "PERMADDCOUNTRY": "XF",
        "ELQ": 1, "HEPostCode": "B1 1AA",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def he_aim(he_record: object = None, **overrides: Any) -> Record:
    """An OfS funded (FM 99, SOF 1) aim with a LearningDeliveryHE record."""
    aim = standalone_aim(
        FundModel=99,
        LearningDeliveryFAM=[fam("SOF", "1")],
        LearningDeliveryHE=he() if he_record is None else he_record,
    )
    aim.update(overrides)
    return {k: v for k, v in aim.items() if v is not None}


def he_learner(*aims: Record, learner_he: Record | None = None, **overrides: Any) -> Record:
    return learner(
        *(aims or (he_aim(),)),
        LearnerHE={"TTACCOM": 4} if learner_he is None else learner_he,
        **overrides,
    )


def fires_in(record: Record, rule: str, year: str = Y26) -> bool:
    return bool(fires(record, rule, ctx(year)))


@pytest.mark.parametrize("year", [Y25, Y26])
def test_clean_he_learner_has_no_he_findings(year: str) -> None:
    found = [f for f in validate_learner(he_learner(), ctx(year)) if f.rule.startswith(HE_PREFIXES)]
    assert not found


@pytest.mark.parametrize("year", [Y25, Y26])
def test_clean_learner_without_he_data_has_no_he_findings(year: str) -> None:
    found = [f for f in validate_learner(learner(), ctx(year)) if f.rule.startswith(HE_PREFIXES)]
    assert not found


# --- rules on each LearningDeliveryHE record ----------------------------------------------


HE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # (rule, LearningDeliveryHE changes that break it, changes that keep it)
    ("ELQ_02", {"ELQ": 7}, {"ELQ": 9}),
    ("FUNDLEV_01", {"FUNDLEV": 12}, {"FUNDLEV": 99}),
    ("PERMADDCOUNTRY_02", {"PERMADDCOUNTRY": "QQ"}, {"PERMADDCOUNTRY": "XK"}),
    ("QUALENT3_02", {"QUALENT3": "ZZZ"}, {"QUALENT3": "X06"}),
    ("SEC_01", {"SEC": 10}, {"SEC": 9}),
    ("MODESTUD_01", {"MODESTUD": 4}, {"MODESTUD": 99}),
    ("MODESTUD_01", {"MODESTUD": None}, {"MODESTUD": 3}),
    ("MSTUFEE_01", {"MSTUFEE": 16}, {"MSTUFEE": 99}),
    ("MSTUFEE_01", {"MSTUFEE": None}, {"MSTUFEE": 10}),
    ("SPECFEE_01", {"SPECFEE": 6}, {"SPECFEE": 9}),
    ("SPECFEE_01", {"SPECFEE": None}, {"SPECFEE": 5}),
    ("TYPEYR_01", {"TYPEYR": 3}, {"TYPEYR": 2}),
    ("TYPEYR_01", {"TYPEYR": None}, {"TYPEYR": 1}),
    ("PERMADDCOUNTRY_01", {"PERMADDCOUNTRY": None}, {"PERMADDCOUNTRY": "AU"}),
    ("QUALENT3_01", {"QUALENT3": None}, {"QUALENT3": "C20"}),
    ("STULOAD_04", {"STULOAD": None}, {"STULOAD": 50}),
    ("GROSSFEE_01", {"GROSSFEE": None}, {"GROSSFEE": None, "NETFEE": None, "SSN": VALID_SSN}),
    ("GROSSFEE_02", {"GROSSFEE": 8999}, {"GROSSFEE": 9001}),
    ("GROSSFEE_03", {"GROSSFEE": 9536}, {"GROSSFEE": 9535}),
    ("NETFEE_01", {"NETFEE": None}, {"NETFEE": None, "SSN": VALID_SSN}),
    ("NETFEE_02", {"NETFEE": 9536, "GROSSFEE": 9536}, {"NETFEE": 9535, "GROSSFEE": 9536}),
    ("MSTUFEE_03", {"PERMADDCOUNTRY": "XH", "MSTUFEE": 2}, {"PERMADDCOUNTRY": "XH", "MSTUFEE": 3}),
    ("MSTUFEE_03", {"PERMADDCOUNTRY": "xh", "MSTUFEE": 4}, {"PERMADDCOUNTRY": "XG", "MSTUFEE": 4}),
    ("MSTUFEE_04", {"PERMADDCOUNTRY": "XG", "MSTUFEE": 3}, {"PERMADDCOUNTRY": "XG", "MSTUFEE": 4}),
    ("MSTUFEE_04", {"PERMADDCOUNTRY": "XG", "MSTUFEE": 2}, {"PERMADDCOUNTRY": "XH", "MSTUFEE": 2}),
    ("MSTUFEE_05", {"PERMADDCOUNTRY": "XI", "MSTUFEE": 4}, {"PERMADDCOUNTRY": "XI", "MSTUFEE": 2}),
    ("MSTUFEE_05", {"PERMADDCOUNTRY": "XF", "MSTUFEE": 3}, {"PERMADDCOUNTRY": "XK", "MSTUFEE": 3}),
    ("MSTUFEE_07", {"MSTUFEE": 10}, {"MSTUFEE": 10, "SSN": VALID_SSN}),
    ("MSTUFEE_07", {"MSTUFEE": 3}, {"MSTUFEE": 2}),
    ("SSN_02", {"SSN": "ABCD12345678J"}, {"SSN": VALID_SSN}),
    ("SSN_02", {"SSN": "ABCD1234567K"}, {"SSN": "abcd12345678k"}),
    ("SSN_02", {"SSN": "IBCD12345678K"}, {"SSN": "HPLU30000100T"}),
    ("SSN_03", {"NETFEE": None}, {"NETFEE": None, "SSN": VALID_SSN}),
    ("SSN_03", {"GROSSFEE": None}, {}),
    ("MODESTUD_03", {"SPECFEE": 4}, {"SPECFEE": 4, "MODESTUD": 3}),
    ("MODESTUD_03", {"SPECFEE": 5, "MODESTUD": 2}, {"SPECFEE": 3}),
    ("SPECFEE_02", {"MODESTUD": 2}, {"MODESTUD": 2, "SPECFEE": 1}),
    ("SEC_02", {"UCASSCHEMECODE": "AB12"}, {"UCASSCHEMECODE": "AB12", "SEC": 1}),
    ("SEC_02", {"UCASSCHEMECODE": "AB12", "PERMADDCOUNTRY": "XK"},
     {"UCASSCHEMECODE": "AB12", "PERMADDCOUNTRY": "AU"}),
    ("SOC_02", {"UCASSCHEMECODE": "AB12"}, {"UCASSCHEMECODE": "AB12", "SOC": "1115"}),
    ("SOC_02", {"UCASSCHEMECODE": "AB12", "PERMADDCOUNTRY": "XG"}, {}),
    ("SOC_04", {"SOC": "12"}, {"SOC": "1115"}),
    ("UCASSCHEMECODE_02", {"UCASSCHEMECODE": "A123"}, {"UCASSCHEMECODE": "ab12"}),
    ("UCASSCHEMECODE_02", {"UCASSCHEMECODE": "AB123"}, {"UCASSCHEMECODE": "ZZ00"}),
    ("HEPostCode_02", {"HEPostCode": "B11AA"}, {"HEPostCode": "ZZ99 9ZZ"}),
]  # fmt: skip


@pytest.mark.parametrize("year", [Y25, Y26])
@pytest.mark.parametrize(("rule", "broken", "kept"), HE_CASES)
def test_learning_delivery_he_rules(
    rule: str, broken: dict[str, Any], kept: dict[str, Any], year: str
) -> None:
    finding = only(he_learner(he_aim(he(**broken))), rule, ctx(year))
    assert finding.field.startswith("LearningDelivery[0].LearningDeliveryHE.")
    assert not fires_in(he_learner(he_aim(he(**kept))), rule, year)


@pytest.mark.parametrize(("rule", "broken", "first_start"), [
    ("PERMADDCOUNTRY_01", {"PERMADDCOUNTRY": None}, "2013-08-01"),
    ("QUALENT3_01", {"QUALENT3": None}, "2010-08-01"),
    ("STULOAD_04", {"STULOAD": None}, "2013-08-01"),
    ("NETFEE_01", {"NETFEE": None}, "2012-08-01"),
    ("SSN_03", {"NETFEE": None}, "2021-08-01"),
    ("MODESTUD_03", {"SPECFEE": 4}, "2009-08-01"),
    ("SPECFEE_02", {"MODESTUD": 2}, "2009-08-01"),
    ("SEC_02", {"UCASSCHEMECODE": "AB12"}, "2013-08-01"),
    ("SOC_02", {"UCASSCHEMECODE": "AB12"}, "2013-08-01"),
    ("SOC_04", {"SOC": "12"}, "2014-08-01"),
    ("UCASSCHEMECODE_02", {"UCASSCHEMECODE": "A123"}, "2025-08-01"),
    ("MSTUFEE_07", {"MSTUFEE": 10}, "2025-08-01"),
])  # fmt: skip
def test_he_rules_apply_from_their_first_start_date(
    rule: str, broken: dict[str, Any], first_start: str
) -> None:
    first = date.fromisoformat(first_start)
    day_before = date.fromordinal(first.toordinal() - 1).isoformat()
    assert fires(he_learner(he_aim(he(**broken), LearnStartDate=first_start)), rule)
    assert not fires(he_learner(he_aim(he(**broken), LearnStartDate=day_before)), rule)


@pytest.mark.parametrize(("start", "expected"), [
    ("2021-07-31", False), ("2021-08-01", True), ("2025-07-31", True), ("2025-08-01", False),
])  # fmt: skip
def test_mstufee_06_ssn_for_student_support_starts_2021_to_2025(start: str, expected: bool) -> None:
    for source in (2, 3, 4, 52, 53, 54):
        record = he_learner(he_aim(he(MSTUFEE=source), LearnStartDate=start))
        assert fires(record, "MSTUFEE_06") is expected
    covered = he_learner(he_aim(he(MSTUFEE=2, SSN=VALID_SSN), LearnStartDate="2022-09-01"))
    assert not fires(covered, "MSTUFEE_06")


@pytest.mark.parametrize("year", [Y25, Y26])
def test_ssn_03_is_a_warning_as_sld_runs_it(year: str) -> None:
    record = he_learner(he_aim(he(NETFEE=None)))
    assert only(record, "SSN_03", ctx(year)).severity == "warning"


def test_ssn_check_letter() -> None:
    assert ssn_check_letter("ABCD12345678") == "K"
    assert ssn_check_letter("HPLU30000100") == "T"
    assert ssn_check_letter("ABCD1234567X") is None
    assert ssn_check_letter("IBCD12345678") is None


def test_pcolab_01_subcontracted_aims_need_the_percentage() -> None:
    assert fires(he_learner(he_aim(PartnerUKPRN=10000002)), "PCOLAB_01")
    assert not fires(he_learner(he_aim(he(PCOLAB=50), PartnerUKPRN=10000002)), "PCOLAB_01")
    assert not fires(he_learner(he_aim()), "PCOLAB_01")
    old = he_aim(PartnerUKPRN=10000002, LearnStartDate="2013-07-31")
    assert not fires(he_learner(old), "PCOLAB_01")


def test_typeyr_02_one_year_completed_instance_2025_26_only() -> None:
    aim = he_aim(he(FUNDCOMP=1, TYPEYR=2), LearnActEndDate="2027-07-31")
    assert fires_in(he_learner(aim), "TYPEYR_02", Y25)
    assert not fires_in(he_learner(aim), "TYPEYR_02", Y26)
    next_year = he_aim(he(FUNDCOMP=1, TYPEYR=2), LearnActEndDate="2027-08-01")
    assert not fires_in(he_learner(next_year), "TYPEYR_02", Y25)
    kept = he_aim(he(FUNDCOMP=1, TYPEYR=1), LearnActEndDate="2027-07-31")
    assert not fires_in(he_learner(kept), "TYPEYR_02", Y25)
    not_completed = he_aim(he(FUNDCOMP=2, TYPEYR=2), LearnActEndDate="2027-07-31")
    assert not fires_in(he_learner(not_completed), "TYPEYR_02", Y25)


def test_hepostcode_01_known_postcode_when_postcodes_are_loaded() -> None:
    loaded = ctx(postcodes=frozenset({"B1 1AA"}))
    assert not fires(he_learner(), "HEPostCode_01", loaded)
    unknown = he_learner(he_aim(he(HEPostCode="B2 2AA")))
    assert fires(unknown, "HEPostCode_01", loaded)
    assert not fires(unknown, "HEPostCode_01")
    placeholder = he_learner(he_aim(he(HEPostCode="ZZ99 9ZZ")))
    assert not fires(placeholder, "HEPostCode_01", loaded)


# --- presence of the HE entities ----------------------------------------------------------


def test_learning_delivery_he_02_ofs_funded_aims_need_the_he_record() -> None:
    missing = he_learner(he_aim(LearningDeliveryHE=None))
    assert only(missing, "LearningDeliveryHE_02").field == "LearningDelivery[0].LearningDeliveryHE"
    assert not fires(he_learner(), "LearningDeliveryHE_02")
    other_source = he_aim(LearningDeliveryHE=None, LearningDeliveryFAM=[fam("SOF", "105")])
    assert not fires(he_learner(other_source), "LearningDeliveryHE_02")
    assert not fires(
        he_learner(he_aim(LearningDeliveryHE=None, FundModel=38)), "LearningDeliveryHE_02"
    )


def test_elq_01_ofs_funded_aims_need_elq() -> None:
    assert fires(he_learner(he_aim(he(ELQ=None))), "ELQ_01")
    assert fires(he_learner(he_aim(LearningDeliveryHE=None)), "ELQ_01")
    assert not fires(he_learner(), "ELQ_01")
    not_ofs = he_aim(he(ELQ=None), LearningDeliveryFAM=[fam("SOF", "105")])
    assert not fires(he_learner(not_ofs), "ELQ_01")


@pytest.mark.parametrize(("aim_type", "start", "expected"), [
    (1, "2025-08-01", True), (1, "2025-07-31", False), (4, "2025-08-01", False),
])  # fmt: skip
def test_learning_delivery_he_10_no_he_record_on_programme_aims(
    aim_type: int, start: str, expected: bool
) -> None:
    aim = programme_aim(LearnStartDate=start, AimType=aim_type, LearningDeliveryHE=he())
    assert fires(he_learner(aim), "LearningDeliveryHE_10") is expected


def test_learner_he_02_needs_a_learning_delivery_he() -> None:
    assert only(learner(LearnerHE={"TTACCOM": 4}), "LearnerHE_02").field == "LearnerHE"
    assert not fires(he_learner(), "LearnerHE_02")
    assert not fires(learner(), "LearnerHE_02")


def test_ucasschemecode_01_ucas_applicants_need_the_scheme_code() -> None:
    ucas = {"TTACCOM": 4, "UCASPERID": "1234567890"}
    assert fires(he_learner(learner_he=ucas), "UCASSCHEMECODE_01")
    coded = he_aim(he(UCASSCHEMECODE="AB12"))
    assert not fires(he_learner(coded, learner_he=ucas), "UCASSCHEMECODE_01")
    assert not fires(he_learner(), "UCASSCHEMECODE_01")
    old = he_aim(LearnStartDate="2013-07-31")
    assert not fires(he_learner(old, learner_he=ucas), "UCASSCHEMECODE_01")


# --- LearnerHE ----------------------------------------------------------------------------


@pytest.mark.parametrize(("ttaccom", "expected"), [(4, False), (9, False), (3, True), (10, True)])
def test_ttaccom_01_valid_code(ttaccom: int, expected: bool) -> None:
    record = he_learner(learner_he={"TTACCOM": ttaccom})
    assert fires(record, "TTACCOM_01") is expected


def test_ttaccom_04_full_time_learners_need_term_time_accommodation() -> None:
    assert only(he_learner(learner_he={}), "TTACCOM_04").field == "LearnerHE.TTACCOM"
    no_learner_he = learner(he_aim())
    assert fires(no_learner_he, "TTACCOM_04")
    part_time = he_aim(he(MODESTUD=3))
    assert not fires(he_learner(part_time, learner_he={}), "TTACCOM_04")
    earlier = standalone_aim(LearnStartDate="2013-07-31", AimSeqNumber=9)
    assert not fires(he_learner(he_aim(), earlier, learner_he={}), "TTACCOM_04")
    assert not fires(he_learner(), "TTACCOM_04")


def _support(*types: int) -> Record:
    return {"TTACCOM": 4, "LearnerHEFinancialSupport": [
        {"FINTYPE": t, "FINAMOUNT": 100} for t in types]}  # fmt: skip


def test_fintype_01_valid_code() -> None:
    assert only(he_learner(learner_he=_support(1, 5)), "FINTYPE_01").field == (
        "LearnerHE.LearnerHEFinancialSupport[1].FINTYPE"
    )
    assert not fires(he_learner(learner_he=_support(1, 2, 3, 4)), "FINTYPE_01")


def test_fintype_02_one_of_each_type() -> None:
    assert only(he_learner(learner_he=_support(1, 2, 1)), "FINTYPE_02").field == (
        "LearnerHE.LearnerHEFinancialSupport[2].FINTYPE"
    )
    assert not fires(he_learner(learner_he=_support(1, 2, 3, 4)), "FINTYPE_02")


# --- "Valid to" dates ---------------------------------------------------------------------


def _with_list(monkeypatch: pytest.MonkeyPatch, name: str, codes: CodeList) -> None:

    def lists(year: str) -> Mapping[str, CodeList]:
        return {**code_lists(year), name: codes}

    monkeypatch.setattr("ilr_shared.validation.rules.he.code_lists", lists)


def test_mstufee_02_start_not_after_valid_to(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_list(monkeypatch, "MSTUFEE", closed({1: "a", 33: "b"}, valid_to={33: date(2018, 7, 31)}))
    late = he_learner(he_aim(he(MSTUFEE=33), LearnStartDate="2018-08-01"))
    assert only(late, "MSTUFEE_02").field == "LearningDelivery[0].LearningDeliveryHE.MSTUFEE"
    assert not fires(he_learner(he_aim(he(MSTUFEE=33), LearnStartDate="2018-07-31")), "MSTUFEE_02")
    assert not fires(he_learner(), "MSTUFEE_02")


def test_qualent3_03_start_not_after_valid_to(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_list(
        monkeypatch,
        "QUALENT3",
        closed({"P50": "a", "P70": "b"}, valid_to={"P70": date(2013, 7, 31)}),
    )
    late = he_aim(he(QUALENT3="p70"), LearnStartDate="2013-08-01")
    assert fires(he_learner(late), "QUALENT3_03")
    on_time = he_aim(he(QUALENT3="P70"), LearnStartDate="2013-07-31")
    assert not fires(he_learner(on_time), "QUALENT3_03")
    restart = dict(late, LearningDeliveryFAM=[fam("SOF", "1"), fam("RES", "1")])
    assert not fires(he_learner(restart), "QUALENT3_03")


def test_ttaccom_02_earliest_start_not_after_valid_to(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_list(monkeypatch, "TTACCOM", closed({3: "a", 4: "b"}, valid_to={3: date(2013, 7, 31)}))
    assert only(he_learner(learner_he={"TTACCOM": 3}), "TTACCOM_02").field == "LearnerHE.TTACCOM"
    earlier = standalone_aim(LearnStartDate="2013-07-31", AimSeqNumber=9)
    assert not fires(he_learner(he_aim(), earlier, learner_he={"TTACCOM": 3}), "TTACCOM_02")
    assert not fires(he_learner(), "TTACCOM_02")


def test_malformed_he_entities_do_not_raise() -> None:
    odd = he_learner(he_aim([he(MODESTUD="x")]), learner_he=[{"TTACCOM": "?"}])
    assert fires(odd, "MODESTUD_01")
    assert fires(odd, "TTACCOM_01")
    assert not fires(he_learner(he_aim("junk")), "MODESTUD_01")
