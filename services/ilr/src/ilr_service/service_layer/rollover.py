"""Use case: roll continuing learners of a year into the next collection year, per programme
or for a selection of ILRs; `dry_run` previews the same report and writes nothing. Reruns
converge: a new ILR's id derives from (tenant, old ILR id, new year)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ilr_service.domain.ilr import Change, Creation, Ilr, create, ilr_id_for, timestamp
from ilr_service.domain.importing import template_aims
from ilr_service.domain.reference import StoredTemplate
from ilr_service.domain.rollover import (
    ROLLOVER,
    CarriedLearner,
    carry_learner,
    continuing_deliveries,
    rolled_over_from,
    rollover_enrolment_id,
    rollover_state,
)
from ilr_service.service_layer.ports import IlrStore, Notifier, Quiet
from ilr_shared.auth import Principal
from ilr_shared.errors import InvalidInputError, Problem, not_found
from ilr_shared.ilr.years import next_year, supported_years

MAX_SELECTION = 5000
BATCH_SIZE = 200


@dataclass(frozen=True)
class RolloverRequest:
    academic_year: str  # the year the learners are rolled out of
    programme_id: str | None = None
    ilr_ids: Sequence[str] | None = None
    target_programme_id: str | None = None
    dry_run: bool = False


@dataclass
class RolloverReport:
    request: RolloverRequest
    target_year: str
    learners: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ilr: Ilr | None, outcome: str, **details: Any) -> None:
        record = ilr.record if ilr else {}
        self.learners.append(
            {
                "ilr_id": ilr.id if ilr else details.pop("ilr_id", None),
                "LearnRefNumber": record.get("LearnRefNumber"),
                "programme_id": ilr.programme_id if ilr else None,
                "outcome": outcome,
                "new_ilr_id": details.pop("new_ilr_id", None),
                **details,
            }
        )

    def body(self) -> dict[str, Any]:
        request = self.request
        counts: dict[str, int] = {}
        for learner in self.learners:
            counts[learner["outcome"]] = counts.get(learner["outcome"], 0) + 1
        return {
            "academic_year": request.academic_year,
            "target_year": self.target_year,
            "programme_id": request.programme_id,
            "target_programme_id": request.target_programme_id,
            "dry_run": request.dry_run,
            "counts": counts,
            "learners": self.learners,
        }


def _invalid(path: str, message: str) -> InvalidInputError:
    return InvalidInputError("The rollover cannot run", [Problem(path, message)])


def check_request(request: RolloverRequest) -> str:
    """The target year of a well-formed request; raises InvalidInputError otherwise."""
    if request.academic_year not in supported_years():
        raise _invalid("body.academic_year", f"one of {', '.join(supported_years())}")
    target = next_year(request.academic_year)
    if target not in supported_years():
        raise _invalid("body.academic_year", f"the platform does not support {target} yet")
    if (request.programme_id is None) == (request.ilr_ids is None):
        raise _invalid("body", "give either programme_id or ilr_ids")
    if request.ilr_ids is not None and not 0 < len(request.ilr_ids) <= MAX_SELECTION:
        raise _invalid("body.ilr_ids", f"between 1 and {MAX_SELECTION} ids")
    return target


class IlrRollover:
    def __init__(
        self, repository: IlrStore, notifier: Notifier | None = None, batch_size: int = BATCH_SIZE
    ) -> None:
        self.repo = repository
        self.notifier = notifier or Quiet()
        self.batch_size = batch_size

    async def run(self, principal: Principal, request: RolloverRequest) -> dict[str, Any]:
        target_year = check_request(request)
        if request.target_programme_id:
            await self._check_target(principal.tenant, request.target_programme_id, target_year)
        report = RolloverReport(request, target_year)
        async for batch in self._sources(principal.tenant, request, report):
            await self._roll_batch(principal, request, report, batch)
        return report.body()

    async def _check_target(self, tenant: str, programme_id: str, target_year: str) -> None:
        programme = await self.repo.programme_settings(tenant, programme_id)
        if programme is None:
            return  # not announced yet (events may lag): attach anyway, as the import does
        if programme.academic_year not in (None, target_year):
            raise _invalid(
                "body.target_programme_id",
                f"the programme is for {programme.academic_year}, the rollover for {target_year}",
            )
        if programme.ilr_enabled is False:
            raise _invalid("body.target_programme_id", "ILR is switched off for this programme")

    async def _sources(
        self, tenant: str, request: RolloverRequest, report: RolloverReport
    ) -> AsyncIterator[list[Ilr]]:
        """The ILRs to consider in batches; selected ids that are not the tenant's ILRs of
        the year are reported and left out."""
        if request.ilr_ids is None:
            stream = self.repo.stream_of_year(
                tenant, request.academic_year, request.programme_id, self.batch_size
            )
            async for batch in stream:
                yield batch
            return
        ids = list(dict.fromkeys(request.ilr_ids))
        for start in range(0, len(ids), self.batch_size):
            wanted = ids[start : start + self.batch_size]
            found = {ilr.id: ilr for ilr in await self.repo.get_many(tenant, wanted)}
            for ilr_id in wanted:
                ilr = found.get(ilr_id)
                if ilr is None:
                    report.add(None, "not_found", ilr_id=ilr_id)
                elif ilr.academic_year != request.academic_year:
                    report.add(ilr, "other_year", reason=f"an ILR of {ilr.academic_year}")
            yield [ilr for ilr in found.values() if ilr.academic_year == request.academic_year]

    async def _roll_batch(
        self,
        principal: Principal,
        request: RolloverRequest,
        report: RolloverReport,
        batch: Sequence[Ilr],
    ) -> None:
        tenant, target_year = principal.tenant, report.target_year
        continuing = [ilr for ilr in batch if self._continues(ilr, report)]
        new_ids = {ilr.id: new_ilr_id(tenant, target_year, ilr.id) for ilr in continuing}
        done = {ilr.id for ilr in await self.repo.get_many(tenant, list(new_ids.values()))}
        taken = await self._learn_refs_taken(tenant, target_year, continuing)
        templates = await self._templates(tenant, request, continuing)
        at = timestamp()
        pending: list[tuple[Ilr, CarriedLearner, Creation]] = []
        for ilr in continuing:
            new_id = new_ids[ilr.id]
            carried = carry_learner(ilr.record, ilr.academic_year, target_year)
            details = learner_details(carried, new_id)
            if new_id in done:
                report.add(ilr, "already_rolled_over", **details)
            elif taken.get(_learn_ref(ilr), new_id) != new_id:
                existing = taken[_learn_ref(ilr)]
                reason = f"an ILR of {target_year} has this LearnRefNumber: {existing}"
                report.add(ilr, "exists_in_target_year", reason=reason, existing_ilr_id=existing)
            else:
                target = request.target_programme_id or ilr.programme_id
                creation = rollover_creation(
                    principal, ilr, carried, target, templates.get(target), at
                )
                pending.append((ilr, carried, creation))
        await self._create(request, report, pending)

    def _continues(self, ilr: Ilr, report: RolloverReport) -> bool:
        if ilr.withdrawn:
            report.add(ilr, "not_continuing", reason="withdrawn")
            return False
        if not continuing_deliveries(ilr.record, ilr.academic_year):
            report.add(ilr, "not_continuing", reason="every learning delivery has ended")
            return False
        return True

    async def _learn_refs_taken(
        self, tenant: str, target_year: str, ilrs: Sequence[Ilr]
    ) -> dict[str, str]:
        """LearnRefNumber -> the id of an ILR of the target year that already has it."""
        refs = [ref for ref in (_learn_ref(ilr) for ilr in ilrs) if ref]
        found = await self.repo.ids_by_learn_ref(tenant, target_year, refs) if refs else {}
        return {ref: ids[0] for ref, ids in found.items() if ids}

    async def _templates(
        self, tenant: str, request: RolloverRequest, ilrs: Sequence[Ilr]
    ) -> dict[str, StoredTemplate]:
        targets = {request.target_programme_id or ilr.programme_id for ilr in ilrs} - {""}
        return await self.repo.latest_templates_of(tenant, sorted(targets)) if targets else {}

    async def _create(
        self,
        request: RolloverRequest,
        report: RolloverReport,
        pending: Sequence[tuple[Ilr, CarriedLearner, Creation]],
    ) -> None:
        if request.dry_run:
            for ilr, carried, creation in pending:
                report.add(ilr, "created", **learner_details(carried, creation.ilr.id))
            return
        created = await self.repo.insert_many([creation for _, _, creation in pending])
        for ilr, carried, creation in pending:
            outcome = "created" if creation.ilr.id in created else "already_rolled_over"
            report.add(ilr, outcome, **learner_details(carried, creation.ilr.id))
        if created:
            self.notifier.changed()

    async def links(self, principal: Principal, ilr_id: str) -> dict[str, Any]:
        """The ILR this one was rolled over from and the one it was rolled over into."""
        tenant = principal.tenant
        ilr = await self.repo.get(tenant, ilr_id)
        if ilr is None:
            raise not_found("ILR")
        target_year = next_year(ilr.academic_year)
        into = None
        if target_year in supported_years():
            into = await self.repo.get(tenant, new_ilr_id(tenant, target_year, ilr.id))
        return {
            "ilr_id": ilr.id,
            "academic_year": ilr.academic_year,
            "rolled_over_from": rolled_over_from(ilr.enrolment_id),
            "rolled_over_to": into.id if into else None,
        }


def new_ilr_id(tenant: str, target_year: str, old_ilr_id: str) -> str:
    return ilr_id_for(tenant, rollover_enrolment_id(target_year, old_ilr_id))


def _learn_ref(ilr: Ilr) -> str:
    ref = ilr.record.get("LearnRefNumber")
    return ref if isinstance(ref, str) else ""


def learner_details(carried: CarriedLearner, new_ilr_id: str) -> dict[str, Any]:
    """One learner's report: deliveries carried and left behind, what changed, and the
    new year's schema problems (elements a person must complete)."""
    return {
        "new_ilr_id": new_ilr_id,
        "deliveries_carried": [
            {"AimSeqNumber": seq, "reason": carried.reasons[seq]} for seq in carried.carried
        ],
        "deliveries_left_behind": carried.left_behind,
        "changes": [note.as_dict() for note in carried.notes],
        "schema_problems": carried.schema_problems,
    }


def rollover_creation(
    principal: Principal,
    old: Ilr,
    carried: CarriedLearner,
    programme_id: str,
    template: StoredTemplate | None,
    at: str,
) -> Creation:
    """The new year's ILR of a continuing learner: version 1 with source `rollover`."""
    target_year = next_year(old.academic_year)
    enrolment_id = rollover_enrolment_id(target_year, old.id)
    state = rollover_state(
        carried.record,
        actor=principal.sub,
        at=at,
        template_aims=template_aims(template.template if template else None),
        template_revision=template.revision if template else 0,
    )
    extra = {
        "rolled_over_from": old.id,
        "rolled_over": {"by": principal.sub, "at": at, "from_year": old.academic_year},
    }
    return create(
        tenant=principal.tenant,
        ilr_id=new_ilr_id(principal.tenant, target_year, old.id),
        programme_id=programme_id,
        enrolment_id=enrolment_id,
        academic_year=target_year,
        enrolment=old.enrolment,
        change=Change(state, principal.sub, ROLLOVER, f"rollover from {old.id}", extra=extra),
        source_event=None,
    )
