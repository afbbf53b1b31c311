"""The engine over every learner of the official sample files."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ilr_shared.validation import ValidationContext, validate_batch, validate_learner

PACKAGED = Path(__file__).resolve().parents[3] / "shared/src/ilr_shared/ilr/schemas"
SAMPLES = {
    "2025/26": (PACKAGED / "ILR-99999999-2526-20250108-094401.xml",
                PACKAGED / "schemafile25.xsd"),
    "2026/27": (PACKAGED / "ILR-99999999-2627-20250408-094403.xml",
                PACKAGED / "ILR-2026-27-schemafile-January.xsd"),
}  # fmt: skip
XS = "{http://www.w3.org/2001/XMLSchema}"
# Child entities that may repeat: always lists in the canonical form.
LIST_ENTITIES = {
    "LearnerFAM", "LearnerEmploymentStatus", "LearningDelivery", "LearningDeliveryFAM",
    "AppFinRecord", "HRSRecord", "ProviderSpecLearnerMonitoring", "LLDDandHealthProblem",
    "ProviderSpecDeliveryMonitoring", "EmploymentStatusMonitoring", "ContactPreference",
    "LearningDeliveryWorkPlacement", "PriorAttain", "LearnerHEFinancialSupport",
}  # fmt: skip


@cache
def _integer_elements(xsd: Path) -> frozenset[str]:
    """Element names whose XSD type is numeric: JSON numbers in the canonical form."""
    names = set()
    for element in etree.parse(str(xsd)).iter(f"{XS}element"):
        name = element.get("name")
        bases = {element.get("type")} | {r.get("base") for r in element.iter(f"{XS}restriction")}
        if name and bases & {"xs:int", "xs:long", "xs:integer"}:
            names.add(name)
    return frozenset(names)


def _canonical(element: etree._Element, integers: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments
        name = etree.QName(child).localname
        if len(child):
            value: Any = _canonical(child, integers)
        else:
            value = (child.text or "").strip()
            if name in integers:
                value = int(value)
        if name in LIST_ENTITIES:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _learners(year: str) -> list[dict[str, Any]]:
    xml, xsd = SAMPLES[year]
    integers = _integer_elements(xsd)
    root = etree.parse(str(xml)).getroot()
    return [
        _canonical(el, integers)
        for el in root
        if isinstance(el.tag, str) and etree.QName(el).localname == "Learner"
    ]


@pytest.mark.parametrize("year", sorted(SAMPLES))
def test_every_sample_learner_validates_without_raising(year: str) -> None:
    learners = _learners(year)
    assert len(learners) >= 16
    context = ValidationContext(academic_year=year)
    for record in learners:
        for finding in validate_learner(record, context):
            assert finding.learn_ref_number == record["LearnRefNumber"]
    result = validate_batch(learners, context)
    assert set(result) == {r["LearnRefNumber"] for r in learners}


@pytest.mark.parametrize("year", sorted(SAMPLES))
def test_samples_under_the_other_years_rules_do_not_raise(year: str) -> None:
    other = "2025/26" if year == "2026/27" else "2026/27"
    validate_batch(_learners(year), ValidationContext(academic_year=other))


def test_2025_26_sample_known_findings() -> None:
    learners = _learners("2025/26")
    result = validate_batch(learners, ValidationContext(academic_year="2025/26"))
    uln_04 = {ref for ref, fs in result.items() if any(f.rule == "ULN_04" for f in fs)}
    assert uln_04 == {r["LearnRefNumber"] for r in learners if r["ULN"] == 1061484935}
    r_59 = {ref for ref, fs in result.items() if any(f.rule == "R_59" for f in fs)}
    assert r_59 == {r["LearnRefNumber"] for r in learners if r["ULN"] == 1061485810}
    assert not any(f.rule == "R_06" for fs in result.values() for f in fs)


def test_2026_27_sample_apprenticeship_has_planned_hours() -> None:
    learners = _learners("2026/27")
    result = validate_batch(learners, ValidationContext(academic_year="2026/27"))
    with_hrs = [r for r in learners for d in r["LearningDelivery"] if d.get("HRSRecord")]
    assert with_hrs
    for record in learners:
        assert not any(f.rule == "HRSType_01" for f in result[record["LearnRefNumber"]]), record[
            "LearnRefNumber"
        ]
