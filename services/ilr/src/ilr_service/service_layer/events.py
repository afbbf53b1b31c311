"""Use cases driven by events: prefill on enrolment, template fan-out, withdrawal, export.

Every handler is idempotent and order-independent; why they converge when several
instances race is in docs/ENGINEERING.md ("ILR event handlers")."""

from __future__ import annotations

import asyncio

from pydantic import ValidationError

from ilr_service.domain import ilr_model
from ilr_service.domain.ilr import (
    SYSTEM,
    Change,
    Creation,
    Ilr,
    Revision,
    create,
    ilr_id_for,
    now,
    revise,
)
from ilr_service.domain.record import prefill, synchronise
from ilr_service.domain.reference import ProgrammeSettings, Withdrawal
from ilr_service.domain.workflow import COMPLETED, QA_VERIFIED
from ilr_service.service_layer.enrolment_updates import EnrolmentUpdates, enrolment_of
from ilr_service.service_layer.ports import IlrStore, Notifier, Quiet
from ilr_service.service_layer.settling import (
    ConflictRetriesExhaustedError,
    commit_until_settled,
)
from ilr_service.service_layer.templates import LatestTemplates, Renderer
from ilr_shared.events import (
    BatchSubmitted,
    EnrolmentCreated,
    EnrolmentWithdrawn,
    EventEnvelope,
    EventType,
    ProgrammeChanged,
    TemplateChanged,
    parse_payload,
)
from ilr_shared.logging import get_logger
from ilr_shared.messaging import PermanentEventError

log = get_logger(__name__)

YIELD_EVERY = 25  # ILRs revised between yields to the event loop
# The fan-out yields more often: the bulk write in flight sends its next round trip only
# when the loop runs, and the database waits for it meanwhile.
FAN_OUT_YIELD_EVERY = 5


def catch_up(ilr: Ilr, renderer: Renderer, withdrawal: Withdrawal | None) -> Change | None:
    """What the ILR still lacks of the latest template and of a withdrawal, one at a time."""
    if renderer.revision > ilr.state.template_revision:
        state = synchronise(ilr.state, ilr.enrolment, renderer.for_ilr(ilr))
        return Change(state, SYSTEM, "template", f"template revision {renderer.revision}")
    if withdrawal is not None and not ilr.withdrawn:
        return Change(
            ilr.state,
            SYSTEM,
            "enrolment",
            "withdraw",
            extra={
                "withdrawn": True,
                "withdrawal": {"on": withdrawal.withdrawn_on, "reason": withdrawal.reason},
            },
        )
    return None


def wanted_without_read(payload: EnrolmentCreated) -> bool:
    """Made while ILR was on: yes, as if handled at once (no read needed)."""
    return payload.ilr_enabled and payload.programme_version is not None


def ilr_wanted(payload: EnrolmentCreated, programme: ProgrammeSettings | None) -> bool:
    """Made while ILR was on: yes. Made while it was off, or an older event that does not
    say: the switch as stored here, unless the enrolment saw a newer programme version."""
    if wanted_without_read(payload):
        return True
    if programme is None or (
        payload.programme_version is not None and programme.sequence < payload.programme_version
    ):
        return payload.ilr_enabled
    return programme.ilr_enabled is not False


def check_year(payload: EnrolmentCreated) -> None:
    if ilr_model.year_or_default(payload.academic_year) != payload.academic_year:
        raise PermanentEventError(f"academic year {payload.academic_year} is not supported")


def creation_for(event: EventEnvelope, payload: EnrolmentCreated, renderer: Renderer) -> Creation:
    """The learner's new ILR, prefilled from the enrolment and the rendered template."""
    enrolment = enrolment_of(payload)
    return create(
        tenant=event.tenant,
        ilr_id=ilr_id_for(event.tenant, payload.enrolment_id),
        programme_id=payload.programme_id,
        enrolment_id=payload.enrolment_id,
        academic_year=payload.academic_year,
        enrolment=enrolment,
        change=Change(
            prefill(enrolment, renderer.for_enrolment(enrolment, payload.academic_year)),
            SYSTEM,
            "enrolment",
            "create",
        ),
        source_event=str(event.event_id),
    )


