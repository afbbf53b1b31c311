"""Composition root of the programmes service."""

from __future__ import annotations

from fastapi import FastAPI

from ilr_shared.events import EventType
from ilr_shared.outbox import RelayKick
from ilr_shared.service_app import Runtime, Wiring, create_service_app

from .adapters.repository import EnrolmentRepository, ProgrammeRepository
from .config import API_PREFIX, DEFAULT_DATABASE, Settings
from .entrypoints.api import router
from .service_layer.services import ProgrammesService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def wire(runtime: Runtime) -> Wiring:
        programmes = ProgrammeRepository(runtime.database)
        enrolments = EnrolmentRepository(runtime.database)
        await programmes.ensure_indexes()
        await enrolments.ensure_indexes()
        notify = RelayKick(runtime).changed
        service = ProgrammesService(programmes, enrolments, notify, settings.write_retries)
        return Wiring(
            outbox_collections=[programmes.collection, enrolments.collection],
            state={"programmes_service": service},
            publishes=[
                EventType.PROGRAMME_CHANGED,
                EventType.TEMPLATE_CHANGED,
                EventType.ENROLMENT_CREATED,
                EventType.ENROLMENT_WITHDRAWN,
                EventType.ENROLMENT_UPDATED,
            ],
        )

    return create_service_app(
        title="ILR programmes",
        api_prefix=API_PREFIX,
        settings=settings,
        default_database=DEFAULT_DATABASE,
        routers=[router],
        wire=wire,
    )
