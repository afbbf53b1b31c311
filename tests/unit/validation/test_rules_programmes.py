"""Funding model and programme type rules (rules/programmes.py), each tested against its
official definition."""

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
    with_aim,
)

from ilr_shared.validation.registry import DECLARED, LEARNER_RULES

BASE = learner()
YEARS = ("2025/26", "2026/27")


def rules_of(module: str) -> list[str]:
    """Names of the per-learner rules registered by ``rules.<module>``."""
    suffix = f"rules.{module}"
    return [n for n, r in LEARNER_RULES.items() if r.check.__module__.endswith(suffix)]


def alone(**fields: Any) -> Record:
    """A learner with one standalone (FM38, AimType 4) aim and the given fields."""
    return learner(standalone_aim(**fields))


def programme(**fields: Any) -> Record:
    """A learner with one apprenticeship standard programme aim and the given fields."""
    return learner(programme_aim(**fields))


def unit_programme(**fields: Any) -> Record:
    return programme_aim(**{"FundModel": 39, "ProgType": 34, "StdCode": None, **fields})


def unit_component(**fields: Any) -> Record:
    return component_aim(**{"FundModel": 39, "ProgType": 34, "StdCode": None, **fields})


@pytest.mark.parametrize(("fund_model", "expected"), [(38, True), (35, True), (99, False)])
def test_fund_model_03_loans_are_non_funded(fund_model: int, expected: bool) -> None:
    record = alone(FundModel=fund_model, LearningDeliveryFAM=[fam("ADL", "1")])
    assert fires(record, "FundModel_03") is expected
    assert not fires(alone(FundModel=fund_model), "FundModel_03")


@pytest.mark.parametrize(("fund_model", "expected"), [(25, True), (82, True), (36, False)])
def test_fund_model_04_apprenticeships_not_16_19_funded(fund_model: int, expected: bool) -> None:
    assert fires(with_aim(BASE, 1, FundModel=fund_model), "FundModel_04") is expected
    assert not fires(alone(FundModel=fund_model), "FundModel_04")


@pytest.mark.parametrize(("start", "expected"), [("2017-04-30", True), ("2017-05-01", False)])
def test_fund_model_05_fm36_from_may_2017(start: str, expected: bool) -> None:
    assert fires(with_aim(BASE, 1, LearnStartDate=start), "FundModel_05") is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"FundModel": 81}, True),
        ({"FundModel": 35}, True),
        ({"FundModel": 36}, False),
        ({"FundModel": 99}, False),
        ({"FundModel": 81, "LearnStartDate": "2017-04-30"}, False),
        ({"FundModel": 81, "LearningDeliveryFAM": [fam("RES", "1")]}, False),
        ({"FundModel": 81, "LearningDeliveryFAM": [fam("LDM", "353")]}, False),
        ({"FundModel": 81, "LearningDeliveryFAM": [fam("LDM", "355")]}, False),
        ({"FundModel": 81, "AimType": 3}, False),
    ],
)
def test_fund_model_07_apprenticeship_programmes_are_fm36(
    fields: dict[str, Any], expected: bool
) -> None:
    assert fires(programme(**fields), "FundModel_07") is expected


@pytest.mark.parametrize(
    ("start", "fund_model", "expected"),
    [
        ("2017-04-30", 36, True),
        ("2017-04-30", 81, False),
        ("2017-04-30", 99, False),
        ("2017-05-01", 36, False),
    ],
)
def test_fund_model_09_early_standards_are_fm81(
    start: str, fund_model: int, expected: bool
) -> None:
    record = programme(LearnStartDate=start, FundModel=fund_model)
    assert fires(record, "FundModel_09") is expected


