"""ILR documents <-> the domain's `Ilr`, and a revision or creation as the documents it writes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ilr_service.domain.ilr import Change, Creation, Ilr, Revision
from ilr_service.domain.listing import IlrSummary, VersionEntry
from ilr_service.domain.record import Enrolment, IlrState, Provenance
from ilr_service.domain.reference import ProgrammeSettings, StoredTemplate, Withdrawal
from ilr_shared.events import EventEnvelope, EventType, RecordChanged, make_event
from ilr_shared.mongo import Document
from ilr_shared.outbox import outbox_fields

# Winning writes an ILR remembers (`recent_writes`): their version documents count
# before they are confirmed.
RECENT_WRITES = 20


@dataclass(frozen=True)
class StorageToken:
    """The compare-and-set bookkeeping of one read ILR (`Ilr.token`)."""

    write_id: str | None = None
    recent_writes: tuple[str, ...] = ()


def token_of(ilr: Ilr) -> StorageToken:
    if not isinstance(ilr.token, StorageToken):
        raise TypeError(f"ILR {ilr.id} was not read from the store: re-read it to change it")
    return ilr.token


# -- reading ---------------------------------------------------------------------------


def provenance_of(entries: list[dict[str, Any]] | None) -> dict[str, Provenance]:
    # Stored as a list: field paths contain dots, which MongoDB keys should not.
    provenance: dict[str, Provenance] = {}
    for entry in entries or []:
        entry = dict(entry)
        provenance[entry.pop("path")] = entry
    return provenance


def delivery_keys_of(stored: dict[str, str] | None) -> dict[int, str]:
    return {int(k): v for k, v in (stored or {}).items()}


def state_of(document: Document) -> IlrState:
    return IlrState(
        record=dict(document.get("record") or {}),
        provenance=provenance_of(document.get("provenance")),
        delivery_keys=delivery_keys_of(document.get("delivery_keys")),
        template_revision=int(document.get("template_revision") or 0),
    )


def enrolment_of(document: Document) -> Enrolment:
    enrolment = document.get("enrolment") or {}
    return Enrolment(
        learner=enrolment.get("learner") or {},
        learn_start_date=enrolment.get("LearnStartDate") or "",
        learn_plan_end_date=enrolment.get("LearnPlanEndDate"),
    )


def ilr_of(document: Document) -> Ilr:
    return Ilr(
        id=document["_id"],
        tenant=document["tenant"],
        programme_id=document["programme_id"],
        enrolment_id=document.get("enrolment_id"),
        academic_year=document["academic_year"],
        status=document["status"],
        version=int(document["version"]),
        state=state_of(document),
        enrolment=enrolment_of(document),
        withdrawn=bool(document.get("withdrawn")),
        signature=document.get("signature"),
        last_editor=document.get("last_editor"),
        findings=list(document.get("findings") or []),
        updated_at=document.get("updated_at"),
        updated_by=document.get("updated_by"),
        token=StorageToken(document.get("write_id"), tuple(document.get("recent_writes") or ())),
    )


def summary_of(document: Document) -> IlrSummary:
    record = document.get("record") or {}
    counts = document.get("finding_counts") or {}
    return IlrSummary(
        id=document["_id"],
        programme_id=document["programme_id"],
        enrolment_id=document.get("enrolment_id"),
        academic_year=document["academic_year"],
        status=document["status"],
        version=document["version"],
        learn_ref=record.get("LearnRefNumber"),
        uln=record.get("ULN"),
        given_names=record.get("GivenNames"),
        family_name=record.get("FamilyName"),
        updated_at=document.get("updated_at"),
        error_count=counts.get("errors", 0),
        warning_count=counts.get("warnings", 0),
    )


def version_entry_of(document: Document) -> VersionEntry:
    return VersionEntry(
        version=document["version"],
        at=document.get("at"),
        actor=document.get("actor"),
        source=document.get("source"),
        action=document.get("action"),
        status=document.get("status"),
        changed_fields=document.get("changed_fields"),
        record=document.get("record") or {},
        provenance=provenance_of(document.get("provenance")),
        delivery_keys=delivery_keys_of(document.get("delivery_keys")),
    )


def template_of(document: Document) -> StoredTemplate:
    return StoredTemplate(
        programme_id=document.get("programme_id") or "",
        revision=int(document["revision"]),
        template=document.get("template"),
        academic_year=document.get("academic_year"),
    )


def programme_of(document: Document) -> ProgrammeSettings:
    return ProgrammeSettings(
        programme_id=document.get("programme_id") or "",
        sequence=int(document.get("sequence") or 0),
        name=document.get("name"),
        academic_year=document.get("academic_year"),
        ilr_enabled=document.get("ilr_enabled"),
        allow_sign_without_verification=bool(document.get("allow_sign_without_verification")),
    )


def withdrawal_of(document: Document) -> Withdrawal:
    return Withdrawal(
        enrolment_id=document.get("enrolment_id") or "",
        programme_id=document.get("programme_id"),
        withdrawn_on=document.get("withdrawn_on"),
        reason=document.get("reason", ""),
    )


# -- writing ---------------------------------------------------------------------------


def enrolment_fields(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "learner": dict(enrolment.learner),
        "LearnStartDate": enrolment.learn_start_date,
        "LearnPlanEndDate": enrolment.learn_plan_end_date,
    }


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


def state_fields(ilr: Ilr) -> dict[str, Any]:
    """The stored content of an ILR whose state is normalised (`domain.ilr.normalised`)."""
    state, findings = ilr.state, ilr.findings
    errors = sum(1 for f in findings if f["severity"] == "error")
    return {
        "record": state.record,
        "provenance": [{"path": path, **entry} for path, entry in state.provenance.items()],
        "delivery_keys": {str(k): v for k, v in state.delivery_keys.items()},
        "template_revision": state.template_revision,
        "findings": findings,
        # counts kept beside the findings so lists read them without the findings
        "finding_counts": {"errors": errors, "warnings": len(findings) - errors},
        **search_fields(state.record),
    }


def record_changed(ilr: Ilr) -> EventEnvelope:
    return make_event(
        EventType.RECORD_CHANGED,
        ilr.tenant,
        ilr.id,
        ilr.version,
        RecordChanged(
            ilr_id=ilr.id,
            version=ilr.version,
            status=ilr.status,
            academic_year=ilr.academic_year,
            programme_id=ilr.programme_id,
            enrolment_id=ilr.enrolment_id,
            record=ilr.state.record,
        ),
    )


def version_document(
    ilr: Ilr,
    change: Change,
    changed: list[str],
    fields: dict[str, Any],
    *,
    write_id: str,
    prev_write_id: str | None,
) -> dict[str, Any]:
    """The history entry of `ilr` (as the write leaves it), not yet confirmed."""
    return {
        "_id": write_id,
        "tenant": ilr.tenant,
        "ilr_id": ilr.id,
        "version": ilr.version,
        "at": ilr.updated_at,
        "actor": change.actor,
        "source": change.source,
        "action": change.action,
        "status": ilr.status,
        "changed_fields": changed,
        "record": fields["record"],
        "provenance": fields["provenance"],
        "delivery_keys": fields["delivery_keys"],
        "template_revision": fields["template_revision"],
        "committed": False,
        "prev_write_id": prev_write_id,
    }


@dataclass
class Commit:
    """One compare-and-set change of an ILR and its version document."""

    ilr_id: str
    tenant: str
    expected_version: int
    set_fields: dict[str, Any]
    version_doc: dict[str, Any]
    event: EventEnvelope
    prev_write_id: str | None
    # Winning writes this compare-and-set pushes out of `recent_writes` (confirmed first).
    evicts: tuple[str, ...] = ()

    @property
    def write_id(self) -> str:
        return str(self.version_doc["_id"])


def commit_of(revision: Revision) -> Commit:
    before, after = revision.before, revision.after
    token = token_of(before)
    write_id = uuid.uuid4().hex
    fields = state_fields(after)
    set_fields: dict[str, Any] = {
        **fields,
        **revision.sets,
        "status": after.status,
        "version": after.version,
        "write_id": write_id,
        "updated_at": after.updated_at,
        "updated_by": after.updated_by,
    }
    overflow = len(token.recent_writes) + 1 - RECENT_WRITES
    return Commit(
        ilr_id=before.id,
        tenant=before.tenant,
        expected_version=before.version,
        set_fields=set_fields,
        version_doc=version_document(
            after,
            revision.change,
            revision.changed_fields,
            fields,
            write_id=write_id,
            prev_write_id=token.write_id,
        ),
        event=record_changed(after),
        prev_write_id=token.write_id,
        evicts=token.recent_writes[:overflow] if overflow > 0 else (),
    )


def new_documents(creation: Creation) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new ILR document (version 1, with its record.changed event) and its version doc."""
    ilr, change = creation.ilr, creation.change
    write_id = uuid.uuid4().hex
    fields = state_fields(ilr)
    document: dict[str, Any] = {
        "_id": ilr.id,
        "tenant": ilr.tenant,
        "programme_id": ilr.programme_id,
        "enrolment_id": ilr.enrolment_id,
        "academic_year": ilr.academic_year,
        "status": ilr.status,
        "version": ilr.version,
        "write_id": write_id,
        "recent_writes": [write_id],
        "withdrawn": False,
        "enrolment": enrolment_fields(ilr.enrolment),
        "signature": None,
        "last_editor": None,
        "created_at": ilr.updated_at,
        "updated_at": ilr.updated_at,
        "updated_by": ilr.updated_by,
        "created_by_event": creation.source_event,
        **fields,
        **change.extra,
        **outbox_fields([record_changed(ilr)]),
    }
    version_doc = version_document(
        ilr, change, creation.changed_fields, fields, write_id=write_id, prev_write_id=None
    )
    return document, version_doc
