"""The ILR aggregate and what one change of it produces: a new version, findings, status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ilr_service.domain import ilr_model
from ilr_service.domain.diff import changed_fields
from ilr_service.domain.record import Enrolment, IlrState
from ilr_service.domain.workflow import NEWLY_SUBMITTED, status_after_content_change

_ILR_NAMESPACE = uuid.UUID("8a0e5f1c-4f64-4a51-9a43-0b1de3a3c5f1")
SYSTEM = "system"
# Sources whose content change makes the actor the ILR's last editor (QA may not be theirs).
_EDITING_SOURCES = frozenset({"person", "reset", "restore"})


def ilr_id_for(tenant: str, enrolment_id: str) -> str:
    """Deterministic: a duplicated enrolment event can only ever name the same ILR."""
    return "ilr_" + uuid.uuid5(_ILR_NAMESPACE, f"{tenant}:{enrolment_id}").hex[:24]


def now() -> datetime:
    """UTC now at the millisecond precision BSON dates keep, so what a write returns is
    what a later read returns."""
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def timestamp() -> str:
    """UTC now as the ISO string provenance and signatures store."""
    return datetime.now(UTC).isoformat()


@dataclass
class Change:
    """What a use case wants to commit for one ILR."""

    state: IlrState
    actor: str
    source: str  # template | enrolment | person | workflow | reset | restore | export | import
    action: str
    status: str | None = None  # a workflow transition's target
    # Other stored fields the change sets (withdrawn, signature, verified_by, imported …).
    extra: dict[str, Any] = field(default_factory=dict)
    # A corrected enrolment (`enrolment.updated`) the ILR keeps from this version on.
    enrolment: Enrolment | None = None


@dataclass(frozen=True)
class Ilr:
    """One learner's ILR as stored: identity, content (`state`), workflow facts."""

    id: str
    tenant: str
    programme_id: str
    enrolment_id: str | None
    academic_year: str
    status: str
    version: int
    state: IlrState
    enrolment: Enrolment
    withdrawn: bool = False
    signature: dict[str, Any] | None = None
    last_editor: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    updated_at: datetime | None = None
    updated_by: str | None = None
    # Opaque to everything but the store: its compare-and-set bookkeeping for this read.
    token: Any = None

    @property
    def record(self) -> dict[str, Any]:
        return self.state.record


# Fields of `Change.extra` that are attributes of the aggregate too.
_AGGREGATE_FIELDS = frozenset({"withdrawn", "signature", "last_editor"})


@dataclass(frozen=True)
class Revision:
    """One new version of an ILR: what it was, what it becomes, and how.

    `after.token` is still the token of the read `before` came from."""

    before: Ilr
    after: Ilr
    change: Change
    changed_fields: list[str]
    # Stored fields set besides the content and status (Change.extra and its consequences).
    sets: dict[str, Any]

    @property
    def ilr_id(self) -> str:
        return self.before.id


@dataclass(frozen=True)
class Creation:
    """A new ILR at version 1 and the change that made it (enrolment or import)."""

    ilr: Ilr
    change: Change
    changed_fields: list[str]
    source_event: str | None


def normalised(state: IlrState, academic_year: str) -> IlrState:
    """The state as stored: record in XSD order, provenance and delivery keys sorted."""
    return IlrState(
        record=ilr_model.order_record(academic_year, state.record),
        provenance=dict(sorted(state.provenance.items())),
        delivery_keys=dict(sorted(state.delivery_keys.items())),
        template_revision=state.template_revision,
    )


def revise(ilr: Ilr, change: Change) -> Revision:
    """The next version of `ilr` after `change`: findings of the official rules, and a
    content change of signed content sends it back to signature_required."""
    state = normalised(change.state, ilr.academic_year)
    changed = changed_fields(
        ilr.state.record, state.record, ilr.state.delivery_keys, change.state.delivery_keys
    )
    status = change.status or ilr.status
    sets = dict(change.extra)
    if change.status is None and changed:
        new_status = status_after_content_change(status)
        if new_status != status:
            status = new_status
            sets["signature"] = None
    if change.source in _EDITING_SOURCES and changed:
        sets["last_editor"] = change.actor
    if change.enrolment is not None:
        sets["enrolment"] = change.enrolment.as_fields()
    after = replace(
        ilr,
        state=state,
        status=status,
        version=ilr.version + 1,
        findings=ilr_model.findings(state.record, ilr.academic_year, ilr.tenant),
        updated_at=now(),
        updated_by=change.actor,
        enrolment=change.enrolment or ilr.enrolment,
        **{name: value for name, value in sets.items() if name in _AGGREGATE_FIELDS},
    )
    return Revision(ilr, after, change, changed, sets)


def create(
    *,
    tenant: str,
    ilr_id: str,
    programme_id: str,
    enrolment_id: str,
    academic_year: str,
    enrolment: Enrolment,
    change: Change,
    source_event: str | None,
) -> Creation:
    """A new ILR (version 1, newly submitted) holding `change.state`."""
    state = normalised(change.state, academic_year)
    ilr = Ilr(
        id=ilr_id,
        tenant=tenant,
        programme_id=programme_id,
        enrolment_id=enrolment_id,
        academic_year=academic_year,
        status=NEWLY_SUBMITTED,
        version=1,
        state=state,
        enrolment=enrolment,
        findings=ilr_model.findings(state.record, academic_year, tenant),
        updated_at=now(),
        updated_by=change.actor,
    )
    changed = changed_fields({}, state.record, {}, change.state.delivery_keys)
    return Creation(ilr, change, changed, source_event)
