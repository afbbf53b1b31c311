"""Building one export file: select, validate each learner, stream, read back, store.
Memory stays flat: snapshots come in cursor batches, each learner is checked, written (or
left out) and forgotten; outcomes go to `export_items` per batch; the file is validated
while it is read back and stored in chunks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from export_service.adapters import ilr_library as ilr
from export_service.adapters.files import FileStore
from export_service.adapters.repository import (
    Collections,
    ExportItems,
    ExportJobs,
    FileSerials,
    RecordsProjection,
)
from export_service.adapters.rule_pool import BatchFindings, RulePool
from export_service.adapters.xml_file import (
    XML_THREAD,
    BuildStats,
    FileSpec,
    FileWriter,
    LearnerChecker,
    read_back,
)
from export_service.config import Settings
from export_service.domain.model import (
    LIST_CAP,
    MAX_SERIAL,
    TRIAL,
    TRIAL_SERIAL,
    ExportFailedError,
    LearnerOutcome,
    ReportFinding,
    Tally,
    file_name,
    may_include_with_errors,
    serial_text,
    why_not_selected,
)
from ilr_shared.logging import get_logger
from ilr_shared.mongo import Document

log = get_logger(__name__)

Clock = Callable[[], dt.datetime]
# Called after each batch with the running tally and the total; False when the job was lost.
ProgressHook = Callable[[Tally, int], Awaitable[bool]]


class LostJobError(Exception):
    """Another instance owns the job now (our lease expired): stop without writing."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class BuildResult:
    file_name: str
    file_id: Any
    tally: Tally
    total: int
    duplicate_learn_refs: list[Document]
    duplicate_ulns: list[Document]
    stats: BuildStats = field(default_factory=BuildStats)


