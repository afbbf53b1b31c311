"""HTTP API: /api/exports (admin only; every query scoped to the caller's tenant)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from export_service.adapters import ilr_library as ilr
from export_service.adapters.files import FileStore
from export_service.adapters.repository import ExportItems, ExportJobs, FileSerials
from export_service.config import Settings
from export_service.domain.calendar import PERIOD_PATTERN, ReturnCalendar
from export_service.domain.model import (
    DEFAULT_STATUSES,
    MAX_SERIAL,
    SUBMISSION,
    IlrStatus,
    JobState,
    Purpose,
)
from export_service.service_layer import exports
from export_service.service_layer.worker import ExportWorker
from ilr_shared.auth import Principal, Role, require_roles
from ilr_shared.errors import not_found
from ilr_shared.events import ACADEMIC_YEAR_PATTERN

PREFIX = "/api/exports"
router = APIRouter(prefix=PREFIX, tags=["exports"])


@dataclass
class ExportServices:
    """What the routes need; set on `app.state.exports` by the composition root."""

    jobs: ExportJobs
    items: ExportItems
    files: FileStore
    worker: ExportWorker
    settings: Settings
    clock: Callable[[], dt.datetime]
    kick_outbox: Callable[[], None]
    serials: FileSerials
    calendar: ReturnCalendar

    def today(self) -> dt.date:
        """Today in the provider's time zone (the calendar's dates are UK dates)."""
        return self.clock().astimezone(ZoneInfo(self.settings.timezone)).date()


def _services(request: Request) -> ExportServices:
    services: ExportServices = request.app.state.exports
    return services


Services = Annotated[ExportServices, Depends(_services)]
Admin = Annotated[Principal, require_roles(Role.ADMIN)]


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN, examples=["2026/27"])
    statuses: list[IlrStatus] = Field(
        default_factory=lambda: list(DEFAULT_STATUSES), min_length=1, max_length=5
    )
    programme_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, min_length=1, max_length=1000
    )
    purpose: Purpose = Field(
        SUBMISSION,
        description="`trial`: a build for checking only, which takes no serial number (its file "
        "carries 00) and cannot be marked submitted; `submission`: takes the year's next serial.",
    )
    return_period: str | None = Field(
        None,
        pattern=PERIOD_PATTERN,
        examples=["R04"],
        description="The return (R01-R14) the build is for; default: the year's open period "
        "(the next deadline of the return calendar).",
    )
    include_learners_with_errors: bool = Field(
        False,
        description="Write learners whose only problems are rule errors into the file, as "
        "Submit Learner Data would receive them (marked in the counts and the report); "
        "learners the schema rejects are still left out.",
    )

    @field_validator("academic_year")
    @classmethod
    def _academic_year_is_supported(cls, value: str) -> str:
        try:
            ilr.year_facts(value)
        except ilr.UnsupportedYearError as exc:
            raise ValueError(
                f"unsupported academic year; supported: {ilr.supported_years()}"
            ) from exc
        return value


class Progress(BaseModel):
    done: int
    total: int


class Counts(BaseModel):
    included: int
    left_out: int


class ValidationSummaryOut(BaseModel):
    errors: int
    warnings: int
    by_rule: dict[str, int]
    left_out_by_rule: dict[str, int] = Field(
        default_factory=dict,
        description="Learners left out of the file, counted once under each error rule",
    )
    learners_with_warnings: int = 0
    included_with_errors: int = Field(
        0, description="Of the learners in the file, those written with their rule errors"
    )
    included_with_errors_by_rule: dict[str, int] = Field(
        default_factory=dict,
        description="Learners written to the file with errors, counted once under each rule",
    )


class DuplicateUln(BaseModel):
    ULN: str
    LearnRefNumbers: list[str]


class NotSelected(BaseModel):
    LearnRefNumber: str | None
    ilr_id: str | None
    status: str | None
    reason: str


class IncludedWithErrors(BaseModel):
    LearnRefNumber: str | None
    ilr_id: str | None
    rules: list[str]


class ReturnPeriodOut(BaseModel):
    period: str = Field(examples=["R04"])
    census_date: dt.date
    deadline: dt.date


class PreSubmission(BaseModel):
    previous_export_id: str | None
    learner_count_change: int | None
    disappeared: list[str]
    disappeared_count: int
    duplicate_ulns: list[DuplicateUln]
    duplicate_learn_refs: list[str]
    not_selected: list[NotSelected] = Field(
        default_factory=list,
        description="The year's learners this build left out before any check (first 500)",
    )
    not_selected_count: int = 0
    included_with_errors: list[IncludedWithErrors] = Field(
        default_factory=list,
        description="Learners written to the file with their errors (first 500)",
    )
    included_with_errors_count: int = 0


class ExportOut(BaseModel):
    id: str
    academic_year: str
    purpose: Purpose = SUBMISSION
    serial_no: int | None = None
    return_period: ReturnPeriodOut | None = Field(
        None, description="The return the build is for (null: the year's returns had closed)"
    )
    include_learners_with_errors: bool = False
    state: JobState
    statuses: list[str]
    programme_ids: list[str] | None
    progress: Progress
    counts: Counts
    validation_summary: ValidationSummaryOut | None
    file_name: str | None
    pre_submission: PreSubmission | None
    up_to_date: bool | None = Field(
        None,
        description="True when the file holds every ILR change committed before the export "
        "started; false when it was built after waiting ILR_EXPORT_SYNC_TIMEOUT for them "
        "(export again to include the latest changes); null while it runs.",
    )
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    error: str | None


class ExportPage(BaseModel):
    items: list[ExportOut]
    next_cursor: str | None


def _out(job: dict[str, Any]) -> ExportOut:
    return ExportOut.model_validate(exports.to_api(job))


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ExportOut)
async def request_export(
    body: ExportRequest, principal: Admin, services: Services, response: Response
) -> ExportOut:
    period = exports.chosen_period(
        services.calendar, body.academic_year, body.return_period, services.today()
    )
    job = exports.new_job(
        principal.tenant,
        principal.sub,
        body.academic_year,
        body.statuses,
        body.programme_ids,
        services.clock(),
        body.purpose,
        return_period=period,
        include_learners_with_errors=body.include_learners_with_errors,
    )
    await services.jobs.insert(job)
    services.worker.kick()
    response.headers["Location"] = f"{PREFIX}/{job['_id']}"
    return _out(job)


class SerialsOut(BaseModel):
    academic_year: str
    used: int = Field(description="Serial numbers taken by builds for submission this year")
    remaining: int


@router.get("/serials", response_model=SerialsOut)
async def serials(
    principal: Admin,
    services: Services,
    academic_year: Annotated[str, Query(pattern=ACADEMIC_YEAR_PATTERN)] = "2026/27",
) -> SerialsOut:
    """How many of the year's 99 file serial numbers are used (trial builds take none)."""
    used = await exports.serials_used(services.serials, principal.tenant, academic_year)
    return SerialsOut(academic_year=academic_year, used=used, remaining=max(0, MAX_SERIAL - used))


