"""Use case: import an existing ILR file (2025/26 or 2026/27) into the tenant's ILRs.

The whole file is checked before anything is written; learners are matched by
LearnRefNumber within the year and updated, or created in bulk with an id derived from
`import:<year>:<LearnRefNumber>`. Details: docs/ENGINEERING.md ("Importing ILR files")."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import (
    Change,
    Creation,
    Ilr,
    Revision,
    create,
    ilr_id_for,
    revise,
    timestamp,
)
from ilr_service.domain.importing import (
    FileLearner,
    IlrFile,
    ImportFileError,
    Problem,
    import_enrolment,
    learner_path,
    new_import_state,
    reimport_state,
    template_aims,
    tenant_problems,
)
from ilr_service.domain.record import Enrolment, IlrState
from ilr_service.domain.reference import StoredTemplate
from ilr_service.service_layer.ports import FileReader, IlrStore, Notifier, Quiet
from ilr_service.service_layer.settling import commit_until_settled
from ilr_shared.auth import Principal
from ilr_shared.errors import ConflictError, InvalidInputError
from ilr_shared.ilr import UnsafeXmlError
from ilr_shared.validation import ValidationContext
from ilr_shared.validation.file_checks import check_file_name, check_header, check_message

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


def _refusal(message: str, problems: Sequence[Problem], **extra: Any) -> InvalidInputError:
    errors = [p.as_error() for p in problems[:MAX_LISTED_PROBLEMS]]
    return InvalidInputError(message, errors, problem_count=len(problems), imported=0, **extra)


class IlrImporter:
    def __init__(
        self,
        repository: IlrStore,
        read_file: FileReader,
        notifier: Notifier | None = None,
        settings: ImportSettings | None = None,
    ) -> None:
        self.repo = repository
        self.read_file = read_file
        self.notifier = notifier or Quiet()
        self.settings = settings or ImportSettings()

    @property
    def max_bytes(self) -> int:
        return self.settings.max_bytes

    # -- checking -----------------------------------------------------------------------

    async def read(self, data: bytes, tenant: str) -> IlrFile:
        try:
            ilr_file = await asyncio.to_thread(self.read_file, data)
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
        programme = await self.repo.programme_settings(tenant, programme_id)
        if programme is None:
            return  # not announced yet (events may lag): attach anyway
        problems = []
        if programme.academic_year not in (None, academic_year):
            problems.append(
                Problem(
                    "query.programme_id",
                    f"the programme is for {programme.academic_year}, the file for {academic_year}",
                    "academic_year",
                )
            )
        if programme.ilr_enabled is False:
            problems.append(
                Problem("query.programme_id", "ILR is switched off for this programme", "ilr")
            )
        if problems:
            raise _refusal("The programme cannot take these learners", problems)

    # -- the use case -------------------------------------------------------------------

    async def _checked(
        self, tenant: str, data: bytes, programme_id: str | None
    ) -> tuple[IlrFile, dict[str, list[str]]]:
        """The file with every learner's problems, and the ILR ids each LearnRefNumber matches;
        raises the refusals that stop the whole file."""
        ilr_file = await self.read(data, tenant)
        year = ilr_file.academic_year
        if programme_id:
            await self._check_programme(tenant, programme_id, year)
        refs = [lr.learn_ref for lr in ilr_file.learners if lr.learn_ref]
        existing = await self.repo.ids_by_learn_ref(tenant, year, refs)
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
        return ilr_file, existing

    async def run(
        self,
        principal: Principal,
        data: bytes,
        *,
        programme_id: str | None = None,
        skip_invalid: bool = False,
        file_name: str | None = None,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        """Imports the file; with `dry_run` only answers what it would do (see `_preview`)."""
        tenant = principal.tenant
        ilr_file, existing = await self._checked(tenant, data, programme_id)
        year = ilr_file.academic_year
        invalid = [lr for lr in ilr_file.learners if not lr.valid]
        result = ImportResult(
            year, skipped=invalid, file_findings=file_level_findings(ilr_file, tenant, file_name)
        )
        valid = [lr for lr in ilr_file.learners if lr.valid]
        if dry_run:
            await self._preview(tenant, principal.sub, valid, existing, result)
            return preview_body(result.body(ilr_file.learners), skip_invalid)
        if invalid and not skip_invalid:
            problems = [p for lr in invalid for p in lr.problems]
            raise _refusal(
                f"{len(invalid)} learner(s) of the file have problems; nothing was imported "
                "(add ?skip_invalid=true to import the others)",
                problems,
                academic_year=year,
                invalid_learners=[lr.learn_ref for lr in invalid],
            )
        template = await self.repo.latest_template(tenant, programme_id) if programme_id else None
        for start in range(0, len(valid), self.settings.batch_size):
            batch = valid[start : start + self.settings.batch_size]
            await self._write_batch(
                principal, year, programme_id, template, batch, existing, result
            )
        return result.body(ilr_file.learners)

    async def _preview(
        self,
        tenant: str,
        actor: str,
        valid: Sequence[FileLearner],
        existing: dict[str, list[str]],
        result: ImportResult,
    ) -> None:
        """What the import would do to each valid learner, reading only: learners with
        problems are `refused` with their reasons instead of failing the request."""
        to_update: dict[str, FileLearner] = {}
        for learner in valid:
            ids = existing.get(learner.learn_ref or "")
            if ids:
                to_update[ids[0]] = learner
            else:
                enrolment_id = import_enrolment_id(result.academic_year, learner.learn_ref or "")
                result.outcomes[learner.index] = (ilr_id_for(tenant, enrolment_id), "created")
        for ilr in await self.repo.get_many(tenant, list(to_update)) if to_update else []:
            learner = to_update[ilr.id]
            changed = _reimport_changes(ilr, learner, actor)
            result.outcomes[learner.index] = (ilr.id, "updated" if changed else "unchanged")

    async def _write_batch(
        self,
        principal: Principal,
        year: str,
        programme_id: str | None,
        template: StoredTemplate | None,
        batch: Sequence[FileLearner],
        existing: dict[str, list[str]],
        result: ImportResult,
    ) -> None:
        at = timestamp()
        to_update: dict[str, FileLearner] = {}
        to_create: list[tuple[FileLearner, Creation]] = []
        for learner in batch:
            ids = existing.get(learner.learn_ref or "")
            if ids:
                to_update[ids[0]] = learner
            else:
                creation = _creation(principal, year, programme_id, template, learner, at)
                to_create.append((learner, creation))
        created = await self.repo.insert_many([creation for _, creation in to_create])
        for learner, creation in to_create:
            if creation.ilr.id in created:
                result.outcomes[learner.index] = (creation.ilr.id, "created")
            else:  # created meanwhile (another import of the same learner): update it
                to_update[creation.ilr.id] = learner
        await self._update(principal, to_update, at, result)
        if created:
            self.notifier.changed()

    async def _update(
        self,
        principal: Principal,
        pending: dict[str, FileLearner],
        at: str,
        result: ImportResult,
    ) -> None:
        """Brings the matched ILRs to the file's learners; identical ones stay unchanged."""
        tenant, actor = principal.tenant, principal.sub

        async def reimports() -> list[Revision]:
            if not pending:
                return []
            ilrs = await self.repo.get_many(tenant, list(pending))
            revisions = []
            for ilr in ilrs:
                learner = pending[ilr.id]
                state = _reimport_changes(ilr, learner, actor, at)
                if state is None:
                    result.outcomes[learner.index] = (ilr.id, "unchanged")
                    del pending[ilr.id]
                    continue
                change = Change(state, actor, "import", "import", extra={"last_editor": actor})
                revisions.append(revise(ilr, change))
            missing = set(pending) - {ilr.id for ilr in ilrs}
            if missing:
                raise ConflictError(
                    "An ILR disappeared while it was being imported; import the file again",
                    ilr_ids=sorted(missing),
                )
            return revisions

        def updated(won: set[str]) -> None:
            for ilr_id in won:
                result.outcomes[pending.pop(ilr_id).index] = (ilr_id, "updated")

        await commit_until_settled(
            self.repo,
            self.notifier,
            reimports,
            give_up=lambda: ConflictError(
                "Some ILRs kept changing while they were being imported; import the file again "
                "(learners already imported are unchanged by a second import)",
                ilr_ids=sorted(pending),
            ),
            committed=updated,
        )


