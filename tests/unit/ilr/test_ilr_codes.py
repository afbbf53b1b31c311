"""Code lists, including the 2025/26 -> 2026/27 changes."""

from __future__ import annotations

import pytest

from ilr_shared.ilr import (
    code_list_diff,
    code_lists,
    is_valid_code,
    label,
    labels,
    load_message,
    removed_in,
    supported_years,
)
from ilr_shared.ilr.years import sample_bytes

REQUIRED_LISTS = [
    "FundModel", "AimType", "ProgType", "CompStatus", "Outcome", "WithdrawReason",
    "LearnDelFAMType", "LearnFAMType", "AFinType", "AFinCode.TNP", "AFinCode.PMR", "EmpStat",
    "ESMType", "Ethnicity", "Sex", "LLDDCat", "PriorLevel", "Accom", "LearnDelFAMCode.SOF",
]  # fmt: skip


@pytest.mark.parametrize("year", supported_years())
def test_required_lists_exist_with_labels(year: str) -> None:
    lists = code_lists(year)
    for name in REQUIRED_LISTS:
        assert lists[name].labels, name
        assert all(text.strip() for text in lists[name].labels.values()), name


def test_2026_27_funding_and_programme_changes() -> None:
    assert is_valid_code("2026/27", "FundModel", 39)
    assert not is_valid_code("2025/26", "FundModel", 39)
    assert is_valid_code("2025/26", "FundModel", "10")
    assert not is_valid_code("2026/27", "FundModel", 10)
    assert is_valid_code("2026/27", "ProgType", 34)
    assert not is_valid_code("2025/26", "ProgType", 34)
    assert label("2026/27", "ProgType", 34) == "Apprenticeship unit"


def test_2026_27_hours_records_and_price_reduction() -> None:
    assert set(labels("2026/27", "HRSType")) == {"HRS"}
    assert {"1", "2", "3", "4", "5"} <= set(labels("2026/27", "HRSCode.HRS"))
    assert "HRSType" not in code_lists("2025/26")
    assert is_valid_code("2026/27", "AFinType", "RIP")
    assert is_valid_code("2026/27", "AFinCode.RIP", 1)
    assert not is_valid_code("2025/26", "AFinType", "RIP")


def test_removed_codes_are_reported_for_rollover() -> None:
    assert removed_in("2026/27", "FundModel") == {"10": "Community Learning"}
    assert "ASL" in removed_in("2026/27", "LearnDelFAMType")
    assert "108" in removed_in("2026/27", "LearnDelFAMCode.SOF")
    assert removed_in("2026/27", "ProgType") == {}
    diffs = {d.list_name: d for d in code_list_diff("2025/26", "2026/27")}
    assert diffs["FundModel"].added == {"39": labels("2026/27", "FundModel")["39"]}
    assert set(diffs["FundModel"].removed) == {"10"}
    assert diffs["LearnDelFAMCode.ASL"].list_removed
    assert diffs["HRSCode.HRS"].list_added
    assert set(diffs["ESMCode.EII"].removed) == {"1", "2", "3", "4"}


def test_open_lists_accept_codes_of_the_right_shape() -> None:
    assert is_valid_code("2026/27", "LearnDelFAMCode.LDM", "404")
    assert not is_valid_code("2026/27", "LearnDelFAMCode.LDM", "4041")
    assert is_valid_code("2026/27", "LearnDelFAMCode.DAM", "114")
    assert not is_valid_code("2025/26", "LearnDelFAMCode.DAM", "AB1")
    assert not is_valid_code("2026/27", "NoSuchList", 1)


@pytest.mark.parametrize("year", supported_years())
def test_sample_files_use_listed_codes(year: str) -> None:
    unknown = set()
    for learner in load_message(sample_bytes(year)).learners:
        for delivery in learner["LearningDelivery"]:
            for key in ("FundModel", "AimType", "ProgType", "CompStatus", "Outcome"):
                if key in delivery and not is_valid_code(year, key, delivery[key]):
                    unknown.add((key, delivery[key]))
            for fam in delivery.get("LearningDeliveryFAM", []):
                fam_type, code = fam["LearnDelFAMType"], fam["LearnDelFAMCode"]
                if not is_valid_code(year, "LearnDelFAMType", fam_type):
                    unknown.add(("LearnDelFAMType", fam_type))
                elif not is_valid_code(year, f"LearnDelFAMCode.{fam_type}", code):
                    unknown.add((fam_type, code))
            for hrs in delivery.get("HRSRecord", []):
                if not is_valid_code(year, "HRSCode.HRS", hrs["HRSCode"]):
                    unknown.add(("HRSCode", hrs["HRSCode"]))
        for fam in learner.get("LearnerFAM", []):
            fam_type = fam["LearnFAMType"]
            if not is_valid_code(year, f"LearnFAMCode.{fam_type}", fam["LearnFAMCode"]):
                unknown.add((fam_type, fam["LearnFAMCode"]))
    assert unknown == set()
