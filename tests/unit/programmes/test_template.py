"""The shared ILR template: validation (each refusal reason), rendering, rollover, lists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from ilr_shared.ilr.codes import code_lists
from ilr_shared.ilr.records import validate_entity
from ilr_shared.ilr.xsd import ElementSpec, schema_spec
from ilr_shared.template import (
    IlrTemplate,
    InvalidTemplateError,
    check_template,
    plan_end_date,
    render_deliveries,
    strip_invalid_codes,
    template_code_lists,
    validate_template,
)

from .template_builders import apprenticeship


def problems(template: dict[str, Any], year: str = "2026/27") -> set[tuple[str, str]]:
    return {(p.path, p.rule) for p in validate_template(template, year)}


@pytest.mark.parametrize("year", ["2026/27", "2025/26"])
def test_the_documented_example_is_valid(year: str) -> None:
    assert validate_template(apprenticeship(), year) == []
    assert isinstance(check_template(apprenticeship(), year), IlrTemplate)


def test_zprog001_must_be_aim_type_1() -> None:
    template = apprenticeship()
    template["LearningDelivery"][0]["AimType"] = 3
    found = problems(template)
    assert ("LearningDelivery[0].AimType", "programme_aim_type") in found
    # and without a programme aim the apprenticeship has none
    assert ("LearningDelivery", "programme_aim_count") in found


def test_programme_aim_must_be_zprog001() -> None:
    template = apprenticeship()
    template["LearningDelivery"][1]["AimType"] = 1
    found = problems(template)
    assert ("LearningDelivery[1].LearnAimRef", "programme_aim_ref") in found
    assert ("LearningDelivery", "programme_aim_count") in found


def test_std_code_needs_prog_type_25() -> None:
    assert ("StdCode", "stdcode_without_progtype") in problems(apprenticeship(ProgType=31))
    template = apprenticeship(StdCode=None, ProgType=31, FundModel=25)
    template["LearningDelivery"][1]["StdCode"] = 44
    assert ("LearningDelivery[1].StdCode", "stdcode_without_progtype") in problems(template)


def test_prog_type_25_needs_std_code() -> None:
    assert ("StdCode", "stdcode_missing") in problems(apprenticeship(StdCode=None))


def test_fund_model_36_needs_tnp_on_programme_aim() -> None:
    template = apprenticeship()
    template["LearningDelivery"][0]["AppFinRecord"] = [
        {"AFinType": "PMR", "AFinCode": 1, "AFinAmount": 100}
    ]
    assert problems(template) == {("LearningDelivery[0].AppFinRecord", "tnp_missing")}


def test_codes_must_be_in_the_years_lists() -> None:
    # FundModel 10 (Community Learning) is gone in 2026/27 but valid in 2025/26.
    template = apprenticeship(FundModel=10, ProgType=None, StdCode=None)
    template["LearningDelivery"][0]["AppFinRecord"] = []
    assert problems(template, "2025/26") == set()
    assert problems(template, "2026/27") == {("FundModel", "code_not_valid")}


def test_fam_and_financial_codes_are_checked_per_type() -> None:
    template = apprenticeship()
    fams = template["LearningDelivery"][0]["LearningDeliveryFAM"]
    fams.append({"LearnDelFAMType": "SOF", "LearnDelFAMCode": "999"})
    fams.append({"LearnDelFAMType": "ZZZ", "LearnDelFAMCode": "1"})
    template["LearningDelivery"][0]["AppFinRecord"].append(
        {"AFinType": "TNP", "AFinCode": 9, "AFinAmount": 1}
    )
    template["LearningDelivery"][1]["AimType"] = 7
    assert problems(template) == {
        ("LearningDelivery[0].LearningDeliveryFAM[2].LearnDelFAMCode", "code_not_valid"),
        ("LearningDelivery[0].LearningDeliveryFAM[3].LearnDelFAMType", "code_not_valid"),
        ("LearningDelivery[0].AppFinRecord[2].AFinCode", "code_not_valid"),
        ("LearningDelivery[1].AimType", "code_not_valid"),
    }


def test_keys_must_be_unique() -> None:
    template = apprenticeship()
    template["LearningDelivery"][1]["key"] = "prog"
    assert problems(template) == {("LearningDelivery[1].key", "duplicate_key")}


def test_exactly_one_programme_aim_for_apprenticeships() -> None:
    template = apprenticeship()
    second = dict(template["LearningDelivery"][0], key="prog2")
    template["LearningDelivery"].append(second)
    assert problems(template) == {("LearningDelivery", "programme_aim_count")}


def test_non_apprenticeship_needs_no_programme_aim() -> None:
    template = {
        "FundModel": 38,
        "LearningDelivery": [{"key": "a", "LearnAimRef": "60347024", "AimType": 4}],
    }
    assert validate_template(template, "2026/27") == []


def test_fields_the_year_does_not_have_and_xsd_facets_are_refused() -> None:
    template = apprenticeship()
    template["LearningDelivery"][0]["PwayCode"] = 3  # not in the 2025/26 or 2026/27 ILR
    template["LearningDelivery"][0]["DelLocPostCode"] = "TOO LONG POSTCODE"
    found = problems(template)
    assert ("LearningDelivery[0].PwayCode", "schema") in found
    assert ("LearningDelivery[0].DelLocPostCode", "schema") in found


def test_invalid_template_error_lists_problems() -> None:
    template = apprenticeship()
    template["LearningDelivery"][1]["key"] = "prog"
    with pytest.raises(InvalidTemplateError) as caught:
        check_template(template, "2026/27")
    assert caught.value.problems[0].path == "LearningDelivery[1].key"


def test_model_forbids_unknown_fields_and_wrong_types() -> None:
    with pytest.raises(ValidationError):
        IlrTemplate.model_validate(apprenticeship(Unknown=1))
    with pytest.raises(ValidationError):
        IlrTemplate.model_validate(apprenticeship(FundModel="36"))
    with pytest.raises(ValidationError):
        IlrTemplate.model_validate(apprenticeship(LearningDelivery=[]))


def test_plan_end_date_clamps_to_month_end() -> None:
    assert plan_end_date(date(2026, 9, 1), 15) == date(2027, 12, 1)
    assert plan_end_date(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert plan_end_date(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_render_deliveries_2026_27() -> None:
    rendered = render_deliveries(apprenticeship(), date(2026, 9, 1))
    assert [key for key, _ in rendered] == ["prog", "maths"]
    prog = rendered[0][1]
    assert list(prog) == [
        "LearnAimRef", "AimType", "AimSeqNumber", "LearnStartDate", "LearnPlanEndDate",
        "FundModel", "ProgType", "StdCode", "DelLocPostCode", "EPAOrgID", "CompStatus",
        "LearningDeliveryFAM", "HRSRecord", "AppFinRecord",
    ]  # fmt: skip
    assert prog["AimSeqNumber"] == 1
    assert prog["LearnStartDate"] == "2026-09-01"
    assert prog["LearnPlanEndDate"] == "2027-12-01"
    assert prog["FundModel"] == 36 and prog["ProgType"] == 25 and prog["StdCode"] == 123
    assert prog["HRSRecord"] == [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 278}]
    assert prog["AppFinRecord"] == [
        {"AFinType": "TNP", "AFinCode": 1, "AFinDate": "2026-09-01", "AFinAmount": 12000},
        {"AFinType": "TNP", "AFinCode": 2, "AFinDate": "2026-10-01", "AFinAmount": 3000},
    ]
    assert prog["LearningDeliveryFAM"][1] == {
        "LearnDelFAMType": "ACT",
        "LearnDelFAMCode": "1",
        "LearnDelFAMDateFrom": "2026-09-01",
    }
    maths = rendered[1][1]
    assert maths["AimSeqNumber"] == 2 and maths["StdCode"] == 123
    assert "HRSRecord" not in maths and "AppFinRecord" not in maths
    assert None not in prog.values()
    for _, delivery in rendered:
        assert validate_entity("2026/27", "LearningDelivery", delivery) == []


def test_render_deliveries_2025_26_uses_phours() -> None:
    rendered = dict(render_deliveries(apprenticeship(), date(2025, 9, 1), academic_year="2025/26"))
    assert rendered["prog"]["PHours"] == 278
    assert "HRSRecord" not in rendered["prog"]
    for delivery in rendered.values():
        assert validate_entity("2025/26", "LearningDelivery", delivery) == []


def test_render_explicit_end_date_wins_and_no_duration_leaves_it_out() -> None:
    end = date(2028, 1, 31)
    rendered = render_deliveries(apprenticeship(), date(2026, 9, 1), learn_plan_end_date=end)
    assert rendered[0][1]["LearnPlanEndDate"] == "2028-01-31"
    bare = render_deliveries(apprenticeship(planned_duration_months=None), date(2026, 9, 1))
    assert "LearnPlanEndDate" not in bare[0][1]


def test_delivery_overrides_template_values() -> None:
    template = apprenticeship()
    template["LearningDelivery"][1]["FundModel"] = 99
    rendered = dict(render_deliveries(template, date(2026, 9, 1)))
    assert rendered["maths"]["FundModel"] == 99
    assert rendered["prog"]["FundModel"] == 36


def test_strip_invalid_codes_for_rollover() -> None:
    template = apprenticeship(FundModel=10, ProgType=None, StdCode=None)
    template["LearningDelivery"][0]["AppFinRecord"] = []
    template["LearningDelivery"][1]["LearningDeliveryFAM"] = [
        {"LearnDelFAMType": "ASL", "LearnDelFAMCode": "1"},
        {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "108"},
        {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"},
    ]
    assert validate_template(template, "2025/26") == []
    stripped, removed = strip_invalid_codes(template, "2026/27")
    assert [(r.path, r.code) for r in removed] == [
        ("FundModel", 10),
        ("LearningDelivery[1].LearningDeliveryFAM[0].LearnDelFAMType", "ASL"),
        ("LearningDelivery[1].LearningDeliveryFAM[1].LearnDelFAMCode", "108"),
    ]
    assert all("2026/27" in r.reason for r in removed)
    assert stripped is not None
    assert stripped.FundModel is None
    assert [f.LearnDelFAMCode for f in stripped.LearningDelivery[1].LearningDeliveryFAM] == ["105"]
    assert validate_template(stripped, "2026/27") == []
    # nothing to remove: the same template comes back
    same, none_removed = strip_invalid_codes(apprenticeship(), "2026/27")
    assert none_removed == [] and same == IlrTemplate.model_validate(apprenticeship())


def test_strip_removes_an_aim_whose_aim_type_is_gone() -> None:
    template = {"LearningDelivery": [{"key": "a", "LearnAimRef": "60347024", "AimType": 7}]}
    stripped, removed = strip_invalid_codes(template, "2026/27")
    assert stripped is None
    assert [r.path for r in removed] == ["LearningDelivery[0].AimType"]


def test_code_lists_for_forms() -> None:
    data = template_code_lists("2026/27")
    lists = data["lists"]
    assert {"code": 36, "label": "Apprenticeships (from 1 May 2017)"} in lists["FundModel"]
    assert all(entry["code"] != 10 for entry in lists["FundModel"])
    assert any(entry["code"] == "105" for entry in lists["LearnDelFAMType"]["SOF"])
    assert any(entry["code"] == 1 for entry in lists["AFinType"]["TNP"])
    assert "HRS" in lists["HRSType"]
    assert data["type_labels"]["LearnDelFAMType"]["SOF"] == "Source of funding"
    assert "ASL" in template_code_lists("2025/26")["lists"]["LearnDelFAMType"]
    # outcome grades and the HE lists
    assert {"code": 1, "label": "Increased confidence"} in lists["TLOut"]
    assert any(entry["code"] == "9" for entry in lists["EngGrade"])
    assert any(entry["code"] == "AD" for entry in lists["PERMADDCOUNTRY"])
    assert any(entry["code"] == 1 for entry in lists["MODESTUD"])
    assert "FUNDCOMP" not in lists and "FUNDCOMP" in template_code_lists("2025/26")["lists"]


def _xsd_elements(spec: ElementSpec) -> Iterator[ElementSpec]:
    yield spec
    for child in spec.children:
        yield from _xsd_elements(child)


@pytest.mark.parametrize("year", ["2026/27", "2025/26"])
def test_code_lists_for_forms_cover_every_coded_field(year: str) -> None:
    """Every untyped code list of a field the ILR record carries is offered, with codes
    of the field's XSD type (int for xs:int, text otherwise)."""
    lists = template_code_lists(year)["lists"]
    learner = next(e for e in _xsd_elements(schema_spec(year).message) if e.name == "Learner")
    bases = {e.name: e.simple.base for e in _xsd_elements(learner) if e.simple is not None}
    flat = {name for name in code_lists(year) if "." not in name}
    carried = {name for name in flat if name in bases}
    assert carried >= {"TLOut", "OutGrade", "EngGrade", "MathGrade", "MODESTUD", "FUNDLEV",
                       "TYPEYR", "SPECFEE", "MSTUFEE", "ELQ", "QUALENT3", "TTACCOM", "SEC",
                       "SOC", "FINTYPE", "PERMADDCOUNTRY"}  # fmt: skip
    assert carried <= set(lists)
    for name in carried - {"LearnDelFAMType", "AFinType", "HRSType", "LearnFAMType", "ESMType"}:
        expected = int if bases[name] in ("int", "long") else str
        codes = [entry["code"] for entry in lists[name]]
        assert codes and all(isinstance(code, expected) for code in codes), name


def test_as_document_drops_nulls() -> None:
    document = IlrTemplate.model_validate(apprenticeship()).as_document()
    assert "PwayCode" not in document["LearningDelivery"][0]
    assert IlrTemplate.model_validate(document) == IlrTemplate.model_validate(apprenticeship())
