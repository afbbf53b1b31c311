"""MongoDB collections of the export service: `records` (the ILR projection), `exports`
(jobs; the outbox of `batch.submitted`), `export_items` (one outcome per learner per export),
`file_serials` (NN per provider and year); the files' GridFS bucket is in `files.py`."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from export_service.domain.model import LearnerOutcome
from ilr_shared.events import EventEnvelope
from ilr_shared.mongo import Document
from ilr_shared.outbox import merge_updates, outbox_push


class Collections:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.database = database
        self.records: AsyncCollection[Document] = database["records"]
        self.exports: AsyncCollection[Document] = database["exports"]
        self.items: AsyncCollection[Document] = database["export_items"]
        self.serials: AsyncCollection[Document] = database["file_serials"]

    async def ensure_indexes(self) -> None:
        await self.records.create_index(
            [("tenant", ASCENDING), ("ilr_id", ASCENDING)], unique=True, name="tenant_ilr"
        )
        await self.records.create_index(
            [("tenant", ASCENDING), ("academic_year", ASCENDING), ("learn_ref", ASCENDING),
             ("ilr_id", ASCENDING)],
            name="export_order",
        )  # fmt: skip
        await self.exports.create_index(
            [("tenant", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
            name="tenant_list",
        )
        await self.exports.create_index(
            [("state", ASCENDING), ("lease_until", ASCENDING), ("created_at", ASCENDING)],
            name="claim",
        )
        await self.exports.create_index(
            [("tenant", ASCENDING), ("academic_year", ASCENDING), ("state", ASCENDING),
             ("created_at", DESCENDING)],
            name="previous",
        )  # fmt: skip
        await self.items.create_index(
            [("export_id", ASCENDING), ("n", ASCENDING)], name="report_order"
        )
        await self.items.create_index(
            [("export_id", ASCENDING), ("included", ASCENDING), ("learn_ref", ASCENDING)],
            name="included_refs",
        )


class RecordsProjection:
    """Latest snapshot per ILR; a snapshot replaces the stored one only if its version is
    higher (compare-and-set in the filter), so duplicates and late events change nothing."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._records = collection

    async def upsert(self, tenant: str, ilr_id: str, version: int, fields: Document) -> bool:
        """True when stored; False when an equal or newer version is already there."""
        try:
            result = await self._records.update_one(
                {"tenant": tenant, "ilr_id": ilr_id, "version": {"$lt": version}},
                {"$set": {**fields, "version": version}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # the document exists with version >= this one
        return result.modified_count == 1 or result.upserted_id is not None

    def selection(
        self,
        tenant: str,
        academic_year: str,
        statuses: Sequence[str],
        programme_ids: Sequence[str] | None,
    ) -> Document:
        query: Document = {
            "tenant": tenant,
            "academic_year": academic_year,
            "deleted": False,
            "status": {"$in": list(statuses)},
        }
        if programme_ids:
            query["programme_id"] = {"$in": list(programme_ids)}
        return query

    async def count(self, query: Document) -> int:
        return await self._records.count_documents(query)

    async def batches(self, query: Document, size: int) -> AsyncIterator[list[Document]]:
        """The selected snapshots in LearnRefNumber order, `size` at a time."""
        cursor = self._records.find(
            query,
            {"_id": 0, "ilr_id": 1, "version": 1, "learn_ref": 1, "uln": 1, "record": 1},
            sort=[("learn_ref", ASCENDING), ("ilr_id", ASCENDING)],
            batch_size=size,
        )
        try:
            while True:
                batch = await cursor.to_list(size)
                if not batch:
                    return
                yield batch
        finally:
            await cursor.close()

    async def not_selected(
        self,
        tenant: str,
        academic_year: str,
        statuses: Sequence[str],
        programme_ids: Sequence[str] | None,
        cap: int,
    ) -> tuple[list[Document], int]:
        """The year's ILRs a build with this selection leaves out before any check (first
        `cap` by LearnRefNumber, and how many in all): withdrawn, another status, another
        programme."""
        reasons: list[Document] = [{"deleted": True}, {"status": {"$nin": list(statuses)}}]
        if programme_ids:
            reasons.append({"programme_id": {"$nin": list(programme_ids)}})
        query: Document = {"tenant": tenant, "academic_year": academic_year, "$or": reasons}
        fields = {"_id": 0, "ilr_id": 1, "learn_ref": 1, "status": 1, "programme_id": 1,
                  "deleted": 1}  # fmt: skip
        cursor = self._records.find(query, fields, sort=[("learn_ref", ASCENDING)], limit=cap)
        listed = [doc async for doc in cursor]
        return listed, await self._records.count_documents(query)

    async def duplicates(self, query: Document, key: str) -> list[Document]:
        """Values of `key` (`learn_ref` or `uln`) held by more than one selected ILR."""
        match = dict(query)
        if key == "uln":
            match["uln"] = {"$nin": [None, "9999999999"]}
        pipeline: list[Document] = [
            {"$match": match},
            {"$group": {"_id": f"${key}", "learn_refs": {"$push": "$learn_ref"}, "n": {"$sum": 1}}},
            {"$match": {"n": {"$gt": 1}, "_id": {"$ne": None}}},
            {"$sort": {"_id": 1}},
        ]
        cursor = await self._records.aggregate(pipeline)
        return [
            {"value": doc["_id"], "learn_refs": sorted(doc["learn_refs"])} async for doc in cursor
        ]


class ExportJobs:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self.collection = collection

    async def insert(self, job: Document) -> None:
        await self.collection.insert_one(job)

    async def get(self, tenant: str, export_id: str) -> Document | None:
        return await self.collection.find_one({"_id": export_id, "tenant": tenant})

    async def page(
        self, tenant: str, limit: int, after: tuple[dt.datetime, str] | None
    ) -> list[Document]:
        query: Document = {"tenant": tenant}
        if after is not None:
            created, ident = after
            query["$or"] = [
                {"created_at": {"$lt": created}},
                {"created_at": created, "_id": {"$lt": ident}},
            ]
        cursor = self.collection.find(
            query, sort=[("created_at", DESCENDING), ("_id", DESCENDING)], limit=limit
        )
        return await cursor.to_list(limit)

    async def claim(self, owner: str, now: dt.datetime, lease_s: float) -> Document | None:
        """Atomically takes the oldest queued job, or a running job whose lease expired."""
        return await self.collection.find_one_and_update(
            {
                "$or": [
                    {"state": "queued"},
                    {"state": "running", "lease_until": {"$lt": now}},
                ]
            },
            {
                "$set": {
                    "state": "running",
                    "owner": owner,
                    "lease_until": now + dt.timedelta(seconds=lease_s),
                    "started_at": now,
                },
                "$inc": {"attempts": 1},
            },
            sort=[("created_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def set_owned(self, job_id: str, owner: str, fields: Document) -> bool:
        """Sets `fields` only while `owner` still holds the running job."""
        result = await self.collection.update_one(
            {"_id": job_id, "owner": owner, "state": "running"}, {"$set": fields}
        )
        return result.matched_count == 1

    async def get_owned(self, job_id: str, owner: str) -> Document | None:
        return await self.collection.find_one({"_id": job_id, "owner": owner})

    async def previous(
        self, tenant: str, academic_year: str, export_id: str, created_at: dt.datetime
    ) -> Document | None:
        """The export to compare with: the last submitted one of the year requested before
        this one, else the last such one that succeeded."""
        base = {"tenant": tenant, "academic_year": academic_year, "state": "succeeded",
                "_id": {"$ne": export_id}, "created_at": {"$lt": created_at}}  # fmt: skip
        for query in ({**base, "submitted_at": {"$ne": None}}, base):
            found = await self.collection.find_one(query, sort=[("created_at", DESCENDING)])
            if found is not None:
                return found
        return None

    async def mark_submitted(
        self, tenant: str, export_id: str, fields: Document, events: Sequence[EventEnvelope]
    ) -> Document | None:
        """Sets `fields` on a succeeded, not yet submitted export and queues `events` in its
        outbox, in one write; None when the export is not (or no longer) in that state."""
        return await self.collection.find_one_and_update(
            {"_id": export_id, "tenant": tenant, "state": "succeeded", "submitted_at": None},
            merge_updates({"$set": fields}, outbox_push(events)),
            return_document=ReturnDocument.AFTER,
        )


class ExportItems:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._items = collection

    async def clear(self, tenant: str, export_id: str) -> None:
        await self._items.delete_many({"export_id": export_id, "tenant": tenant})

    async def add(
        self, tenant: str, export_id: str, first: int, outcomes: Sequence[LearnerOutcome]
    ) -> None:
        if not outcomes:
            return
        await self._items.insert_many(
            [
                {
                    "_id": f"{export_id}:{first + i:07d}",
                    "export_id": export_id,
                    "tenant": tenant,
                    "n": first + i,
                    "learn_ref": o.learn_ref,
                    "ilr_id": o.ilr_id,
                    "version": o.version,
                    "included": o.included,
                    "errors_included": o.errors_included,
                    "findings": [f.as_dict() for f in o.findings],
                }
                for i, o in enumerate(outcomes)
            ],
            ordered=False,
        )

    async def report(self, tenant: str, export_id: str) -> AsyncIterator[Document]:
        cursor = self._items.find(
            {"export_id": export_id, "tenant": tenant},
            {"_id": 0, "learn_ref": 1, "ilr_id": 1, "version": 1, "included": 1}
            | {"errors_included": 1, "findings": 1},
            sort=[("n", ASCENDING)],
            batch_size=1000,
        )
        async for item in cursor:
            yield item

    async def included_refs(self, tenant: str, export_id: str) -> AsyncIterator[str]:
        cursor = self._items.find(
            {"export_id": export_id, "tenant": tenant, "included": True},
            {"_id": 0, "learn_ref": 1},
            sort=[("learn_ref", ASCENDING)],
            batch_size=2000,
        )
        async for item in cursor:
            yield item["learn_ref"]

    async def errors_included(self, tenant: str, export_id: str, cap: int) -> list[Document]:
        """Learners written to the file with their errors (first `cap`, in file order)."""
        cursor = self._items.find(
            {"export_id": export_id, "tenant": tenant, "errors_included": True},
            {"_id": 0, "learn_ref": 1, "ilr_id": 1, "findings": 1},
            sort=[("n", ASCENDING)],
            limit=cap,
        )
        return [
            {
                "LearnRefNumber": item["learn_ref"],
                "ilr_id": item.get("ilr_id"),
                "rules": sorted({f["rule"] for f in item["findings"] if f["severity"] == "error"}),
            }
            async for item in cursor
        ]

    async def included_records(self, tenant: str, export_id: str) -> list[Document]:
        """The records submitted with the file: those with errors SLD rejects stay out, so
        their ILRs are not completed."""
        cursor = self._items.find(
            {"export_id": export_id, "tenant": tenant, "included": True}
            | {"errors_included": {"$ne": True}},
            {"_id": 0, "ilr_id": 1, "version": 1},
            sort=[("n", ASCENDING)],
            batch_size=5000,
        )
        return [{"ilr_id": i["ilr_id"], "version": i["version"]} async for i in cursor]


class FileSerials:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._serials = collection

    async def next(self, tenant: str, year_code: str) -> int:
        """The next NN for the provider and year, atomically (01 first)."""
        doc = await self._serials.find_one_and_update(
            {"_id": f"{tenant}:{year_code}", "tenant": tenant},
            {"$inc": {"n": 1}, "$setOnInsert": {"tenant": tenant, "year_code": year_code}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert doc is not None
        return int(doc["n"])

    async def give_back(self, tenant: str, year_code: str, serial: int) -> bool:
        """Returns ``serial`` if it is still the last one taken (compare-and-set)."""
        result = await self._serials.update_one(
            {"_id": f"{tenant}:{year_code}", "tenant": tenant, "n": serial},
            {"$inc": {"n": -1}},
        )
        return result.modified_count == 1

    async def used(self, tenant: str, year_code: str) -> int:
        doc = await self._serials.find_one({"_id": f"{tenant}:{year_code}", "tenant": tenant})
        return int(doc["n"]) if doc else 0
