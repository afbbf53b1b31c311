"""Builds a service's FastAPI app: Mongo, NATS, streams, consumers, outbox relay, ops routes.

Each service's composition root (`bootstrap.py`) calls `create_service_app` with its
routers and a `wire` function that builds the service's objects from the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from ilr_shared.auth import TokenVerifier
from ilr_shared.events import documented_envelope, subject_for, subject_prefix
from ilr_shared.http import install_error_handlers, ops_router
from ilr_shared.logging import configure_logging, get_logger
from ilr_shared.messaging import (
    ConsumerSpec,
    EventPublisher,
    NatsEventPublisher,
    declare_streams,
    make_broker,
    register_consumer,
)
from ilr_shared.mongo import Document, make_client, ping
from ilr_shared.outbox import OutboxRelay, ensure_outbox_index
from ilr_shared.outbox_barrier import register_outbox_responder
from ilr_shared.settings import CommonSettings

log = get_logger(__name__)


@dataclass
class Runtime:
    """The live connections of one service instance, handed to its wiring."""

    settings: CommonSettings
    mongo: AsyncMongoClient[Document]
    database: AsyncDatabase[Document]
    broker: NatsBroker
    publisher: EventPublisher
    relay: OutboxRelay | None = None
    background: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass
class Wiring:
    """What a service contributes once connected."""

    consumers: Sequence[ConsumerSpec] = ()
    outbox_collections: Sequence[AsyncCollection[Document]] = ()
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = ()
    publishes: Sequence[str] = ()  # event types, documented in the AsyncAPI document
    state: dict[str, Any] = field(default_factory=dict)


Wire = Callable[[Runtime], Awaitable[Wiring]]


def create_service_app(
    *,
    title: str,
    api_prefix: str,
    settings: CommonSettings,
    default_database: str,
    routers: Sequence[APIRouter],
    wire: Wire,
) -> FastAPI:
    configure_logging(settings.log_level, settings.log_json)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await _connect(settings, default_database)
        wiring = await wire(runtime)
        await _start(app, runtime, wiring, settings)
        log.info("service.started", service=settings.service_name)
        try:
            yield
        finally:
            await _stop(runtime)
            log.info("service.stopped", service=settings.service_name)

    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url=f"{api_prefix}/docs",
        openapi_url=f"{api_prefix}/openapi.json",
        redoc_url=None,
    )
    app.state.token_verifier = TokenVerifier(settings)
    install_error_handlers(app)

    async def readiness() -> dict[str, bool]:
        runtime: Runtime | None = getattr(app.state, "runtime", None)
        if runtime is None:
            return {"started": False}
        connection = runtime.broker._connection
        return {
            "mongodb": await ping(runtime.database),
            "nats": bool(connection is not None and connection.is_connected),
        }

    app.include_router(ops_router(readiness))
    _add_docs_aliases(app, api_prefix)  # before the routers: `{id}` routes would shadow them
    for router in routers:
        app.include_router(router)
    return app


def _add_docs_aliases(app: FastAPI, api_prefix: str) -> None:
    from fastapi.responses import JSONResponse, RedirectResponse

    @app.get("/docs", include_in_schema=False)
    async def docs() -> RedirectResponse:
        return RedirectResponse(f"{api_prefix}/docs")

    @app.get(f"{api_prefix}/asyncapi.json", include_in_schema=False)
    async def asyncapi() -> JSONResponse:
        runtime: Runtime = app.state.runtime
        spec = (
            AsyncAPI(runtime.broker, title=f"{app.title} events").to_specification().to_jsonable()
        )
        return JSONResponse(spec)


async def _connect(settings: CommonSettings, default_database: str) -> Runtime:
    mongo = make_client(settings.mongodb_url, settings.service_name)
    broker = make_broker(settings)
    return Runtime(
        settings=settings,
        mongo=mongo,
        database=mongo[settings.database_name(default_database)],
        broker=broker,
        publisher=NatsEventPublisher(broker),
    )


async def _start(app: FastAPI, runtime: Runtime, wiring: Wiring, settings: CommonSettings) -> None:
    await runtime.broker.connect()
    await declare_streams(runtime.broker)
    for spec in wiring.consumers:
        register_consumer(runtime.broker, spec, settings)
    for event_type in wiring.publishes:
        _document_publisher(runtime.broker, event_type)
    if wiring.outbox_collections:
        for source in sorted({subject_prefix(event_type) for event_type in wiring.publishes}):
            register_outbox_responder(runtime.broker, source, wiring.outbox_collections)
    await runtime.broker.start()
    if wiring.outbox_collections:
        for collection in wiring.outbox_collections:
            await ensure_outbox_index(collection)
        runtime.relay = OutboxRelay(
            wiring.outbox_collections, runtime.publisher, settings.outbox_poll_interval_s
        )
        runtime.background.append(asyncio.create_task(runtime.relay.run()))
    for job in wiring.background:
        runtime.background.append(asyncio.create_task(job()))
    app.state.runtime = runtime
    for key, value in wiring.state.items():
        setattr(app.state, key, value)


def _document_publisher(broker: NatsBroker, event_type: str) -> None:
    subject = subject_for(event_type, "{ukprn}")
    broker.publisher(
        subject,
        title=f"{event_type} publisher",
        description=f"Published through the outbox to `{subject}` (header Nats-Msg-Id = event_id).",
        schema=documented_envelope(event_type),
    )


async def _stop(runtime: Runtime) -> None:
    for task in runtime.background:
        await _cancel(task)
    with contextlib.suppress(Exception):
        await runtime.broker.stop()
    await runtime.mongo.close()


async def _cancel(task: asyncio.Task[None]) -> None:
    """Cancels until the task has ended: on Python 3.11 `asyncio.wait_for` can swallow a
    cancellation that races with its inner future finishing (the relay then loops on)."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=1.0)
    if not task.cancelled():
        with contextlib.suppress(Exception):
            task.result()
