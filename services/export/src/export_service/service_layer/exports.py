"""Use cases of the export API: request, read, report, mark submitted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from export_service.adapters.repository import ExportItems, ExportJobs
from export_service.domain.model import DEFAULT_STATUSES, SUBMISSION, TRIAL, Purpose
from ilr_shared.events import BatchSubmitted, EventType, SubmittedRecord, make_event
from ilr_shared.http import ApiError, not_found
from ilr_shared.mongo import Document
from ilr_shared.outbox import merge_updates, outbox_push


def new_job(
    tenant: str,
    actor: str,
    academic_year: str,
    statuses: Sequence[str] | None,
    programme_ids: Sequence[str] | None,
    now: dt.datetime,
    purpose: Purpose = SUBMISSION,
) -> Document:
    return {
        "_id": f"exp_{uuid.uuid4().hex}",
        "tenant": tenant,
        "academic_year": academic_year,
        "purpose": purpose,
        "statuses": list(dict.fromkeys(statuses or DEFAULT_STATUSES)),
        "programme_ids": list(dict.fromkeys(programme_ids)) if programme_ids else None,
        "state": "queued",
        "progress": {"done": 0, "total": 0},
        "counts": {"included": 0, "left_out": 0},
        "validation_summary": {"errors": 0, "warnings": 0, "by_rule": {}},
        "file_name": None,
        "file_id": None,
        "pre_submission": None,
        "submitted_at": None,
        "submitted_by": None,
        "created_at": now,
        "created_by": actor,
        "started_at": None,
        "finished_at": None,
        "error": None,
        "attempts": 0,
        "owner": None,
        "lease_until": None,
    }


def to_api(job: Document) -> dict[str, Any]:
    """The `Export` resource of the API contract."""
    return {
        "id": job["_id"],
        "academic_year": job["academic_year"],
        "purpose": job.get("purpose", SUBMISSION),
        "serial_no": job.get("serial_no"),
        "state": job["state"],
        "statuses": job["statuses"],
        "programme_ids": job.get("programme_ids"),
        "progress": job.get("progress") or {"done": 0, "total": 0},
        "counts": job.get("counts") or {"included": 0, "left_out": 0},
        "validation_summary": job.get("validation_summary"),
        "file_name": job.get("file_name") if job["state"] == "succeeded" else None,
        "pre_submission": job.get("pre_submission"),
        "up_to_date": job.get("up_to_date"),
        "submitted_at": job.get("submitted_at"),
        "created_at": job["created_at"],
        "finished_at": job.get("finished_at"),
        "error": job.get("error"),
    }


async def get_job(jobs: ExportJobs, tenant: str, export_id: str) -> Document:
    job = await jobs.get(tenant, export_id)
    if job is None:
        raise not_found("Export")
    return job


async def mark_submitted(
    jobs: ExportJobs,
    items: ExportItems,
    tenant: str,
    export_id: str,
    actor: str,
    now: dt.datetime,
    chunk: int,
) -> Document:
    """Records that the file was sent to DfE and publishes `batch.submitted` through the
    outbox, in the same write. Large batches travel as several events (`sequence` 1..n)."""
    job = await get_job(jobs, tenant, export_id)
    if job["state"] != "succeeded":
        raise ApiError(409, f"Only a succeeded export can be submitted (state: {job['state']})")
    if job.get("purpose") == TRIAL:
        raise ApiError(409, "A trial build is for checking only: build the file for submission")
    if job.get("submitted_at") is not None:
        raise ApiError(409, "The export is already marked submitted")
    records = await items.included_records(tenant, export_id)
    events = [
        make_event(
            EventType.BATCH_SUBMITTED,
            tenant,
            export_id,
            sequence + 1,
            BatchSubmitted(
                export_id=export_id,
                academic_year=job["academic_year"],
                records=[SubmittedRecord(**r) for r in records[start : start + chunk]],
            ),
        )
        for sequence, start in enumerate(range(0, max(len(records), 1), chunk))
    ]
    update = merge_updates(
        {"$set": {"submitted_at": now, "submitted_by": actor}}, outbox_push(events)
    )
    updated = await jobs.mark_submitted(tenant, export_id, update)
    if updated is None:
        raise ApiError(409, "The export changed meanwhile (already submitted?)")
    return updated
