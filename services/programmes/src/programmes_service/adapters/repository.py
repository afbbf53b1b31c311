"""MongoDB repositories (pymongo AsyncMongoClient). Every query carries the tenant.

State changes and their events are written in one document write (transactional outbox):
an insert carries `outbox_fields`, an update merges `outbox_push` into its operators.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from ilr_shared.errors import ConflictError
from ilr_shared.events import EventEnvelope
from ilr_shared.mongo import Document
from ilr_shared.outbox import OUTBOX_FIELD, PENDING_FIELD, merge_updates, outbox_fields, outbox_push

PROGRAMMES = "programmes"
ENROLMENTS = "enrolments"
_HIDDEN = {OUTBOX_FIELD: 0, PENDING_FIELD: 0}
_DUPLICATE_LEARN_REF = (
    "A learner with this LearnRefNumber is already enrolled in this academic year"
)


class _OutboxCollection:
    """A collection whose documents carry a `version` and their own outbox."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def update(
        self,
        tenant: str,
        document_id: str,
        expected_version: int,
        changes: dict[str, Any],
        events: Sequence[EventEnvelope],
    ) -> Document | None:
        """Compare-and-set on `version`, with the events in the same write; None when the
        document moved on (or is gone)."""
        update = merge_updates(
            {"$set": changes, "$inc": {"version": 1}}, outbox_push(events) if events else {}
        )
        try:
            return await self.collection.find_one_and_update(
                {"tenant": tenant, "_id": document_id, "version": expected_version},
                update,
                projection=_HIDDEN,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:  # a unique index (a corrected LearnRefNumber)
            raise ConflictError(_DUPLICATE_LEARN_REF) from exc


class ProgrammeRepository(_OutboxCollection):
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        super().__init__(database[PROGRAMMES])

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("tenant", ASCENDING), ("_id", ASCENDING)])
        await self.collection.create_index(
            [("tenant", ASCENDING), ("academic_year", ASCENDING), ("_id", ASCENDING)]
        )

    async def add(self, document: Document, events: Sequence[EventEnvelope]) -> None:
        await self.collection.insert_one({**document, **outbox_fields(events)})

    async def get(self, tenant: str, programme_id: str) -> Document | None:
        return await self.collection.find_one({"tenant": tenant, "_id": programme_id}, _HIDDEN)

    async def list(
        self, tenant: str, academic_year: str | None, q: str | None, after: str | None, limit: int
    ) -> list[Document]:
        query: dict[str, Any] = {"tenant": tenant}
        if academic_year:
            query["academic_year"] = academic_year
        if q:
            query["name"] = {"$regex": re.escape(q), "$options": "i"}
        if after:
            query["_id"] = {"$gt": after}
        cursor = self.collection.find(query, _HIDDEN).sort("_id", ASCENDING).limit(limit)
        return [doc async for doc in cursor]


class EnrolmentRepository(_OutboxCollection):
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        super().__init__(database[ENROLMENTS])

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [
                ("tenant", ASCENDING),
                ("academic_year", ASCENDING),
                ("learner.LearnRefNumber", ASCENDING),
            ],
            unique=True,
            name="unique_learn_ref_per_tenant_year",
        )
        await self.collection.create_index(
            [("tenant", ASCENDING), ("programme_id", ASCENDING), ("_id", ASCENDING)]
        )

    async def add(self, document: Document, events: Sequence[EventEnvelope]) -> None:
        try:
            await self.collection.insert_one({**document, **outbox_fields(events)})
        except DuplicateKeyError as exc:
            raise ConflictError(_DUPLICATE_LEARN_REF) from exc

    async def get(self, tenant: str, programme_id: str, enrolment_id: str) -> Document | None:
        return await self.collection.find_one(
            {"tenant": tenant, "programme_id": programme_id, "_id": enrolment_id}, _HIDDEN
        )

    async def list(
        self, tenant: str, programme_id: str, after: str | None, limit: int
    ) -> list[Document]:
        query: dict[str, Any] = {"tenant": tenant, "programme_id": programme_id}
        if after:
            query["_id"] = {"$gt": after}
        cursor = self.collection.find(query, _HIDDEN).sort("_id", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def active_counts(self, tenant: str, programme_ids: Sequence[str]) -> dict[str, int]:
        """Active enrolments per programme (computed, so it can never drift)."""
        if not programme_ids:
            return {}
        pipeline: list[dict[str, Any]] = [
            {
                "$match": {
                    "tenant": tenant,
                    "programme_id": {"$in": list(programme_ids)},
                    "status": "active",
                }
            },
            {"$group": {"_id": "$programme_id", "n": {"$sum": 1}}},
        ]
        cursor = await self.collection.aggregate(pipeline)
        return {doc["_id"]: int(doc["n"]) for doc in await cursor.to_list()}