class ExportBuilder:
    def __init__(
        self,
        collections: Collections,
        files: FileStore,
        settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        self.records = RecordsProjection(collections.records)
        self.jobs = ExportJobs(collections.exports)
        self.items = ExportItems(collections.items)
        self.serials = FileSerials(collections.serials)
        self.files = files
        self.settings = settings
        self.rules = RulePool(settings.rule_processes, settings.log_level, settings.log_json)
        self.clock = clock

    # ---------------------------------------------------------------- the file

    async def file_identity(self, job: Document, owner: str | None) -> tuple[int, dt.datetime, str]:
        """(NN, local preparation time, file name): allocated once per job, kept on retries."""
        if job.get("serial_no") and job.get("prepared_at_local"):
            prepared = dt.datetime.fromisoformat(job["prepared_at_local"])
            return int(job["serial_no"]), prepared, job["file_name"]
        facts = ilr.year_facts(job["academic_year"])
        serial = await self._serial(job, facts.year_code)
        local = self.clock().astimezone(ZoneInfo(self.settings.timezone))
        prepared = local.replace(tzinfo=None, microsecond=0)
        name = file_name(job["tenant"], facts.year_code, prepared, serial)
        fields = {"serial_no": serial, "prepared_at_local": prepared.isoformat(), "file_name": name}
        if owner is not None and not await self.jobs.set_owned(job["_id"], owner, fields):
            raise LostJobError(job["_id"])
        return serial, prepared, name

    async def _serial(self, job: Document, year_code: str) -> int:
        """00 for a trial build; else the next of the year's serial numbers."""
        if job.get("purpose") == TRIAL:
            return TRIAL_SERIAL
        serial = await self.serials.next(job["tenant"], year_code)
        if serial > MAX_SERIAL:
            await self.serials.give_back(job["tenant"], year_code, serial)
            raise ExportFailedError(
                f"the provider has used all {MAX_SERIAL} serial numbers of {year_code}"
            )
        return serial

    async def give_back_serial(self, job: Document) -> None:
        """A submission build that failed returns its serial number while it is the year's
        last one taken, so failures do not use up the year's 99."""
        serial = job.get("serial_no")
        if job.get("purpose") == TRIAL or not serial:
            return
        year_code = ilr.year_facts(job["academic_year"]).year_code
        await self.serials.give_back(job["tenant"], year_code, int(serial))

    async def build(self, job: Document, owner: str | None, progress: ProgressHook) -> BuildResult:
        tenant, export_id, year = job["tenant"], job["_id"], job["academic_year"]
        try:
            ilr.year_facts(year)
        except ilr.UnsupportedYearError as exc:
            raise ExportFailedError(str(exc)) from exc
        await self.items.clear(tenant, export_id)
        await self.files.remove_for_export(tenant, export_id)
        serial, prepared, name = await self.file_identity(job, owner)
        spec = FileSpec(
            academic_year=year,
            ukprn=int(tenant),
            serial_no=serial_text(serial),
            prepared_at=prepared,
            software_supplier=self.settings.software_supplier,
            software_package=self.settings.software_package,
            release=self.settings.software_release,
        )
        query = self.records.selection(tenant, year, job["statuses"], job.get("programme_ids"))
        total = await self.records.count(query)
        tally = Tally()
        if not await progress(tally, total):
            raise LostJobError(export_id)
        dup_refs = await self.records.duplicates(query, "learn_ref")
        dup_ulns = await self.records.duplicates(query, "uln")
        cross = cross_findings(year, dup_refs, dup_ulns)

        workdir = Path(tempfile.mkdtemp(prefix="ilr-export-"))
        path = workdir / name
        stats = BuildStats()
        loop = asyncio.get_running_loop()
        try:
            writer, checker = await loop.run_in_executor(XML_THREAD, open_file, path, spec, stats)
            try:
                await self._stream(
                    job, query, writer, checker, cross, tally, lambda t: progress(t, total), stats
                )
            finally:
                await loop.run_in_executor(XML_THREAD, writer.abort)
            if tally.included == 0:
                raise ExportFailedError(
                    "no learner could be included (a file needs at least one valid Learner); "
                    "see the report"
                )
            written = await loop.run_in_executor(XML_THREAD, read_back, path, year, stats)
            if written != tally.included:
                raise ExportFailedError(f"read back {written} learners, wrote {tally.included}")
            started = time.perf_counter()
            file_id = await self.files.put(
                path, name, {"tenant": tenant, "export_id": export_id, "academic_year": year}
            )
            stats.store_s += time.perf_counter() - started
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return BuildResult(name, file_id, tally, total, dup_refs, dup_ulns, stats)

    async def _stream(
        self,
        job: Document,
        query: Document,
        writer: FileWriter,
        checker: LearnerChecker,
        cross: dict[str, list[ReportFinding]],
        tally: Tally,
        progress: Callable[[Tally], Awaitable[bool]],
        stats: BuildStats,
    ) -> None:
        loop = asyncio.get_running_loop()
        batches = self.records.batches(query, self.settings.batch_size)
        state = StreamState(include_with_errors=bool(job.get("include_learners_with_errors")))
        pending: asyncio.Future[list[Document] | None] = asyncio.ensure_future(anext(batches, None))
        rules: asyncio.Future[BatchFindings] | None = None
        try:
            batch = await self._next_batch(pending, stats)
            rules = self._start_rules(batch, checker) if batch is not None else None
            while batch is not None:
                pending = asyncio.ensure_future(anext(batches, None))
                waited = time.perf_counter()
                rule_results = await self.rules.result(rules)
                stats.rules_wait_s += time.perf_counter() - waited
                rules = None
                written = loop.run_in_executor(
                    XML_THREAD, process_batch, batch, writer, checker, cross, state, rule_results
                )
                # while this batch is written: fetch the next one and start its rules
                batch = await self._next_batch(pending, stats)
                if batch is not None:
                    rules = self._start_rules(batch, checker)
                await self._record(job, await written, tally, progress, stats)
        finally:
            if not pending.done():
                pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
            if rules is not None:
                rules.cancel()
            await batches.aclose()  # type: ignore[attr-defined]
        await loop.run_in_executor(XML_THREAD, writer.close)

    @staticmethod
    async def _next_batch(
        pending: asyncio.Future[list[Document] | None], stats: BuildStats
    ) -> list[Document] | None:
        waited = time.perf_counter()
        batch = await pending
        stats.fetch_s += time.perf_counter() - waited
        return batch

    def _start_rules(
        self, batch: list[Document], checker: LearnerChecker
    ) -> asyncio.Future[BatchFindings] | None:
        spec = checker.spec
        records = [doc.get("record") or {} for doc in batch]
        return self.rules.submit(records, spec.academic_year, spec.ukprn, spec.prepared_at.date())

    async def _record(
        self,
        job: Document,
        outcomes: list[LearnerOutcome],
        tally: Tally,
        progress: Callable[[Tally], Awaitable[bool]],
        stats: BuildStats,
    ) -> None:
        started = time.perf_counter()
        await self.items.add(job["tenant"], job["_id"], tally.done, outcomes)
        stats.store_s += time.perf_counter() - started
        for outcome in outcomes:
            tally.add(outcome)
        if not await progress(tally):
            raise LostJobError(job["_id"])

    # ---------------------------------------------------------------- checks

    async def _not_selected(self, job: Document) -> Document:
        """Every learner of the year this build leaves out before any check, and why."""
        statuses, programme_ids = job["statuses"], job.get("programme_ids")
        listed, count = await self.records.not_selected(
            job["tenant"], job["academic_year"], statuses, programme_ids, LIST_CAP
        )
        return {
            "not_selected": [
                {
                    "LearnRefNumber": doc.get("learn_ref"),
                    "ilr_id": doc.get("ilr_id"),
                    "status": doc.get("status"),
                    "reason": why_not_selected(doc, statuses, programme_ids),
                }
                for doc in listed
            ],
            "not_selected_count": count,
        }

    async def _included_with_errors(self, job: Document, count: int) -> Document:
        """The learners written to the file with their errors (a build that includes them)."""
        listed = await self.items.errors_included(job["tenant"], job["_id"], LIST_CAP)
        return {"included_with_errors": listed, "included_with_errors_count": count}

    async def pre_submission(self, job: Document, result: BuildResult) -> Document:
        """Against the last export of the year: learners that disappeared, count change,
        duplicates in this selection."""
        tenant = job["tenant"]
        previous = await self.jobs.previous(
            tenant, job["academic_year"], job["_id"], job["created_at"]
        )
        check: Document = {
            "previous_export_id": None,
            "learner_count_change": None,
            "disappeared": [],
            "disappeared_count": 0,
            "duplicate_ulns": [
                {"ULN": d["value"], "LearnRefNumbers": d["learn_refs"][:LIST_CAP]}
                for d in result.duplicate_ulns
            ][:LIST_CAP],
            "duplicate_learn_refs": [d["value"] for d in result.duplicate_learn_refs][:LIST_CAP],
            **await self._not_selected(job),
            **await self._included_with_errors(job, result.tally.summary.included_with_errors),
        }
        if previous is not None:
            missing, count = await disappeared(
                self.items.included_refs(tenant, previous["_id"]),
                self.items.included_refs(tenant, job["_id"]),
            )
            check.update(
                previous_export_id=previous["_id"],
                learner_count_change=result.tally.included
                - int(previous.get("counts", {}).get("included", 0)),
                disappeared=missing,
                disappeared_count=count,
            )
        return check


async def disappeared(
    previous: AsyncIterator[str], current: AsyncIterator[str], cap: int = LIST_CAP
) -> tuple[list[str], int]:
    """LearnRefNumbers in `previous` but not in `current` (both ascending): a merge of two
    sorted streams, so memory stays flat whatever the number of learners."""
    missing: list[str] = []
    count = 0
    head = await anext(current, None)
    async for ref in previous:
        while head is not None and head < ref:
            head = await anext(current, None)
        if head == ref:
            continue
        count += 1
        if len(missing) < cap:
            missing.append(ref)
    return missing, count


def cross_findings(
    year: str, dup_refs: list[Document], dup_ulns: list[Document]
) -> dict[str, list[ReportFinding]]:
    """Findings of the cross-learner rules by LearnRefNumber (only duplicates are kept)."""
    out: dict[str, list[ReportFinding]] = {}
    for rule, groups, field_name in (
        ("R_06", dup_refs, "LearnRefNumber"),
        ("R_59", dup_ulns, "ULN"),
    ):
        finding = ilr.file_rule_finding(rule, field_name, year)
        if finding is None:
            continue
        for group in groups:
            for ref in group["learn_refs"]:
                out.setdefault(ref, []).append(finding)
    return out


@dataclass
class StreamState:
    last_written_ref: str | None = None
    include_with_errors: bool = False  # learners with rule errors only go into the file


def open_file(path: Path, spec: FileSpec, stats: BuildStats) -> tuple[FileWriter, LearnerChecker]:
    return FileWriter(path, spec, stats), LearnerChecker(spec, stats)


def process_batch(
    batch: list[Document],
    writer: FileWriter,
    checker: LearnerChecker,
    cross: dict[str, list[ReportFinding]],
    state: StreamState,
    rule_results: BatchFindings | None = None,
) -> list[LearnerOutcome]:
    """Runs on the XML thread: check each learner, write the good ones, report them all.
    ``rule_results`` are the batch's rule findings when a rule worker computed them."""
    outcomes: list[LearnerOutcome] = []
    for index, doc in enumerate(batch):
        record = doc.get("record") or {}
        learn_ref = str(doc.get("learn_ref") or record.get("LearnRefNumber") or "")
        element, findings = checker.check(
            record, rule_results[index] if rule_results is not None else None
        )
        findings = findings + cross.get(learn_ref, [])
        if learn_ref == state.last_written_ref and not any(f.rule == "R_06" for f in findings):
            # a snapshot that changed its LearnRefNumber during the export: never twice
            duplicate = ilr.file_rule_finding("R_06", "LearnRefNumber", checker.academic_year)
            if duplicate is not None:
                findings.append(duplicate)
        outcome = LearnerOutcome(
            learn_ref=learn_ref,
            ilr_id=str(doc.get("ilr_id")),
            version=int(doc.get("version") or 0),
            uln=doc.get("uln"),
            findings=tuple(findings),
            errors_included=state.include_with_errors
            and may_include_with_errors(element is not None, findings),
        )
        if outcome.included and element is not None:
            writer.write(element)
            state.last_written_ref = learn_ref
        outcomes.append(outcome)
    return outcomes
