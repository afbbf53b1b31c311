"""Aim rules (rules/aims.py), each tested against its official definition."""

from __future__ import annotations

from typing import Any

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
    tnp,
    with_aim,
)

from ilr_shared.ilr import codes_2025_26, codes_2026_27
from ilr_shared.ilr.codelist import closed
from ilr_shared.validation.registry import DECLARED, LEARNER_RULES

BASE = learner()
YEARS = ("2025/26", "2026/27")
KNOWN_POSTCODES = frozenset({"B1 1AA", "SW1A 1AA"})


def rules_of(module: str) -> list[str]:
    """Names of the per-learner rules registered by ``rules.<module>``."""
    suffix = f"rules.{module}"
    return [n for n, r in LEARNER_RULES.items() if r.check.__module__.endswith(suffix)]


def alone(**fields: Any) -> Record:
    """A learner with one standalone (FM38, AimType 4) aim and the given fields."""
    return learner(standalone_aim(**fields))


def postcodes(year: str = "2026/27") -> Any:
    return ctx(year, postcodes=KNOWN_POSTCODES)


def test_aim_seq_number_02_not_above_the_count_of_aims() -> None:
    finding = only(with_aim(BASE, 1, AimSeqNumber=3), "AimSeqNumber_02")
    assert (finding.severity, finding.field) == ("error", "LearningDelivery[1].AimSeqNumber")
    assert not fires(with_aim(BASE, 1, AimSeqNumber=2), "AimSeqNumber_02")
    assert not fires(with_aim(BASE, 1, AimSeqNumber="x"), "AimSeqNumber_02")


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("aim_type", "expected"), [(2, True), (6, True), (4, False), ("x", False)])
def test_aim_type_01_valid_lookup(year: str, aim_type: object, expected: bool) -> None:
    assert fires(alone(AimType=aim_type), "AimType_01", ctx(year)) is expected


@pytest.mark.parametrize(
    ("fund_model", "expected"), [(38, True), (36, True), (25, False), (82, False)]
)
def test_aim_type_05_core_aim_only_16_19(fund_model: int, expected: bool) -> None:
    assert fires(alone(AimType=5, FundModel=fund_model), "AimType_05") is expected


@pytest.mark.parametrize(
    ("start", "sof", "expected"),
    [("2017-08-01", "105", True), ("2017-07-31", "105", False), ("2017-08-01", "107", False)],
)
def test_aim_type_07_esfa_adult_funded_core_aim(start: str, sof: str, expected: bool) -> None:
    record = alone(
        AimType=5, FundModel=25, LearnStartDate=start, LearningDeliveryFAM=[fam("SOF", sof)]
    )
    assert fires(record, "AimType_07") is expected


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("aim_type", "expected"), [(3, True), (4, True), (5, False)])
def test_aim_type_09_foundation_year_class_code_is_core_aim(
    year: str, aim_type: int, expected: bool
) -> None:
    record = alone(LearnAimRef="ztpr0001", AimType=aim_type, FundModel=25)
    assert fires(record, "AimType_09", ctx(year)) is expected
    assert not fires(alone(AimType=3), "AimType_09", ctx(year))


@pytest.mark.parametrize(("aim_type", "expected"), [(3, True), (5, False)])
def test_aim_type_08_is_the_ztpr_check_in_2025_26_only(aim_type: int, expected: bool) -> None:
    record = alone(LearnAimRef="ZTPR0001", AimType=aim_type, FundModel=25)
    assert fires(record, "AimType_08", ctx("2025/26")) is expected
    assert not fires(record, "AimType_08", ctx("2026/27"))
    assert DECLARED["AimType_08"].years == frozenset({"2026/27"})


