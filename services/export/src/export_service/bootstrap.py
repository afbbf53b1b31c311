"""Composition root: `uv run uvicorn export_service.bootstrap:create_app --factory`."""

from __future__ import annotations

from fastapi import FastAPI

from export_service.adapters.calendar_file import load_calendar
from export_service.adapters.files import FileStore
from export_service.adapters.projection_sync import ProjectionSync
from export_service.adapters.repository import (
    Collections,
    ExportItems,
    ExportJobs,
    FileSerials,
    RecordsProjection,
)
from export_service.config import Settings
from export_service.entrypoints.api import ExportServices, router
from export_service.entrypoints.consumers import DURABLE, record_changed_consumer
from export_service.service_layer.build import ExportBuilder, utc_now
from export_service.service_layer.worker import ExportWorker
from ilr_shared.events import EventType, subject_prefix
from ilr_shared.outbox import RelayKick
from ilr_shared.service_app import Runtime, Wiring, create_service_app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    calendar = load_calendar(settings.return_calendar)  # a bad calendar stops the start

    async def wire(runtime: Runtime) -> Wiring:
        collections = Collections(runtime.database)
        await collections.ensure_indexes()
        files = FileStore(runtime.database)
        await files.ensure_indexes()
        builder = ExportBuilder(collections, files, settings, utc_now)
        sync = ProjectionSync(
            runtime.broker,
            "ILR",
            DURABLE,
            settings.projection_sync_timeout_s,
            upstream_source=subject_prefix(EventType.RECORD_CHANGED),
        )
        worker = ExportWorker(builder, projection_sync=sync.wait_caught_up)

        services = ExportServices(
            jobs=ExportJobs(collections.exports),
            items=ExportItems(collections.items),
            files=files,
            worker=worker,
            settings=settings,
            clock=utc_now,
            kick_outbox=RelayKick(runtime).changed,
            serials=FileSerials(collections.serials),
            calendar=calendar,
        )
        return Wiring(
            consumers=[record_changed_consumer(RecordsProjection(collections.records))],
            outbox_collections=[collections.exports],
            background=[worker.run],
            state={"exports": services},
            publishes=[EventType.BATCH_SUBMITTED],
        )

    return create_service_app(
        title="ILR export service",
        api_prefix="/api/exports",
        settings=settings,
        default_database="export",
        routers=[router],
        wire=wire,
    )
