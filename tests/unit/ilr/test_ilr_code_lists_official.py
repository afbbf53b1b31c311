"""The code lists against the official ILR specification codes (2025/26 and 2026/27)."""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from ilr_shared.ilr import code_lists, is_valid_code, label, labels, supported_years
from ilr_shared.ilr.codelist import CodeList, closed
from ilr_shared.ilr.codes import code_list
from ilr_shared.ilr.xsd import schema_spec

YEARS = ("2025/26", "2026/27")
VALIDATION_SRC = Path(__file__).parents[3] / "shared" / "src" / "ilr_shared" / "validation"

# Type list -> code element of the typed lists ("LearnDelFAMCode.SOF" ...).
TYPED = {
    "LearnDelFAMType": "LearnDelFAMCode",
    "LearnFAMType": "LearnFAMCode",
    "ESMType": "ESMCode",
    "AFinType": "AFinCode",
    "HRSType": "HRSCode",
}

# Every field whose official rules check a "valid lookup on ILR_..." table that the
# specification itself defines (reference-data tables such as TLOut are not lists).
OFFICIAL_LOOKUP_FIELDS = (
    "FundModel", "AimType", "ProgType", "CompStatus", "Outcome", "WithdrawReason",
    "OutGrade", "TLOut", "EngGrade", "MathGrade", "Ethnicity", "Sex", "LLDDHealthProb", "LLDDCat",
    "PrimaryLLDD", "PriorLevel", "Accom", "EmpStat", "ESMType", "WorkPlaceMode",
    "LearnFAMType", "LearnDelFAMType", "AFinType", "HRSType", "TTACCOM", "FINTYPE",
    "MODESTUD", "FUNDLEV", "FUNDCOMP", "TYPEYR", "SPECFEE", "MSTUFEE", "ELQ", "QUALENT3",
    "SEC", "SOC", "PERMADDCOUNTRY",
)  # fmt: skip


@cache
def xsd_elements(year: str) -> frozenset[str]:
    return frozenset(element.name for element in schema_spec(year).message.walk())


def field_exists(year: str, list_name: str) -> bool:
    """The list's field is in the year's XSD (a typed list also needs its type)."""
    element, _, fam_type = list_name.partition(".")
    if element not in xsd_elements(year):
        return False
    if not fam_type:
        return True
    type_list = next(t for t, code in TYPED.items() if code == element)
    return is_valid_code(year, type_list, fam_type)


def rule_list_names() -> set[str]:
    """List names the validation rules pass to ``valid_lookup`` as literals."""
    pattern = re.compile(r'valid_lookup\(\s*ctx,\s*"([A-Za-z0-9.]+)"')
    names: set[str] = set()
    for path in VALIDATION_SRC.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


@pytest.mark.parametrize("year", YEARS)
def test_every_list_the_rules_name_exists_where_its_field_exists(year: str) -> None:
    names = rule_list_names() | set(OFFICIAL_LOOKUP_FIELDS)
    missing = {n for n in names if field_exists(year, n) and n not in code_lists(year)}
    assert missing == set()


@pytest.mark.parametrize("year", YEARS)
def test_every_type_has_its_code_list(year: str) -> None:
    lists = code_lists(year)
    missing = {
        f"{code}.{fam_type}"
        for type_list, code in TYPED.items()
        if type_list in lists
        for fam_type in lists[type_list].labels
        if f"{code}.{fam_type}" not in lists
    }
    assert missing == set()


@pytest.mark.parametrize("year", YEARS)
def test_lists_only_for_fields_of_the_year(year: str) -> None:
    assert {n for n in code_lists(year) if not field_exists(year, n)} == set()


@pytest.mark.parametrize("year", YEARS)
def test_every_code_has_a_plain_label(year: str) -> None:
    for name, codes in code_lists(year).items():
        assert all(text.strip() for text in codes.labels.values()), name


@pytest.mark.parametrize("year", YEARS)
def test_prior_level_uses_the_prior_attain_numbering(year: str) -> None:
    assert labels(year, "PriorLevel") == {
        "1": "Entry level",
        "2": "Level 1",
        "3": "Level 2",
        "4": "Full level 2",
        "5": "Level 3",
        "6": "Full level 3",
        "7": "Level 4",
        "8": "Level 5",
        "9": "Level 6",
        "10": "Level 7 and above",
        "97": "Other qualification, level not known",
        "98": "Not known",
        "99": "No qualifications",
    }
    assert {"PriorAttain", "PriorLevel", "DateLevelApp"} <= xsd_elements(year)


