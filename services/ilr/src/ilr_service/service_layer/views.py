"""What the read API returns: an ILR as its caller may see it, list rows, history."""

from __future__ import annotations

from typing import Any

from ilr_service.domain import ilr_model
from ilr_service.domain.diff import diff
from ilr_service.domain.ilr import Ilr
from ilr_service.domain.listing import IlrSummary, VersionEntry
from ilr_service.domain.workflow import Actor, Subject, allowed_actions, blocked_actions


def ilr_view(ilr: Ilr, subject: Subject, actor: Actor, visible: set[str] | None) -> dict[str, Any]:
    """`visible`: the record elements the caller may see (None: all of them)."""
    record, provenance = ilr.state.record, ilr.state.provenance
    if visible is not None:
        record = {k: v for k, v in record.items() if k in visible}
        provenance = {k: v for k, v in provenance.items() if k in visible}
    return {
        "id": ilr.id,
        "tenant": ilr.tenant,
        "programme_id": ilr.programme_id,
        "enrolment_id": ilr.enrolment_id,
        "academic_year": ilr.academic_year,
        "status": ilr.status,
        "version": ilr.version,
        "template_revision": ilr.state.template_revision,
        "withdrawn": ilr.withdrawn,
        "record": record,
        "user_part": list(ilr_model.user_part(ilr.academic_year)),
        "provenance": provenance,
        "delivery_keys": {str(k): v for k, v in ilr.state.delivery_keys.items()},
        "signature": ilr.signature,
        "allowed_actions": allowed_actions(subject, actor),
        "blocked_actions": blocked_actions(subject),
        "findings": ilr.findings,
        "updated_at": ilr.updated_at,
        "updated_by": ilr.updated_by,
    }


def summary_view(summary: IlrSummary) -> dict[str, Any]:
    return {
        "id": summary.id,
        "programme_id": summary.programme_id,
        "enrolment_id": summary.enrolment_id,
        "academic_year": summary.academic_year,
        "status": summary.status,
        "version": summary.version,
        "LearnRefNumber": summary.learn_ref,
        "ULN": summary.uln,
        "GivenNames": summary.given_names,
        "FamilyName": summary.family_name,
        "updated_at": summary.updated_at,
        "error_count": summary.error_count,
        "warning_count": summary.warning_count,
    }


def _who_and_when(entry: VersionEntry) -> dict[str, Any]:
    return {
        "version": entry.version,
        "at": entry.at,
        "actor": entry.actor,
        "source": entry.source,
        "action": entry.action,
        "status": entry.status,
    }


def version_item(entry: VersionEntry) -> dict[str, Any]:
    return {**_who_and_when(entry), "changed_fields": entry.changed_fields}


def version_view(
    entry: VersionEntry, previous: VersionEntry | None, visible: set[str] | None
) -> dict[str, Any]:
    """One version with its diff from the previous one; `visible` as in `ilr_view`."""
    record = entry.record
    changes = diff(
        previous.record if previous else {},
        entry.record,
        previous.delivery_keys if previous else {},
        entry.delivery_keys,
    )
    if visible is not None:
        record = {k: v for k, v in record.items() if k in visible}
        changes = [c for c in changes if c["path"] in visible]
    return {
        **_who_and_when(entry),
        "record": record,
        "delivery_keys": {}
        if visible is not None
        else {str(k): v for k, v in entry.delivery_keys.items()},
        "diff": changes,
    }
