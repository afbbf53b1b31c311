"""Official samples: XML -> record dicts -> models -> dicts -> XML, lossless and valid."""

from __future__ import annotations

import io
from typing import Any

import pytest
from lxml import etree

from ilr_shared.ilr import (
    dump_record,
    learner_from_xml,
    learner_to_xml,
    load_message,
    parse_record,
    read_message,
    supported_years,
    validate_record,
    validate_xml,
    write_message,
    year_info,
)
from ilr_shared.ilr.years import safe_parser, sample_bytes

KNOWN_DEFECT = "GrowthskillsAppunits"  # 20 chars in the official 2026/27 sample


def _canon(element: etree._Element) -> tuple[Any, ...]:
    """Namespace-qualified tag, stripped leaf text and children; comments dropped."""
    children = [c for c in element if isinstance(c.tag, str)]
    text = None if children else (element.text or "").strip()
    return (element.tag, text, tuple(_canon(c) for c in children))


def _sample_learners(year: str) -> list[etree._Element]:
    root = etree.fromstring(sample_bytes(year), safe_parser())
    return root.findall(f"{{{year_info(year).namespace}}}Learner")


@pytest.mark.parametrize("year", supported_years())
def test_every_sample_learner_round_trips_losslessly(year: str) -> None:
    originals = _sample_learners(year)
    assert originals
    for original in originals:
        record = learner_from_xml(original)
        rebuilt = learner_to_xml(year, record)
        assert _canon(rebuilt) == _canon(original), record["LearnRefNumber"]
        assert learner_from_xml(rebuilt) == record


@pytest.mark.parametrize("year", supported_years())
def test_sample_records_validate_except_the_known_defect(year: str) -> None:
    seen_defect = False
    for original in _sample_learners(year):
        record = learner_from_xml(original)
        problems = validate_record(year, record)
        if record["LearnRefNumber"] == KNOWN_DEFECT:
            seen_defect = True
            assert [(p.path, p.code) for p in problems] == [
                ("LearnRefNumber", "string_pattern_mismatch")
            ]
            continue
        assert problems == [], record["LearnRefNumber"]
        # model round trip keeps the canonical dict unchanged
        assert dump_record(parse_record(year, record)) == record
    assert seen_defect == (year == "2026/27")


@pytest.mark.parametrize("year", supported_years())
def test_rewritten_sample_message_is_schema_valid(year: str) -> None:
    message = load_message(sample_bytes(year))
    assert message.academic_year == year
    assert message.ukprn == 99999999
    assert message.header["CollectionDetails"]["Year"] == year_info(year).year_code
    valid = [r for r in message.learners if r["LearnRefNumber"] != KNOWN_DEFECT]
    buffer = io.BytesIO()
    write_message(buffer, year, header=message.header, ukprn=99999999, learners=valid)
    document = etree.fromstring(buffer.getvalue(), safe_parser())
    assert validate_xml(year, document) == []
    # the default namespace is declared once, on <Message>
    assert buffer.getvalue().count(b"xmlns=") == 1
    reread = [item.learner for item in read_message(buffer.getvalue())]
    assert reread == valid


def test_defective_learner_is_reported_by_the_xsd_too() -> None:
    message = load_message(sample_bytes("2026/27"))
    buffer = io.BytesIO()
    write_message(
        buffer, "2026/27", header=message.header, ukprn=99999999, learners=message.learners
    )
    problems = validate_xml("2026/27", etree.fromstring(buffer.getvalue(), safe_parser()))
    assert len(problems) == 1
    assert "LearnRefNumber" in problems[0].message
    assert problems[0].code == "SCHEMAV_CVC_PATTERN_VALID"


def test_learner_element_is_in_the_year_namespace_with_xsd_order() -> None:
    record = learner_from_xml(_sample_learners("2026/27")[0])
    shuffled = dict(reversed(list(record.items())))
    element = learner_to_xml("2026/27", shuffled)
    assert element.tag == "{ILR/2026-27}Learner"
    names = [etree.QName(c).localname for c in element]
    assert list(dict.fromkeys(names)) == list(record)
