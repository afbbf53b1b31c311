"""Canonical dict conventions and schema problems."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ilr_shared.ilr import (
    InvalidRecordError,
    delivery_model,
    dump_record,
    entity_model,
    learner_model,
    parse_record,
    validate_entity,
    validate_record,
)


def minimal_learner(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "LearnRefNumber": "L0001",
        "ULN": 1061484016,
        "Ethnicity": 31,
        "Sex": "F",
        "LLDDHealthProb": 2,
        "PostcodePrior": "BR1 7SS",
        "Postcode": "BR1 7SS",
        "LearningDelivery": [
            {
                "LearnAimRef": "ZPROG001",
                "AimType": 1,
                "AimSeqNumber": 1,
                "LearnStartDate": "2026-09-01",
                "LearnPlanEndDate": "2027-08-31",
                "FundModel": 36,
                "ProgType": 25,
                "StdCode": 123,
                "DelLocPostCode": "BR1 3RL",
                "CompStatus": 1,
                "HRSRecord": [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 400}],
            }
        ],
    }
    record.update(overrides)
    return record


def test_minimal_record_is_valid_and_canonical() -> None:
    record = minimal_learner()
    assert validate_record("2026/27", record) == []
    assert dump_record(parse_record("2026/27", record)) == record


def test_dump_omits_absent_fields_and_empty_lists_and_uses_iso_dates() -> None:
    record = minimal_learner(DateOfBirth=dt.date(2008, 2, 27), FamilyName=None, LearnerFAM=[])
    dumped = dump_record(parse_record("2026/27", record))
    assert dumped["DateOfBirth"] == "2008-02-27"
    assert "FamilyName" not in dumped and "LearnerFAM" not in dumped
    assert dumped["LearningDelivery"][0]["LearnStartDate"] == "2026-09-01"


def test_decimals_dump_as_fixed_point_strings() -> None:
    he = {"TYPEYR": 1, "MODESTUD": 1, "YEARSTU": 1, "MSTUFEE": 1, "SPECFEE": 1}
    model = entity_model("2026/27", "LearningDeliveryHE")
    assert dump_record(model.model_validate({**he, "STULOAD": 12.5}))["STULOAD"] == "12.5"
    assert dump_record(model.model_validate({**he, "STULOAD": Decimal("1E+1")}))["STULOAD"] == "10"
    problems = validate_entity("2026/27", "LearningDeliveryHE", {**he, "STULOAD": "12.55"})
    assert [p.code for p in problems] == ["decimal_max_places"]


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"LearnRefNumber": "GrowthskillsAppunits"}, "LearnRefNumber", "string_pattern_mismatch"),
        ({"ULN": 999}, "ULN", "greater_than_equal"),
        ({"ULN": "1061484016"}, "ULN", "int_type"),
        ({"Ethnicity": True}, "Ethnicity", "int_type"),
        ({"Sex": "FM"}, "Sex", "string_too_long"),
        ({"Email": "no-at-sign"}, "Email", "string_pattern_mismatch"),
        ({"DateOfBirth": 20080227}, "DateOfBirth", "date_type"),
        ({"DateOfBirth": "27/02/2008"}, "DateOfBirth", "date_from_datetime_parsing"),
        ({"Unknown": 1}, "Unknown", "extra_forbidden"),
        ({"LearningDelivery": []}, "LearningDelivery", "too_short"),
        (
            {"LearnerFAM": [{"LearnFAMType": "LSR", "LearnFAMCode": 1}] * 18},
            "LearnerFAM",
            "too_long",
        ),
    ],
)
def test_problems_have_paths_and_codes(overrides: dict[str, Any], path: str, code: str) -> None:
    problems = validate_record("2026/27", minimal_learner(**overrides))
    assert (path, code) in [(p.path, p.code) for p in problems], problems


def test_nested_paths_and_year_specific_fields() -> None:
    record = minimal_learner()
    record["LearningDelivery"][0]["LearnAimRef"] = "123456789"
    record["LearningDelivery"][0]["PHours"] = 10
    problems = {(p.path, p.code) for p in validate_record("2026/27", record)}
    assert ("LearningDelivery[0].LearnAimRef", "string_too_long") in problems
    assert ("LearningDelivery[0].PHours", "extra_forbidden") in problems
    # 2025/26 has PHours but no HRSRecord
    problems_2526 = {(p.path, p.code) for p in validate_record("2025/26", record)}
    assert ("LearningDelivery[0].HRSRecord", "extra_forbidden") in problems_2526
    assert ("LearningDelivery[0].PHours", "extra_forbidden") not in problems_2526


@pytest.mark.parametrize("bad", [None, [], "x", 5, {"LearningDelivery": "nope"}])
def test_validate_record_never_raises(bad: Any) -> None:
    assert validate_record("2026/27", bad)


def test_parse_record_raises_with_problems() -> None:
    with pytest.raises(InvalidRecordError) as caught:
        parse_record("2026/27", minimal_learner(Sex=""))
    assert caught.value.problems[0].path == "Sex"


def test_models_forbid_extra_and_keep_xsd_order() -> None:
    model = learner_model("2026/27")
    assert model.model_config.get("extra") == "forbid"
    assert list(model.model_fields)[:3] == ["LearnRefNumber", "PrevLearnRefNumber", "PrevUKPRN"]
    assert delivery_model("2026/27").__name__ == "LearningDelivery"
    assert model.model_json_schema()["properties"]["LearnRefNumber"]["pattern"]
