"""The import's small pure checks, on plain data (no XML parsing)."""

from __future__ import annotations

import pytest

from ilr_service.domain.importing import (
    ChildElement,
    FileLearner,
    ImportFileError,
    Problem,
    ReadMessage,
    SchemaError,
    check_message,
    duplicate_problems,
    file_learner,
    header_ukprn,
    mark_removed_aims,
    match_deliveries,
    message_year,
    not_well_formed,
    refuse_unsafe,
    schema_backstop,
)
from ilr_service.domain.record import IlrState
from ilr_shared.ilr import UnsafeXmlError, year_info


def test_refuse_unsafe_accepts_plain_xml_and_refuses_entities() -> None:
    refuse_unsafe(b'<Message xmlns="ILR/2026-27"/>')
    with pytest.raises(UnsafeXmlError):
        refuse_unsafe(b'<!ENTITY x "y"><Message/>')


def test_not_well_formed_names_the_line() -> None:
    error = not_well_formed(None, "boom")
    assert error.message == "The file is not well-formed XML"
    assert error.problems == [Problem("line 0", "boom", "xml_syntax")]


def test_message_year_from_namespace() -> None:
    namespace = year_info("2025/26").namespace
    assert message_year("Message", namespace).academic_year == "2025/26"


def test_message_year_refuses_another_root() -> None:
    with pytest.raises(ImportFileError) as caught:
        message_year("Learner", year_info("2025/26").namespace)
    assert caught.value.problems[0].code == "root"
    assert "<Learner>" in caught.value.problems[0].message


def test_message_year_refuses_no_namespace() -> None:
    with pytest.raises(ImportFileError) as caught:
        message_year("Message", None)
    assert caught.value.problems[0].code == "namespace"
    assert "'(none)'" in caught.value.problems[0].message


def _learners(*refs: str | None) -> list[FileLearner]:
    return [file_learner(i, {"LearnRefNumber": ref} if ref else {}) for i, ref in enumerate(refs)]


def test_schema_backstop_maps_errors_to_the_learner_at_the_line() -> None:
    learners = _learners("A", "B")
    children = [ChildElement(2), ChildElement(5, 0), ChildElement(9, 1)]
    errors = [
        SchemaError(1, "before the first child", "SCHEMAV_X"),
        SchemaError(3, "in the header", "SCHEMAV_X"),
        SchemaError(10, "in B", "SCHEMAV_Y"),
    ]
    file_problems = schema_backstop(errors, children, learners)
    assert [p.path for p in file_problems] == ["line 1", "line 3"]
    assert learners[0].valid
    assert learners[1].problems == [
        Problem("Learner[LearnRefNumber=B].line 10", "in B", "SCHEMAV_Y", "B", 1)
    ]


def test_schema_backstop_leaves_a_learner_with_its_own_problems_alone() -> None:
    learners = _learners(None)
    learners[0].problems.append(Problem("Learner[0].ULN", "too short", "string_too_short"))
    schema_backstop([SchemaError(4, "bad", "SCHEMAV_X")], [ChildElement(3, 0)], learners)
    assert [p.code for p in learners[0].problems] == ["string_too_short"]


def test_duplicate_problems_is_r06_for_each_repeat() -> None:
    found = duplicate_problems(_learners("A", "B", "A", None))
    assert sorted(found) == [0, 2]
    assert found[2].path == "Learner[LearnRefNumber=A].LearnRefNumber"
    assert found[2].message == "LearnRefNumber A appears 2 times in the file"
    assert found[2].code == "R_06"


def test_header_ukprn_takes_source_ukprn_when_it_is_a_number() -> None:
    assert header_ukprn({"Source": {"UKPRN": 10000001}}) == 10000001
    assert header_ukprn({"Source": {"UKPRN": "10000001"}}) is None
    assert header_ukprn({"Source": "x"}) is None
    assert header_ukprn({}) is None


def test_check_message_without_learners_is_a_file_problem() -> None:
    ilr_file = check_message(
        ReadMessage(
            "2025/26",
            year_info("2025/26").namespace,
            provider={"UKPRN": True},
            children=[ChildElement(2)],
        )
    )
    assert ilr_file.ukprn is None  # a bool is not a UKPRN
    assert [p.code for p in ilr_file.file_problems] == ["no_learners"]


def _state(deliveries: list[dict[str, object]], keys: dict[int, str]) -> IlrState:
    return IlrState(record={"LearningDelivery": deliveries}, delivery_keys=keys)


def test_match_deliveries_same_seq_first_then_linked_aim() -> None:
    current = _state(
        [
            {"AimSeqNumber": 1, "LearnAimRef": "P"},
            {"AimSeqNumber": 2, "LearnAimRef": "E"},
            {"AimSeqNumber": 3, "LearnAimRef": "M"},
        ],
        {1: "prog", 2: "english"},
    )
    new = [
        {"AimSeqNumber": 1, "LearnAimRef": "P"},  # same seq and aim
        {"AimSeqNumber": 5, "LearnAimRef": "E"},  # the linked aim moved
        {"AimSeqNumber": 6, "LearnAimRef": "M"},  # seq 3 is not linked: a new delivery
    ]
    assert match_deliveries(current, new) == {1: 1, 5: 2}


def test_mark_removed_aims_removes_dropped_links_and_keeps_earlier_removals() -> None:
    current = _state([], {1: "prog", 2: "english"})
    current.provenance["LearningDelivery[key=maths]"] = {"source": "person", "removed": True}
    current.provenance["LearningDelivery[key=prog]"] = {"source": "person", "removed": True}
    new = IlrState(delivery_keys={1: "prog"})
    mark_removed_aims(current, new, {"source": "person", "removed": True, "via": "import"})
    assert new.provenance == {
        "LearningDelivery[key=english]": {"source": "person", "removed": True, "via": "import"},
        "LearningDelivery[key=maths]": {"source": "person", "removed": True},
    }
