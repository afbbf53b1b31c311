"""Programmes domain: ULN check digit, academic years, rollover of templates, dates."""

from __future__ import annotations

from datetime import date

import pytest

from ilr_shared.errors import InvalidInputError
from ilr_shared.template import IlrTemplate
from programmes_service.domain.model import (
    check_academic_year,
    check_enrolment_dates,
    check_template,
    clone_template,
    new_id,
    uln_check_digit,
    uln_is_valid,
)
from programmes_service.entrypoints.schemas import Learner

from .template_builders import apprenticeship


def test_uln_check_digit() -> None:
    # 1*10 + 2*9 + ... + 9*2 = 210; 210 % 11 = 1; 10 - 1 = 9
    assert uln_check_digit(1234567899) == 9
    assert uln_is_valid(1234567899)
    assert not uln_is_valid(1234567890)
    assert not uln_is_valid("123456789")
    assert not uln_is_valid("12345678901")
    assert uln_is_valid(9999999999)  # the official 'not known' ULN is exempt from ULN_04


def test_uln_with_remainder_zero_has_no_check_digit() -> None:
    # 1000000010: 1*10 + 1*2 = 12 -> 1 ; find one with remainder 0: 1100000000 -> 10+9=19 -> 8
    digits = next(
        f"{n:09d}" for n in range(100_000_000, 100_100_000)
        if sum(int(d) * w for d, w in zip(f"{n:09d}", range(10, 1, -1), strict=True)) % 11 == 0
    )  # fmt: skip
    assert uln_check_digit(digits + "0") is None
    assert not any(uln_is_valid(digits + str(d)) for d in range(10))


def test_learner_model_refuses_a_bad_uln() -> None:
    base = {"LearnRefNumber": "LRN1", "GivenNames": "Ada", "FamilyName": "Lovelace"}
    assert Learner.model_validate({**base, "ULN": 1234567899}).ULN == 1234567899
    with pytest.raises(ValueError, match="ULN_04"):
        Learner.model_validate({**base, "ULN": 1234567890})
    with pytest.raises(ValueError):
        Learner.model_validate({**base, "ULN": 1234567899, "LearnRefNumber": "bad-ref!"})


def test_supported_academic_years() -> None:
    assert check_academic_year("2026/27") == "2026/27"
    assert check_academic_year("2025/26") == "2025/26"
    for year in ("2027/28", "2024/25", "nonsense"):
        with pytest.raises(InvalidInputError) as caught:
            check_academic_year(year)
        assert caught.value.errors()[0]["path"] == "body.academic_year"


def test_template_problems_get_body_paths() -> None:
    template = IlrTemplate.model_validate(apprenticeship(FundModel=10))
    with pytest.raises(InvalidInputError) as caught:
        check_template(template, "2026/27")
    paths = {(p["path"], p["type"]) for p in caught.value.errors()}
    assert ("body.FundModel", "template.code_not_valid") in paths


def test_clone_template_reports_removed_codes() -> None:
    source = apprenticeship(FundModel=10, ProgType=None, StdCode=None)
    source["LearningDelivery"][0]["AppFinRecord"] = []
    source["LearningDelivery"][0]["LearningDeliveryFAM"].append(
        {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "108"}
    )
    cloned = clone_template(source, "2026/27")
    assert [(r.path, r.code) for r in cloned.removed] == [
        ("FundModel", 10),
        ("LearningDelivery[0].LearningDeliveryFAM[2].LearnDelFAMCode", "108"),
    ]
    assert cloned.template is not None
    assert "FundModel" not in cloned.template
    codes = [
        f["LearnDelFAMCode"] for f in cloned.template["LearningDelivery"][0]["LearningDeliveryFAM"]
    ]
    assert codes == ["105", "1"]
    # same year, nothing removed; no template, nothing to clone
    assert clone_template(source, "2025/26").removed == []
    assert clone_template(None, "2026/27").template is None


def test_enrolment_dates() -> None:
    check_enrolment_dates("2026/27", date(2026, 9, 1), date(2027, 12, 1))
    check_enrolment_dates("2026/27", date(2025, 9, 1), None)  # continuing learner
    with pytest.raises(InvalidInputError):
        check_enrolment_dates("2026/27", date(2026, 9, 1), date(2026, 8, 1))
    with pytest.raises(InvalidInputError):
        check_enrolment_dates("2025/26", date(2026, 9, 1), None)


def test_ids_sort_in_creation_order() -> None:
    ids = [new_id("prg") for _ in range(3)]
    assert all(i.startswith("prg_") for i in ids)
    assert ids[0][:16] <= ids[1][:16] <= ids[2][:16]
