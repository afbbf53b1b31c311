"""Asks a service whether a tenant's committed events have all left its outbox.

A reader of another service's events (the export's projection of ILR records) can only
wait for what is already on the stream. Events still in the writer's outbox (committed,
not yet relayed) are invisible to it. Each service with an outbox therefore answers a core
NATS request on `rpc.outbox.<source>.<ukprn>.pending` with the number of the tenant's
documents whose events are still unpublished; once it is 0, everything the tenant
committed before the question is on the stream. `<source>` is the subject prefix of the
events the service publishes (`programmes`, `ilr`, `exports`), so the reader names the
events it waits for, not a deployment's service name. (`rpc.>` belongs to no stream, so
the request is answered by the service, not stored by JetStream.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import nats.errors
from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from nats.aio.client import Client
from pymongo.asynchronous.collection import AsyncCollection

from ilr_shared.mongo import Document
from ilr_shared.outbox import PENDING_FIELD


def outbox_pending_subject(source: str, tenant: str) -> str:
    return f"rpc.outbox.{source}.{tenant}.pending"


async def count_pending(collections: Sequence[AsyncCollection[Document]], tenant: str) -> int:
    """The tenant's documents whose outbox still holds unpublished events."""
    total = 0
    for collection in collections:
        total += await collection.count_documents({PENDING_FIELD: True, "tenant": tenant})
    return total


def register_outbox_responder(
    broker: NatsBroker, source: str, collections: Sequence[AsyncCollection[Document]]
) -> None:
    """Answers the pending-count question; one instance of the service (queue group) replies."""

    async def answer(msg: NatsMessage) -> dict[str, int]:
        tenant = msg.raw_message.subject.split(".")[3]
        return {"pending": await count_pending(collections, tenant)}

    answer.__name__ = f"answer_{source}_outbox_pending"
    broker.subscriber(
        outbox_pending_subject(source, "*"),
        queue=f"outbox.{source}",
        title=f"{source} outbox pending",
        description="Replies {pending: n}: the tenant's documents with unpublished events.",
    )(answer)


async def pending_in_outbox(
    connection: Client, source: str, tenant: str, timeout_s: float = 2.0
) -> int | None:
    """The publishing service's answer; None when no instance of it answers."""
    try:
        reply = await connection.request(
            outbox_pending_subject(source, tenant), b"", timeout=timeout_s
        )
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
        return None
    return int(json.loads(reply.data)["pending"])
