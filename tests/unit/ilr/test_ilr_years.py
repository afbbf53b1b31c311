"""Year registry, schema loading and safe XML reading."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from ilr_shared.ilr import (
    UnsafeXmlError,
    UnsupportedYearError,
    build_header,
    entity_to_xml,
    load_schema,
    next_year,
    read_message,
    supported_years,
    validate_entity,
    year_for_code,
    year_for_date,
    year_info,
)


def test_registry() -> None:
    assert supported_years() == ["2025/26", "2026/27"]
    info = year_info("2026/27")
    assert (info.namespace, info.year_code) == ("ILR/2026-27", "2627")
    assert (info.start, info.end) == (dt.date(2026, 8, 1), dt.date(2027, 7, 31))
    assert year_info("2025/26").namespace == "ESFA/ILR/2025-26"
    assert year_for_code("2526").academic_year == "2025/26"
    assert next_year("2025/26") == "2026/27"
    assert next_year("2099/00") == "2100/01"
    assert year_for_date(dt.date(2026, 7, 31)) == "2025/26"
    assert year_for_date(dt.date(2026, 8, 1)) == "2026/27"
    with pytest.raises(UnsupportedYearError):
        year_info("2019/20")
    with pytest.raises(ValueError):
        next_year("2025/27")


def test_load_schema_is_cached() -> None:
    schema = load_schema("2026/27")
    assert isinstance(schema, etree.XMLSchema)
    assert load_schema("2026/27") is schema


def test_header_helper_builds_a_valid_header() -> None:
    header = build_header(
        "2026/27",
        ukprn=10012345,
        serial_no="01",
        file_preparation_date=dt.date(2026, 10, 1),
        date_time=dt.datetime(2026, 10, 1, 9, 30, 5, 123),
        software_supplier="ILR platform",
    )
    assert validate_entity("2026/27", "Header", header) == []
    assert header["Source"]["DateTime"] == "2026-10-01T09:30:05"
    element = entity_to_xml("2026/27", "Header", header)
    assert element.findtext("{ILR/2026-27}CollectionDetails/{ILR/2026-27}Year") == "2627"


def test_dtd_and_entities_are_refused() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE Message [<!ENTITY x "boom">]>'
        b'<Message xmlns="ILR/2026-27"><Learner><LearnRefNumber>&x;</LearnRefNumber>'
        b"</Learner></Message>"
    )
    with pytest.raises(UnsafeXmlError):
        list(read_message(evil))


def test_unknown_namespace_is_refused() -> None:
    with pytest.raises(UnsupportedYearError):
        list(read_message(b'<Message xmlns="ESFA/ILR/2019-20"/>'))