class CalendarPeriod(ReturnPeriodOut):
    open: bool = Field(description="The open period: its deadline is the next from today")


class CalendarOut(BaseModel):
    academic_year: str
    open_period: str | None
    periods: list[CalendarPeriod]


@router.get("/calendar", response_model=CalendarOut)
async def calendar(
    principal: Admin,
    services: Services,
    academic_year: Annotated[str, Query(pattern=ACADEMIC_YEAR_PATTERN)] = "2026/27",
) -> CalendarOut:
    """The year's return periods R01-R14 (census date, deadline) from the return calendar."""
    found = exports.calendar_of(services.calendar, academic_year, services.today())
    return CalendarOut.model_validate(found)


@router.get("", response_model=ExportPage)
async def list_exports(
    principal: Admin,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> ExportPage:
    page = await exports.list_jobs(services.jobs, principal.tenant, limit, cursor)
    return ExportPage(items=[_out(job) for job in page.items], next_cursor=page.next_cursor)


@router.get("/{export_id}", response_model=ExportOut)
async def get_export(export_id: str, principal: Admin, services: Services) -> ExportOut:
    return _out(await exports.get_job(services.jobs, principal.tenant, export_id))


@router.get(
    "/{export_id}/file",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/xml": {}, "application/zip": {}}}},
)
async def download_file(
    export_id: str,
    principal: Admin,
    services: Services,
    zip: Annotated[bool, Query(description="a .zip holding the one XML file")] = False,
) -> StreamingResponse:
    job = await exports.job_with_file(services.jobs, principal.tenant, export_id)
    opened = await services.files.open(principal.tenant, job["file_id"])
    if opened is None:
        raise not_found("Export file")
    length, chunks = opened
    name: str = job["file_name"]
    if zip:
        zip_name = name.rsplit(".", 1)[0] + ".zip"
        return StreamingResponse(
            zipped(name, chunks),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{zip_name}"'},
        )
    return StreamingResponse(
        chunks,
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(length),
        },
    )


