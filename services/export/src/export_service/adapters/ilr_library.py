"""The one place that calls `ilr_shared.ilr` and `ilr_shared.validation`.

Those modules are written in parallel with this service; every call site is here so that
a change of their API is a change of this file only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from export_service.domain.model import SCHEMA_RULE, ReportFinding
from ilr_shared.ilr import (
    UnsupportedYearError,
    build_header,
    entity_to_xml,
    learner_to_xml,
    load_schema,
    supported_years,
    validate_record,
    year_info,
)
from ilr_shared.ilr.xmlio import stream_element
from ilr_shared.validation import FILE_RULES, ValidationContext, validate_learner

__all__ = [
    "UnsupportedYearError",
    "YearFacts",
    "file_rule_finding",
    "header_element",
    "learner_element",
    "provider_element",
    "rule_findings",
    "schema",
    "schema_findings",
    "supported_years",
    "validation_context",
    "write_element",
    "year_facts",
]


@dataclass(frozen=True)
class YearFacts:
    academic_year: str
    namespace: str
    year_code: str  # "2627"


def year_facts(academic_year: str) -> YearFacts:
    """Raises UnsupportedYearError for a year the platform has no schema for."""
    info = year_info(academic_year)
    return YearFacts(info.academic_year, info.namespace, info.year_code)


def schema(academic_year: str) -> etree.XMLSchema:
    return load_schema(academic_year)


def header_element(
    academic_year: str,
    *,
    ukprn: int,
    serial_no: str,
    prepared_at: dt.datetime,
    software_supplier: str,
    software_package: str,
    release: str,
) -> etree._Element:
    header = build_header(
        academic_year,
        ukprn=ukprn,
        serial_no=serial_no,
        file_preparation_date=prepared_at.date(),
        date_time=prepared_at,
        software_supplier=software_supplier,
        software_package=software_package,
        release=release,
    )
    return entity_to_xml(academic_year, "Header", header)


def provider_element(academic_year: str, ukprn: int) -> etree._Element:
    return entity_to_xml(academic_year, "LearningProvider", {"UKPRN": ukprn})


def xml_ready(value: Any) -> Any:
    """The record without platform-only keys: ILR element names start with a capital
    letter; anything else (a delivery's template `key`, `_meta` …) is not part of the file."""
    if isinstance(value, Mapping):
        return {k: xml_ready(v) for k, v in value.items() if isinstance(k, str) and k[:1].isupper()}
    if isinstance(value, list):
        return [xml_ready(v) for v in value]
    return value


def learner_element(academic_year: str, record: Mapping[str, Any]) -> etree._Element:
    """The `<Learner>` element; raises ValueError when the record has unknown elements."""
    return learner_to_xml(academic_year, record)


def write_element(xf: Any, element: etree._Element) -> None:
    """Writes into an open `etree.xmlfile`, inheriting the default namespace of `<Message>`."""
    stream_element(xf, element)


def schema_findings(academic_year: str, record: Mapping[str, Any]) -> list[ReportFinding]:
    """Schema problems of a record (pydantic models generated from the XSD) as findings."""
    return [
        ReportFinding(SCHEMA_RULE, "error", problem.message, problem.path)
        for problem in validate_record(academic_year, record)
    ]


def validation_context(academic_year: str, ukprn: int, prepared: dt.date) -> ValidationContext:
    return ValidationContext(
        academic_year=academic_year, ukprn=ukprn, file_preparation_date=prepared
    )


def rule_findings(record: Mapping[str, Any], context: ValidationContext) -> list[ReportFinding]:
    """The shared rule engine's per-learner findings."""
    return [
        ReportFinding(f.rule, f.severity, f.message, f.field)
        for f in validate_learner(record, context)
    ]


def file_rule_finding(rule: str, field: str, academic_year: str) -> ReportFinding | None:
    """A finding of a cross-learner rule (R_06, R_59) with its official severity and text.

    The export finds duplicates with a database aggregation (flat memory) instead of
    `validate_batch`, which keeps every learner's keys in memory.
    """
    registered = FILE_RULES.get(rule)
    if registered is None or not registered.meta.applies_to(academic_year):
        return None
    meta = registered.meta
    return ReportFinding(meta.name, meta.severity, meta.message, field)
