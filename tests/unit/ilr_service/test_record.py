"""Examples of prefill, edits, resets, paths and diffs."""

from __future__ import annotations

import pytest

from ilr_service.domain.diff import diff
from ilr_service.domain.paths import PathError, parse_path
from ilr_service.domain.record import (
    EditError,
    EditRules,
    Enrolment,
    RenderedTemplate,
    add_delivery,
    apply_edit,
    prefill,
    reset_all,
    synchronise,
)

ENROLMENT = Enrolment(
    learner={
        "LearnRefNumber": "L1",
        "ULN": 1000000042,
        "GivenNames": "Ada",
        "FamilyName": "Lovelace",
    },
    learn_start_date="2026-09-01",
    learn_plan_end_date="2028-01-31",
)
T1 = RenderedTemplate(
    1,
    [
        (
            "prog",
            {
                "LearnAimRef": "ZPROG001",
                "AimType": 1,
                "LearnStartDate": "2026-09-01",
                "LearnPlanEndDate": "2027-12-01",
                "FundModel": 36,
                "DelLocPostCode": "B1 1AA",
            },
        ),
        ("maths", {"LearnAimRef": "60347024", "AimType": 3, "DelLocPostCode": "B1 1AA"}),
    ],
)
T2 = RenderedTemplate(
    2,
    [
        (
            "prog",
            {"LearnAimRef": "ZPROG001", "AimType": 1, "FundModel": 36, "DelLocPostCode": "M1 1AE"},
        ),
        ("english", {"LearnAimRef": "60347036", "AimType": 3}),
    ],
)


def test_prefill_sources() -> None:
    state = prefill(ENROLMENT, T1)
    prog = state.delivery(1)
    assert prog is not None
    assert prog["LearnPlanEndDate"] == "2028-01-31"  # the enrolment's own end date
    assert state.provenance["LearningDelivery[key=prog].LearnPlanEndDate"] == {
        "source": "enrolment"
    }
    assert state.provenance["LearningDelivery[key=prog].FundModel"] == {
        "source": "template",
        "revision": 1,
    }
    assert state.provenance["ULN"] == {"source": "enrolment"}
    assert state.delivery_keys == {1: "prog", 2: "maths"}


def test_template_change_adds_and_removes_aims_but_keeps_person_values() -> None:
    state = prefill(ENROLMENT, T1)
    state = apply_edit(
        state, {"LearningDelivery[seq=1].DelLocPostCode": "LS1 1AA"}, [], actor="u1", at="t"
    )
    state = synchronise(state, ENROLMENT, T2)
    assert state.delivery_keys == {1: "prog", 3: "english"}
    assert state.delivery(1)["DelLocPostCode"] == "LS1 1AA"  # type: ignore[index]
    state = reset_all(state, ENROLMENT, T2)
    assert state.delivery(1)["DelLocPostCode"] == "M1 1AE"  # type: ignore[index]


def test_edit_rules_and_paths() -> None:
    state = prefill(ENROLMENT, T1)
    rules = EditRules(
        learner_fields=frozenset({"GivenNames"}),
        delivery_fields=frozenset(),
        deliveries_allowed=False,
    )
    with pytest.raises(EditError):
        apply_edit(state, {"ULN": 1}, [], actor="l", at="t", rules=rules)
    with pytest.raises(EditError):
        apply_edit(
            state, {"LearningDelivery[key=prog].FundModel": 35}, [], actor="l", at="t", rules=rules
        )
    with pytest.raises(PathError):
        parse_path("Foo[key=x].Bar")
    assert str(parse_path("LearningDelivery[seq=3].LearnActEndDate")) == (
        "LearningDelivery[seq=3].LearnActEndDate"
    )


def test_person_added_aim_survives_template_and_reset() -> None:
    state, seq = add_delivery(
        prefill(ENROLMENT, T1), {"LearnAimRef": "ABC", "AimType": 4}, actor="u1", at="t"
    )
    state = reset_all(synchronise(state, ENROLMENT, T2), ENROLMENT, T2)
    assert state.delivery(seq) == {"LearnAimRef": "ABC", "AimType": 4, "AimSeqNumber": seq}


def test_diff_by_key() -> None:
    before = prefill(ENROLMENT, T1)
    after = synchronise(before, ENROLMENT, T2)
    changes = {
        d["path"]
        for d in diff(before.record, after.record, before.delivery_keys, after.delivery_keys)
    }
    assert "LearningDelivery[key=prog].DelLocPostCode" in changes
    assert "LearningDelivery[key=maths].LearnAimRef" in changes
    assert "LearningDelivery[key=english].LearnAimRef" in changes