@pytest.mark.parametrize(
    ("ref", "prog_type", "expected"),
    [
        ("Z0007834", 31, True),
        ("ZWRKX002", 31, True),
        ("Z0007834", 30, False),
        ("ZWRKX003", 31, False),
    ],
)
def test_learn_aim_ref_90_excluded_aims_in_t_levels(
    ref: str, prog_type: int, expected: bool
) -> None:
    record = alone(LearnAimRef=ref, AimType=3, FundModel=25, ProgType=prog_type)
    assert fires(record, "LearnAimRef_90") is expected


@pytest.mark.parametrize(
    ("planned", "ended", "expected"),
    [
        ("2026-09-01", "2026-09-01", False),
        ("2026-09-01", None, False),
        ("2026-09-02", None, True),
        ("2026-09-01", "2026-09-03", True),
    ],
)
def test_learn_aim_ref_126_bootcamp_event_aims_last_one_day(
    planned: str, ended: str | None, expected: bool
) -> None:
    fields: dict[str, Any] = {"LearnAimRef": "Z0059748", "LearnPlanEndDate": planned}
    if ended:
        fields["LearnActEndDate"] = ended
    assert fires(alone(**fields), "LearnAimRef_126") is expected
    assert not fires(alone(LearnPlanEndDate=planned), "LearnAimRef_126")


@pytest.mark.parametrize(
    ("start", "prog_type", "expected"),
    [("2024-08-01", 32, True), ("2024-07-31", 32, False), ("2024-08-01", 25, False)],
)
def test_learn_aim_ref_154_hgv_bootcamp_event_aims(
    start: str, prog_type: int, expected: bool
) -> None:
    record = alone(
        LearnAimRef="Z0060439",
        FundModel=37,
        ProgType=prog_type,
        LearnStartDate=start,
        LearnPlanEndDate="2024-08-30",
    )
    assert fires(record, "LearnAimRef_154") is expected


@pytest.mark.parametrize(
    ("value", "expected"), [("B11AA", True), ("b1 1aa", True), ("B1 1AA", False)]
)
def test_lsd_postcode_03_format(value: str, expected: bool) -> None:
    assert fires(alone(LSDPostcode=value), "LSDPostcode_03") is expected
    assert not fires(alone(), "LSDPostcode_03")


def _adult_skills(**fields: Any) -> Record:
    return alone(**{"FundModel": 35, "LearnStartDate": "2023-09-01", **fields})


def test_lsd_postcode_01_adult_skills_needs_known_postcode() -> None:
    finding = only(_adult_skills(), "LSDPostcode_01", postcodes())
    assert finding.field == "LearningDelivery[0].LSDPostcode"
    assert fires(_adult_skills(LSDPostcode="B2 2BB"), "LSDPostcode_01", postcodes())
    assert not fires(_adult_skills(), "LSDPostcode_01")  # no postcode table loaded
    for passing in (
        _adult_skills(LSDPostcode="b1 1aa"),
        _adult_skills(LSDPostcode="ZZ99 9ZZ"),
        _adult_skills(AimType=3),
        _adult_skills(LearnStartDate="2024-08-01"),
        _adult_skills(LearnStartDate="2019-07-31"),
    ):
        assert not fires(passing, "LSDPostcode_01", postcodes())
    assert fires(_adult_skills(LearnStartDate="2019-08-01"), "LSDPostcode_01", postcodes())
    assert fires(_adult_skills(LearnStartDate="2024-07-31"), "LSDPostcode_01", postcodes())


def test_lsd_postcode_01_year_differences() -> None:
    community = _adult_skills(FundModel=10)
    assert fires(community, "LSDPostcode_01", postcodes("2025/26"))
    assert not fires(community, "LSDPostcode_01", postcodes("2026/27"))
    for excluded in (_adult_skills(ProgType=24), _adult_skills(ProgType=25)):
        assert not fires(excluded, "LSDPostcode_01", postcodes("2025/26"))
        assert fires(excluded, "LSDPostcode_01", postcodes("2026/27"))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, True),
        ({"FundModel": 11}, True),
        ({"LSDPostcode": "B2 2BB"}, True),
        ({"LSDPostcode": "B1 1AA"}, False),
        ({"LSDPostcode": "ZZ99 9ZZ"}, False),
        ({"AimType": 3}, False),
        ({"FundModel": 36}, False),
        ({"LearnStartDate": "2024-07-31"}, False),
    ],
)
def test_lsd_postcode_05_asf_and_tailored_learning(fields: dict[str, Any], expected: bool) -> None:
    assert fires(alone(**fields), "LSDPostcode_05", postcodes()) is expected
    assert not fires(alone(**fields), "LSDPostcode_05")


