"""Property test: generated valid records survive dict -> XML -> dict unchanged."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ilr_shared.ilr import (
    build_header,
    dump_record,
    parse_record,
    read_message,
    validate_record,
    validate_xml,
    write_message,
)
from ilr_shared.ilr.xsd import ElementSpec, SimpleType, schema_spec, xsd_pattern_to_python
from ilr_shared.ilr.years import safe_parser

SAFE_TEXT = "ABCxyz019 &'-./"
REGEX_ALPHABET = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 .@-'&")


def _matches_all(simple: SimpleType, value: str) -> bool:
    return all(
        any(re.fullmatch(xsd_pattern_to_python(p), value) for p in step) for step in simple.patterns
    )


def _string(simple: SimpleType) -> st.SearchStrategy[str]:
    low = simple.min_length or 1
    high = simple.max_length or 12
    if len(simple.patterns) > 1 or (
        simple.patterns and simple.base == "string" and "~" not in simple.patterns[-1][0]
    ):
        regex = xsd_pattern_to_python(simple.patterns[-1][0])
        base = st.from_regex(regex, fullmatch=True, alphabet=REGEX_ALPHABET)
        base = base.filter(lambda s: low <= len(s) <= high)
    else:
        base = st.text(SAFE_TEXT, min_size=low, max_size=min(high, 12))
    return base.filter(lambda s: _matches_all(simple, s))


def _simple(simple: SimpleType) -> st.SearchStrategy[Any]:
    low, high = simple.numeric_bounds()
    if simple.is_integer:
        return st.integers(int(low or 0), int(high or 0))
    if simple.base == "decimal":
        return st.decimals(low, high, places=simple.fraction_digits or 0).map(
            lambda d: format(d, "f")
        )
    if simple.base == "date":
        return st.dates(dt.date(1950, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if simple.enumerations:
        return st.sampled_from(simple.enumerations)
    return _string(simple)


def _element(spec: ElementSpec) -> st.SearchStrategy[Any]:
    if spec.simple is not None:
        return _simple(spec.simple)
    parts = {}
    for child in spec.children:
        value = _element(child)
        if child.is_repeated:
            value = st.lists(
                value, min_size=child.min_occurs, max_size=min(child.max_occurs or 2, 2)
            )
        if not child.is_required:
            value = st.one_of(st.none(), value)
        parts[child.name] = value
    return st.fixed_dictionaries(parts).map(
        lambda d: {k: v for k, v in d.items() if v is not None and v != []}
    )


def _learners(year: str) -> st.SearchStrategy[dict[str, Any]]:
    return _element(schema_spec(year).entity("Learner"))


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_generated_records_round_trip(year: str) -> None:
    header = build_header(
        year,
        ukprn=10000001,
        serial_no="1",
        file_preparation_date=dt.date(2026, 8, 1),
        date_time=dt.datetime(2026, 8, 1, 12, 0),
    )

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_learners(year))
    def check(record: dict[str, Any]) -> None:
        assert validate_record(year, record) == []
        canonical = dump_record(parse_record(year, record))
        buffer = io.BytesIO()
        write_message(buffer, year, header=header, ukprn=10000001, learners=[canonical])
        assert validate_xml(year, etree.fromstring(buffer.getvalue(), safe_parser())) == []
        [item] = list(read_message(buffer.getvalue()))
        assert item.learner == canonical

    check()
