"""Use cases driven by events: prefill on enrolment, template fan-out, withdrawal, export.

Every handler is idempotent and order-independent:

* an ILR's id is derived from (tenant, enrolment_id) and (tenant, enrolment_id) is unique;
* the stored template only moves to a higher revision, and an ILR only takes a template
  revision higher than its `template_revision`;
* after inserting an ILR the handler re-reads the latest template (and withdrawal) and
  applies it if newer, so an enrolment and a template change handled at the same moment
  by two instances converge; that read also refreshes a small in-process cache of the
  latest template per programme, which only ever saves the read BEFORE the insert (a
  stale cached template is caught by the read after it);
* every write is a compare-and-set on `version`, recomputed and retried on a lost race.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ilr_service.adapters import ilr_model
from ilr_service.adapters.repository import Commit, IlrRepository
from ilr_service.domain.record import Enrolment, RenderedTemplate, prefill, synchronise
from ilr_service.domain.workflow import COMPLETED, QA_VERIFIED
from ilr_service.service_layer.changes import (
    SYSTEM,
    Change,
    build_commit,
    enrolment_of,
    ilr_id_for,
    new_document,
    now,
    state_of,
)
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
from ilr_shared.mongo import Document

log = get_logger(__name__)

MAX_ATTEMPTS = 20
TEMPLATE_CACHE_SIZE = 256
YIELD_EVERY = 25  # documents computed between yields to the event loop


class ConflictRetriesExhaustedError(RuntimeError):
    """Still losing compare-and-set races: the event is retried later."""


class Renderer:
    """Renders a stored template per learner start date, cached for one fan-out."""

    def __init__(self, template_doc: Document | None) -> None:
        self._doc = template_doc
        self._cache: dict[tuple[str, str], RenderedTemplate | None] = {}

    @property
    def revision(self) -> int:
        return int(self._doc["revision"]) if self._doc else 0

    def for_document(self, document: Document) -> RenderedTemplate | None:
        enrolment = enrolment_of(document)
        return self.for_enrolment(enrolment, document["academic_year"])

    def for_enrolment(self, enrolment: Enrolment, academic_year: str) -> RenderedTemplate | None:
        if self._doc is None:
            return None
        key = (enrolment.learn_start_date, academic_year)
        if key not in self._cache:
            self._cache[key] = ilr_model.render(
                self._doc.get("template"), self.revision, enrolment.learn_start_date, academic_year
            )
        return self._cache[key]


class EventHandlers:
    def __init__(
        self,
        repository: IlrRepository,
        kick: Callable[[], None] = lambda: None,
        batch_size: int = 300,
    ) -> None:
        self.repo = repository
        self.kick = kick
        self.batch_size = batch_size
        self._renderers: OrderedDict[tuple[str, str], Renderer] = OrderedDict()

    # -- latest template per programme (in-process cache, refreshed by every read) ------

    def _remember(self, tenant: str, programme_id: str, template_doc: Document | None) -> Renderer:
        """The renderer for `template_doc`, kept (with its renderings) while its revision is
        the newest seen; the stored template only ever moves to a higher revision."""
        key = (tenant, programme_id)
        cached = self._renderers.get(key)
        fresh = Renderer(template_doc)
        if cached is not None and cached.revision >= fresh.revision:
            self._renderers.move_to_end(key)
            return cached if cached.revision == fresh.revision else fresh
        self._renderers[key] = fresh
        self._renderers.move_to_end(key)
        while len(self._renderers) > TEMPLATE_CACHE_SIZE:
            self._renderers.popitem(last=False)
        return fresh

    async def _latest_renderer(self, tenant: str, programme_id: str) -> Renderer:
        template_doc = await self.repo.latest_template(tenant, programme_id)
        return self._remember(tenant, programme_id, template_doc)

    async def handle_programmes(self, event: EventEnvelope) -> None:
        handlers = {
            EventType.ENROLMENT_CREATED: self.enrolment_created,
            EventType.TEMPLATE_CHANGED: self.template_changed,
            EventType.PROGRAMME_CHANGED: self.programme_changed,
            EventType.ENROLMENT_WITHDRAWN: self.enrolment_withdrawn,
        }
        handler = handlers.get(event.event_type)
        if handler is None:
            raise PermanentEventError(f"the ILR service does not handle {event.event_type}")
        await handler(event)

    # -- enrolment.created --------------------------------------------------------------

    async def enrolment_created(self, event: EventEnvelope) -> None:
        """Prefills the learner's ILR, or keeps the event while the programme has ILR off.

        The kept event is stored *before* the switch is read again, and programme.changed
        stores the switch before it reads the kept events, so an enrolment and an enabling
        handled at the same moment by two instances still end with the ILR created.
        Switching ILR off leaves ILRs that already exist alone."""
        payload = parse_payload(event)
        assert isinstance(payload, EnrolmentCreated)
        tenant, programme_id = event.tenant, payload.programme_id
        if await self._ilr_wanted(tenant, payload) or (
            await self.repo.get_by_enrolment(tenant, payload.enrolment_id) is not None
        ):
            await self._create_ilr(event, payload)
            return
        await self.repo.park_enrolment(
            tenant, programme_id, payload.enrolment_id, event.model_dump(mode="json")
        )
        if await self._ilr_wanted(tenant, payload):  # switched on meanwhile
            await self._create_ilr(event, payload)
            await self.repo.unpark_enrolment(tenant, payload.enrolment_id)

    async def _ilr_wanted(self, tenant: str, payload: EnrolmentCreated) -> bool:
        """Made while ILR was on: yes, as if handled at once (no read). Made while it was
        off, or an older event that does not say: the switch as stored here, unless the
        enrolment saw a newer programme version than that."""
        if payload.ilr_enabled and payload.programme_version is not None:
            return True
        programme = await self.repo.programme(tenant, payload.programme_id)
        if programme is None or (
            payload.programme_version is not None
            and int(programme.get("sequence") or 0) < payload.programme_version
        ):
            return payload.ilr_enabled
        return programme.get("ilr_enabled") is not False

    async def _release_parked(self, tenant: str, programme_id: str) -> int:
        """Creates the ILRs of the enrolments that waited for ILR to be switched on; one
        made at a newer programme version than the switch stored here waits on."""
        released = 0
        async for parked in self.repo.parked_enrolments(tenant, programme_id):
            event = EventEnvelope.model_validate(parked["event"])
            payload = parse_payload(event)
            assert isinstance(payload, EnrolmentCreated)
            if not await self._ilr_wanted(tenant, payload):
                continue
            await self._create_ilr(event, payload)
            await self.repo.unpark_enrolment(tenant, payload.enrolment_id)
            released += 1
        return released

    async def _create_ilr(self, event: EventEnvelope, payload: EnrolmentCreated) -> None:
        tenant = event.tenant
        if ilr_model.year_or_default(payload.academic_year) != payload.academic_year:
            raise PermanentEventError(f"academic year {payload.academic_year} is not supported")
        # Optimistic insert: a redelivered event meets the unique (tenant, enrolment_id)
        # and falls through to the reconcile below, which re-reads everything.
        learner = payload.learner.model_dump(mode="json", exclude_none=True)
        enrolment = Enrolment(
            learner=learner,
            learn_start_date=payload.LearnStartDate.isoformat(),
            learn_plan_end_date=(
                payload.LearnPlanEndDate.isoformat() if payload.LearnPlanEndDate else None
            ),
        )
        renderer = self._renderers.get((tenant, payload.programme_id))
        if renderer is None:
            renderer = await self._latest_renderer(tenant, payload.programme_id)
        document, version_doc = new_document(
            tenant=tenant,
            ilr_id=ilr_id_for(tenant, payload.enrolment_id),
            programme_id=payload.programme_id,
            enrolment_id=payload.enrolment_id,
            academic_year=payload.academic_year,
            enrolment=enrolment,
            state=prefill(enrolment, renderer.for_enrolment(enrolment, payload.academic_year)),
            source_event=str(event.event_id),
        )
        if await self.repo.insert(document, version_doc):
            self.kick()
            log.info("ilr.created", ilr_id=document["_id"], tenant=tenant)
            # Race closer without re-reading the ILR just written: the latest template and
            # any withdrawal, read together.
            template_doc, withdrawal = await asyncio.gather(
                self.repo.latest_template(tenant, payload.programme_id),
                self.repo.withdrawal(tenant, payload.enrolment_id),
            )
            latest = self._remember(tenant, payload.programme_id, template_doc)
            if self._catch_up(document, latest, withdrawal) is None:
                return
        await self.reconcile(tenant, payload.enrolment_id)

    async def reconcile(self, tenant: str, enrolment_id: str) -> None:
        """Brings one ILR up to the latest template and withdrawal known (race closer)."""
        for _ in range(MAX_ATTEMPTS):
            document = await self.repo.get_by_enrolment(tenant, enrolment_id)
            if document is None:
                return
            template_doc = await self.repo.latest_template(tenant, document["programme_id"])
            withdrawal = await self.repo.withdrawal(tenant, enrolment_id)
            change = self._catch_up(document, Renderer(template_doc), withdrawal)
            if change is None:
                return
            if await self.repo.commit([build_commit(document, change)]):
                self.kick()
                continue  # look again: both a template and a withdrawal may be pending
        raise ConflictRetriesExhaustedError(f"ILR for enrolment {enrolment_id} kept changing")

    def _catch_up(
        self, document: Document, renderer: Renderer, withdrawal: Document | None
    ) -> Change | None:
        if renderer.revision > int(document.get("template_revision") or 0):
            state = synchronise(
                state_of(document), enrolment_of(document), renderer.for_document(document)
            )
            return Change(state, SYSTEM, "template", f"template revision {renderer.revision}")
        if withdrawal is not None and not document.get("withdrawn"):
            return Change(
                state_of(document),
                SYSTEM,
                "enrolment",
                "withdraw",
                extra={
                    "withdrawn": True,
                    "withdrawal": {
                        "on": withdrawal.get("withdrawn_on"),
                        "reason": withdrawal.get("reason", ""),
                    },
                },
            )
        return None

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
        renderer = await self._latest_renderer(tenant, programme_id)
        if renderer.revision == 0:
            return 0
        applied = 0
        # One index scan; the next batch is computed while the previous one is written.
        in_flight: asyncio.Task[set[str]] | None = None
        async for batch in self.repo.stream_behind_template(
            tenant, programme_id, renderer.revision, self.batch_size
        ):
            commits = await self._template_commits(batch, renderer)
            if in_flight is not None:
                applied += self._applied(await in_flight)
            in_flight = asyncio.create_task(self.repo.commit(commits))
        if in_flight is not None:
            applied += self._applied(await in_flight)
        # What the scan missed or what lost a race: re-query until nothing is behind.
        fruitless = 0
        while True:
            batch = await self.repo.behind_template(
                tenant, programme_id, renderer.revision, self.batch_size
            )
            if not batch:
                return applied
            won = await self.repo.commit(await self._template_commits(batch, renderer))
            applied += self._applied(won)
            if won:
                fruitless = 0
            else:
                fruitless += 1
                if fruitless >= MAX_ATTEMPTS:
                    raise ConflictRetriesExhaustedError(
                        f"template fan-out for {programme_id} stalled"
                    )

    def _applied(self, won: set[str]) -> int:
        if won:
            self.kick()
        return len(won)

    async def _template_commits(self, batch: list[Document], renderer: Renderer) -> list[Commit]:
        """Compare-and-set commits bringing `batch` to the renderer's revision; yields to
        the event loop now and then so a bulk write in flight keeps moving."""
        commits = []
        for i, document in enumerate(batch, 1):
            state = synchronise(
                state_of(document), enrolment_of(document), renderer.for_document(document)
            )
            change = Change(state, SYSTEM, "template", f"template revision {renderer.revision}")
            commits.append(build_commit(document, change))
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        return commits

    # -- programme.changed / enrolment.withdrawn ----------------------------------------

    async def programme_changed(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, ProgrammeChanged)
        await self.repo.store_programme(
            event.tenant,
            payload.programme_id,
            event.sequence,
            {
                "name": payload.name,
                "academic_year": payload.academic_year,
                "ilr_enabled": payload.ilr_enabled,
                "allow_sign_without_verification": payload.allow_sign_without_verification,
            },
        )
        if payload.ilr_enabled:
            programme = await self.repo.programme(event.tenant, payload.programme_id)
            if programme is not None and programme.get("ilr_enabled") is not False:
                await self._release_parked(event.tenant, payload.programme_id)

    async def enrolment_withdrawn(self, event: EventEnvelope) -> None:
        payload = parse_payload(event)
        assert isinstance(payload, EnrolmentWithdrawn)
        await self.repo.store_withdrawal(
            event.tenant,
            payload.enrolment_id,
            {
                "programme_id": payload.programme_id,
                "reason": payload.reason,
                "withdrawn_on": payload.withdrawn_on.isoformat(),
            },
        )
        await self.reconcile(event.tenant, payload.enrolment_id)

    # -- exports.*.batch.submitted ------------------------------------------------------

    async def batch_submitted(self, event: EventEnvelope) -> None:
        """Completes the QA-verified versions an export batch was submitted with."""
        payload = parse_payload(event)
        assert isinstance(payload, BatchSubmitted)
        pending: dict[str, int] = {r.ilr_id: r.version for r in payload.records}
        for _ in range(MAX_ATTEMPTS):
            if not pending:
                return
            documents = await self.repo.get_many(event.tenant, list(pending))
            commits = []
            for document in documents:
                if (
                    document["version"] != pending[document["_id"]]
                    or document["status"] != QA_VERIFIED
                ):
                    continue  # changed since the export, or not verified: left as is
                change = Change(
                    state_of(document),
                    f"export:{payload.export_id}",
                    "export",
                    "complete",
                    status=COMPLETED,
                )
                commits.append(build_commit(document, change))
            if not commits:
                return
            won = await self.repo.commit(commits)
            if won:
                self.kick()
            pending = {c.ilr_id: pending[c.ilr_id] for c in commits if c.ilr_id not in won}
        raise ConflictRetriesExhaustedError("completing submitted records kept conflicting")


def summary(document: Document) -> dict[str, Any]:
    record = document.get("record") or {}
    counts = document.get("finding_counts") or {}
    return {
        "id": document["_id"],
        "programme_id": document["programme_id"],
        "enrolment_id": document.get("enrolment_id"),
        "academic_year": document["academic_year"],
        "status": document["status"],
        "version": document["version"],
        "LearnRefNumber": record.get("LearnRefNumber"),
        "ULN": record.get("ULN"),
        "GivenNames": record.get("GivenNames"),
        "FamilyName": record.get("FamilyName"),
        "updated_at": document.get("updated_at"),
        "error_count": counts.get("errors", 0),
        "warning_count": counts.get("warnings", 0),
    }