def test_partner_ukprn_02_not_on_programme_aims() -> None:
    finding = only(with_aim(BASE, 0, PartnerUKPRN=10000002), "PartnerUKPRN_02")
    assert finding.field == "LearningDelivery[0].PartnerUKPRN"
    assert not fires(with_aim(BASE, 1, PartnerUKPRN=10000002), "PartnerUKPRN_02")


def test_partner_ukprn_03_not_the_providers_own() -> None:
    assert fires(with_aim(BASE, 1, PartnerUKPRN="10000001"), "PartnerUKPRN_03")
    assert not fires(with_aim(BASE, 1, PartnerUKPRN=10000002), "PartnerUKPRN_03")


def test_epa_org_id_02_epa_price_needs_an_organisation() -> None:
    finding = only(with_aim(BASE, 0, EPAOrgID=None), "EPAOrgID_02")
    assert finding.field == "LearningDelivery[0].EPAOrgID"
    only_tnp4 = with_aim(BASE, 0, EPAOrgID=None, AppFinRecord=[tnp(1), tnp(4)])
    assert fires(only_tnp4, "EPAOrgID_02")
    no_epa_price = with_aim(BASE, 0, EPAOrgID=None, AppFinRecord=[tnp(1), tnp(3)])
    assert not fires(no_epa_price, "EPAOrgID_02")
    assert not fires(BASE, "EPAOrgID_02")


def test_epa_org_id_03_organisation_needs_an_epa_price() -> None:
    assert fires(with_aim(BASE, 1, EPAOrgID="EPA0001"), "EPAOrgID_03")
    assert fires(with_aim(BASE, 0, AppFinRecord=[tnp(1), tnp(3)]), "EPAOrgID_03")
    assert not fires(with_aim(BASE, 0, AppFinRecord=[tnp(4)]), "EPAOrgID_03")
    assert not fires(BASE, "EPAOrgID_03")


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(
    ("fund_model", "expected"),
    [
        (11, True),
        (25, True),
        (35, True),
        (38, True),
        (81, True),
        (82, True),
        (99, True),
        (36, False),
        (37, False),
    ],
)
def test_con_ref_number_03_models_without_contracts(
    year: str, fund_model: int, expected: bool
) -> None:
    record = alone(FundModel=fund_model, ConRefNumber="ABC-1234")
    assert fires(record, "ConRefNumber_03", ctx(year)) is expected
    assert not fires(alone(FundModel=fund_model), "ConRefNumber_03", ctx(year))


def test_con_ref_number_03_community_learning_only_in_2025_26() -> None:
    record = alone(FundModel=10, ConRefNumber="ABC-1234")
    assert fires(record, "ConRefNumber_03", ctx("2025/26"))
    assert not fires(record, "ConRefNumber_03", ctx("2026/27"))


@pytest.mark.parametrize(
    ("fund_model", "year", "expected"),
    [
        (25, "2026/27", True),
        (82, "2025/26", True),
        (99, "2026/27", True),
        (39, "2026/27", True),
        (39, "2025/26", False),
        (10, "2025/26", True),
        (10, "2026/27", False),
        (38, "2026/27", False),
    ],
)
def test_prior_learn_fund_adj_01(fund_model: int, year: str, expected: bool) -> None:
    record = alone(FundModel=fund_model, PriorLearnFundAdj=50)
    assert fires(record, "PriorLearnFundAdj_01", ctx(year)) is expected


