"""Transactional outbox: events ride in the same document write as the state change.

The relay publishes what is pending and removes it afterwards; a crash in between publishes
again, which JetStream's `Nats-Msg-Id` de-duplication and idempotent consumers make harmless.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from prometheus_client import Counter
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from ilr_shared.events import EventEnvelope
from ilr_shared.messaging import EventPublisher
from ilr_shared.mongo import Document
from ilr_shared.polling import PollLoop

OUTBOX_FIELD = "_outbox"
PENDING_FIELD = "_outbox_pending"

PUBLISHED = Counter("ilr_outbox_published_total", "Events published by the outbox relay")


def outbox_push(events: Iterable[EventEnvelope]) -> dict[str, Any]:
    """Update operators that enqueue events; merge them into the state-changing update."""
    stored = [event.model_dump(mode="json") for event in events]
    return {"$push": {OUTBOX_FIELD: {"$each": stored}}, "$set": {PENDING_FIELD: True}}


def outbox_fields(events: Iterable[EventEnvelope]) -> dict[str, Any]:
    """Fields for a new document that is inserted together with its events."""
    return {OUTBOX_FIELD: [e.model_dump(mode="json") for e in events], PENDING_FIELD: True}


def merge_updates(*updates: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    for update in updates:
        for operator, fields in update.items():
            merged.setdefault(operator, {}).update(fields)
    return merged


async def ensure_outbox_index(collection: AsyncCollection[Document]) -> None:
    await collection.create_index([(PENDING_FIELD, ASCENDING)], sparse=True)


class OutboxRelay:
    """Publishes pending events of the given collections, in order per document.

    Documents are published concurrently (at most `max_in_flight` awaiting their stream
    ack), the events of one document one after the other. The published events are then
    removed from every document of the batch in ONE bulk write: a document whose outbox
    still holds exactly what was published is emptied and unmarked in a single update;
    otherwise (events were added meanwhile) only the published ones are pulled and the
    document stays pending for the next round. A document whose publishing failed keeps
    its events; the error is raised after the others are settled.
    """

    def __init__(
        self,
        collections: Sequence[AsyncCollection[Document]],
        publisher: EventPublisher,
        poll_interval_s: float = 0.2,
        batch_size: int = 200,
        max_in_flight: int = 64,
    ) -> None:
        self._collections = collections
        self._publisher = publisher
        self._batch_size = batch_size
        self._max_in_flight = max(1, max_in_flight)
        self._loop = PollLoop(
            self._publish_round, poll_interval_s, "outbox.relay_error", error_pause_s=1.0
        )

    def kick(self) -> None:
        """Called after a commit so events leave at once instead of at the next poll."""
        self._loop.kick()

    async def run(self) -> None:
        await self._loop.run()

    async def _publish_round(self) -> bool:
        return await self.publish_pending() > 0

    async def publish_pending(self) -> int:
        total = 0
        for collection in self._collections:
            total += await self._publish_collection(collection)
        return total

    async def _publish_collection(self, collection: AsyncCollection[Document]) -> int:
        """One query per pass, streamed in batches: a backlog of n documents costs one scan,
        not n / batch_size of them (re-querying with a limit rereads what is still pending)."""
        published = 0
        batch: list[Document] = []
        cursor = collection.find(
            {PENDING_FIELD: True}, {OUTBOX_FIELD: 1}, batch_size=self._batch_size
        )
        try:
            async for document in cursor:
                batch.append(document)
                if len(batch) >= self._batch_size:
                    published += await self._publish_batch(collection, batch)
                    batch = []
        finally:
            await cursor.close()
        if batch:
            published += await self._publish_batch(collection, batch)
        return published

    async def _publish_batch(
        self, collection: AsyncCollection[Document], documents: list[Document]
    ) -> int:
        limiter = asyncio.Semaphore(self._max_in_flight)

        async def publish(document: Document) -> list[str]:
            async with limiter:
                return await self._publish_document(document)

        outcomes = await asyncio.gather(
            *(publish(document) for document in documents), return_exceptions=True
        )
        done = [
            (document, ids)
            for document, ids in zip(documents, outcomes, strict=True)
            if not isinstance(ids, BaseException)
        ]
        if done:
            await self._clear(collection, done)
        published = sum(len(ids) for _, ids in done)
        PUBLISHED.inc(published)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return published

    async def _publish_document(self, document: Document) -> list[str]:
        """Publishes the document's events in order; returns their ids."""
        events = document.get(OUTBOX_FIELD) or []
        for stored in events:
            await self._publisher.publish(EventEnvelope.model_validate(stored))
        return [stored["event_id"] for stored in events]

    async def _clear(
        self, collection: AsyncCollection[Document], done: list[tuple[Document, list[str]]]
    ) -> None:
        exact = [
            UpdateOne(
                _holds_exactly(document["_id"], ids),
                {"$set": {OUTBOX_FIELD: []}, "$unset": {PENDING_FIELD: ""}},
            )
            for document, ids in done
        ]
        result = await collection.bulk_write(exact, ordered=False)
        if result.matched_count == len(exact):
            return
        # Some outboxes grew meanwhile: pull what was published, keep the rest pending.
        # (Both updates match nothing on the documents the first write already emptied.)
        pulls: list[UpdateOne] = []
        for document, ids in done:
            if ids:
                pulls.append(
                    UpdateOne(
                        {"_id": document["_id"], f"{OUTBOX_FIELD}.event_id": {"$in": ids}},
                        {"$pull": {OUTBOX_FIELD: {"event_id": {"$in": ids}}}},
                    )
                )
            pulls.append(
                UpdateOne(
                    {"_id": document["_id"], OUTBOX_FIELD: {"$size": 0}, PENDING_FIELD: True},
                    {"$unset": {PENDING_FIELD: ""}},
                )
            )
        await collection.bulk_write(pulls, ordered=True)


class RelayHolder(Protocol):
    """What holds a service's relay once it has started (`service_app.Runtime`)."""

    relay: OutboxRelay | None


class RelayKick:
    """Wakes a service's relay after a commit, so its events leave at once (a no-op until
    the relay has started)."""

    def __init__(self, holder: RelayHolder) -> None:
        self._holder = holder

    def changed(self) -> None:
        if self._holder.relay is not None:
            self._holder.relay.kick()


def _holds_exactly(document_id: Any, ids: list[str]) -> dict[str, Any]:
    """Filter: the document's outbox holds exactly the events `ids` (event ids are unique:
    as many elements as ids, none of them another event). Written without `$all` on the
    dotted path, which SecantusDB does not match; and without a top-level `$and`, which
    makes SecantusDB scan the collection instead of looking the `_id` up)."""
    return {
        "_id": document_id,
        OUTBOX_FIELD: {"$size": len(ids), "$not": {"$elemMatch": {"event_id": {"$nin": ids}}}},
    }
