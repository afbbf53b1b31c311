"""Use case: import an existing ILR file (2025/26 or 2026/27) into the tenant's ILRs.

Behaviour (`POST /api/ilrs/import`):

1. The whole file is read and checked before anything is written (`domain/importing.py`).
   File-level problems (not XML, DOCTYPE/entities, unknown namespace, Header problems,
   another organisation's UKPRN, a programme of another year or with ILR switched off)
   always give 422 and import nothing. Learner problems (XSD, duplicate LearnRefNumber,
   a LearnRefNumber matching more than one ILR of the year) give 422 listing every
   problem with the learner's LearnRefNumber and path, unless `skip_invalid=true`: then
   the valid learners are imported and the others are reported under `skipped`.
2. Learners are matched to ILRs of the same tenant + LearnRefNumber + academic year.
   A match is updated through the normal change path: `build_commit` (new version, source
   `import`, signature/status rules of any content change), bulk compare-and-set,
   recomputed and retried on a lost race. A learner identical to its ILR is `unchanged`
   (no new version).
3. A learner with no ILR gets a new one, in batches of bulk inserts: id derived from
   (tenant, `import:<year>:<LearnRefNumber>`) — the synthetic `enrolment_id` — so two
   imports of the same file converge on one ILR. `programme_id` is the query's, or ""
   (no programme: the record.changed contract needs a string; the export takes it like
   any other ILR unless it filters by programme). Its first version (source `import`)
   carries its record.changed event in the same write, like every other ILR.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import status as http
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from pymongo.errors import BulkWriteError

from ilr_service.adapters import ilr_model
from ilr_service.adapters.repository import IlrRepository
from ilr_service.domain.importing import (
    FileLearner,
    IlrFile,
    ImportFileError,
    Problem,
    import_enrolment,
    learner_path,
    new_import_state,
    read_file,
    reimport_state,
    template_aims,
    tenant_problems,
)
from ilr_service.domain.record import Enrolment
from ilr_service.service_layer.changes import (
    Change,
    build_commit,
    ilr_id_for,
    new_document,
    state_of,
)
from ilr_shared.auth import Principal
from ilr_shared.http import ApiError
from ilr_shared.ilr import UnsafeXmlError
from ilr_shared.mongo import Document
from ilr_shared.validation import ValidationContext
from ilr_shared.validation.file_checks import check_file_name, check_header, check_message

DUPLICATE_KEY = 11000
MAX_ATTEMPTS = 20
MAX_LISTED_PROBLEMS = 1000
NO_PROGRAMME = ""


class ImportSettings(BaseSettings):
    """Import limits (environment variables; the service's Settings stay untouched)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    max_bytes: int = Field(50 * 1024 * 1024, validation_alias="ILR_IMPORT_MAX_BYTES", ge=1)
    batch_size: int = Field(200, validation_alias="ILR_IMPORT_BATCH", ge=1)


def import_enrolment_id(academic_year: str, learn_ref: str) -> str:
    return f"import:{academic_year}:{learn_ref}"


@dataclass
class ImportResult:
    academic_year: str
    outcomes: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (id, outcome)
    skipped: list[FileLearner] = field(default_factory=list)
    # Findings of the official file-level rules (file name, Header, Message): reported as
    # Submit Learner Data would report them; they do not stop the import.
    file_findings: list[dict[str, Any]] = field(default_factory=list)

    def body(self, learners: Sequence[FileLearner]) -> dict[str, Any]:
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        listed = []
        for learner in learners:
            if learner.index in self.outcomes:
                ilr_id, outcome = self.outcomes[learner.index]
                counts[outcome] += 1
                listed.append(
                    {"LearnRefNumber": learner.learn_ref, "ilr_id": ilr_id, "outcome": outcome}
                )
            else:
                listed.append(
                    {"LearnRefNumber": learner.learn_ref, "ilr_id": None, "outcome": "skipped"}
                )
        return {
            "academic_year": self.academic_year,
            **counts,
            "skipped": [
                {
                    "LearnRefNumber": learner.learn_ref,
                    "index": learner.index,
                    "problems": [p.as_error() for p in learner.problems],
                }
                for learner in self.skipped
            ],
            "learners": listed,
            "file_findings": self.file_findings,
        }


def file_level_findings(
    ilr_file: IlrFile, tenant: str, file_name: str | None
) -> list[dict[str, Any]]:
    """The official file-level rules on what the upload carried."""
    context = ValidationContext(academic_year=ilr_file.academic_year, ukprn=int(tenant))
    valid = sum(1 for learner in ilr_file.learners if learner.valid)
    found = check_header(ilr_file.header, context, file_name=file_name)
    found += check_message(ilr_file.namespace, valid, context)
    if file_name:
        found += check_file_name(file_name, context)
    return [
        {"rule": f.rule, "severity": f.severity, "message": f.message, "field": f.field}
        for f in found
    ]


def _refusal(message: str, problems: Sequence[Problem], **extra: Any) -> ApiError:
    errors = [p.as_error() for p in problems[:MAX_LISTED_PROBLEMS]]
    return ApiError(
        http.HTTP_422_UNPROCESSABLE_CONTENT,
        message,
        errors,
        problem_count=len(problems),
        imported=0,
        **extra,
    )


class IlrImporter:
    def __init__(
        self,
        repository: IlrRepository,
        kick: Callable[[], None] = lambda: None,
        settings: ImportSettings | None = None,
    ) -> None:
        self.repo = repository
        self.kick = kick
        self.settings = settings or ImportSettings()

    @property
    def max_bytes(self) -> int:
        return self.settings.max_bytes

    # -- checking -----------------------------------------------------------------------

    async def read(self, data: bytes, tenant: str) -> IlrFile:
        try:
            ilr_file = await asyncio.to_thread(read_file, data)
        except UnsafeXmlError as exc:
            raise _refusal(
                "The file was refused: ILR files must not contain a DOCTYPE or entities",
                [Problem("Message", str(exc), "unsafe_xml")],
            ) from exc
        except ImportFileError as exc:
            raise _refusal(f"{exc.message}; nothing was imported", exc.problems) from exc
        refusals = tenant_problems(ilr_file, tenant) + ilr_file.file_problems
        if refusals:
            raise _refusal(
                "The file cannot be imported; nothing was imported",
                refusals,
                academic_year=ilr_file.academic_year,
            )
        return ilr_file

    async def _check_programme(self, tenant: str, programme_id: str, academic_year: str) -> None:
        programme = await self.repo.programme(tenant, programme_id)
        if programme is None:
            return  # not announced yet (events may lag): attach anyway
        problems = []
        if programme.get("academic_year") not in (None, academic_year):
            problems.append(
                Problem(
                    "query.programme_id",
                    f"the programme is for {programme.get('academic_year')}, "
                    f"the file for {academic_year}",
                    "academic_year",
                )
            )
        if programme.get("ilr_enabled") is False:
            problems.append(
                Problem("query.programme_id", "ILR is switched off for this programme", "ilr")
            )
        if problems:
            raise _refusal("The programme cannot take these learners", problems)

    async def _existing(
        self, tenant: str, academic_year: str, refs: Sequence[str]
    ) -> dict[str, list[str]]:
        """LearnRefNumber -> ids of the tenant's ILRs of the year with it."""
        found: dict[str, list[str]] = {}
        for start in range(0, len(refs), 1000):
            chunk = refs[start : start + 1000]
            for doc in await self.repo.ids_by_learn_ref(tenant, academic_year, chunk):
                found.setdefault(doc["learn_ref"], []).append(doc["_id"])
        return found

    # -- the use case -------------------------------------------------------------------

    async def run(
        self,
        principal: Principal,
        data: bytes,
        *,
        programme_id: str | None = None,
        skip_invalid: bool = False,
        file_name: str | None = None,
    ) -> dict[str, Any]:
        tenant = principal.tenant
        ilr_file = await self.read(data, tenant)
        year = ilr_file.academic_year
        if programme_id:
            await self._check_programme(tenant, programme_id, year)
        refs = [lr.learn_ref for lr in ilr_file.learners if lr.learn_ref]
        existing = await self._existing(tenant, year, refs)
        for learner in ilr_file.learners:
            ids = existing.get(learner.learn_ref or "", [])
            if len(ids) > 1:
                learner.problems.append(
                    Problem(
                        learner_path(learner.index, learner.learn_ref, "LearnRefNumber"),
                        f"LearnRefNumber matches {len(ids)} ILRs of {year}: {', '.join(ids)}",
                        "ambiguous",
                        learner.learn_ref,
                        learner.index,
                    )
                )
        invalid = [lr for lr in ilr_file.learners if not lr.valid]
        if invalid and not skip_invalid:
            problems = [p for lr in invalid for p in lr.problems]
            raise _refusal(
                f"{len(invalid)} learner(s) of the file have problems; nothing was imported "
                "(add ?skip_invalid=true to import the others)",
                problems,
                academic_year=year,
                invalid_learners=[lr.learn_ref for lr in invalid],
            )
        result = ImportResult(
            year, skipped=invalid, file_findings=file_level_findings(ilr_file, tenant, file_name)
        )
        valid = [lr for lr in ilr_file.learners if lr.valid]
        template = await self._template(tenant, programme_id) if programme_id else None
        for start in range(0, len(valid), self.settings.batch_size):
            batch = valid[start : start + self.settings.batch_size]
            await self._write_batch(
                principal, year, programme_id, template, batch, existing, result
            )
        return result.body(ilr_file.learners)

    async def _template(self, tenant: str, programme_id: str) -> Document | None:
        return await self.repo.latest_template(tenant, programme_id)

    async def _write_batch(
        self,
        principal: Principal,
        year: str,
        programme_id: str | None,
        template: Document | None,
        batch: Sequence[FileLearner],
        existing: dict[str, list[str]],
        result: ImportResult,
    ) -> None:
        tenant, actor = principal.tenant, principal.sub
        at = datetime.now().astimezone().isoformat()
        to_update: dict[str, FileLearner] = {}
        to_create: list[tuple[FileLearner, dict[str, Any], dict[str, Any]]] = []
        aims = template_aims((template or {}).get("template"))
        revision = int((template or {}).get("revision") or 0)
        for learner in batch:
            ref = learner.learn_ref or ""
            ids = existing.get(ref)
            if ids:
                to_update[ids[0]] = learner
                continue
            enrolment_id = import_enrolment_id(year, ref)
            enrolment = import_enrolment(learner.record)
            state = new_import_state(
                learner.record, actor=actor, at=at, template_aims=aims, template_revision=revision
            )
            document, version_doc = new_document(
                tenant=tenant,
                ilr_id=ilr_id_for(tenant, enrolment_id),
                programme_id=programme_id or NO_PROGRAMME,
                enrolment_id=enrolment_id,
                academic_year=year,
                enrolment=Enrolment(
                    learner=enrolment["learner"],
                    learn_start_date=enrolment["LearnStartDate"],
                    learn_plan_end_date=enrolment["LearnPlanEndDate"],
                ),
                state=state,
                source_event="import",
            )
            document.update(
                updated_by=actor,
                created_by_event=None,
                imported={"by": actor, "at": at},
            )
            version_doc.update(actor=actor, source="import", action="import")
            to_create.append((learner, document, version_doc))
        created = await self._insert(to_create)
        for learner, document, _ in to_create:
            if document["_id"] in created:
                result.outcomes[learner.index] = (document["_id"], "created")
            else:  # created meanwhile (another import of the same learner): update it
                to_update[document["_id"]] = learner
        await self._update(principal, to_update, at, result)
        if created:
            self.kick()

    async def _insert(
        self, items: Sequence[tuple[FileLearner, dict[str, Any], dict[str, Any]]]
    ) -> set[str]:
        """Bulk insert of new ILRs with their first versions; returns the ids inserted."""
        if not items:
            return set()
        repo = self.repo
        await repo.versions.insert_many([v for _, _, v in items], ordered=False)
        documents = [d for _, d, _ in items]
        failed: set[int] = set()
        try:
            await repo.ilrs.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            failed = {int(e["index"]) for e in errors}
        inserted = [d for i, d in enumerate(documents) if i not in failed]
        lost = [d["write_id"] for i, d in enumerate(documents) if i in failed]
        if inserted:
            await repo.versions.update_many(
                {"_id": {"$in": [d["write_id"] for d in inserted]}}, {"$set": {"committed": True}}
            )
        if lost:
            await repo.versions.delete_many({"_id": {"$in": lost}, "committed": {"$ne": True}})
        return {d["_id"] for d in inserted}

    async def _update(
        self,
        principal: Principal,
        pending: dict[str, FileLearner],
        at: str,
        result: ImportResult,
    ) -> None:
        tenant, actor = principal.tenant, principal.sub
        for _ in range(MAX_ATTEMPTS):
            if not pending:
                return
            documents = await self.repo.get_many(tenant, list(pending))
            commits = []
            for document in documents:
                learner = pending[document["_id"]]
                current = state_of(document)
                state = reimport_state(current, learner.record, actor=actor, at=at)
                year = document["academic_year"]
                if (
                    ilr_model.order_record(year, state.record) == (document.get("record") or {})
                    and state.delivery_keys == current.delivery_keys
                ):
                    result.outcomes[learner.index] = (document["_id"], "unchanged")
                    del pending[document["_id"]]
                    continue
                change = Change(state, actor, "import", "import", extra={"last_editor": actor})
                commits.append(build_commit(document, change))
            missing = set(pending) - {d["_id"] for d in documents}
            if missing:
                raise ApiError(
                    http.HTTP_409_CONFLICT,
                    "An ILR disappeared while it was being imported; import the file again",
                    ilr_ids=sorted(missing),
                )
            if not commits:
                return
            won = await self.repo.commit(commits)
            if won:
                self.kick()
            for ilr_id in won:
                result.outcomes[pending.pop(ilr_id).index] = (ilr_id, "updated")
        raise ApiError(
            http.HTTP_409_CONFLICT,
            "Some ILRs kept changing while they were being imported; import the file again "
            "(learners already imported are unchanged by a second import)",
            ilr_ids=sorted(pending),
        )