@pytest.mark.parametrize(
    ("fields", "year", "expected"),
    [
        ({"FundModel": 38}, "2026/27", True),
        ({"FundModel": 35}, "2026/27", False),
        ({"FundModel": 38, "LearnStartDate": "2024-08-01"}, "2026/27", False),
        ({"FundModel": 38, "SOF": "105"}, "2026/27", False),
        ({"FundModel": 10}, "2026/27", True),
        ({"FundModel": 10}, "2025/26", False),
        ({"FundModel": 38, "SOF": "125"}, "2026/27", True),
        ({"FundModel": 38, "SOF": "125"}, "2025/26", False),
    ],
)
def test_fund_model_10_combined_authority_before_august_2024(
    fields: dict[str, Any], year: str, expected: bool
) -> None:
    sof = fields.pop("SOF", "110")
    record = alone(
        **{"LearnStartDate": "2024-07-31", "LearningDeliveryFAM": [fam("SOF", sof)], **fields}
    )
    assert fires(record, "FundModel_10", ctx(year)) is expected


@pytest.mark.parametrize(("fund_model", "expected"), [(38, True), (82, True), (25, False)])
def test_fund_model_11_t_levels_are_16_19_funded(fund_model: int, expected: bool) -> None:
    record = alone(AimType=1, ProgType=31, FundModel=fund_model)
    assert fires(record, "FundModel_11") is expected


def test_fund_model_14_off_the_job_hours_only_in_2025_26() -> None:
    record = alone(OTJActHours=10)
    assert fires(record, "FundModel_14", ctx("2025/26"))
    assert not fires(record, "FundModel_14", ctx("2026/27"))
    assert not fires(with_aim(BASE, 0, OTJActHours=10), "FundModel_14", ctx("2025/26"))


@pytest.mark.parametrize(
    ("fund_model", "expected"), [(11, True), (99, True), (35, False), (38, False)]
)
def test_fund_model_15_free_courses_for_jobs(fund_model: int, expected: bool) -> None:
    record = alone(FundModel=fund_model, LearningDeliveryFAM=[fam("LDM", "378")])
    assert fires(record, "FundModel_15") is expected
    assert not fires(alone(FundModel=fund_model), "FundModel_15")


@pytest.mark.parametrize(("prog_type", "expected"), [(None, True), (25, True), (32, False)])
def test_fund_model_16_bootcamps_need_prog_type_32(prog_type: int | None, expected: bool) -> None:
    fields: dict[str, Any] = {"FundModel": 37}
    if prog_type is not None:
        fields["ProgType"] = prog_type
    assert fires(alone(**fields), "FundModel_16") is expected


@pytest.mark.parametrize(
    ("start", "fams", "expected"),
    [
        ("2024-08-01", [], True),
        ("2024-07-31", [], False),
        ("2024-08-01", [fam("RES", "1")], False),
    ],
)
def test_fund_model_17_adult_skills_closed(start: str, fams: list[Record], expected: bool) -> None:
    record = alone(FundModel=35, LearnStartDate=start, LearningDeliveryFAM=fams)
    assert fires(record, "FundModel_17") is expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"FundModel": 35}, True),
        ({"FundModel": 37}, True),
        ({"FundModel": 38}, False),
        ({"FundModel": 11}, False),
        ({"FundModel": 35, "LearnStartDate": "2024-07-31"}, False),
        ({"FundModel": 35, "LearningDeliveryFAM": [fam("SOF", "110"), fam("RES", "1")]}, False),
        ({"FundModel": 35, "LearningDeliveryFAM": [fam("SOF", "105")]}, False),
    ],
)
def test_fund_model_18_combined_authority_from_august_2024(
    fields: dict[str, Any], expected: bool
) -> None:
    record = alone(
        **{"LearnStartDate": "2024-08-01", "LearningDeliveryFAM": [fam("SOF", "110")], **fields}
    )
    assert fires(record, "FundModel_18") is expected


@pytest.mark.parametrize(("rule_name", "fund_model"), [("FundModel_19", 38), ("FundModel_20", 11)])
def test_fund_model_19_20_new_models_from_august_2024(rule_name: str, fund_model: int) -> None:
    assert fires(alone(FundModel=fund_model, LearnStartDate="2024-07-31"), rule_name)
    assert not fires(alone(FundModel=fund_model, LearnStartDate="2024-08-01"), rule_name)
    assert not fires(alone(FundModel=35, LearnStartDate="2024-07-31"), rule_name)