def test_prior_learn_fund_adj_01_loans_excluded() -> None:
    loan = alone(FundModel=99, PriorLearnFundAdj=50, LearningDeliveryFAM=[fam("ADL", "1")])
    assert not fires(loan, "PriorLearnFundAdj_01")
    assert not fires(alone(FundModel=99), "PriorLearnFundAdj_01")


@pytest.mark.parametrize(
    ("fund_model", "year", "expected"),
    [
        (25, "2026/27", True),
        (82, "2025/26", True),
        (39, "2026/27", True),
        (39, "2025/26", False),
        (10, "2025/26", True),
        (10, "2026/27", False),
        (99, "2026/27", False),
    ],
)
def test_other_fund_adj_01(fund_model: int, year: str, expected: bool) -> None:
    record = alone(FundModel=fund_model, OtherFundAdj=20)
    assert fires(record, "OtherFundAdj_01", ctx(year)) is expected
    assert not fires(alone(FundModel=fund_model), "OtherFundAdj_01", ctx(year))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0e9f1c3a-5b7d-4e2f-8a6b-1c2d3e4f5a6b", False),
        ("0E9F1C3A-5B7D-4E2F-8A6B-1C2D3E4F5A6B", False),
        ("0e9f1c3a5b7d4e2f8a6b1c2d3e4f5a6b", True),
        ("not-a-uuid", True),
    ],
)
def test_sw_sup_aim_id_01_uuid(value: str, expected: bool) -> None:
    assert fires(alone(SWSupAimId=value), "SWSupAimId_01") is expected


def test_sw_sup_aim_id_01_is_a_warning() -> None:
    assert only(alone(SWSupAimId="x"), "SWSupAimId_01").severity == "warning"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"CompStatus": 2}, True),
        ({"CompStatus": 3}, True),
        ({"CompStatus": 1}, False),
        ({"CompStatus": 2, "TLOut": 1}, False),
        ({"CompStatus": 2, "FundModel": 38}, False),
    ],
)
def test_tlout_01_completed_tailored_learning_needs_outcome(
    fields: dict[str, Any], expected: bool
) -> None:
    record = alone(**{"FundModel": 11, **fields})
    assert fires(record, "Tlout_01") is expected


@pytest.mark.parametrize("year", YEARS)
def test_tlout_02_valid_lookup(year: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = codes_2025_26.LISTS if year == "2025/26" else codes_2026_27.LISTS
    monkeypatch.setitem(lists, "TLOut", closed({1: "Outcome one", 2: "Outcome two"}))
    assert fires(alone(FundModel=11, TLOut=9), "Tlout_02", ctx(year))
    assert not fires(alone(FundModel=11, TLOut=2), "Tlout_02", ctx(year))
    assert not fires(alone(FundModel=11), "Tlout_02", ctx(year))


def test_tlout_02_never_fires_without_the_code_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(codes_2026_27.LISTS, "TLOut", raising=False)
    assert not fires(alone(FundModel=11, TLOut=9), "Tlout_02")


@pytest.mark.parametrize(
    ("name", "years"),
    [
        ("LearnAimRef_153", YEARS),
        ("LearnAimRef_130", ("2025/26",)),
        ("LearnAimRef_160", ("2026/27",)),
        ("LSDPostcode_04", YEARS),
        ("EPAOrgID_01", YEARS),
        ("PartnerUKPRN_01", YEARS),
    ],
)
def test_data_needing_aim_rules_are_declared(name: str, years: tuple[str, ...]) -> None:
    assert DECLARED[name].needs
    assert DECLARED[name].years == frozenset(years)


def test_clean_records_pass_every_aim_rule() -> None:
    aims_rules = rules_of("aims")
    clean = learner(programme_aim(), component_aim(), standalone_aim(LSDPostcode="B1 1AA"))
    for year in YEARS:
        for name in aims_rules:
            assert not fires(clean, name, postcodes(year)), name
