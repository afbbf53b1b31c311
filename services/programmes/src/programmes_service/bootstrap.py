"""Composition root of the programmes service."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from ilr_shared.events import EventType
from ilr_shared.service_app import Runtime, Wiring, create_service_app

from .adapters.repository import EnrolmentRepository, ProgrammeRepository
from .config import API_PREFIX, DEFAULT_DATABASE, Settings
from .domain.errors import DomainError
from .entrypoints.api import router
from .service_layer.services import ProgrammesService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    async def wire(runtime: Runtime) -> Wiring:
        programmes = ProgrammeRepository(runtime.database)
        enrolments = EnrolmentRepository(runtime.database)
        await programmes.ensure_indexes()
        await enrolments.ensure_indexes()

        def notify() -> None:
            if runtime.relay is not None:
                runtime.relay.kick()

        service = ProgrammesService(programmes, enrolments, notify, settings.write_retries)
        return Wiring(
            outbox_collections=[programmes.collection, enrolments.collection],
            state={"programmes_service": service},
            publishes=[
                EventType.PROGRAMME_CHANGED,
                EventType.TEMPLATE_CHANGED,
                EventType.ENROLMENT_CREATED,
                EventType.ENROLMENT_WITHDRAWN,
            ],
        )

    app = create_service_app(
        title="ILR programmes",
        api_prefix=API_PREFIX,
        settings=settings,
        default_database=DEFAULT_DATABASE,
        routers=[router],
        wire=wire,
    )

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        errors = [{"path": p.path, "message": p.message, "type": p.type} for p in exc.problems]
        return JSONResponse({"detail": exc.message, "errors": errors}, exc.status)

    app.add_exception_handler(DomainError, on_domain_error)
    return app
