"""The export file: naming, header, streaming writer, read-back validation, leaving out."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from export_service.adapters.xml_file import BuildStats, FileSpec, read_back
from export_service.domain.model import (
    ExportFailedError,
    LearnerOutcome,
    ReportFinding,
    Tally,
    file_name,
    parse_file_name,
    why_not_selected,
)
from export_service.entrypoints.api import report_csv, report_json, zipped
from export_service.service_layer.build import (
    StreamState,
    cross_findings,
    disappeared,
    open_file,
    process_batch,
)
from ilr_shared.ilr.years import load_schema
from tests.unit.export.factory import bad_check_digit, make_learner, projection_doc

YEAR = "2026/27"
NS = "ILR/2026-27"
PREPARED = dt.datetime.combine(dt.date.today(), dt.time(10, 15, 0))


def spec(serial: str = "01") -> FileSpec:
    return FileSpec(YEAR, 10000001, serial, PREPARED, "Supplier Ltd", "ILR Platform", "1.2.3")


def build(
    path: Path, docs: list[dict[str, Any]], cross: dict[str, list[ReportFinding]] | None = None
) -> tuple[list[LearnerOutcome], BuildStats]:
    stats = BuildStats()
    writer, checker = open_file(path, spec(), stats)
    outcomes = process_batch(docs, writer, checker, cross or {}, StreamState())
    writer.close()
    return outcomes, stats


# ---------------------------------------------------------------- naming


def test_official_file_name() -> None:
    at = dt.datetime(2026, 11, 29, 10, 15, 0)
    assert file_name("10000001", "2627", at, 1) == "ILR-10000001-2627-20261129-101500-01.XML"
    assert file_name("10000001", "2627", at, 42).endswith("-42.XML")
    parts = parse_file_name("ILR-10000001-2627-20261129-101500-07.XML")
    assert (parts.ukprn, parts.year_code, parts.at, parts.serial) == ("10000001", "2627", at, 7)


@pytest.mark.parametrize("serial", [-1, 100])
def test_serial_number_is_two_digits(serial: int) -> None:
    with pytest.raises(ValueError):
        file_name("10000001", "2627", dt.datetime(2026, 11, 29), serial)


def test_a_trial_build_carries_serial_00() -> None:
    name = file_name("10000001", "2627", dt.datetime(2026, 11, 29, 10, 15), 0)
    assert name == "ILR-10000001-2627-20261129-101500-00.XML"
    assert parse_file_name(name).serial == 0


@pytest.mark.parametrize("name", ["ILR-10000001-2627-20261129-101500-1.XML", "ilr-1-2627.xml"])
def test_parse_rejects_other_names(name: str) -> None:
    with pytest.raises(ValueError):
        parse_file_name(name)


# ---------------------------------------------------------------- the file


def test_header_and_learners_in_order(tmp_path: Path) -> None:
    path = tmp_path / "f.XML"
    docs = [projection_doc(i) for i in range(5)]
    outcomes, stats = build(path, docs)
    assert all(o.included for o in outcomes)
    assert read_back(path, YEAR, stats) == 5

    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{{{NS}}}Message"
    assert load_schema(YEAR).validate(root)
    q = {"i": NS}
    assert root.findtext("i:Header/i:CollectionDetails/i:Collection", namespaces=q) == "ILR"
    assert root.findtext("i:Header/i:CollectionDetails/i:Year", namespaces=q) == "2627"
    assert (
        root.findtext("i:Header/i:CollectionDetails/i:FilePreparationDate", namespaces=q)
        == PREPARED.date().isoformat()
    )
    source = root.find("i:Header/i:Source", namespaces=q)
    assert source is not None
    assert [etree.QName(c).localname for c in source] == [
        "ProtectiveMarking", "UKPRN", "SoftwareSupplier", "SoftwarePackage", "Release",
        "SerialNo", "DateTime",
    ]  # fmt: skip
    assert source.findtext("i:ProtectiveMarking", namespaces=q) == "OFFICIAL-SENSITIVE-Personal"
    assert source.findtext("i:UKPRN", namespaces=q) == "10000001"
    assert source.findtext("i:SerialNo", namespaces=q) == "01"
    assert source.findtext("i:DateTime", namespaces=q) == PREPARED.isoformat()
    assert root.findtext("i:LearningProvider/i:UKPRN", namespaces=q) == "10000001"
    refs = [e.text for e in root.iterfind("i:Learner/i:LearnRefNumber", namespaces=q)]
    assert refs == [d["learn_ref"] for d in docs]
    # the default namespace is declared once, on <Message>
    assert path.read_bytes().count(b'xmlns="ILR/2026-27"') == 1


def test_bad_uln_check_digit_is_left_out_and_reported(tmp_path: Path) -> None:
    docs = [projection_doc(i) for i in range(3)]
    docs[1]["record"]["ULN"] = bad_check_digit(docs[1]["record"]["ULN"])
    path = tmp_path / "f.XML"
    outcomes, stats = build(path, docs)
    assert [o.included for o in outcomes] == [True, False, True]
    assert [(f.rule, f.severity, f.field) for f in outcomes[1].findings] == [
        ("ULN_04", "error", "ULN")
    ]
    assert read_back(path, YEAR, stats) == 2
    assert docs[1]["learn_ref"].encode() not in path.read_bytes()


def test_schema_problem_is_left_out_under_its_official_rule_and_path(tmp_path: Path) -> None:
    docs = [projection_doc(i) for i in range(3)]
    docs[0]["record"]["LearningDelivery"][0]["LearnAimRef"] = "FAR-TOO-LONG-AIM"
    del docs[2]["record"]["Ethnicity"]
    path = tmp_path / "f.XML"
    outcomes, stats = build(path, docs)
    assert [o.included for o in outcomes] == [False, True, False]
    # The field-definition rules name the problem, as on save; no bare "XSD" finding is added.
    assert ("FD_LearnAimRef_AL", "LearningDelivery[0].LearnAimRef") in {
        (f.rule, f.field) for f in outcomes[0].findings
    }
    assert ("FD_Ethnicity_MA", "Ethnicity") in {(f.rule, f.field) for f in outcomes[2].findings}
    assert "XSD" not in {f.rule for o in outcomes for f in o.findings}
    assert read_back(path, YEAR, stats) == 1


def test_unknown_element_is_a_schema_problem_but_platform_keys_are_dropped(tmp_path: Path) -> None:
    docs = [projection_doc(i) for i in range(2)]
    docs[0]["record"]["LearningDelivery"][0]["key"] = "prog"  # template link: not in the file
    docs[1]["record"]["Nickname"] = "Jo"
    outcomes, _ = build(tmp_path / "f.XML", docs)
    assert [o.included for o in outcomes] == [True, False]
    assert outcomes[1].findings[0].rule == "XSD"


def test_duplicates_found_by_the_database_are_left_out(tmp_path: Path) -> None:
    docs = [projection_doc(i) for i in range(3)]
    cross = cross_findings(
        YEAR, [], [{"value": "123", "learn_refs": [docs[0]["learn_ref"], docs[2]["learn_ref"]]}]
    )
    outcomes, _ = build(tmp_path / "f.XML", docs, cross)
    assert [o.included for o in outcomes] == [False, True, False]
    assert outcomes[0].findings[-1].rule == "R_59"


def test_same_learn_ref_twice_in_the_stream_is_never_written_twice(tmp_path: Path) -> None:
    first = projection_doc(1)
    second = projection_doc(2, record=copy.deepcopy(first["record"]))
    second["record"]["ULN"] = make_learner(2)["ULN"]
    path = tmp_path / "f.XML"
    outcomes, stats = build(path, [first, second])
    assert [o.included for o in outcomes] == [True, False]
    assert outcomes[1].findings[-1].rule == "R_06"
    assert read_back(path, YEAR, stats) == 1


def test_read_back_rejects_an_invalid_file(tmp_path: Path) -> None:
    path = tmp_path / "f.XML"
    build(path, [projection_doc(1)])
    broken = (
        path.read_bytes().replace(b"<Sex>", b"<Sex>X").replace(b"<Ethnicity>31", b"<Ethnicity>x")
    )
    path.write_bytes(broken)
    with pytest.raises(ExportFailedError):
        read_back(path, YEAR)


def test_tally_counts_and_summary() -> None:
    err = ReportFinding("ULN_04", "error", "m", "ULN")
    warn = ReportFinding("DelLocPostCode_16", "warning", "m", "LearningDelivery[0].DelLocPostCode")
    tally = Tally()
    tally.add(LearnerOutcome("A", "i1", 1, None, (warn,)))
    tally.add(LearnerOutcome("B", "i2", 1, None, (err, warn)))
    assert (tally.done, tally.included, tally.left_out) == (2, 1, 1)
    assert tally.summary.as_dict() == {
        "errors": 1,
        "warnings": 2,
        "by_rule": {"DelLocPostCode_16": 2, "ULN_04": 1},
        "left_out_by_rule": {"ULN_04": 1},
        "learners_with_warnings": 2,
    }


def test_summary_counts_each_left_out_learner_once_per_rule() -> None:
    tally = Tally()
    sex = ReportFinding("FD_Sex_MA", "error", "m", "Sex")
    uln = ReportFinding("ULN_04", "error", "m", "ULN")
    tally.add(LearnerOutcome("A", "i1", 1, None, (sex, uln, uln)))
    tally.add(LearnerOutcome("B", "i2", 1, None, (sex,)))
    tally.add(LearnerOutcome("C", "i3", 1, None, ()))
    assert tally.left_out == 2
    assert tally.summary.as_dict()["left_out_by_rule"] == {"FD_Sex_MA": 2, "ULN_04": 1}


# ---------------------------------------------------------------- pre-submission, bodies


async def _aiter(values: list[Any]) -> AsyncIterator[Any]:
    for value in values:
        yield value


def test_disappeared_is_a_merge_of_sorted_streams() -> None:
    missing, count = asyncio.run(
        disappeared(_aiter(["A", "B", "C", "E", "G"]), _aiter(["B", "D", "E", "F"]), cap=2)
    )
    assert (missing, count) == (["A", "C"], 3)


def test_zip_holds_the_one_file_with_the_same_name() -> None:
    async def collect() -> bytes:
        return b"".join([part async for part in zipped("ILR-X.XML", _aiter([b"<a>", b"</a>"]))])

    archive = zipfile.ZipFile(io.BytesIO(asyncio.run(collect())))
    assert archive.namelist() == ["ILR-X.XML"]
    assert archive.read("ILR-X.XML") == b"<a></a>"


def test_report_bodies() -> None:
    items = [
        {"learn_ref": "A", "ilr_id": "ilr_a", "version": 3, "included": True, "findings": []},
        {"learn_ref": "B", "ilr_id": "ilr_b", "version": 1, "included": False,
         "findings": [{"rule": "ULN_04", "severity": "error", "message": "bad, digit", "field": "ULN"}]},
    ]  # fmt: skip

    async def collect(gen: AsyncIterator[bytes]) -> str:
        return b"".join([part async for part in gen]).decode()

    import json

    body = json.loads(asyncio.run(collect(report_json("exp_1", _aiter(items)))))
    assert body["learners"][1] == {"LearnRefNumber": "B", "ilr_id": "ilr_b", "version": 1,
                                   "included": False, "findings": items[1]["findings"]}  # fmt: skip
    csv_text = asyncio.run(collect(report_csv(_aiter(items))))
    assert csv_text.splitlines() == [
        "LearnRefNumber,rule,severity,message,field",
        'B,ULN_04,error,"bad, digit",ULN',
    ]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"deleted": True, "status": "qa_verified"}, "withdrawn"),
        ({"status": "signed"}, "status signed was not chosen for this build"),
        ({"status": "qa_verified", "programme_id": "p2"}, "its programme was not chosen for this build"),
    ],
)  # fmt: skip
def test_why_a_learner_is_not_in_the_build(record: dict[str, object], reason: str) -> None:
    assert why_not_selected(record, ["qa_verified", "completed"], ["p1"]) == reason
