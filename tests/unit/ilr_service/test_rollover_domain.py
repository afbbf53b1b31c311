"""The pure rollover decisions: who continues, the new year's record, the report."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ilr_service.domain.rollover import (
    carry_learner,
    continuing_reason,
    move_hours,
    rolled_over_from,
    rollover_enrolment_id,
    rollover_state,
)

OLD, NEW = "2025/26", "2026/27"
YEAR_END = date(2026, 7, 31)


def aim(seq: int = 1, **fields: Any) -> dict[str, Any]:
    return {
        "LearnAimRef": "ZPROG001", "AimType": 1, "AimSeqNumber": seq,
        "LearnStartDate": "2025-09-01", "LearnPlanEndDate": "2027-08-31", "FundModel": 36,
        "ProgType": 25, "StdCode": 1, "DelLocPostCode": "LS1 1AA", "CompStatus": 1,
        **fields,
    }  # fmt: skip


def learner(*deliveries: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "LearnRefNumber": "L1", "ULN": 1000000018, "FamilyName": "Smith",
        "GivenNames": "Ann", "DateOfBirth": "2000-01-01", "Ethnicity": 31, "Sex": "F",
        "LLDDHealthProb": 2, "PostcodePrior": "LS1 1AA", "Postcode": "LS1 1AA",
        "LearningDelivery": list(deliveries), **fields,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "continues"),
    [
        ({}, True),
        ({"CompStatus": 6, "LearnActEndDate": "2026-03-01"}, True),
        ({"CompStatus": 1, "LearnActEndDate": "2026-03-01"}, True),
        ({"CompStatus": 2, "LearnActEndDate": "2026-03-01", "Outcome": 8}, True),
        ({"CompStatus": 2, "LearnActEndDate": "2026-08-02"}, True),
        ({"CompStatus": 2, "LearnActEndDate": "2026-03-01", "Outcome": 1}, False),
        ({"CompStatus": 3, "LearnActEndDate": "2026-03-01", "WithdrawReason": 2}, False),
    ],
)
def test_which_deliveries_continue(fields: dict[str, Any], continues: bool) -> None:
    assert (continuing_reason(aim(**fields), YEAR_END) is not None) is continues


def test_completed_deliveries_stay_behind_and_the_record_fits_the_new_year() -> None:
    done = aim(2, LearnAimRef="60000001", AimType=3, CompStatus=2,
               LearnActEndDate="2026-01-01", Outcome=1)  # fmt: skip
    carried = carry_learner(learner(aim(1, PHours=300), done), OLD, NEW)
    assert carried.carried == [1] and carried.left_behind == [2]
    (delivery,) = carried.record["LearningDelivery"]
    assert "PHours" not in delivery
    assert delivery["HRSRecord"] == [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 300}]
    assert [(n.path, n.kind) for n in carried.notes] == [
        ("LearningDelivery[AimSeqNumber=1].PHours", "element_moved")
    ]
    assert carried.schema_problems == []


def test_hours_fields_become_hrs_records_or_are_reported() -> None:
    tailored: dict[str, Any] = {"FundModel": 11, "AimType": 4, "PHours": 20, "OTJActHours": 5}
    tailored["AddHours"] = 7
    notes = move_hours(tailored, "d", NEW)
    assert tailored["HRSRecord"] == [
        {"HRSType": "HRS", "HRSCode": 5, "HRSAmount": 20},
        {"HRSType": "HRS", "HRSCode": 3, "HRSAmount": 5},
        {"HRSType": "HRS", "HRSCode": 6, "HRSAmount": 7},
    ]
    assert [n.kind for n in notes] == ["element_moved"] * 3
    unmapped: dict[str, Any] = {"FundModel": 25, "AimType": 5, "PHours": 20}
    (note,) = move_hours(unmapped, "d", NEW)
    assert (
        note.kind == "element_dropped" and "HRSRecord" not in unmapped and "PHours" not in unmapped
    )


def test_codes_the_new_year_dropped_go_with_their_records() -> None:
    fams = [
        {"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"},
        {"LearnDelFAMType": "NSA", "LearnDelFAMCode": "4"},
    ]
    record = learner(
        aim(1, FundModel=10, LearningDeliveryFAM=fams),
        LLDDandHealthProblem=[{"LLDDCat": 1}, {"LLDDCat": 4, "PrimaryLLDD": 1}],
    )
    carried = carry_learner(record, OLD, NEW)
    (delivery,) = carried.record["LearningDelivery"]
    assert "FundModel" not in delivery
    assert delivery["LearningDeliveryFAM"] == [fams[0]]
    assert carried.record["LLDDandHealthProblem"] == [{"LLDDCat": 4, "PrimaryLLDD": 1}]
    kinds = {(n.path, n.kind) for n in carried.notes}
    assert ("LearningDelivery[AimSeqNumber=1].FundModel", "code_removed") in kinds
    assert ("LearningDelivery[AimSeqNumber=1].LearningDeliveryFAM[1]", "element_dropped") in kinds
    assert ("LLDDandHealthProblem[0]", "element_dropped") in kinds
    # the missing FundModel is the one element a person must complete
    assert [p["path"] for p in carried.schema_problems] == ["LearningDelivery[0].FundModel"]


def test_elements_the_new_year_lacks_are_dropped_and_reported() -> None:
    he = {"NUMHUS": "1", "FUNDCOMP": 1, "QUALENT3": "P50"}
    carried = carry_learner(learner(aim(1, LearningDeliveryHE=he)), OLD, NEW)
    assert "FUNDCOMP" not in carried.record["LearningDelivery"][0]["LearningDeliveryHE"]
    assert ("LearningDelivery[AimSeqNumber=1].LearningDeliveryHE.FUNDCOMP", "element_dropped") in {
        (n.path, n.kind) for n in carried.notes
    }


def test_rollover_ids_and_provenance() -> None:
    enrolment_id = rollover_enrolment_id(NEW, "ilr_abc")
    assert enrolment_id == "rollover:2026/27:ilr_abc"
    assert rolled_over_from(enrolment_id) == "ilr_abc"
    assert rolled_over_from("import:2025/26:L1") is None and rolled_over_from(None) is None
    state = rollover_state(
        learner(aim(1)), actor="a", at="t", template_aims=[("prog", "ZPROG001"), ("x", "Z")],
        template_revision=3,
    )  # fmt: skip
    assert state.delivery_keys == {1: "prog"} and state.template_revision == 3
    assert {entry["source"] for entry in state.provenance.values()} == {"rollover", "person"}
    removed = state.provenance["LearningDelivery[key=x]"]
    assert removed["removed"] and removed["via"] == "rollover"