def _reimport_changes(
    ilr: Ilr, learner: FileLearner, actor: str, at: str | None = None
) -> IlrState | None:
    """The ILR's state once the file's learner is imported again; None when identical."""
    current = ilr.state
    state = reimport_state(current, learner.record, actor=actor, at=at or timestamp())
    if (
        ilr_model.order_record(ilr.academic_year, state.record) == current.record
        and state.delivery_keys == current.delivery_keys
    ):
        return None
    return state


def preview_body(body: dict[str, Any], skip_invalid: bool) -> dict[str, Any]:
    """An import's body as a preview: learners with problems are `refused` (the real import
    refuses the whole file for them unless `skip_invalid`)."""
    refused = len(body["skipped"])
    for item in body["learners"]:
        if item["outcome"] == "skipped":
            item["outcome"] = "refused"
    return {**body, "dry_run": True, "refused": refused,
            "would_import": skip_invalid or refused == 0}  # fmt: skip


def _creation(
    principal: Principal,
    year: str,
    programme_id: str | None,
    template: StoredTemplate | None,
    learner: FileLearner,
    at: str,
) -> Creation:
    """A new ILR for a learner of the file that matches none (no enrolment: its id comes
    from the year and LearnRefNumber, so two imports of one file converge)."""
    tenant, actor = principal.tenant, principal.sub
    enrolment_id = import_enrolment_id(year, learner.learn_ref or "")
    enrolment = import_enrolment(learner.record)
    state = new_import_state(
        learner.record,
        actor=actor,
        at=at,
        template_aims=template_aims(template.template if template else None),
        template_revision=template.revision if template else 0,
    )
    return create(
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
        change=Change(
            state, actor, "import", "import", extra={"imported": {"by": actor, "at": at}}
        ),
        source_event=None,
    )