class EventHandlers:
    def __init__(
        self, repository: IlrStore, notifier: Notifier | None = None, batch_size: int = 300
    ) -> None:
        self.repo = repository
        self.notifier = notifier or Quiet()
        self.batch_size = batch_size
        self.templates = LatestTemplates(repository)
        self.enrolment_updates = EnrolmentUpdates(repository, self.notifier)

    async def handle_programmes(self, event: EventEnvelope) -> None:
        handlers = {
            EventType.ENROLMENT_CREATED: self.enrolment_created,
            EventType.TEMPLATE_CHANGED: self.template_changed,
            EventType.PROGRAMME_CHANGED: self.programme_changed,
            EventType.ENROLMENT_WITHDRAWN: self.enrolment_withdrawn,
            EventType.ENROLMENT_UPDATED: self.enrolment_updates.enrolment_updated,
        }
        handler = handlers.get(event.event_type)
        if handler is None:
            raise PermanentEventError(f"the ILR service does not handle {event.event_type}")
        await handler(event)

    # -- enrolment.created --------------------------------------------------------------

    async def enrolment_created(self, event: EventEnvelope) -> None:
        """Prefills the learner's ILR, or keeps the event while the programme has ILR off.

        The kept event is stored *before* the switch is read again, and programme.changed
        stores the switch before it reads the kept events: either side sees the other."""
        payload = parse_payload(event)
        assert isinstance(payload, EnrolmentCreated)
        tenant, programme_id = event.tenant, payload.programme_id
        if await self._ilr_wanted(tenant, payload) or (
            await self.repo.get_by_enrolment(tenant, payload.enrolment_id) is not None
        ):
            await self._create_ilr(event, payload)
            return
        await self.repo.park_enrolment(tenant, programme_id, payload.enrolment_id, event)
        if await self._ilr_wanted(tenant, payload):  # switched on meanwhile
            await self._create_ilr(event, payload)
            await self.repo.unpark_enrolment(tenant, payload.enrolment_id)

    async def _ilr_wanted(self, tenant: str, payload: EnrolmentCreated) -> bool:
        if wanted_without_read(payload):
            return True
        programme = await self.repo.programme_settings(tenant, payload.programme_id)
        return ilr_wanted(payload, programme)

    async def _release_parked(self, tenant: str, programme_id: str) -> int:
        """Creates the ILRs of the enrolments that waited for ILR to be switched on; one
        made at a newer programme version than the switch stored here waits on."""
        released = 0
        async for event in self.repo.parked_enrolments(tenant, programme_id):
            payload = parse_payload(event)
            assert isinstance(payload, EnrolmentCreated)
            if not await self._ilr_wanted(tenant, payload):
                continue
            await self._create_ilr(event, payload)
            await self.repo.unpark_enrolment(tenant, payload.enrolment_id)
            released += 1
        return released

    async def _create_ilr(self, event: EventEnvelope, payload: EnrolmentCreated) -> None:
        """Optimistic insert: a redelivered event meets the unique (tenant, enrolment_id)
        and falls through to `reconcile`, which re-reads everything."""
        tenant, programme_id = event.tenant, payload.programme_id
        check_year(payload)
        renderer = await self.templates.cached_or_latest(tenant, programme_id)
        creation = creation_for(event, payload, renderer)
        if await self.repo.insert(creation):
            self.notifier.changed()
            log.info("ilr.created", ilr_id=creation.ilr.id, tenant=tenant)
            await self.enrolment_updates.catch_up(tenant, payload.enrolment_id)
            # Race closer without re-reading the ILR just written: the latest template and
            # any withdrawal, read together.
            template, withdrawal = await asyncio.gather(
                self.repo.latest_template(tenant, programme_id),
                self.repo.withdrawal(tenant, payload.enrolment_id),
            )
            latest = self.templates.remember(tenant, programme_id, template)
            if catch_up(creation.ilr, latest, withdrawal) is None:
                return
        await self.reconcile(tenant, payload.enrolment_id)

    async def reconcile(self, tenant: str, enrolment_id: str) -> None:
        """Brings one ILR up to the latest template and withdrawal known (race closer)."""

        async def still_behind() -> list[Revision]:
            ilr = await self.repo.get_by_enrolment(tenant, enrolment_id)
            if ilr is None:
                return []
            template = await self.repo.latest_template(tenant, ilr.programme_id)
            withdrawal = await self.repo.withdrawal(tenant, enrolment_id)
            change = catch_up(ilr, Renderer(template), withdrawal)
            return [] if change is None else [revise(ilr, change)]

        await commit_until_settled(
            self.repo,
            self.notifier,
            still_behind,
            give_up=lambda: ConflictRetriesExhaustedError(
                f"ILR for enrolment {enrolment_id} kept changing"
            ),
        )

    # -- template.changed ---------------------------------------------------------------

    async def template_changed(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, TemplateChanged)
        try:
            ilr_model.check_template(payload.template)
        except ValidationError as exc:
            raise PermanentEventError(f"template is not a valid ILR template: {exc}") from exc
        await self.repo.store_template(
            event.tenant,
            payload.programme_id,
            payload.revision,
            {
                "template": payload.template,
                "academic_year": payload.academic_year,
                "updated_at": now(),
                "event_id": str(event.event_id),
            },
        )
        await self.apply_latest_template(event.tenant, payload.programme_id)

    async def apply_latest_template(self, tenant: str, programme_id: str) -> int:
        """Applies the latest stored template to every ILR of the programme that is behind,
        in batches of bulk compare-and-set writes; lost races are recomputed."""
        renderer = await self.templates.latest(tenant, programme_id)
        if renderer.revision == 0:
            return 0
        applied = 0
        # One index scan; the next batch is computed while the previous one is written.
        in_flight: asyncio.Task[set[str]] | None = None
        async for batch in self.repo.stream_behind_template(
            tenant, programme_id, renderer.revision, self.batch_size
        ):
            revisions = await self._template_revisions(batch, renderer)
            if in_flight is not None:
                applied += self._applied(await in_flight)
            in_flight = asyncio.create_task(self.repo.commit(revisions))
        if in_flight is not None:
            applied += self._applied(await in_flight)

        async def still_behind() -> list[Revision]:
            batch = await self.repo.behind_template(
                tenant, programme_id, renderer.revision, self.batch_size
            )
            return await self._template_revisions(batch, renderer)

        # What the scan missed or what lost a race: re-query until nothing is behind.
        return applied + await commit_until_settled(
            self.repo,
            self.notifier,
            still_behind,
            give_up=lambda: ConflictRetriesExhaustedError(
                f"template fan-out for {programme_id} stalled"
            ),
        )

    def _applied(self, won: set[str]) -> int:
        if won:
            self.notifier.changed()
        return len(won)

    async def _template_revisions(self, batch: list[Ilr], renderer: Renderer) -> list[Revision]:
        """Revisions bringing `batch` to the renderer's revision; yields to the event loop
        now and then so a bulk write in flight keeps moving."""
        revisions = []
        for i, ilr in enumerate(batch, 1):
            state = synchronise(ilr.state, ilr.enrolment, renderer.for_ilr(ilr))
            change = Change(state, SYSTEM, "template", f"template revision {renderer.revision}")
            revisions.append(revise(ilr, change))
            if i % FAN_OUT_YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return revisions

    # -- programme.changed / enrolment.withdrawn ----------------------------------------

    async def programme_changed(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, ProgrammeChanged)
        await self.repo.store_programme(
            event.tenant,
            ProgrammeSettings(
                programme_id=payload.programme_id,
                sequence=event.sequence,
                name=payload.name,
                academic_year=payload.academic_year,
                ilr_enabled=payload.ilr_enabled,
                allow_sign_without_verification=payload.allow_sign_without_verification,
            ),
        )
        if payload.ilr_enabled:
            programme = await self.repo.programme_settings(event.tenant, payload.programme_id)
            if programme is not None and programme.ilr_enabled is not False:
                await self._release_parked(event.tenant, payload.programme_id)

    async def enrolment_withdrawn(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, EnrolmentWithdrawn)
        await self.repo.store_withdrawal(
            event.tenant,
            Withdrawal(
                enrolment_id=payload.enrolment_id,
                programme_id=payload.programme_id,
                reason=payload.reason,
                withdrawn_on=payload.withdrawn_on.isoformat(),
            ),
        )
        await self.reconcile(event.tenant, payload.enrolment_id)

    # -- exports.*.batch.submitted ------------------------------------------------------

    async def batch_submitted(self, event: EventEnvelope) -> None:
        """Completes the QA-verified versions an export batch was submitted with; a record
        changed since the export, or not verified, is left as is."""
        payload = parse_payload(event)
        assert isinstance(payload, BatchSubmitted)
        pending: dict[str, int] = {r.ilr_id: r.version for r in payload.records}
        actor = f"export:{payload.export_id}"

        async def completions() -> list[Revision]:
            if not pending:
                return []
            ilrs = await self.repo.get_many(event.tenant, list(pending))
            revisions = [
                revise(ilr, Change(ilr.state, actor, "export", "complete", status=COMPLETED))
                for ilr in ilrs
                if ilr.version == pending[ilr.id] and ilr.status == QA_VERIFIED
            ]
            kept = {r.ilr_id: pending[r.ilr_id] for r in revisions}
            pending.clear()
            pending.update(kept)
            return revisions

        def forget(won: set[str]) -> None:
            for ilr_id in won:
                pending.pop(ilr_id, None)

        await commit_until_settled(
            self.repo,
            self.notifier,
            completions,
            give_up=lambda: ConflictRetriesExhaustedError(
                "completing submitted records kept conflicting"
            ),
            committed=forget,
        )
