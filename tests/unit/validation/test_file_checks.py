"""File-level rules: file name, Header, Message and zip uploads."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from ilr_validation_builders import ctx

from ilr_shared.validation.file_checks import (
    FILE_LEVEL,
    check_file_name,
    check_header,
    check_message,
    check_zip,
    parse_file_name,
)
from ilr_shared.validation.official import official_rules
from ilr_shared.validation.registry import DECLARED

NAME = "ILR-10000001-2627-20261001-093000-01.XML"
NOW = datetime(2026, 10, 2, 12, 0)


def rules_for_name(name: str, year: str = "2026/27", previous: tuple[str, ...] = ()) -> list[str]:
    return [f.rule for f in check_file_name(name, ctx(year), now=NOW, previous=previous)]


@pytest.mark.parametrize("year", ["2025/26", "2026/27"])
def test_every_official_file_level_rule_is_registered_or_declared(year: str) -> None:
    names = {n for n, r in official_rules(year).items() if r.category == "File Level" and r.live}
    registered = {n for n, r in FILE_LEVEL.items() if year in r.years}
    assert names == registered | {n for n in names if n in DECLARED}
    assert DECLARED["Filename_3"].needs == ("organisations",)


def test_a_good_file_name_passes() -> None:
    assert rules_for_name(NAME) == []
    assert rules_for_name("uploads/" + NAME.lower()) == []
    parsed = parse_file_name(NAME)
    assert parsed is not None
    assert (parsed.ukprn, parsed.year, parsed.serial) == (10000001, "2627", "01")


@pytest.mark.parametrize("name", [
    "ILR-1000001-2627-20261001-093000-01.XML",
    "ILR-10000001-2627-20261301-093000-01.XML",  # month 13
    "ILR-10000001-2627-20261001-093000-01.ZIP",
    "ILR-10000001-2627-20261001-093000-001.XML",
    "ilr_10000001_2627.xml",
])  # fmt: skip
def test_filename_1_format(name: str) -> None:
    assert rules_for_name(name) == ["Filename_1"]


def test_filename_4_collection_year() -> None:
    assert rules_for_name(NAME, "2025/26") == ["Filename_4"]
    assert rules_for_name(NAME.replace("2627", "2526"), "2025/26") == []


def test_filename_5_and_6_serial_number() -> None:
    assert rules_for_name(NAME.replace("-01.", "-0A.")) == ["Filename_5"]
    assert rules_for_name(NAME.replace("-01.", "-00.")) == ["Filename_6"]
    assert rules_for_name(NAME.replace("-01.", "-99.")) == []


def test_filename_7_date_time_in_the_future() -> None:
    assert rules_for_name(NAME.replace("20261001-093000", "20261002-120001")) == ["Filename_7"]
    assert rules_for_name(NAME.replace("20261001-093000", "20261002-120000")) == []


def test_filename_2_and_8_previous_transmissions() -> None:
    later = NAME.replace("093000", "093001")
    assert rules_for_name(NAME, previous=(NAME.replace("-01.", "-02."),)) == ["Filename_2"]
    assert rules_for_name(NAME, previous=(later,)) == ["Filename_8"]
    other_provider = later.replace("10000001", "10000002")
    assert rules_for_name(NAME, previous=(other_provider, "not a name")) == []


def test_inconsistent_ukprn() -> None:
    assert rules_for_name(NAME.replace("10000001", "10000002")) == ["Inconsistent UKPRN"]


def _header(prepared: str = "2026-10-01", ukprn: object = 10000001) -> dict[str, object]:
    return {
        "CollectionDetails": {"Collection": "ILR", "Year": "2627", "FilePreparationDate": prepared},
        "Source": {"ProtectiveMarking": "OFFICIAL-SENSITIVE-Personal", "UKPRN": ukprn},
    }


def test_header_2_preparation_date_after_today() -> None:
    today = date(2026, 10, 1)
    found = check_header(_header("2026-10-02"), ctx(), today=today)
    assert [(f.rule, f.field) for f in found] == [
        ("Header_2", "Header.CollectionDetails.FilePreparationDate")
    ]
    assert check_header(_header(), ctx(), today=today) == []
    assert check_header({"CollectionDetails": "junk"}, ctx(), today=today) == []


def test_header_3_ukprn_matches_the_file_name() -> None:
    found = check_header(_header(ukprn="10000002"), ctx(), file_name=NAME, today=date(2026, 10, 1))
    assert [(f.rule, f.field, f.severity) for f in found] == [
        ("Header_3", "Header.Source.UKPRN", "error")
    ]
    assert check_header(_header(), ctx(), file_name=NAME, today=date(2026, 10, 1)) == []
    assert check_header(_header(ukprn=10000002), ctx(), today=date(2026, 10, 1)) == []


@pytest.mark.parametrize(("year", "namespace", "rule"), [
    ("2026/27", "ESFA/ILR/2025-26", "Namespace_Mismatch"),
    ("2025/26", "ILR/2026-27", "Namespace Mismatch"),
])  # fmt: skip
def test_namespace_mismatch_per_year(year: str, namespace: str, rule: str) -> None:
    assert [f.rule for f in check_message(namespace, 1, ctx(year))] == [rule]
    right = "ILR/2026-27" if year == "2026/27" else "ESFA/ILR/2025-26"
    assert check_message(right, 1, ctx(year)) == []


def test_entity_1_no_learners() -> None:
    found = check_message("ILR/2026-27", 0, ctx())
    assert [(f.rule, f.field, f.learn_ref_number) for f in found] == [("Entity_1", "Learner", "")]


def _zip(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


ZIP_NAME = NAME.replace(".XML", ".zip")


def zip_rules(data: bytes, name: str = ZIP_NAME, year: str = "2026/27") -> list[str]:
    return [f.rule for f in check_zip(data, name, ctx(year))]


def test_a_good_zip_passes() -> None:
    assert zip_rules(_zip((NAME, b"<Message/>"))) == []
    assert zip_rules(_zip((NAME, b"<Message/>"), ("readme.txt", b"hi"))) == []


def test_zip_corrupt() -> None:
    assert zip_rules(b"not a zip at all") == ["ZIP_CORRUPT"]
    good = bytearray(_zip((NAME, b"<Message>" + b"x" * 200 + b"</Message>")))
    good[40] ^= 0xFF  # damage the compressed data, not the directory
    assert zip_rules(bytes(good)) == ["ZIP_CORRUPT"]


def _encrypted(data: bytes) -> bytes:
    """Set the 'encrypted' flag of every entry (local header and central directory)."""
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            raw[start + offset] |= 0x1
            start = raw.find(signature, start + 4)
    return bytes(raw)


@pytest.mark.parametrize(("year", "rule"), [
    ("2026/27", "Protected_ZIP_file"), ("2025/26", "Protected ZIP file"),
])  # fmt: skip
def test_protected_zip(year: str, rule: str) -> None:
    name = ZIP_NAME.replace("2627", "2526") if year == "2025/26" else ZIP_NAME
    assert zip_rules(_encrypted(_zip((NAME, b"<Message/>"))), name, year) == [rule]


def test_zip_empty_or_more_than_one_xml() -> None:
    assert zip_rules(_zip()) == ["ZIP_EMPTY"]
    assert zip_rules(_zip(("readme.txt", b"hi"))) == ["ZIP_EMPTY"]
    assert zip_rules(_zip((NAME, b"<a/>"), ("other.xml", b"<b/>"))) == ["ZIP_EMPTY"]


def test_zip_inconsistent_filename() -> None:
    other = NAME.replace("-01.", "-02.")
    assert zip_rules(_zip((other, b"<Message/>"))) == ["ZIP_INCONSISTENT_FILENAME"]
    assert zip_rules(_zip(("folder/" + NAME.lower(), b"<Message/>"))) == []
