"""The ILR status workflow, pure: who may move a record where, and what each move sets.

newly_submitted → signature_required → signed → qa_verified → completed; reopen goes back
to newly_submitted. The table of actions, states and roles is in docs/ENGINEERING.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NEWLY_SUBMITTED = "newly_submitted"
SIGNATURE_REQUIRED = "signature_required"
SIGNED = "signed"
QA_VERIFIED = "qa_verified"
COMPLETED = "completed"

STATUSES: tuple[str, ...] = (NEWLY_SUBMITTED, SIGNATURE_REQUIRED, SIGNED, QA_VERIFIED, COMPLETED)
ACTIONS: tuple[str, ...] = ("request_signature", "sign", "qa_verify", "complete", "reopen")

_SIGNED_STATES = frozenset({SIGNED, QA_VERIFIED, COMPLETED})


@dataclass(frozen=True)
class Actor:
    sub: str
    roles: frozenset[str] = field(default_factory=frozenset)
    learner_id: str | None = None
    system: bool = False


@dataclass(frozen=True)
class Subject:
    """The facts about one ILR that the rules look at."""

    ilr_id: str
    status: str
    allow_sign_without_verification: bool = False
    last_editor: str | None = None
    # Error findings of the official rules on the current content: they block QA.
    error_count: int = 0


class WorkflowError(Exception):
    def __init__(
        self, kind: Literal["conflict", "forbidden", "invalid"], message: str, allowed: list[str]
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.allowed_actions = allowed


def _from_states(action: str, subject: Subject) -> frozenset[str]:
    if action == "request_signature":
        return frozenset({NEWLY_SUBMITTED})
    if action == "sign":
        if subject.allow_sign_without_verification:
            return frozenset({SIGNATURE_REQUIRED, NEWLY_SUBMITTED})
        return frozenset({SIGNATURE_REQUIRED})
    if action == "qa_verify":
        return frozenset({SIGNED})
    if action == "complete":
        return frozenset({QA_VERIFIED})
    if action == "reopen":
        return frozenset({SIGNATURE_REQUIRED, SIGNED, QA_VERIFIED, COMPLETED})
    return frozenset()


_TARGET = {
    "request_signature": SIGNATURE_REQUIRED,
    "sign": SIGNED,
    "qa_verify": QA_VERIFIED,
    "complete": COMPLETED,
    "reopen": NEWLY_SUBMITTED,
}


def _permitted(action: str, subject: Subject, actor: Actor) -> str | None:
    """None when the actor may do `action` on this record, else the reason why not."""
    if actor.system:
        return None if action == "complete" else "the system only completes records"
    if action in ("request_signature", "reopen"):
        return None if "admin" in actor.roles else "only an admin may do this"
    if action == "sign":
        if "learner" not in actor.roles or actor.learner_id != subject.ilr_id:
            return "only the learner may sign their own record"
        return None
    if action == "qa_verify":
        if "verifier" not in actor.roles:
            return "only a verifier may QA-verify"
        if subject.last_editor is not None and subject.last_editor == actor.sub:
            return "the last editor of a record may not QA-verify it"
        return None
    if action == "complete":
        return None if "admin" in actor.roles else "only an admin (or a submitted export) completes"
    return "unknown action"


def _blocked_by_errors(count: int) -> str:
    noun = "error" if count == 1 else "errors"
    return f"the record has {count} validation {noun}: correct them before QA verification"


def allowed_actions(subject: Subject, actor: Actor) -> list[str]:
    return [
        action
        for action in ACTIONS
        if subject.status in _from_states(action, subject)
        and _permitted(action, subject, actor) is None
        and not (action == "qa_verify" and subject.error_count)
    ]


def blocked_reason(action: str, subject: Subject) -> str | None:
    """Why an action the state would allow is refused on the content, if it is."""
    if action == "qa_verify" and subject.status == SIGNED and subject.error_count:
        return _blocked_by_errors(subject.error_count)
    return None


def decide(action: str, subject: Subject, actor: Actor, reason: str | None = None) -> str:
    """The status after `action`; raises WorkflowError (403 role, 409 state, 422 input)."""
    allowed = allowed_actions(subject, actor)
    if action not in ACTIONS:
        raise WorkflowError("invalid", f"unknown action {action!r}", allowed)
    if subject.status not in _from_states(action, subject):
        raise WorkflowError(
            "conflict", f"{action} is not possible from status {subject.status}", allowed
        )
    refusal = _permitted(action, subject, actor)
    if refusal is not None:
        raise WorkflowError("forbidden", refusal, allowed)
    if action == "qa_verify" and subject.error_count:
        raise WorkflowError("conflict", _blocked_by_errors(subject.error_count), allowed)
    if action == "reopen" and not (reason or "").strip():
        raise WorkflowError("invalid", "reopen needs a reason", allowed)
    return _TARGET[action]


def status_after_content_change(status: str) -> str:
    """Editing signed content invalidates the signature."""
    return SIGNATURE_REQUIRED if status in _SIGNED_STATES else status


def transition_effects(
    action: str, *, version: int, actor: str, reason: str | None, at: str
) -> dict[str, Any]:
    """The stored fields a transition of the ILR at `version` sets besides its status: a
    signature is bound to the version it creates; reopening drops it."""
    if action == "sign":
        return {
            "signature": {"version": version + 1, "signed_version": version, "by": actor, "at": at}
        }
    if action == "reopen":
        return {"signature": None, "reopen_reason": reason}
    if action == "qa_verify":
        return {"verified_by": actor}
    return {}


def blocked_actions(subject: Subject) -> dict[str, str]:
    """Actions refused on the record's content, with the reason (shown beside the buttons)."""
    reasons = {action: blocked_reason(action, subject) for action in ACTIONS}
    return {action: reason for action, reason in reasons.items() if reason}
