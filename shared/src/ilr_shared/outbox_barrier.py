"""Asks a service whether a tenant's committed events have all left its outbox.

Answered on `rpc.outbox.<source>.<ukprn>.pending` with how many of the tenant's documents
still hold unpublished events; docs/ENGINEERING.md "The outbox barrier" says why.
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
    except (nats.errors.NoRespondersError, TimeoutError):  # nats' TimeoutError subclasses it
        return None
    return int(json.loads(reply.data)["pending"])
