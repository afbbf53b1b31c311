"""ILR documents <-> domain state, and building a versioned, evented change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ilr_service.adapters import ilr_model
from ilr_service.adapters.repository import RECENT_WRITES, Commit
from ilr_service.domain.diff import changed_fields
from ilr_service.domain.record import Enrolment, IlrState, Provenance
from ilr_service.domain.workflow import NEWLY_SUBMITTED, status_after_content_change
from ilr_shared.events import EventEnvelope, EventType, RecordChanged, make_event
from ilr_shared.mongo import Document
from ilr_shared.outbox import outbox_fields

_ILR_NAMESPACE = uuid.UUID("8a0e5f1c-4f64-4a51-9a43-0b1de3a3c5f1")
SYSTEM = "system"


def ilr_id_for(tenant: str, enrolment_id: str) -> str:
    """Deterministic: a duplicated enrolment event can only ever name the same ILR."""
    return "ilr_" + uuid.uuid5(_ILR_NAMESPACE, f"{tenant}:{enrolment_id}").hex[:24]


def now() -> datetime:
    """UTC now at the millisecond precision BSON dates keep, so what a write returns is
    what a later read returns."""
    at = datetime.now(UTC)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def state_of(document: Document) -> IlrState:
    provenance: dict[str, Provenance] = {}
    for entry in document.get("provenance") or []:
        entry = dict(entry)
        provenance[entry.pop("path")] = entry
    return IlrState(
        record=dict(document.get("record") or {}),
        provenance=provenance,
        delivery_keys={int(k): v for k, v in (document.get("delivery_keys") or {}).items()},
        template_revision=int(document.get("template_revision") or 0),
    )


def enrolment_of(document: Document) -> Enrolment:
    enrolment = document.get("enrolment") or {}
    return Enrolment(
        learner=enrolment.get("learner") or {},
        learn_start_date=enrolment.get("LearnStartDate") or "",
        learn_plan_end_date=enrolment.get("LearnPlanEndDate"),
    )


def provenance_list(state: IlrState) -> list[dict[str, Any]]:
    # Stored as a list: field paths contain dots, which MongoDB keys should not.
    return [{"path": path, **entry} for path, entry in sorted(state.provenance.items())]


def search_fields(record: dict[str, Any]) -> dict[str, Any]:
    given = str(record.get("GivenNames") or "").strip().lower()
    family = str(record.get("FamilyName") or "").strip().lower()
    names = {part for part in f"{given} {family}".split() if part}
    if given or family:
        names.add(f"{given} {family}".strip())
    return {
        "uln": record.get("ULN"),
        "learn_ref": record.get("LearnRefNumber"),
        "family_name_lc": family,
        "search_names": sorted(names),
    }


def state_fields(state: IlrState, academic_year: str, tenant: str) -> dict[str, Any]:
    record = ilr_model.order_record(academic_year, state.record)
    findings = ilr_model.findings(record, academic_year, tenant)
    errors = sum(1 for f in findings if f["severity"] == "error")
    return {
        "record": record,
        "provenance": provenance_list(state),
        "delivery_keys": {str(k): v for k, v in sorted(state.delivery_keys.items())},
        "template_revision": state.template_revision,
        "findings": findings,
        # counts kept beside the findings so lists read them without the findings
        "finding_counts": {"errors": errors, "warnings": len(findings) - errors},
        **search_fields(record),
    }


def record_changed(
    document: Document, version: int, status: str, record: dict[str, Any]
) -> EventEnvelope:
    return make_event(
        EventType.RECORD_CHANGED,
        document["tenant"],
        document["_id"],
        version,
        RecordChanged(
            ilr_id=document["_id"],
            version=version,
            status=status,
            academic_year=document["academic_year"],
            programme_id=document["programme_id"],
            enrolment_id=document.get("enrolment_id"),
            record=record,
        ),
    )


def _version_doc(
    document: Document,
    *,
    write_id: str,
    version: int,
    at: datetime,
    actor: str,
    source: str,
    action: str,
    status: str,
    changed: list[str],
    fields: dict[str, Any],
    prev_write_id: str | None,
) -> dict[str, Any]:
    return {
        "_id": write_id,
        "tenant": document["tenant"],
        "ilr_id": document["_id"],
        "version": version,
        "at": at,
        "actor": actor,
        "source": source,
        "action": action,
        "status": status,
        "changed_fields": changed,
        "record": fields["record"],
        "provenance": fields["provenance"],
        "delivery_keys": fields["delivery_keys"],
        "template_revision": fields["template_revision"],
        "committed": False,
        "prev_write_id": prev_write_id,
    }


@dataclass
class Change:
    """What a use case wants to commit for one ILR."""

    state: IlrState
    actor: str
    source: str  # template | enrolment | person | workflow | reset | restore | export
    action: str
    status: str | None = None  # a workflow transition's target
    extra: dict[str, Any] = field(default_factory=dict)


def build_commit(document: Document, change: Change) -> Commit:
    at = now()
    version = int(document["version"]) + 1
    write_id = uuid.uuid4().hex
    year, tenant = document["academic_year"], document["tenant"]
    fields = state_fields(change.state, year, tenant)
    changed = changed_fields(
        document.get("record") or {},
        fields["record"],
        {int(k): v for k, v in (document.get("delivery_keys") or {}).items()},
        change.state.delivery_keys,
    )
    status = change.status or document["status"]
    extra = dict(change.extra)
    if change.status is None and changed:
        new_status = status_after_content_change(status)
        if new_status != status:
            status = new_status
            extra["signature"] = None
    set_fields: dict[str, Any] = {
        **fields,
        **extra,
        "status": status,
        "version": version,
        "write_id": write_id,
        "updated_at": at,
        "updated_by": change.actor,
    }
    if change.source in ("person", "reset", "restore") and changed:
        set_fields["last_editor"] = change.actor
    version_doc = _version_doc(
        document,
        write_id=write_id,
        version=version,
        at=at,
        actor=change.actor,
        source=change.source,
        action=change.action,
        status=status,
        changed=changed,
        fields=fields,
        prev_write_id=document.get("write_id"),
    )
    return Commit(
        ilr_id=document["_id"],
        tenant=tenant,
        expected_version=int(document["version"]),
        set_fields=set_fields,
        version_doc=version_doc,
        event=record_changed(document, version, status, fields["record"]),
        prev_write_id=document.get("write_id"),
        evicts=_evicted(document),
    )


def _evicted(document: Document) -> tuple[str, ...]:
    """Winning writes the next compare-and-set pushes out of `recent_writes`."""
    recent = list(document.get("recent_writes") or [])
    overflow = len(recent) + 1 - RECENT_WRITES
    return tuple(recent[:overflow]) if overflow > 0 else ()


def new_document(
    *,
    tenant: str,
    ilr_id: str,
    programme_id: str,
    enrolment_id: str,
    academic_year: str,
    enrolment: Enrolment,
    state: IlrState,
    source_event: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new ILR document (version 1, with its record.changed event) and its version doc."""
    at = now()
    write_id = uuid.uuid4().hex
    fields = state_fields(state, academic_year, tenant)
    document: dict[str, Any] = {
        "_id": ilr_id,
        "tenant": tenant,
        "programme_id": programme_id,
        "enrolment_id": enrolment_id,
        "academic_year": academic_year,
        "status": NEWLY_SUBMITTED,
        "version": 1,
        "write_id": write_id,
        "recent_writes": [write_id],
        "withdrawn": False,
        "enrolment": {
            "learner": dict(enrolment.learner),
            "LearnStartDate": enrolment.learn_start_date,
            "LearnPlanEndDate": enrolment.learn_plan_end_date,
        },
        "signature": None,
        "last_editor": None,
        "created_at": at,
        "updated_at": at,
        "updated_by": SYSTEM,
        "created_by_event": source_event,
        **fields,
    }
    document.update(outbox_fields([record_changed(document, 1, NEWLY_SUBMITTED, fields["record"])]))
    version_doc = _version_doc(
        document,
        write_id=write_id,
        version=1,
        at=at,
        actor=SYSTEM,
        source="enrolment",
        action="create",
        status=NEWLY_SUBMITTED,
        changed=changed_fields({}, fields["record"], {}, state.delivery_keys),
        fields=fields,
        prev_write_id=None,
    )
    return document, version_doc
