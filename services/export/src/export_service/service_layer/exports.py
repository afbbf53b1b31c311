"""Use cases of the export API: request, list, read, report, serials, mark submitted."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from export_service.adapters import ilr_library as ilr
from export_service.adapters.repository import ExportItems, ExportJobs, FileSerials
from export_service.domain.calendar import ReturnCalendar
from export_service.domain.model import DEFAULT_STATUSES, SUBMISSION, TRIAL, Purpose
from ilr_shared.cursors import decode_cursor, encode_cursor
from ilr_shared.errors import ConflictError, InvalidInputError, not_found
from ilr_shared.events import (
    BatchSubmitted,
    EventEnvelope,
    EventType,
    SubmittedRecord,
    make_event,
)
from ilr_shared.mongo import Document


def new_job(
    tenant: str,
    actor: str,
    academic_year: str,
    statuses: Sequence[str] | None,
    programme_ids: Sequence[str] | None,
    now: dt.datetime,
    purpose: Purpose = SUBMISSION,
    *,
    return_period: Document | None = None,
    include_learners_with_errors: bool = False,
) -> Document:
    return {
        "_id": f"exp_{uuid.uuid4().hex}",
        "tenant": tenant,
        "academic_year": academic_year,
        "purpose": purpose,
        "return_period": return_period,
        "include_learners_with_errors": include_learners_with_errors,
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
        "return_period": job.get("return_period"),
        "include_learners_with_errors": bool(job.get("include_learners_with_errors")),
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


def chosen_period(
    calendar: ReturnCalendar, academic_year: str, requested: str | None, today: dt.date
) -> Document | None:
    """The return period a build is for: the one requested (422 when the calendar does not
    hold it), else the year's open period (None once its last return has closed)."""
    if requested is None:
        found = calendar.open_period(academic_year, today)
        return found.as_dict() if found is not None else None
    period = calendar.find(academic_year, requested)
    if period is None:
        message = f"the return calendar has no {requested} for {academic_year}"
        raise InvalidInputError(message, [{"path": "body.return_period", "message": message}])
    return period.as_dict()


def calendar_of(calendar: ReturnCalendar, academic_year: str, today: dt.date) -> Document:
    """The year's return periods, the open one marked."""
    periods = calendar.periods_of(academic_year)
    if not periods:
        message = f"the return calendar does not hold {academic_year}"
        raise InvalidInputError(message, [{"path": "query.academic_year", "message": message}])
    current = calendar.open_period(academic_year, today)
    return {
        "academic_year": academic_year,
        "open_period": current.period if current is not None else None,
        "periods": [{**p.as_dict(), "open": p == current} for p in periods],
    }


async def get_job(jobs: ExportJobs, tenant: str, export_id: str) -> Document:
    job = await jobs.get(tenant, export_id)
    if job is None:
        raise not_found("Export")
    return job


async def job_with_file(jobs: ExportJobs, tenant: str, export_id: str) -> Document:
    job = await get_job(jobs, tenant, export_id)
    if job["state"] != "succeeded" or job.get("file_id") is None:
        raise ConflictError(f"The export has no file (state: {job['state']})")
    return job


async def finished_job(jobs: ExportJobs, tenant: str, export_id: str) -> Document:
    """The job once its report is complete (it succeeded or failed)."""
    job = await get_job(jobs, tenant, export_id)
    if job["state"] in ("queued", "running"):
        raise ConflictError(f"The report is not ready (state: {job['state']})")
    return job


@dataclass(frozen=True, slots=True)
class JobPage:
    items: list[Document]
    next_cursor: str | None


async def list_jobs(jobs: ExportJobs, tenant: str, limit: int, cursor: str | None) -> JobPage:
    """The tenant's exports, newest first, `limit` at a time."""
    found = await jobs.page(tenant, limit + 1, _page_start(cursor))
    if len(found) <= limit:
        return JobPage(found, None)
    last = found[limit - 1]
    next_cursor = encode_cursor({"created_at": last["created_at"].isoformat(), "id": last["_id"]})
    return JobPage(found[:limit], next_cursor)


def _page_start(cursor: str | None) -> tuple[dt.datetime, str] | None:
    if not cursor:
        return None
    values = decode_cursor(cursor)
    try:
        return dt.datetime.fromisoformat(values["created_at"]), str(values["id"])
    except (KeyError, ValueError, TypeError) as exc:
        problem = {"path": "query.cursor", "message": "bad cursor"}
        raise InvalidInputError("The cursor is not valid", [problem]) from exc


async def serials_used(serials: FileSerials, tenant: str, academic_year: str) -> int:
    """How many of the year's file serial numbers the tenant's submission builds took."""
    try:
        year_code = ilr.year_facts(academic_year).year_code
    except ilr.UnsupportedYearError as exc:
        problem = {"path": "query.academic_year", "message": str(exc)}
        raise InvalidInputError(str(exc), [problem]) from exc
    return await serials.used(tenant, year_code)


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
        raise ConflictError(f"Only a succeeded export can be submitted (state: {job['state']})")
    if job.get("purpose") == TRIAL:
        raise ConflictError("A trial build is for checking only: build the file for submission")
    if job.get("submitted_at") is not None:
        raise ConflictError("The export is already marked submitted")
    records = await items.included_records(tenant, export_id)
    events = batch_submitted_events(job, records, chunk)
    fields = {"submitted_at": now, "submitted_by": actor}
    updated = await jobs.mark_submitted(tenant, export_id, fields, events)
    if updated is None:
        raise ConflictError("The export changed meanwhile (already submitted?)")
    return updated


def batch_submitted_events(
    job: Document, records: list[Document], chunk: int
) -> list[EventEnvelope]:
    """`batch.submitted` events of at most `chunk` records each (one, empty, for none)."""
    export_id = job["_id"]
    return [
        make_event(
            EventType.BATCH_SUBMITTED,
            job["tenant"],
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