@pytest.mark.parametrize("year", YEARS)
def test_employment_status_monitoring_types_and_codes(year: str) -> None:
    assert set(labels(year, "ESMType")) == {
        "BSI", "EII", "LOE", "LOU", "OET", "PEI", "SEI", "SEM",
    }  # fmt: skip
    assert set(labels(year, "ESMCode.LOU")) == {"1", "2", "3", "4", "5"}
    assert set(labels(year, "ESMCode.OET")) == {"1", "2", "3"}
    assert label(year, "ESMCode.OET", 1) == "Learner has been made redundant"
    assert set(labels(year, "ESMCode.BSI")) == {"1", "2", "3", "4", "5", "6"}
    assert set(labels(year, "ESMCode.LOE")) == {"1", "2", "3", "4"}


def test_benefit_status_dates() -> None:
    bsi = code_list("2025/26", "ESMCode.BSI")
    assert bsi.is_valid_on(2, date(2020, 7, 31))
    assert not bsi.is_valid_on(2, date(2020, 8, 1))
    assert not bsi.is_valid_on(5, date(2020, 7, 31))
    assert bsi.is_valid_on(5, date(2020, 8, 1))


def test_employment_intensity_historic_codes_leave_in_2026_27() -> None:
    assert set(labels("2025/26", "ESMCode.EII")) == {str(n) for n in range(1, 9)}
    assert set(labels("2026/27", "ESMCode.EII")) == {"5", "6", "7", "8"}
    assert code_list("2025/26", "ESMCode.EII").valid_to["4"] == date(2018, 7, 31)


SOURCES_OF_FUNDING = {
    1: "Office for Students",
    110: "Greater Manchester",
    111: "Liverpool City Region",
    112: "West Midlands",
    113: "West of England",
    114: "Tees Valley",
    115: "Cambridgeshire and Peterborough",
    116: "Greater London Authority",
    117: "North of Tyne",
    118: "South Yorkshire",
    119: "West Yorkshire",
    120: "North East",
    121: "East Midlands",
    122: "York and North Yorkshire",
    123: "Cornwall",
}


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("code", "area"), SOURCES_OF_FUNDING.items())
def test_source_of_funding_areas(year: str, code: int, area: str) -> None:
    assert area in (label(year, "LearnDelFAMCode.SOF", code) or "")


@pytest.mark.parametrize("year", YEARS)
def test_source_of_funding_codes(year: str) -> None:
    sof = set(labels(year, "LearnDelFAMCode.SOF"))
    assert {"105", "107"} | {str(c) for c in range(110, 124)} <= sof
    assert not is_valid_code(year, "LearnDelFAMCode.SOF", 124)  # unassigned
    assert code_list(year, "LearnDelFAMCode.SOF").valid_to["117"] == date(2024, 7, 31)
    assert is_valid_code(year, "LearnDelFAMCode.SOF", 108) is (year == "2025/26")


@pytest.mark.parametrize("year", YEARS)
def test_tailored_learning_purpose_has_seven_codes(year: str) -> None:
    assert set(labels(year, "LearnDelFAMCode.ACL")) == {str(n) for n in range(1, 8)}


@pytest.mark.parametrize("year", YEARS)
def test_delivery_fam_types(year: str) -> None:
    common = {
        "ACL", "ACT", "ADL", "AFL", "ALB", "DAM", "EEF", "EVI", "FFI", "FLN", "HHS",
        "LDM", "LSF", "RES", "SOF",
    }  # fmt: skip
    legacy = {"ASL", "NSA"} if year == "2025/26" else set()
    assert set(labels(year, "LearnDelFAMType")) == common | legacy
    assert set(labels(year, "LearnDelFAMCode.EEF")) == {"2", "3", "4"}
    assert set(labels(year, "LearnDelFAMCode.HHS")) == {"1", "2", "3", "98", "99"}


def test_community_learning_provision_type_dated_and_gone_in_2026_27() -> None:
    asl = code_list("2025/26", "LearnDelFAMCode.ASL")
    assert set(asl.labels) == {"1", "2", "3", "4"}
    assert asl.is_valid_on(1, date(2023, 7, 31))
    assert not asl.is_valid_on(1, date(2023, 8, 1))
    assert "LearnDelFAMCode.ASL" not in code_lists("2026/27")


@pytest.mark.parametrize("year", YEARS)
def test_withdrawal_reasons(year: str) -> None:
    assert set(labels(year, "WithdrawReason")) == {
        "2", "3", "7", "28", "29", "40", "41", "42", "43", "44", "45", "47", "48", "98",
    }  # fmt: skip
    assert "OLASS" in labels(year, "WithdrawReason")["28"]
    assert "new learning aim with the same provider" in labels(year, "WithdrawReason")["40"]
    assert "merger" in labels(year, "WithdrawReason")["47"]
    assert "intervention" in labels(year, "WithdrawReason")["7"]


