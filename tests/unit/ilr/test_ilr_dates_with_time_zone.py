"""An XSD-valid ``xs:date`` with a time zone ("2001-02-03Z", "2001-02-03+01:00") keeps
its learner: the reader and the record model keep the calendar date."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from lxml import etree

from ilr_shared.ilr import (
    dump_record,
    load_message,
    parse_record,
    supported_years,
    validate_record,
    validate_xml,
)
from ilr_shared.ilr.models import plain_date_text
from ilr_shared.ilr.xmlio import from_lexical
from ilr_shared.ilr.xsd import SimpleType
from ilr_shared.ilr.years import safe_parser, sample_bytes

DATE = SimpleType(base="date")


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("2001-02-03Z", "2001-02-03"),
        ("2001-02-03+01:00", "2001-02-03"),
        ("2001-02-03-05:30", "2001-02-03"),
        ("2001-02-03+14:00", "2001-02-03"),
        (" 2001-02-03Z ", "2001-02-03"),
        ("2001-02-03", "2001-02-03"),
        ("2001-02-03+15:00", "2001-02-03+15:00"),  # not a valid zone: left for validation
        ("2001-02-03+14:30", "2001-02-03+14:30"),
        ("2001-02-03T10:00:00Z", "2001-02-03T10:00:00Z"),
        ("not a date", "not a date"),
    ],
)
def test_plain_date_text(text: str, plain: str) -> None:
    assert plain_date_text(text) == plain


def test_reader_drops_the_zone_of_dates_only() -> None:
    assert from_lexical(DATE, "2001-02-03Z") == "2001-02-03"
    assert from_lexical(DATE, "\n 2001-02-03+01:00 ") == "2001-02-03"
    assert from_lexical(SimpleType(base="string"), "2001-02-03Z") == "2001-02-03Z"


def _xsd_problems(year: str, document: str) -> list[str]:
    root = etree.fromstring(document.encode("utf-8"), safe_parser())
    return [p.message for p in validate_xml(year, root)]


def _learner_with(year: str, **dates: str) -> dict[str, Any]:
    learner = dict(load_message(sample_bytes(year)).learners[0])
    learner.update(dates)
    return learner


@pytest.mark.parametrize("year", supported_years())
@pytest.mark.parametrize("zoned", ["1990-05-06Z", "1990-05-06+01:00", "1990-05-06-04:00"])
def test_record_model_accepts_a_zoned_date(year: str, zoned: str) -> None:
    learner = _learner_with(year, DateOfBirth=zoned)
    assert validate_record(year, learner) == validate_record(
        year, _learner_with(year, DateOfBirth="1990-05-06")
    )
    assert parse_record(year, learner).model_dump()["DateOfBirth"] == dt.date(1990, 5, 6)
    assert dump_record(parse_record(year, learner))["DateOfBirth"] == "1990-05-06"


@pytest.mark.parametrize("year", supported_years())
def test_record_model_still_refuses_a_bad_zone(year: str) -> None:
    problems = validate_record(year, _learner_with(year, DateOfBirth="1990-05-06+15:00"))
    assert any(p.path == "DateOfBirth" for p in problems)


@pytest.mark.parametrize("year", supported_years())
def test_imported_file_with_zoned_dates_keeps_the_learner(year: str) -> None:
    original = sample_bytes(year).decode("utf-8")
    zoned = re.sub(
        r"<(DateOfBirth|LearnStartDate|FilePreparationDate)>([0-9-]{10})</",
        lambda m: f"<{m.group(1)}>{m.group(2)}+01:00</",
        original,
    )
    assert zoned.count("+01:00") > 2
    # The XSD allows the zone: the zoned file has the same problems as the sample.
    assert _xsd_problems(year, zoned) == _xsd_problems(year, original)
    before = load_message(original.encode("utf-8"))
    after = load_message(zoned.encode("utf-8"))
    assert after.learners == before.learners
    assert after.header == before.header
    for learner in after.learners:
        problems = validate_record(year, learner)
        assert not any("Date" in p.path and "date" in p.code for p in problems)