@pytest.mark.parametrize(
    ("original", "expected"), [("2024-07-31", True), ("2024-08-01", False), (None, False)]
)
def test_fund_model_21_asf_original_start(original: str | None, expected: bool) -> None:
    fields: dict[str, Any] = {"OrigLearnStartDate": original} if original else {}
    assert fires(alone(**fields), "FundModel_21") is expected


def test_fund_model_22_short_courses_are_units_in_2026_27() -> None:
    finding = only(alone(FundModel=39), "FundModel_22")
    assert finding.field == "LearningDelivery[0].ProgType"
    assert not fires(alone(FundModel=39, ProgType=34, AimType=3), "FundModel_22")
    assert not fires(alone(FundModel=39), "FundModel_22", ctx("2025/26"))


@pytest.mark.parametrize(
    ("prog_type", "start", "year", "expected"),
    [
        (99, "2026-08-01", "2026/27", True),
        (25, "2026-08-01", "2026/27", False),
        (34, "2026-08-01", "2026/27", False),
        (34, "2025-08-01", "2025/26", True),
        (24, "2023-07-31", "2026/27", False),
        (24, "2023-08-01", "2026/27", True),
        (2, "2020-07-31", "2025/26", False),
        (2, "2020-08-01", "2025/26", True),
    ],
)
def test_prog_type_03_valid_lookup_on_the_start_date(
    prog_type: int, start: str, year: str, expected: bool
) -> None:
    record = with_aim(BASE, 1, ProgType=prog_type, LearnStartDate=start)
    assert fires(record, "ProgType_03", ctx(year)) is expected


@pytest.mark.parametrize(
    ("fund_model", "expected"), [(38, True), (25, True), (36, False), (81, False), (99, False)]
)
def test_prog_type_06_standards_are_apprenticeship_funded(fund_model: int, expected: bool) -> None:
    assert fires(programme(FundModel=fund_model), "ProgType_06") is expected


def _t_level_aim(ref: str, **fields: Any) -> Record:
    return alone(**{"LearnAimRef": ref, "AimType": 3, "FundModel": 25, **fields})


@pytest.mark.parametrize(
    ("rule_name", "ref"), [("ProgType_15", "ZWRKX003"), ("ProgType_17", "ZTLOS001")]
)
def test_prog_type_15_17_t_level_aims_need_t_level_programme(rule_name: str, ref: str) -> None:
    assert fires(_t_level_aim(ref), rule_name)
    assert fires(_t_level_aim(ref, ProgType=30), rule_name)
    assert not fires(_t_level_aim(ref, ProgType=31), rule_name)
    assert not fires(_t_level_aim(ref, FundModel=99), rule_name)
    assert not fires(_t_level_aim(ref, LearningDeliveryFAM=[fam("LDM", "384")]), rule_name)
    assert not fires(_t_level_aim("60346018"), rule_name)


def test_prog_type_18_foundation_year_needs_ztpr_core_aim() -> None:
    programme_30 = standalone_aim(AimType=1, FundModel=25, ProgType=30, LearnAimRef="ZPROG001")
    core = standalone_aim(AimType=5, FundModel=25, ProgType=30, LearnAimRef="ZTPR0001")
    finding = only(learner(programme_30), "ProgType_18")
    assert finding.field == "LearningDelivery[0].ProgType"
    assert not fires(learner(programme_30, core), "ProgType_18")
    assert fires(learner(programme_30, {**core, "AimType": 3}), "ProgType_18")
    assert not fires(BASE, "ProgType_18")


@pytest.mark.parametrize(("prog_type", "expected"), [(31, True), (None, True), (30, False)])
def test_prog_type_20_ztpr_needs_foundation_year(prog_type: int | None, expected: bool) -> None:
    fields: dict[str, Any] = {"ProgType": prog_type} if prog_type else {}
    assert fires(_t_level_aim("ZTPR0001", **fields), "ProgType_20") is expected