@pytest.mark.parametrize("year", YEARS)
def test_learner_fam_codes(year: str) -> None:
    assert set(labels(year, "LearnFAMType")) == {
        "DLA", "ECF", "EDF", "EHC", "EMH", "FME", "HNS", "LSR", "MCF", "MMH", "NLM", "PPE",
        "SEN",
    }  # fmt: skip
    assert set(labels(year, "LearnFAMCode.NLM")) == {"17", "18", "22"}
    assert set(labels(year, "LearnFAMCode.ECF")) == {"1", "2", "3", "4", "5"}
    assert set(labels(year, "LearnFAMCode.MCF")) == {"1", "2", "3", "4", "5"}
    assert set(labels(year, "LearnFAMCode.LSR")) == {"36", "55", "56", "57", "58", "59", "60"}


@pytest.mark.parametrize("year", YEARS)
def test_programme_types_with_closing_dates(year: str) -> None:
    prog = code_list(year, "ProgType")
    assert {"2", "3", "20", "21", "22", "23", "24", "25", "30", "31", "32", "33"} <= set(
        prog.labels
    )
    assert prog.is_valid_on(3, date(2020, 7, 31))
    assert not prog.is_valid_on(3, date(2020, 8, 1))
    assert not prog.is_valid_on(24, date(2023, 8, 1))
    assert prog.is_valid_on(25, date(2026, 8, 1))


@pytest.mark.parametrize("year", YEARS)
def test_lldd_categories_valid_to(year: str) -> None:
    lldd = code_list(year, "LLDDCat")
    assert lldd.is_valid_on(15, date(2025, 7, 31))
    assert not lldd.is_valid_on(15, date(2025, 8, 1))
    assert is_valid_code(year, "LLDDCat", 1) is (year == "2025/26")


HE_CODES = {
    "MODESTUD": {"1", "2", "3", "99"},
    "FUNDLEV": {"10", "11", "20", "21", "30", "31", "99"},
    "TYPEYR": {"1", "2"},
    "SPECFEE": {"0", "1", "2", "3", "4", "5", "9"},
    "ELQ": {"1", "2", "3", "9"},
    "SEC": {str(n) for n in range(1, 10)},
    "FINTYPE": {"1", "2", "3", "4"},
    "TTACCOM": {"1", "2", "4", "5", "6", "7", "8", "9"},
}


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(("name", "codes"), HE_CODES.items())
def test_he_lists(year: str, name: str, codes: set[str]) -> None:
    assert set(labels(year, name)) == codes


@pytest.mark.parametrize("year", YEARS)
def test_he_large_lists(year: str) -> None:
    assert is_valid_code(year, "MSTUFEE", 10)  # Student Loans Company, from 2025/26
    assert is_valid_code(year, "MSTUFEE", 3) and not is_valid_code(year, "MSTUFEE", 16)
    assert is_valid_code(year, "QUALENT3", "P50") and not is_valid_code(year, "QUALENT3", "P99")
    assert not code_list(year, "QUALENT3").is_valid_on("P91", date(2014, 8, 1))
    assert label(year, "PERMADDCOUNTRY", "XF") == "England"
    assert is_valid_code(year, "PERMADDCOUNTRY", "FR")
    assert not is_valid_code(year, "PERMADDCOUNTRY", "QQ")
    assert is_valid_code(year, "SOC", 1115) and not is_valid_code(year, "SOC", 1111)


def test_fundcomp_only_while_in_the_xsd() -> None:
    assert set(labels("2025/26", "FUNDCOMP")) == {"1", "2", "3", "9"}
    assert "FUNDCOMP" not in code_lists("2026/27")


@pytest.mark.parametrize("year", YEARS)
def test_gcse_grades(year: str) -> None:
    for grade in ("9", "4", "1", "A*", "C", "U", "GG", "NONE"):
        assert is_valid_code(year, "EngGrade", grade), grade
        assert is_valid_code(year, "MathGrade", grade), grade
    assert not is_valid_code(year, "EngGrade", "Z")
    assert not is_valid_code(year, "MathGrade", "c")


@pytest.mark.parametrize("year", YEARS)
def test_outcome_grades_accept_any_upper_case_grade(year: str) -> None:
    assert is_valid_code(year, "OutGrade", "DS*")
    assert is_valid_code(year, "OutGrade", "MMPM")
    assert not is_valid_code(year, "OutGrade", "merit")
    assert not is_valid_code(year, "OutGrade", "ABCDEFG")


