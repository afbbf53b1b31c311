"""Composition root of the ILR service."""

from __future__ import annotations

from fastapi import FastAPI

from ilr_service.adapters.ilr_file import read_file
from ilr_service.adapters.repository import IlrRepository
from ilr_service.config import Settings
from ilr_service.entrypoints.api import router
from ilr_service.entrypoints.consumers import consumers
from ilr_service.entrypoints.import_api import router as import_router
from ilr_service.entrypoints.rollover_api import router as rollover_router
from ilr_service.entrypoints.rules_api import router as rules_router
from ilr_service.service_layer.commands import IlrCommands
from ilr_service.service_layer.events import EventHandlers
from ilr_service.service_layer.importing import IlrImporter, ImportSettings
from ilr_service.service_layer.ingest import BatchIngest
from ilr_service.service_layer.queries import IlrQueries
from ilr_service.service_layer.rollover import IlrRollover
from ilr_shared.events import EventType
from ilr_shared.outbox import RelayKick
from ilr_shared.service_app import Runtime, Wiring, create_service_app

API_PREFIX = "/api/ilrs"
DEFAULT_DATABASE = "ilr"


def create_app(
    settings: Settings | None = None, import_settings: ImportSettings | None = None
) -> FastAPI:
    settings = settings or Settings()
    import_settings = import_settings or ImportSettings()

    async def wire(runtime: Runtime) -> Wiring:
        repository = IlrRepository(
            runtime.database, runtime.mongo, use_transactions=settings.use_transactions
        )
        await repository.ensure_indexes()
        kick = RelayKick(runtime)
        handlers = EventHandlers(repository, kick, batch_size=settings.template_batch_size)
        return Wiring(
            consumers=consumers(
                handlers, BatchIngest(handlers, concurrency=settings.consumer_concurrency)
            ),
            outbox_collections=[repository.ilrs],
            publishes=[EventType.RECORD_CHANGED],
            state={
                "ilr_repository": repository,
                "ilr_commands": IlrCommands(repository, kick),
                "ilr_queries": IlrQueries(repository),
                "ilr_event_handlers": handlers,
                "ilr_importer": IlrImporter(repository, read_file, kick, import_settings),
                "ilr_rollover": IlrRollover(repository, kick),
            },
        )

    return create_service_app(
        title="ILR records",
        api_prefix=API_PREFIX,
        settings=settings,
        default_database=DEFAULT_DATABASE,
        routers=[import_router, rollover_router, router, rules_router],
        wire=wire,
    )