@router.get("/{export_id}/report", response_class=StreamingResponse)
async def report(
    export_id: str,
    principal: Admin,
    services: Services,
    format: Literal["json", "csv"] = "json",
) -> StreamingResponse:
    job = await exports.finished_job(services.jobs, principal.tenant, export_id)
    items = services.items.report(principal.tenant, export_id)
    stem = (job.get("file_name") or export_id).rsplit(".", 1)[0]
    if format == "csv":
        return StreamingResponse(
            report_csv(items),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}-report.csv"'},
        )
    return StreamingResponse(
        report_json(export_id, items, job.get("return_period")), media_type="application/json"
    )


@router.post("/{export_id}/submitted", response_model=ExportOut)
async def submitted(export_id: str, principal: Admin, services: Services) -> ExportOut:
    job = await exports.mark_submitted(
        services.jobs,
        services.items,
        principal.tenant,
        export_id,
        principal.sub,
        services.clock(),
        services.settings.submitted_chunk,
    )
    services.kick_outbox()
    return _out(job)


# ---------------------------------------------------------------- streamed bodies


class _Sink:
    """A non-seekable target for `zipfile`: what is written is handed out as it comes."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


async def zipped(name: str, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """A zip with one entry streamed from `chunks` (data descriptors, no seeking)."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    info = zipfile.ZipInfo(name, date_time=dt.datetime.now().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    entry = archive.open(info, "w", force_zip64=True)
    async for chunk in chunks:
        entry.write(chunk)
        if data := sink.take():
            yield data
    entry.close()
    archive.close()
    yield sink.take()


async def report_json(
    export_id: str, items: AsyncIterator[dict[str, Any]], period: dict[str, Any] | None = None
) -> AsyncIterator[bytes]:
    head = f'{{"export_id": {json.dumps(export_id)}, "return_period": {json.dumps(period)}'
    yield f'{head}, "learners": ['.encode()
    first = True
    async for item in items:
        entry = {
            "LearnRefNumber": item["learn_ref"],
            "ilr_id": item.get("ilr_id"),
            "version": item.get("version"),
            "included": item["included"],
            "findings": item["findings"],
        }
        if item.get("errors_included"):
            entry["included_with_errors"] = True  # in the file with its errors
        yield (b"" if first else b",") + json.dumps(entry).encode()
        first = False
    yield b"]}"


CSV_COLUMNS = ["LearnRefNumber", "rule", "severity", "message", "field"]


async def report_csv(items: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    async for item in items:
        for f in item["findings"]:
            writer.writerow([item["learn_ref"], f["rule"], f["severity"], f["message"], f["field"]])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
