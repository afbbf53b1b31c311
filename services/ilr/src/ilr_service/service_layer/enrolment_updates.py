"""`enrolment.updated`: the sending system's corrections reach the learner's ILR.

The newest update is stored before the ILR is read, and a new ILR reads it after its
insert, so whichever comes second applies it; an ILR that already holds it changes nothing."""

from __future__ import annotations

from ilr_service.domain.ilr import SYSTEM, Change, Ilr, Revision, revise
from ilr_service.domain.record import Enrolment, update_enrolment
from ilr_service.service_layer.ports import IlrStore, Notifier
from ilr_service.service_layer.settling import (
    ConflictRetriesExhaustedError,
    commit_until_settled,
)
from ilr_service.service_layer.templates import Renderer
from ilr_shared.events import EnrolmentCreated, EnrolmentUpdated, EventEnvelope, parse_payload

ACTION = "enrolment update"


def enrolment_of(payload: EnrolmentCreated | EnrolmentUpdated) -> Enrolment:
    return Enrolment(
        learner=payload.learner.model_dump(mode="json", exclude_none=True),
        learn_start_date=payload.LearnStartDate.isoformat(),
        learn_plan_end_date=(
            payload.LearnPlanEndDate.isoformat() if payload.LearnPlanEndDate else None
        ),
    )


def correction(ilr: Ilr, enrolment: Enrolment, renderer: Renderer) -> Change:
    """The ILR with the corrected enrolment: only fields nobody edited change."""
    template = renderer.for_enrolment(enrolment, ilr.academic_year)
    state = update_enrolment(ilr.state, enrolment, template)
    return Change(state, SYSTEM, "enrolment", ACTION, enrolment=enrolment)


class EnrolmentUpdates:
    def __init__(self, repository: IlrStore, notifier: Notifier) -> None:
        self.repo = repository
        self.notifier = notifier

    async def enrolment_updated(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, EnrolmentUpdated)
        await self.repo.store_enrolment_update(
            event.tenant, payload.enrolment_id, event.sequence, enrolment_of(payload)
        )
        await self.catch_up(event.tenant, payload.enrolment_id)

    async def catch_up(self, tenant: str, enrolment_id: str) -> None:
        """Applies the newest stored update to the enrolment's ILR unless it holds it."""

        async def pending() -> list[Revision]:
            latest = await self.repo.enrolment_update(tenant, enrolment_id)
            if latest is None:
                return []
            ilr = await self.repo.get_by_enrolment(tenant, enrolment_id)
            if ilr is None or ilr.enrolment == latest:
                return []
            template = await self.repo.latest_template(tenant, ilr.programme_id)
            return [revise(ilr, correction(ilr, latest, Renderer(template)))]

        await commit_until_settled(
            self.repo,
            self.notifier,
            pending,
            give_up=lambda: ConflictRetriesExhaustedError(
                f"the update of enrolment {enrolment_id} kept conflicting"
            ),
        )
