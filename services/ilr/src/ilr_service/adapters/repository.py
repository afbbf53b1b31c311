"""MongoDB storage of the ILR service.

Collections (database `ilr` by default):

* `ilrs` — one current document per enrolment (see `documents.py` for its fields);
  unique (tenant, enrolment_id); changes are compare-and-set on `version`; each change
  carries its `record.changed` event in the document's outbox (same write).
* `ilr_versions` — append-only history, one document per committed version, `_id` = the
  write's token (`write_id`). A version document is written BEFORE the compare-and-set of
  the ILR document; it counts once `committed` is true or its write won a compare-and-set
  (it is the ILR's head `ilrs.write_id`, or one of the last `RECENT_WRITES` winning writes
  in `ilrs.recent_writes`). A version whose compare-and-set lost is deleted by its writer
  (and is never listed anyway). `committed` is set in bulk right after the compare-and-set
  (own write, and the previous head if not yet set); a write that is about to drop out of
  `recent_writes` is confirmed before the compare-and-set that evicts it, so a crash
  between the two steps never hides a version.
* `templates` — latest ILR template per programme (only a higher revision replaces it).
* `programmes` — programme settings (allow_sign_without_verification …), newest sequence.
* `withdrawals` — enrolment withdrawals, kept so a withdrawal that arrives before its
  enrolment still applies.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import (
    ASCENDING,
    DESCENDING,
    AsyncMongoClient,
    DeleteMany,
    InsertOne,
    UpdateOne,
)
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ilr_shared.events import EventEnvelope
from ilr_shared.mongo import Document, in_transaction
from ilr_shared.outbox import merge_updates, outbox_push

DUPLICATE_KEY = 11000
RECENT_WRITES = 20
_SUMMARY_FIELDS = {
    field: 1
    for field in (
        "record",
        "programme_id",
        "enrolment_id",
        "academic_year",
        "status",
        "version",
        "updated_at",
        "family_name_lc",
        "finding_counts",
    )
}


@dataclass
class Commit:
    """One compare-and-set change of an ILR and its version document."""

    ilr_id: str
    tenant: str
    expected_version: int
    set_fields: dict[str, Any]
    version_doc: dict[str, Any]
    event: EventEnvelope
    prev_write_id: str | None
    # Winning writes this compare-and-set pushes out of `recent_writes` (confirmed first).
    evicts: tuple[str, ...] = ()

    @property
    def write_id(self) -> str:
        return str(self.version_doc["_id"])

    def applied_to(self, document: Document) -> Document:
        """The ILR as this commit leaves it (what a re-read after winning would return)."""
        recent = [*(document.get("recent_writes") or []), self.write_id][-RECENT_WRITES:]
        return {**document, **self.set_fields, "recent_writes": recent}


class IlrRepository:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        client: AsyncMongoClient[Document] | None = None,
        use_transactions: bool = False,
    ) -> None:
        self._client = client
        self.use_transactions = use_transactions and client is not None
        self.ilrs: AsyncCollection[Document] = database["ilrs"]
        self.versions: AsyncCollection[Document] = database["ilr_versions"]
        self.templates: AsyncCollection[Document] = database["templates"]
        self.programmes: AsyncCollection[Document] = database["programmes"]
        self.withdrawals: AsyncCollection[Document] = database["withdrawals"]
        # enrolment events kept while their programme has ILR switched off
        self.pending: AsyncCollection[Document] = database["pending_enrolments"]

    async def ensure_indexes(self) -> None:
        ilrs = self.ilrs
        await ilrs.create_index(
            [("tenant", ASCENDING), ("enrolment_id", ASCENDING)], unique=True, name="enrolment"
        )
        await ilrs.create_index(
            [("tenant", ASCENDING), ("programme_id", ASCENDING), ("template_revision", ASCENDING)],
            name="programme_template",
        )
        await ilrs.create_index(
            [("tenant", ASCENDING), ("updated_at", DESCENDING), ("_id", DESCENDING)],
            name="recent",
        )
        await ilrs.create_index(
            [("tenant", ASCENDING), ("family_name_lc", ASCENDING), ("_id", ASCENDING)],
            name="family_name",
        )
        # Each list filter has an index that also holds the sort (updated_at, _id), so a
        # page is read in order from the index instead of sorted in memory.
        for name, keys in (
            ("status_recent", ["status"]),
            ("academic_year_recent", ["academic_year"]),
            ("programme_recent", ["programme_id"]),
            ("programme_status_recent", ["programme_id", "status"]),
        ):
            await ilrs.create_index(
                [("tenant", ASCENDING), *((k, ASCENDING) for k in keys),
                 ("updated_at", DESCENDING), ("_id", DESCENDING)],
                name=name,
            )  # fmt: skip
        await ilrs.create_index([("tenant", ASCENDING), ("uln", ASCENDING)], name="uln")
        await ilrs.create_index([("tenant", ASCENDING), ("learn_ref", ASCENDING)], name="learn_ref")
        await ilrs.create_index(
            [("tenant", ASCENDING), ("search_names", ASCENDING)], name="search_names"
        )
        await self.pending.create_index(
            [("tenant", ASCENDING), ("programme_id", ASCENDING)], name="programme"
        )
        await self.versions.create_index(
            [("tenant", ASCENDING), ("ilr_id", ASCENDING), ("version", DESCENDING)],
            name="ilr_version",
        )
        await self.templates.create_index(
            [("tenant", ASCENDING), ("programme_id", ASCENDING)], unique=True
        )
        await self.programmes.create_index(
            [("tenant", ASCENDING), ("programme_id", ASCENDING)], unique=True
        )

    # -- reference data from events ---------------------------------------------------

    async def store_template(
        self, tenant: str, programme_id: str, revision: int, fields: dict[str, Any]
    ) -> bool:
        """Stores the template if its revision is higher than the stored one."""
        try:
            result = await self.templates.update_one(
                {"_id": f"{tenant}:{programme_id}", "revision": {"$lt": revision}},
                {
                    "$set": {
                        **fields,
                        "tenant": tenant,
                        "programme_id": programme_id,
                        "revision": revision,
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:  # a newer (or the same) revision is already there
            return False
        return result.modified_count > 0 or result.upserted_id is not None

    async def latest_template(self, tenant: str, programme_id: str) -> Document | None:
        return await self.templates.find_one({"_id": f"{tenant}:{programme_id}", "tenant": tenant})

    async def store_programme(
        self, tenant: str, programme_id: str, sequence: int, fields: dict[str, Any]
    ) -> None:
        try:
            await self.programmes.update_one(
                {"_id": f"{tenant}:{programme_id}", "sequence": {"$lt": sequence}},
                {
                    "$set": {
                        **fields,
                        "tenant": tenant,
                        "programme_id": programme_id,
                        "sequence": sequence,
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return

    async def programme(self, tenant: str, programme_id: str) -> Document | None:
        return await self.programmes.find_one({"_id": f"{tenant}:{programme_id}", "tenant": tenant})

    async def store_withdrawal(
        self, tenant: str, enrolment_id: str, fields: dict[str, Any]
    ) -> None:
        await self.withdrawals.update_one(
            {"_id": f"{tenant}:{enrolment_id}"},
            {"$setOnInsert": {**fields, "tenant": tenant, "enrolment_id": enrolment_id}},
            upsert=True,
        )

    async def withdrawal(self, tenant: str, enrolment_id: str) -> Document | None:
        return await self.withdrawals.find_one(
            {"_id": f"{tenant}:{enrolment_id}", "tenant": tenant}
        )

    # -- ILR documents ----------------------------------------------------------------

    async def park_enrolment(
        self, tenant: str, programme_id: str, enrolment_id: str, event: dict[str, Any]
    ) -> None:
        await self.pending.update_one(
            {"_id": f"{tenant}:{enrolment_id}"},
            {
                "$setOnInsert": {
                    "tenant": tenant,
                    "programme_id": programme_id,
                    "enrolment_id": enrolment_id,
                    "event": event,
                }
            },
            upsert=True,
        )

    def parked_enrolments(self, tenant: str, programme_id: str) -> AsyncCursor[Document]:
        return self.pending.find({"tenant": tenant, "programme_id": programme_id})

    async def unpark_enrolment(self, tenant: str, enrolment_id: str) -> None:
        await self.pending.delete_one({"_id": f"{tenant}:{enrolment_id}", "tenant": tenant})

    async def get(self, tenant: str, ilr_id: str) -> Document | None:
        return await self.ilrs.find_one({"_id": ilr_id, "tenant": tenant}, {"_outbox": 0})

    async def get_by_enrolment(self, tenant: str, enrolment_id: str) -> Document | None:
        return await self.ilrs.find_one(
            {"tenant": tenant, "enrolment_id": enrolment_id}, {"_outbox": 0}
        )

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Document]:
        cursor = self.ilrs.find({"_id": {"$in": list(ids)}, "tenant": tenant}, {"_outbox": 0})
        return [doc async for doc in cursor]

    async def search(
        self, query: dict[str, Any], sort: list[tuple[str, int]], limit: int
    ) -> list[Document]:
        """One page of ILR summaries (the record without history fields)."""
        cursor = self.ilrs.find(query, _SUMMARY_FIELDS, limit=limit).sort(sort)
        return [doc async for doc in cursor]

    async def ids_by_learn_ref(
        self, tenant: str, academic_year: str, learn_refs: Sequence[str]
    ) -> list[Document]:
        query = {
            "tenant": tenant,
            "academic_year": academic_year,
            "learn_ref": {"$in": list(learn_refs)},
        }
        return [doc async for doc in self.ilrs.find(query, {"_id": 1, "learn_ref": 1})]

    async def behind_template(
        self, tenant: str, programme_id: str, revision: int, limit: int
    ) -> list[Document]:
        cursor = self.ilrs.find(
            {
                "tenant": tenant,
                "programme_id": programme_id,
                "template_revision": {"$lt": revision},
            },
            {"_outbox": 0},
            limit=limit,
        )
        return [doc async for doc in cursor]

    async def stream_behind_template(
        self, tenant: str, programme_id: str, revision: int, batch_size: int
    ) -> AsyncIterator[list[Document]]:
        """The ILRs of the programme behind `revision`, in batches, from ONE index scan
        (re-querying after every batch rescans what is left each time). Documents updated
        while the cursor runs may be returned again (their compare-and-set then loses) or
        not at all: callers finish with `behind_template` until it is empty."""
        cursor = self.ilrs.find(
            {
                "tenant": tenant,
                "programme_id": programme_id,
                "template_revision": {"$lt": revision},
            },
            {"_outbox": 0},
            batch_size=batch_size,
        )
        batch: list[Document] = []
        async for doc in cursor:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def insert(self, document: dict[str, Any], version_doc: dict[str, Any]) -> bool:
        """Inserts a new ILR with its first version; False when it already exists.

        The first version needs no separate confirmation write: it is the ILR's head (and
        in `recent_writes`), and the next commit confirms it as its previous head."""
        await self._insert_versions([version_doc])
        try:
            await self.ilrs.insert_one(document)
        except DuplicateKeyError:
            await self.versions.delete_one({"_id": version_doc["_id"], "committed": {"$ne": True}})
            return False
        return True

    async def commit(self, commits: Sequence[Commit]) -> set[str]:
        """Applies the compare-and-set changes in bulk; returns the ids of the ILRs whose
        change committed (the others lost a race and must be recomputed)."""
        if not commits:
            return set()
        if self.use_transactions:
            return await self.commit_in_transaction(commits)
        await self._insert_versions(
            [c.version_doc for c in commits], [w for c in commits for w in c.evicts]
        )
        result = await self.ilrs.bulk_write([_cas_update(c) for c in commits], ordered=False)
        if result.matched_count == len(commits):
            won = list(commits)
        else:
            heads = await self._heads(commits)
            won = [c for c in commits if c.write_id in heads]
        won_ids = {c.write_id for c in won}
        lost = [c.write_id for c in commits if c.write_id not in won_ids]
        # One round trip: confirm each winner's version, and its previous head where that
        # is not confirmed yet (a no-op match otherwise); lost versions are deleted.
        confirm: list[UpdateOne | DeleteMany] = [
            UpdateOne({"_id": c.write_id}, {"$set": {"committed": True}}) for c in won
        ]
        confirm += [
            UpdateOne({"_id": c.prev_write_id, "committed": {"$ne": True}}, _COMMITTED)
            for c in won
            if c.prev_write_id
        ]
        if lost:
            confirm.append(DeleteMany({"_id": {"$in": lost}, "committed": {"$ne": True}}))
        if confirm:
            await self.versions.bulk_write(confirm, ordered=False)
        return {c.ilr_id for c in won}

    async def commit_in_transaction(self, commits: Sequence[Commit]) -> set[str]:
        """The same change as `commit`, in one multi-document transaction: the version
        documents of lost races are rolled back with them (measured slower, see README)."""
        assert self._client is not None
        if not commits:
            return set()

        async def work(session: AsyncClientSession) -> set[str]:
            docs = [{**c.version_doc, "committed": True} for c in commits]
            await self.versions.insert_many(docs, ordered=False, session=session)
            result = await self.ilrs.bulk_write(
                [_cas_update(c) for c in commits], ordered=False, session=session
            )
            if result.matched_count == len(commits):
                return {c.ilr_id for c in commits}
            heads = await self._heads(commits, session)
            lost = [c.write_id for c in commits if c.write_id not in heads]
            await self.versions.delete_many({"_id": {"$in": lost}}, session=session)
            return {c.ilr_id for c in commits if c.write_id in heads}

        won = await in_transaction(self._client, work)
        prev = [c.prev_write_id for c in commits if c.ilr_id in won and c.prev_write_id]
        if prev:
            await self.versions.update_many({"_id": {"$in": prev}}, {"$set": {"committed": True}})
        return won

    async def _heads(
        self, commits: Sequence[Commit], session: AsyncClientSession | None = None
    ) -> set[str]:
        cursor = self.ilrs.find(
            {
                "_id": {"$in": [c.ilr_id for c in commits]},
                "recent_writes": {"$in": [c.write_id for c in commits]},
            },
            {"recent_writes": 1},
            session=session,
        )
        return {w async for doc in cursor for w in doc.get("recent_writes", [])}

    async def _insert_versions(
        self, version_docs: list[dict[str, Any]], evicted: Sequence[str] = ()
    ) -> None:
        """The new version documents, plus (same round trip) the confirmation of winning
        writes that the coming compare-and-sets push out of `recent_writes`."""
        requests: list[InsertOne[dict[str, Any]] | UpdateOne] = [
            InsertOne(doc) for doc in version_docs
        ]
        requests += [UpdateOne({"_id": w, "committed": {"$ne": True}}, _COMMITTED) for w in evicted]
        try:
            await self.versions.bulk_write(requests, ordered=False)
        except BulkWriteError as exc:  # a retried write: the same token is already there
            errors = exc.details.get("writeErrors", [])
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise

    # -- versions ---------------------------------------------------------------------

    async def list_versions(self, document: Document) -> list[Document]:
        cursor = self.versions.find(
            {
                "tenant": document["tenant"],
                "ilr_id": document["_id"],
                "version": {"$lte": document["version"]},
                "$or": _counted(document),
            },
            {"record": 0, "provenance": 0, "delivery_keys": 0},
        ).sort("version", DESCENDING)
        return _one_per_version([doc async for doc in cursor])

    async def get_version(self, document: Document, version: int) -> Document | None:
        cursor = self.versions.find(
            {
                "tenant": document["tenant"],
                "ilr_id": document["_id"],
                "version": version,
                "$or": _counted(document),
            }
        )
        found = [doc async for doc in cursor]
        return found[0] if found and version <= document["version"] else None


_COMMITTED = {"$set": {"committed": True}}


def _counted(document: Document) -> list[dict[str, Any]]:
    """Which version documents count: confirmed, or written by a winning write."""
    winners = [w for w in [document.get("write_id"), *(document.get("recent_writes") or [])] if w]
    return [{"committed": True}, {"_id": {"$in": winners}}]


def _cas_update(commit: Commit) -> UpdateOne:
    """Compare-and-set on `version`; the record.changed event rides in the same write."""
    return UpdateOne(
        {"_id": commit.ilr_id, "tenant": commit.tenant, "version": commit.expected_version},
        merge_updates(
            {"$set": commit.set_fields},
            outbox_push([commit.event]),
            {"$push": {"recent_writes": {"$each": [commit.write_id], "$slice": -RECENT_WRITES}}},
        ),
    )


def _one_per_version(documents: list[Document]) -> list[Document]:
    seen: set[int] = set()
    out = []
    for doc in documents:
        if doc["version"] not in seen:
            seen.add(doc["version"])
            out.append(doc)
    return out