@pytest.mark.parametrize(("fund_model", "expected"), [(36, True), (38, True), (37, False)])
def test_prog_type_21_bootcamps_are_fm37(fund_model: int, expected: bool) -> None:
    record = alone(AimType=1, ProgType=32, FundModel=fund_model)
    assert fires(record, "ProgType_21") is expected


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("sof", "expected"), [("105", True), ("110", False), ("120", False)])
def test_prog_type_22_combined_authority_programme(year: str, sof: str, expected: bool) -> None:
    record = alone(AimType=1, ProgType=33, LearningDeliveryFAM=[fam("SOF", sof)])
    assert fires(record, "ProgType_22", ctx(year)) is expected
    assert not fires(alone(LearningDeliveryFAM=[fam("SOF", sof)]), "ProgType_22", ctx(year))


def test_prog_type_22_codes_121_to_130_only_from_2026_27() -> None:
    record = alone(AimType=1, ProgType=33, LearningDeliveryFAM=[fam("SOF", "130")])
    assert not fires(record, "ProgType_22", ctx("2026/27"))
    assert fires(record, "ProgType_22", ctx("2025/26"))


def test_prog_type_25_units_are_fm39_in_2026_27() -> None:
    finding = only(learner(unit_programme(FundModel=36), unit_component()), "ProgType_25")
    assert finding.field == "LearningDelivery[0].FundModel"
    assert not fires(learner(unit_programme(), unit_component()), "ProgType_25")
    record = learner(unit_programme(FundModel=36))
    assert not fires(record, "ProgType_25", ctx("2025/26"))


def test_aim_type_10_one_component_per_unit_programme() -> None:
    pair = learner(unit_programme(), unit_component())
    assert not fires(pair, "AimType_10")
    doubled = learner(unit_programme(), unit_component(), unit_component(AimSeqNumber=3))
    finding = only(doubled, "AimType_10")
    assert finding.field == "LearningDelivery[2].AimType"
    assert not fires(doubled, "AimType_10", ctx("2025/26"))
    other_dates = learner(
        unit_programme(),
        unit_component(),
        unit_component(AimSeqNumber=3, LearnPlanEndDate="2027-06-30"),
    )
    assert not fires(other_dates, "AimType_10")
    ended = learner(
        unit_programme(LearnActEndDate="2027-01-31"),
        unit_component(LearnActEndDate="2027-01-31"),
        unit_component(AimSeqNumber=3, LearnActEndDate="2027-01-31"),
    )
    assert fires(ended, "AimType_10")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, False),
        ({"LearnStartDate": "2026-08-02"}, True),
        ({"LearnPlanEndDate": "2027-06-30"}, True),
        ({"LearnActEndDate": "2027-01-31"}, True),
        ({"FundModel": 36}, True),
    ],
)
def test_r_159_r_160_unit_programme_and_component_match(
    change: dict[str, Any], expected: bool
) -> None:
    record = learner(unit_programme(), unit_component(**change))
    assert fires(record, "R_159") is expected
    assert fires(record, "R_160") is expected
    if expected:
        assert only(record, "R_159").field == "LearningDelivery[1].AimType"
        assert only(record, "R_160").field == "LearningDelivery[0].AimType"
    assert not fires(record, "R_159", ctx("2025/26"))


def test_r_159_r_160_lone_unit_aims() -> None:
    assert fires(learner(unit_component()), "R_159")
    assert not fires(learner(unit_component()), "R_160")
    assert fires(learner(unit_programme()), "R_160")
    assert not fires(learner(unit_programme()), "R_159")
    assert not fires(BASE, "R_159")
    assert not fires(BASE, "R_160")


@pytest.mark.parametrize(
    ("name", "years"),
    [
        ("ProgType_16", YEARS),
        ("ProgType_24", YEARS),
        ("StdCode_02", YEARS),
        ("AppSerAgeEligibility_01", ("2026/27",)),
    ],
)
def test_data_needing_programme_rules_are_declared(name: str, years: tuple[str, ...]) -> None:
    assert DECLARED[name].needs
    assert DECLARED[name].years == frozenset(years)


def test_clean_records_pass_every_programme_rule() -> None:
    names = rules_of("programmes")
    clean = learner(programme_aim(), component_aim(), standalone_aim())
    for year in YEARS:
        for name in names:
            assert not fires(clean, name, ctx(year)), name
