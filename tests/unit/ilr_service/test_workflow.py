"""The ILR status workflow, as a pure state machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ilr_service.domain.workflow import (
    ACTIONS,
    COMPLETED,
    NEWLY_SUBMITTED,
    QA_VERIFIED,
    SIGNATURE_REQUIRED,
    SIGNED,
    STATUSES,
    Actor,
    Subject,
    WorkflowError,
    allowed_actions,
    blocked_actions,
    decide,
    status_after_content_change,
)

ADMIN = Actor("admin-1", frozenset({"admin"}))
VERIFIER = Actor("verifier-1", frozenset({"verifier"}))
LEARNER = Actor("learner-1", frozenset({"learner"}), learner_id="ilr_1")
OTHER_LEARNER = Actor("learner-2", frozenset({"learner"}), learner_id="ilr_2")
SYSTEM = Actor("export", system=True)


def subject(status: str, allow: bool = False, last_editor: str | None = None) -> Subject:
    return Subject("ilr_1", status, allow, last_editor)


def test_happy_path() -> None:
    status = NEWLY_SUBMITTED
    status = decide("request_signature", subject(status), ADMIN)
    assert status == SIGNATURE_REQUIRED
    status = decide("sign", subject(status), LEARNER)
    assert status == SIGNED
    status = decide("qa_verify", subject(status, last_editor="admin-1"), VERIFIER)
    assert status == QA_VERIFIED
    assert decide("complete", subject(status), SYSTEM) == COMPLETED
    assert decide("complete", subject(status), ADMIN) == COMPLETED


def test_sign_without_verification_only_when_programme_allows() -> None:
    with pytest.raises(WorkflowError) as refused:
        decide("sign", subject(NEWLY_SUBMITTED), LEARNER)
    assert refused.value.kind == "conflict"
    assert decide("sign", subject(NEWLY_SUBMITTED, allow=True), LEARNER) == SIGNED


def test_roles_and_own_record() -> None:
    with pytest.raises(WorkflowError) as wrong_role:
        decide("request_signature", subject(NEWLY_SUBMITTED), VERIFIER)
    assert wrong_role.value.kind == "forbidden"
    with pytest.raises(WorkflowError) as not_own:
        decide("sign", subject(SIGNATURE_REQUIRED), OTHER_LEARNER)
    assert not_own.value.kind == "forbidden"
    with pytest.raises(WorkflowError) as last_editor:
        decide("qa_verify", subject(SIGNED, last_editor="verifier-1"), VERIFIER)
    assert last_editor.value.kind == "forbidden"


def test_reopen_needs_admin_and_reason() -> None:
    with pytest.raises(WorkflowError) as no_reason:
        decide("reopen", subject(SIGNED), ADMIN)
    assert no_reason.value.kind == "invalid"
    assert decide("reopen", subject(COMPLETED), ADMIN, "wrong aim") == NEWLY_SUBMITTED
    with pytest.raises(WorkflowError) as from_start:
        decide("reopen", subject(NEWLY_SUBMITTED), ADMIN, "x")
    assert from_start.value.kind == "conflict"


def test_conflict_lists_allowed_actions() -> None:
    with pytest.raises(WorkflowError) as conflict:
        decide("complete", subject(SIGNED), ADMIN)
    assert conflict.value.kind == "conflict"
    assert conflict.value.allowed_actions == ["reopen"]


def test_editing_signed_content_needs_a_new_signature() -> None:
    for status in (SIGNED, QA_VERIFIED, COMPLETED):
        assert status_after_content_change(status) == SIGNATURE_REQUIRED
    for status in (NEWLY_SUBMITTED, SIGNATURE_REQUIRED):
        assert status_after_content_change(status) == status


actors = st.sampled_from([ADMIN, VERIFIER, LEARNER, OTHER_LEARNER, SYSTEM])


@given(
    status=st.sampled_from(STATUSES),
    action=st.sampled_from(ACTIONS),
    actor=actors,
    allow=st.booleans(),
    last_editor=st.sampled_from([None, "admin-1", "verifier-1"]),
)
def test_decide_agrees_with_allowed_actions(
    status: str, action: str, actor: Actor, allow: bool, last_editor: str | None
) -> None:
    facts = subject(status, allow, last_editor)
    allowed = allowed_actions(facts, actor)
    try:
        target = decide(action, facts, actor, reason="because")
    except WorkflowError as exc:
        assert action not in allowed
        assert exc.allowed_actions == allowed
    else:
        assert action in allowed
        assert target in STATUSES


def test_error_findings_block_qa_verification_and_say_why() -> None:
    blocked = Subject("ilr_1", SIGNED, error_count=2)
    with pytest.raises(WorkflowError) as refused:
        decide("qa_verify", blocked, VERIFIER)
    assert refused.value.kind == "conflict"
    assert "2 validation errors" in refused.value.message
    assert "qa_verify" not in allowed_actions(blocked, VERIFIER)
    assert blocked_actions(blocked) == {"qa_verify": refused.value.message}


def test_no_errors_leaves_qa_verification_open() -> None:
    clean = Subject("ilr_1", SIGNED, error_count=0)
    assert decide("qa_verify", clean, VERIFIER) == QA_VERIFIED
    assert blocked_actions(clean) == {}
    assert blocked_actions(Subject("ilr_1", NEWLY_SUBMITTED, error_count=3)) == {}