@pytest.mark.parametrize("year", YEARS)
def test_tailored_learning_outcomes(year: str) -> None:
    assert set(labels(year, "TLOut")) == {str(n) for n in range(1, 12)}


def test_2026_27_hours_codes() -> None:
    assert set(labels("2026/27", "HRSCode.HRS")) == {"1", "2", "3", "4", "5", "6"}
    assert "Tailored Learning" in labels("2026/27", "HRSCode.HRS")["5"]


def test_code_list_dates() -> None:
    codes = closed({1: "One", 2: "Two"}, valid_to={1: date(2020, 7, 31)})
    assert codes.is_valid(1) and codes.is_valid_on(2, date(2099, 1, 1))
    assert not codes.is_valid_on(1, date(2020, 8, 1))
    assert not codes.is_valid_on(3, date(2000, 1, 1))
    kept = codes.with_changes(add={3: "Three"}, remove=(2,))
    assert kept.valid_to == {"1": date(2020, 7, 31)} and set(kept.labels) == {"1", "3"}
    assert isinstance(kept, CodeList)
    with pytest.raises(ValueError):
        closed({1: "One"}, valid_to={2: date(2020, 1, 1)})


def test_supported_years_have_lists() -> None:
    assert set(YEARS) <= set(supported_years())


# ---------------------------------------------------------------- codes the rules name

RULES_CSV = {
    "2025/26": VALIDATION_SRC / "data" / "ILR-validation-rules-2025-26.csv",
    "2026/27": VALIDATION_SRC / "data" / "ILR-validation-rules-2627-v4.csv",
}
_NUMBERS = r"([0-9]+(?:\s*(?:,|or|and)\s*[0-9]+)*)"
_TYPED_MENTION = re.compile(
    r"(LearnDelFAMType|LearnFAMType|ESMType|AFinType|HRSType)\s*=\s*'?([A-Z]{3})'?\s*"
    r"(?:and|AND)\s*[A-Za-z.]*?(LearnDelFAMCode|LearnFAMCode|ESMCode|AFinCode|HRSCode)"
    rf"\s*=\s*{_NUMBERS}"
)
_FIELDS = "|".join(["FundModel", "ProgType", "AimType", "CompStatus", "Outcome",
                    "WithdrawReason", "EmpStat", "PriorLevel", "LLDDCat", "MSTUFEE",
                    "MODESTUD", "FUNDLEV", "SPECFEE", "TTACCOM", "FINTYPE", "ELQ", "SEC"])  # fmt: skip
_PLAIN_MENTION = re.compile(rf"\.({_FIELDS})\s*(?:=|<>)\s*{_NUMBERS}")
# Codes the rule texts still name although the specification has retired them.
RETIRED_MENTIONS = {
    ("FundModel", "70"),  # ESF, ended 2023
    ("LearnFAMCode.NLM", "21"),  # 16-19 tuition fund, removed 2024/25
    ("FundModel", "10"),  # Community Learning, removed 2026/27
    ("ESMCode.EII", "2"),  # historic employment intensity, removed 2026/27
    *{("LearnDelFAMCode.SOF", str(code)) for code in range(124, 131)},  # unassigned
}


def rule_code_mentions(year: str) -> set[tuple[str, str, str]]:
    """(rule, list name, code) for the numeric codes the year's rule texts compare to."""
    found: set[tuple[str, str, str]] = set()
    with RULES_CSV[year].open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Status"] == "Deleted":
                continue
            text = re.sub(r"\s+", " ", f"{row['DetailedDescription']} {row['Exclusions']}")
            for match in _TYPED_MENTION.finditer(text):
                if TYPED[match.group(1)] != match.group(3) or match.group(2) in {"LDM", "DAM"}:
                    continue
                name = f"{match.group(3)}.{match.group(2)}"
                found |= {(row["Name"], name, c) for c in re.findall(r"[0-9]+", match.group(4))}
            for match in _PLAIN_MENTION.finditer(text):
                codes = re.findall(r"[0-9]+", match.group(2))
                found |= {(row["Name"], match.group(1), str(int(c))) for c in codes}
    return found


@pytest.mark.parametrize("year", YEARS)
def test_codes_named_by_the_rules_are_in_the_lists(year: str) -> None:
    mentions = rule_code_mentions(year)
    assert len(mentions) > 100
    unknown = {
        (rule, name, code)
        for rule, name, code in mentions
        if (name, code) not in RETIRED_MENTIONS and not is_valid_code(year, name, code)
    }
    assert unknown == set()
