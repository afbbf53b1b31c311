"""Use cases of the programmes service. Each write stores the state change and its
events in one document write; `notify` wakes the outbox relay after the commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ilr_shared.errors import ConflictError, StaleVersionError, not_found
from ilr_shared.events import (
    EnrolmentCreated,
    EnrolmentUpdated,
    EnrolmentWithdrawn,
    EventEnvelope,
    EventType,
    LearnerDetails,
    ProgrammeChanged,
    TemplateChanged,
    make_event,
)
from ilr_shared.mongo import Document
from ilr_shared.template import IlrTemplate, RemovedCode

from ..adapters.repository import EnrolmentRepository, ProgrammeRepository
from ..domain.model import (
    ACTIVE,
    WITHDRAWN,
    check_academic_year,
    check_enrolment_dates,
    check_learner,
    check_template,
    clone_template,
    new_id,
)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Document]
    next_after: str | None


@dataclass(frozen=True, slots=True)
class EnrolmentChanges:
    """A PATCH of an enrolment: what is given replaces what is stored (the learner as a
    whole); `LearnPlanEndDate` given as None removes it."""

    learner: LearnerDetails | None = None
    learn_start_date: date | None = None
    learn_plan_end_date: date | None = None
    plan_end_date_given: bool = False

    def applied_to(self, current: Document) -> dict[str, Any]:
        """The enrolment's learner and dates after the change, as stored."""
        end = current.get("LearnPlanEndDate")
        if self.plan_end_date_given:
            end = self.learn_plan_end_date.isoformat() if self.learn_plan_end_date else None
        return {
            "learner": (
                self.learner.model_dump(mode="json", exclude_none=True)
                if self.learner is not None
                else current["learner"]
            ),
            "LearnStartDate": (
                self.learn_start_date.isoformat()
                if self.learn_start_date
                else current["LearnStartDate"]
            ),
            "LearnPlanEndDate": end,
        }


@dataclass(frozen=True, slots=True)
class CloneResult:
    programme: Document
    removed_codes: list[RemovedCode]


def programme_changed(doc: Document) -> EventEnvelope:
    return make_event(
        EventType.PROGRAMME_CHANGED,
        doc["tenant"],
        doc["_id"],
        doc["version"],
        ProgrammeChanged(
            programme_id=doc["_id"],
            name=doc["name"],
            academic_year=doc["academic_year"],
            ilr_enabled=doc["ilr_enabled"],
            allow_sign_without_verification=doc["allow_sign_without_verification"],
        ),
    )


def template_changed(doc: Document) -> EventEnvelope:
    return make_event(
        EventType.TEMPLATE_CHANGED,
        doc["tenant"],
        doc["_id"],
        doc["template_revision"],
        TemplateChanged(
            programme_id=doc["_id"],
            academic_year=doc["academic_year"],
            revision=doc["template_revision"],
            template=doc["template"],
        ),
    )


