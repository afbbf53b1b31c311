"""Academic years the platform supports and their ILR schema files.

A new year is added by dropping its XSD (and sample file, if any) into ``schemas/``
and adding one ``AcademicYear`` member below.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib import resources

from lxml import etree

_SCHEMA_PACKAGE = "ilr_shared.ilr"
_SCHEMA_DIR = "schemas"


@dataclass(frozen=True, slots=True)
class YearInfo:
    """Static facts about one ILR collection year."""

    academic_year: str  # "2026/27"
    namespace: str  # XML target namespace of the year's schema
    year_code: str  # Header/CollectionDetails/Year, e.g. "2627"
    xsd_resource: str  # file name under ilr_shared/ilr/schemas/
    sample_resource: str | None  # official sample file, if shipped
    start: dt.date  # 1 August
    end: dt.date  # 31 July


def _info(academic_year: str, namespace: str, xsd: str, sample: str | None) -> YearInfo:
    first = int(academic_year[:4])
    return YearInfo(
        academic_year=academic_year,
        namespace=namespace,
        year_code=f"{first % 100:02d}{(first + 1) % 100:02d}",
        xsd_resource=xsd,
        sample_resource=sample,
        start=dt.date(first, 8, 1),
        end=dt.date(first + 1, 7, 31),
    )


class AcademicYear(Enum):
    """Registry of supported years; the value is the year's ``YearInfo``."""

    Y2025_26 = _info(
        "2025/26",
        "ESFA/ILR/2025-26",
        "schemafile25.xsd",
        "ILR-99999999-2526-20250108-094401.xml",
    )
    Y2026_27 = _info(
        "2026/27",
        "ILR/2026-27",
        "ILR-2026-27-schemafile-January.xsd",
        "ILR-99999999-2627-20250408-094403.xml",
    )

    @property
    def info(self) -> YearInfo:
        info: YearInfo = self.value
        return info


class UnsupportedYearError(ValueError):
    """Raised for an academic year, namespace or year code the platform does not know."""


def supported_years() -> list[str]:
    """Supported academic years, oldest first, e.g. ``["2025/26", "2026/27"]``."""
    return sorted(member.info.academic_year for member in AcademicYear)


_INFO_BY_YEAR: dict[str, YearInfo] = {
    member.info.academic_year: member.info for member in AcademicYear
}


def year_info(academic_year: str | AcademicYear) -> YearInfo:
    """Facts about ``academic_year`` ("2026/27" or an ``AcademicYear`` member)."""
    if isinstance(academic_year, AcademicYear):
        return academic_year.info
    if isinstance(academic_year, str) and academic_year in _INFO_BY_YEAR:
        return _INFO_BY_YEAR[academic_year]  # the common case, without walking the enum
    for member in AcademicYear:
        if member.info.academic_year == academic_year:
            return member.info
    raise UnsupportedYearError(
        f"unsupported academic year {academic_year!r}; supported: {supported_years()}"
    )


def year_for_namespace(namespace: str) -> YearInfo:
    for member in AcademicYear:
        if member.info.namespace == namespace:
            return member.info
    raise UnsupportedYearError(f"no supported ILR year has namespace {namespace!r}")


def year_for_code(year_code: str) -> YearInfo:
    """Look a year up by its collection code, e.g. ``"2627"``."""
    for member in AcademicYear:
        if member.info.year_code == year_code:
            return member.info
    raise UnsupportedYearError(f"no supported ILR year has code {year_code!r}")


def year_for_date(day: dt.date) -> str:
    """The academic year ("2026/27") that ``day`` falls in; need not be supported."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def next_year(academic_year: str) -> str:
    """The following academic year, e.g. ``next_year("2025/26") == "2026/27"``."""
    first = _first_calendar_year(academic_year) + 1
    return f"{first}/{(first + 1) % 100:02d}"


def previous_year(academic_year: str) -> str:
    first = _first_calendar_year(academic_year) - 1
    return f"{first}/{(first + 1) % 100:02d}"


def _first_calendar_year(academic_year: str) -> int:
    head, sep, tail = academic_year.partition("/")
    if not (sep and head.isdigit() and len(head) == 4 and tail.isdigit() and len(tail) == 2):
        raise ValueError(f"academic year must look like '2026/27', got {academic_year!r}")
    first = int(head)
    if (first + 1) % 100 != int(tail):
        raise ValueError(f"academic year {academic_year!r} does not span consecutive years")
    return first


def schema_bytes(academic_year: str | AcademicYear) -> bytes:
    """The raw XSD file shipped with the package for ``academic_year``."""
    info = year_info(academic_year)
    return resource_bytes(info.xsd_resource)


def sample_bytes(academic_year: str | AcademicYear) -> bytes:
    """The official sample ILR file shipped for ``academic_year``."""
    info = year_info(academic_year)
    if info.sample_resource is None:
        raise FileNotFoundError(f"no sample file shipped for {info.academic_year}")
    return resource_bytes(info.sample_resource)


def resource_bytes(name: str) -> bytes:
    return (resources.files(_SCHEMA_PACKAGE) / _SCHEMA_DIR / name).read_bytes()


def safe_parser() -> etree.XMLParser:
    """An XML parser that loads no DTD, resolves no entities and never uses the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=False,
    )


def load_schema(academic_year: str | AcademicYear) -> etree.XMLSchema:
    """The compiled XSD of ``academic_year`` (compiled once, then cached)."""
    return _compiled_schema(year_info(academic_year).academic_year)


@cache
def _compiled_schema(academic_year: str) -> etree.XMLSchema:
    doc = etree.fromstring(schema_bytes(academic_year), safe_parser())
    return etree.XMLSchema(doc)
