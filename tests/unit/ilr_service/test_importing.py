"""Reading ILR files for import, and the imported state's provenance (no I/O)."""

from __future__ import annotations

import pytest

from ilr_service.adapters.ilr_file import read_file
from ilr_service.domain.importing import (
    IMPORT,
    ImportFileError,
    import_enrolment,
    new_import_state,
    reimport_state,
    template_aims,
    tenant_problems,
)
from ilr_service.domain.record import (
    Enrolment,
    RenderedTemplate,
    prefill,
    synchronise,
)
from ilr_shared.ilr import UnsafeXmlError
from ilr_shared.ilr.years import sample_bytes

SAMPLE_2627 = sample_bytes("2026/27")
SAMPLE_2526 = sample_bytes("2025/26")

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Message xmlns="ILR/2026-27"><Header>&xxe;</Header></Message>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Message xmlns="ILR/2026-27">&lol3;</Message>"""


def test_official_2025_26_sample_is_all_valid() -> None:
    ilr_file = read_file(SAMPLE_2526)
    assert ilr_file.academic_year == "2025/26"
    assert (ilr_file.ukprn, ilr_file.header_ukprn) == (99999999, 99999999)
    assert len(ilr_file.learners) == 19
    assert all(learner.valid for learner in ilr_file.learners)
    assert ilr_file.file_problems == []
    assert tenant_problems(ilr_file, "99999999") == []


def test_official_2026_27_sample_has_one_known_defect() -> None:
    ilr_file = read_file(SAMPLE_2627)
    assert ilr_file.academic_year == "2026/27"
    invalid = [learner for learner in ilr_file.learners if not learner.valid]
    assert [learner.learn_ref for learner in invalid] == ["GrowthskillsAppunits"]
    error = invalid[0].problems[0].as_error()
    assert error["LearnRefNumber"] == "GrowthskillsAppunits"
    assert error["path"] == "Learner[LearnRefNumber=GrowthskillsAppunits].LearnRefNumber"


def test_wrong_tenant_is_a_problem() -> None:
    problems = tenant_problems(read_file(SAMPLE_2526), "10000001")
    assert {p.path for p in problems} == {"LearningProvider.UKPRN", "Header.Source.UKPRN"}
    assert "10000001" in problems[0].message


@pytest.mark.parametrize("data", [XXE, LAUGHS, b"\xff\xfe" + XXE.decode().encode("utf-16-le")])
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(UnsafeXmlError):
        read_file(data)


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(ImportFileError) as caught:
        read_file(b'<Message xmlns="ILR/2026-27">\n<Header>\n</Message>')
    assert caught.value.problems[0].path.startswith("line ")


def test_unknown_namespace_lists_supported_years() -> None:
    data = SAMPLE_2627.replace(b'xmlns="ILR/2026-27"', b'xmlns="ILR/2099-00"')
    with pytest.raises(ImportFileError) as caught:
        read_file(data)
    assert "2026/27" in caught.value.problems[0].message


def test_duplicate_learn_ref_is_r06_and_xsd_backstop_maps_to_learner() -> None:
    # The second learner takes the first's reference; a third gets an unknown element.
    text = SAMPLE_2526.decode()
    first, second = "<LearnRefNumber>16Learner</LearnRefNumber>", "18Learner"
    text = text.replace(f"<LearnRefNumber>{second}</LearnRefNumber>", first, 1)
    text = text.replace(
        "<LearnRefNumber>AdultLearner</LearnRefNumber>",
        "<LearnRefNumber>AdultLearner</LearnRefNumber><Bogus>1</Bogus>",
        1,
    )
    ilr_file = read_file(text.encode())
    by_ref: dict[str | None, list[str]] = {}
    for learner in ilr_file.learners:
        by_ref.setdefault(learner.learn_ref, []).extend(p.code for p in learner.problems)
    assert by_ref["16Learner"] == ["R_06", "R_06"]
    assert by_ref["AdultLearner"]  # unknown element: reported for that learner
    assert ilr_file.file_problems == []


def test_header_problem_is_a_file_problem() -> None:
    data = SAMPLE_2526.replace(b"<SerialNo>01</SerialNo>", b"<SerialNo>TOO-LONG-SERIAL</SerialNo>")
    ilr_file = read_file(data)
    assert ilr_file.file_problems
    assert all(learner.valid for learner in ilr_file.learners)


RECORD = {
    "LearnRefNumber": "L1",
    "ULN": 1000000042,
    "FamilyName": "Lovelace",
    "GivenNames": "Ada",
    "LearningDelivery": [
        {
            "LearnAimRef": "ZPROG001",
            "AimType": 1,
            "AimSeqNumber": 1,
            "LearnStartDate": "2025-09-01",
            "FundModel": 36,
            "DelLocPostCode": "LS1 1AA",
        },
        {"LearnAimRef": "60347024", "AimType": 3, "AimSeqNumber": 2, "FundModel": 36},
    ],
}
TEMPLATE = {
    "LearningDelivery": [
        {"key": "prog", "LearnAimRef": "ZPROG001"},
        {"key": "english", "LearnAimRef": "60347036"},
    ]
}
RENDERED = RenderedTemplate(
    2,
    [
        (
            "prog",
            {
                "LearnAimRef": "ZPROG001",
                "AimType": 1,
                "FundModel": 36,
                "DelLocPostCode": "M1 1AE",
                "EPAOrgID": "EPA0001",
            },
        ),
        ("english", {"LearnAimRef": "60347036", "AimType": 3}),
    ],
)


def test_new_state_has_import_provenance_and_template_links() -> None:
    state = new_import_state(
        RECORD, actor="a1", at="t", template_aims=template_aims(TEMPLATE), template_revision=1
    )
    assert state.delivery_keys == {1: "prog"}
    assert state.provenance["GivenNames"] == {"source": IMPORT, "actor": "a1", "at": "t"}
    assert state.provenance["LearningDelivery[key=prog].DelLocPostCode"]["source"] == IMPORT
    assert state.provenance["LearningDelivery[seq=2].LearnAimRef"]["source"] == IMPORT
    assert state.provenance["LearningDelivery[key=english]"]["removed"] is True

    # A later template revision fills only what the file left empty, adds no aim again.
    enrolment_data = import_enrolment(RECORD)
    enrolment = Enrolment(enrolment_data["learner"], enrolment_data["LearnStartDate"])
    after = synchronise(state, enrolment, RENDERED)
    prog = after.delivery(1)
    assert prog is not None
    assert prog["DelLocPostCode"] == "LS1 1AA"  # the imported value stays
    assert prog["EPAOrgID"] == "EPA0001"  # the gap is filled
    assert len(after.record["LearningDelivery"]) == 2
    assert after.record["GivenNames"] == "Ada"


def test_import_enrolment_takes_identity_and_programme_aim_dates() -> None:
    enrolment = import_enrolment(RECORD)
    assert enrolment["learner"]["LearnRefNumber"] == "L1"
    assert enrolment["LearnStartDate"] == "2025-09-01"


def test_reimport_keeps_unchanged_provenance_and_links() -> None:
    enrolment = Enrolment(
        {"LearnRefNumber": "L1", "ULN": 1000000042, "GivenNames": "Ada", "FamilyName": "X"},
        "2026-09-01",
    )
    current = prefill(enrolment, RENDERED)
    prog_seq = current.seq_of_key("prog")
    imported = {
        **current.record,
        "FamilyName": "Lovelace",
        "LearningDelivery": [
            {**current.delivery(prog_seq or 0), "DelLocPostCode": "LS1 1AA"}  # type: ignore[dict-item]
        ],
    }
    new = reimport_state(current, imported, actor="a1", at="t")
    assert new.delivery_keys == {prog_seq: "prog"}
    assert new.provenance["GivenNames"] == {"source": "enrolment"}  # unchanged value
    assert new.provenance["FamilyName"]["source"] == IMPORT
    assert new.provenance["LearningDelivery[key=prog].FundModel"]["source"] == "template"
    assert new.provenance["LearningDelivery[key=prog].DelLocPostCode"]["source"] == IMPORT
    # the english aim the file does not have is removed and stays removed
    assert new.provenance["LearningDelivery[key=english]"]["removed"] is True
    again = synchronise(new, enrolment, RenderedTemplate(3, RENDERED.deliveries))
    assert set(again.delivery_keys.values()) == {"prog"}
    prog = again.delivery(prog_seq or 0)
    assert prog is not None and prog["DelLocPostCode"] == "LS1 1AA"
    assert again.record["FamilyName"] == "Lovelace"