class ProgrammesService:
    def __init__(
        self,
        programmes: ProgrammeRepository,
        enrolments: EnrolmentRepository,
        notify: Callable[[], None] = lambda: None,
        write_retries: int = 10,
    ) -> None:
        self.programmes = programmes
        self.enrolments = enrolments
        self._notify = notify
        self._retries = write_retries

    # ------------------------------------------------------------------ programmes

    async def create_programme(
        self,
        tenant: str,
        *,
        name: str,
        academic_year: str,
        ilr_enabled: bool = True,
        allow_sign_without_verification: bool = False,
        template: dict[str, Any] | None = None,
        cloned_from: str | None = None,
    ) -> Document:
        check_academic_year(academic_year)
        now = _now()
        doc: Document = {
            "_id": new_id("prg"),
            "tenant": tenant,
            "name": name,
            "academic_year": academic_year,
            "ilr_enabled": ilr_enabled,
            "allow_sign_without_verification": allow_sign_without_verification,
            "template": template,
            "template_revision": 1 if template is not None else 0,
            "template_updated_at": now if template is not None else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        if cloned_from:
            doc["cloned_from"] = cloned_from
        events = [programme_changed(doc)]
        if template is not None:
            events.append(template_changed(doc))
        await self.programmes.add(doc, events)
        self._notify()
        return doc

    async def get_programme(self, tenant: str, programme_id: str) -> Document:
        doc = await self.programmes.get(tenant, programme_id)
        if doc is None:
            raise not_found("Programme")
        return doc

    async def list_programmes(
        self, tenant: str, academic_year: str | None, q: str | None, after: str | None, limit: int
    ) -> Page:
        if academic_year is not None:
            check_academic_year(academic_year, "query.academic_year")
        docs = await self.programmes.list(tenant, academic_year, q, after, limit + 1)
        return _page(docs, limit)

    async def update_programme(
        self,
        tenant: str,
        programme_id: str,
        changes: dict[str, Any],
        if_match_version: int | None = None,
    ) -> Document:
        """PATCH name / ilr_enabled / allow_sign_without_verification (compare-and-set)."""
        for _ in range(self._retries):
            current = await self.get_programme(tenant, programme_id)
            if if_match_version is not None and current["version"] != if_match_version:
                raise StaleVersionError("The programme has changed since you read it")
            if all(current.get(k) == v for k, v in changes.items()):
                return current
            after = {**current, **changes, "version": current["version"] + 1}
            updated = await self.programmes.update(
                tenant,
                programme_id,
                current["version"],
                {**changes, "updated_at": _now()},
                [programme_changed(after)],
            )
            if updated is not None:
                self._notify()
                return updated
        raise ConflictError("The programme is being changed by someone else; try again")

    async def clone_programme(
        self, tenant: str, programme_id: str, *, name: str, academic_year: str
    ) -> CloneResult:
        check_academic_year(academic_year)
        source = await self.get_programme(tenant, programme_id)
        cloned = clone_template(source.get("template"), academic_year)
        doc = await self.create_programme(
            tenant,
            name=name,
            academic_year=academic_year,
            ilr_enabled=source["ilr_enabled"],
            allow_sign_without_verification=source["allow_sign_without_verification"],
            template=cloned.template,
            cloned_from=programme_id,
        )
        return CloneResult(doc, cloned.removed)

    # ------------------------------------------------------------------ template

    async def put_template(
        self,
        tenant: str,
        programme_id: str,
        template: IlrTemplate,
        if_match_version: int | None = None,
    ) -> Document:
        for _ in range(self._retries):
            current = await self.get_programme(tenant, programme_id)
            if if_match_version is not None and current["version"] != if_match_version:
                raise StaleVersionError("The programme has changed since you read it")
            check_template(template, current["academic_year"])
            now = _now()
            changes = {
                "template": template.as_document(),
                "template_revision": current["template_revision"] + 1,
                "template_updated_at": now,
                "updated_at": now,
            }
            event = template_changed({**current, **changes})
            updated = await self.programmes.update(
                tenant, programme_id, current["version"], changes, [event]
            )
            if updated is not None:
                self._notify()
                return updated
        raise ConflictError("The programme is being changed by someone else; try again")

    async def enrolment_counts(self, tenant: str, programme_ids: list[str]) -> dict[str, int]:
        return await self.enrolments.active_counts(tenant, programme_ids)

    # ------------------------------------------------------------------ enrolments

    async def enrol(
        self,
        tenant: str,
        programme_id: str,
        learner: LearnerDetails,
        learn_start_date: date,
        learn_plan_end_date: date | None,
    ) -> Document:
        programme = await self.get_programme(tenant, programme_id)
        year = programme["academic_year"]
        check_enrolment_dates(year, learn_start_date, learn_plan_end_date)
        learner_fields = learner.model_dump(mode="json", exclude_none=True)
        check_learner(year, learner_fields)
        enrolment_id = new_id("enr")
        payload = EnrolmentCreated(
            enrolment_id=enrolment_id,
            programme_id=programme_id,
            academic_year=year,
            learner=learner,
            LearnStartDate=learn_start_date,
            LearnPlanEndDate=learn_plan_end_date,
            ilr_enabled=programme["ilr_enabled"],
            programme_version=programme["version"],
        )
        now = _now()
        doc: Document = {
            "_id": enrolment_id,
            "tenant": tenant,
            "programme_id": programme_id,
            "academic_year": year,
            "status": ACTIVE,
            "learner": learner_fields,
            "LearnStartDate": learn_start_date.isoformat(),
            "LearnPlanEndDate": learn_plan_end_date.isoformat() if learn_plan_end_date else None,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        event = make_event(
            EventType.ENROLMENT_CREATED, tenant, enrolment_id, 1, payload, schema_version=2
        )
        await self.enrolments.add(doc, [event])
        self._notify()
        return doc

    async def get_enrolment(self, tenant: str, programme_id: str, enrolment_id: str) -> Document:
        doc = await self.enrolments.get(tenant, programme_id, enrolment_id)
        if doc is None:
            raise not_found("Enrolment")
        return doc

    async def list_enrolments(
        self, tenant: str, programme_id: str, after: str | None, limit: int
    ) -> Page:
        await self.get_programme(tenant, programme_id)
        docs = await self.enrolments.list(tenant, programme_id, after, limit + 1)
        return _page(docs, limit)

    async def update_enrolment(
        self,
        tenant: str,
        programme_id: str,
        enrolment_id: str,
        changes: EnrolmentChanges,
        if_match_version: int | None = None,
    ) -> Document:
        """The sending system's corrections (compare-and-set); publishes the whole
        enrolment as it now is in `enrolment.updated`. No change, no event."""
        for _ in range(self._retries):
            current = await self.get_enrolment(tenant, programme_id, enrolment_id)
            if if_match_version is not None and current["version"] != if_match_version:
                raise StaleVersionError("The enrolment has changed since you read it")
            fields = changes.applied_to(current)
            if all(current.get(k) == v for k, v in fields.items()):
                return current
            check_enrolment_dates(
                current["academic_year"],
                date.fromisoformat(fields["LearnStartDate"]),
                date.fromisoformat(fields["LearnPlanEndDate"])
                if fields["LearnPlanEndDate"]
                else None,
            )
            check_learner(current["academic_year"], fields["learner"])
            event = make_event(
                EventType.ENROLMENT_UPDATED,
                tenant,
                enrolment_id,
                current["version"] + 1,
                EnrolmentUpdated.model_validate(
                    {**fields, "enrolment_id": enrolment_id, "programme_id": programme_id,
                     "academic_year": current["academic_year"]}
                ),
            )  # fmt: skip
            updated = await self.enrolments.update(
                tenant, enrolment_id, current["version"], {**fields, "updated_at": _now()}, [event]
            )
            if updated is not None:
                self._notify()
                return updated
        raise ConflictError("The enrolment is being changed by someone else; try again")

    async def withdraw(
        self,
        tenant: str,
        programme_id: str,
        enrolment_id: str,
        reason: str,
        withdrawn_on: date | None = None,
    ) -> Document:
        current = await self.get_enrolment(tenant, programme_id, enrolment_id)
        if current["status"] == WITHDRAWN:
            raise ConflictError("The enrolment is already withdrawn")
        day = withdrawn_on or _now().date()
        event = make_event(
            EventType.ENROLMENT_WITHDRAWN,
            tenant,
            enrolment_id,
            current["version"] + 1,
            EnrolmentWithdrawn(
                enrolment_id=enrolment_id,
                programme_id=programme_id,
                reason=reason,
                withdrawn_on=day,
            ),
        )
        now = _now()
        updated = await self.enrolments.update(
            tenant,
            enrolment_id,
            current["version"],
            {
                "status": WITHDRAWN,
                "withdraw_reason": reason,
                "withdrawn_on": day.isoformat(),
                "updated_at": now,
            },
            [event],
        )
        if updated is None:  # withdrawn concurrently: only one withdrawal (and event) wins
            raise ConflictError("The enrolment is already withdrawn")
        self._notify()
        return updated


def _page(docs: list[Document], limit: int) -> Page:
    more = len(docs) > limit
    items = docs[:limit]
    return Page(items, items[-1]["_id"] if more and items else None)
