"""MongoDB storage of the ILR service: `ilrs` (one per enrolment, compare-and-set on
`version`, its record.changed events in its outbox), `ilr_versions` (append-only history),
`templates`, `programmes`, `withdrawals`, `pending_enrolments`. How a version counts before
it is confirmed: docs/ENGINEERING.md ("ILR versions")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
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
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ilr_service.adapters.documents import (
    RECENT_WRITES,
    Commit,
    commit_of,
    ilr_of,
    new_documents,
    programme_of,
    summary_of,
    template_of,
    token_of,
    version_entry_of,
    withdrawal_of,
)
from ilr_service.domain.ilr import Creation, Ilr, Revision
from ilr_service.domain.listing import SearchCriteria, SearchPage, VersionEntry
from ilr_service.domain.reference import ProgrammeSettings, StoredTemplate, Withdrawal
from ilr_shared.events import EventEnvelope
from ilr_shared.mongo import Document, in_transaction
from ilr_shared.outbox import merge_updates, outbox_push

DUPLICATE_KEY = 11000
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
# Search orders (`domain.listing.SORT_ORDERS`): sort field and direction; ties by `_id`.
SORTS = {
    "updated_at": ("updated_at", ASCENDING),
    "-updated_at": ("updated_at", DESCENDING),
    "family_name": ("family_name_lc", ASCENDING),
}
_WITHOUT_OUTBOX = {"_outbox": 0}


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
        self, tenant: str, programme_id: str, revision: int, fields: Mapping[str, Any]
    ) -> bool:
        """Stores the template (`fields`: template, academic_year, updated_at, event_id) if
        its revision is higher than the stored one."""
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

    async def latest_template(self, tenant: str, programme_id: str) -> StoredTemplate | None:
        found = await self.templates.find_one({"_id": f"{tenant}:{programme_id}", "tenant": tenant})
        return None if found is None else template_of(found)

    async def store_programme(self, tenant: str, programme: ProgrammeSettings) -> None:
        """Stores the settings unless a newer sequence is stored already."""
        try:
            await self.programmes.update_one(
                {
                    "_id": f"{tenant}:{programme.programme_id}",
                    "sequence": {"$lt": programme.sequence},
                },
                {
                    "$set": {
                        "name": programme.name,
                        "academic_year": programme.academic_year,
                        "ilr_enabled": programme.ilr_enabled,
                        "allow_sign_without_verification": (
                            programme.allow_sign_without_verification
                        ),
                        "tenant": tenant,
                        "programme_id": programme.programme_id,
                        "sequence": programme.sequence,
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return

    async def programme(self, tenant: str, programme_id: str) -> Document | None:
        """The stored programme document (`programme_settings` is its domain view)."""
        return await self.programmes.find_one({"_id": f"{tenant}:{programme_id}", "tenant": tenant})

    async def programme_settings(self, tenant: str, programme_id: str) -> ProgrammeSettings | None:
        found = await self.programme(tenant, programme_id)
        return None if found is None else programme_of(found)

    async def store_withdrawal(self, tenant: str, withdrawal: Withdrawal) -> None:
        """Keeps the first withdrawal of an enrolment."""
        await self.withdrawals.update_one(
            {"_id": f"{tenant}:{withdrawal.enrolment_id}"},
            {
                "$setOnInsert": {
                    "programme_id": withdrawal.programme_id,
                    "reason": withdrawal.reason,
                    "withdrawn_on": withdrawal.withdrawn_on,
                    "tenant": tenant,
                    "enrolment_id": withdrawal.enrolment_id,
                }
            },
            upsert=True,
        )

    async def withdrawal(self, tenant: str, enrolment_id: str) -> Withdrawal | None:
        found = await self.withdrawals.find_one(
            {"_id": f"{tenant}:{enrolment_id}", "tenant": tenant}
        )
        return None if found is None else withdrawal_of(found)

    # -- enrolments waiting for their programme to switch ILR on -------------------------

    async def park_enrolment(
        self, tenant: str, programme_id: str, enrolment_id: str, event: EventEnvelope
    ) -> None:
        await self.pending.update_one(
            {"_id": f"{tenant}:{enrolment_id}"},
            {
                "$setOnInsert": {
                    "tenant": tenant,
                    "programme_id": programme_id,
                    "enrolment_id": enrolment_id,
                    "event": event.model_dump(mode="json"),
                }
            },
            upsert=True,
        )

    async def parked_enrolments(
        self, tenant: str, programme_id: str
    ) -> AsyncIterator[EventEnvelope]:
        async for parked in self.pending.find({"tenant": tenant, "programme_id": programme_id}):
            yield EventEnvelope.model_validate(parked["event"])

    async def unpark_enrolment(self, tenant: str, enrolment_id: str) -> None:
        await self.pending.delete_one({"_id": f"{tenant}:{enrolment_id}", "tenant": tenant})

    # -- ILRs -----------------------------------------------------------------------------

    async def get(self, tenant: str, ilr_id: str) -> Ilr | None:
        found = await self.ilrs.find_one({"_id": ilr_id, "tenant": tenant}, _WITHOUT_OUTBOX)
        return None if found is None else ilr_of(found)

    async def get_by_enrolment(self, tenant: str, enrolment_id: str) -> Ilr | None:
        found = await self.ilrs.find_one(
            {"tenant": tenant, "enrolment_id": enrolment_id}, _WITHOUT_OUTBOX
        )
        return None if found is None else ilr_of(found)

    async def get_many(self, tenant: str, ids: Sequence[str]) -> list[Ilr]:
        cursor = self.ilrs.find({"_id": {"$in": list(ids)}, "tenant": tenant}, _WITHOUT_OUTBOX)
        return [ilr_of(doc) async for doc in cursor]

    async def ids_by_learn_ref(
        self, tenant: str, academic_year: str, learn_refs: Sequence[str]
    ) -> dict[str, list[str]]:
        """LearnRefNumber -> ids of the tenant's ILRs of the year with it."""
        found: dict[str, list[str]] = {}
        for start in range(0, len(learn_refs), 1000):
            query = {
                "tenant": tenant,
                "academic_year": academic_year,
                "learn_ref": {"$in": list(learn_refs[start : start + 1000])},
            }
            async for doc in self.ilrs.find(query, {"_id": 1, "learn_ref": 1}):
                found.setdefault(doc["learn_ref"], []).append(doc["_id"])
        return found

    async def behind_template(
        self, tenant: str, programme_id: str, revision: int, limit: int
    ) -> list[Ilr]:
        """Up to `limit` ILRs of the programme at a template revision below `revision`."""
        cursor = self.ilrs.find(
            _behind(tenant, programme_id, revision), _WITHOUT_OUTBOX, limit=limit
        )
        return [ilr_of(doc) async for doc in cursor]

    async def stream_behind_template(
        self, tenant: str, programme_id: str, revision: int, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        """The ILRs of the programme behind `revision`, in batches, from ONE index scan
        (re-querying after every batch rescans what is left each time). ILRs updated while
        the cursor runs may come again (their compare-and-set then loses) or not at all:
        callers finish with `behind_template` until it is empty."""
        cursor = self.ilrs.find(
            _behind(tenant, programme_id, revision), _WITHOUT_OUTBOX, batch_size=batch_size
        )
        batch: list[Ilr] = []
        async for doc in cursor:
            batch.append(ilr_of(doc))
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    # -- search ---------------------------------------------------------------------------

    async def search(
        self, criteria: SearchCriteria, limit: int, after: Mapping[str, Any] | None = None
    ) -> SearchPage:
        """One page of ILR summaries in `criteria.sort` order, after the cursor `after`
        (the previous page's last sort value and id)."""
        field_name, direction = SORTS[criteria.sort]
        query = _search_query(criteria)
        sort_keys = [(field_name, direction), ("_id", direction)]
        if after:
            documents = await self._page_after(query, sort_keys, after, limit + 1)
        else:
            documents = await self._summaries(query, sort_keys, limit + 1)
        next_after = None
        if len(documents) > limit:
            documents = documents[:limit]
            last = documents[-1]
            value = last.get(field_name)
            next_after = {
                "v": value.isoformat() if isinstance(value, datetime) else value,
                "id": last["_id"],
            }
        return SearchPage([summary_of(d) for d in documents], next_after)

    async def _summaries(
        self, query: dict[str, Any], sort: list[tuple[str, int]], limit: int
    ) -> list[Document]:
        cursor = self.ilrs.find(query, _SUMMARY_FIELDS, limit=limit).sort(sort)
        return [doc async for doc in cursor]

    async def _page_after(
        self,
        query: dict[str, Any],
        sort_keys: list[tuple[str, int]],
        after: Mapping[str, Any],
        wanted: int,
    ) -> list[Document]:
        """The page after the cursor's (value, id). The query bounds only the sort field
        (`$lte`/`$gte`, which every server serves from the index) and the rows tied with
        the cursor's value that come before it are dropped here: a `$or` on (value, id)
        made the local server scan the collection."""
        field_name, direction = sort_keys[0]
        value: Any = after.get("v")
        if field_name == "updated_at" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        last_id = str(after.get("id") or "")
        bounded = {**query, field_name: _from(value, direction)}

        def before_cursor(doc: Document) -> bool:
            if doc.get(field_name) != value:
                return False
            ilr_id = str(doc["_id"])
            return ilr_id <= last_id if direction == ASCENDING else ilr_id >= last_id

        fetch = wanted + 1
        while True:
            found = await self._summaries(bounded, sort_keys, fetch)
            kept = [doc for doc in found if not before_cursor(doc)]
            if len(kept) >= wanted or len(found) < fetch:
                return kept[:wanted]
            fetch *= 2  # more rows share the cursor's value than one page holds

    # -- writing ILRs ---------------------------------------------------------------------

    async def insert(self, creation: Creation) -> bool:
        """Inserts a new ILR with its first version; False when it already exists.

        The first version needs no separate confirmation write: it is the ILR's head (and
        in `recent_writes`), and the next commit confirms it as its previous head."""
        document, version_doc = new_documents(creation)
        await self._insert_versions([version_doc])
        try:
            await self.ilrs.insert_one(document)
        except DuplicateKeyError:
            await self.versions.delete_one({"_id": version_doc["_id"], "committed": {"$ne": True}})
            return False
        return True

    async def insert_many(self, creations: Sequence[Creation]) -> set[str]:
        """Bulk insert of new ILRs with their first versions (confirmed at once); returns
        the ids inserted (the others exist already)."""
        if not creations:
            return set()
        written = [new_documents(c) for c in creations]
        await self.versions.insert_many([v for _, v in written], ordered=False)
        documents = [d for d, _ in written]
        failed: set[int] = set()
        try:
            await self.ilrs.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            failed = {int(e["index"]) for e in _duplicates_only(exc)}
        inserted = [d for i, d in enumerate(documents) if i not in failed]
        lost = [d["write_id"] for i, d in enumerate(documents) if i in failed]
        if inserted:
            await self.versions.update_many(
                {"_id": {"$in": [d["write_id"] for d in inserted]}}, _COMMITTED
            )
        if lost:
            await self.versions.delete_many({"_id": {"$in": lost}, "committed": {"$ne": True}})
        return {d["_id"] for d in inserted}

    async def commit(self, revisions: Sequence[Revision]) -> set[str]:
        """Applies the revisions as compare-and-set writes in bulk; returns the ids of the
        ILRs whose revision committed (the others lost a race and must be recomputed)."""
        commits = [commit_of(r) for r in revisions]
        if not commits:
            return set()
        if self.use_transactions:
            return await self._commit_in_transaction(commits)
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

    async def _commit_in_transaction(self, commits: Sequence[Commit]) -> set[str]:
        """The same change as `commit`, in one multi-document transaction: the version
        documents of lost races are rolled back with them (ILR_USE_TRANSACTIONS)."""
        assert self._client is not None

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
            _duplicates_only(exc)

    # -- versions ---------------------------------------------------------------------

    async def list_versions(self, ilr: Ilr) -> list[VersionEntry]:
        """The ILR's committed versions, newest first, without their content."""
        cursor = self.versions.find(
            {
                "tenant": ilr.tenant,
                "ilr_id": ilr.id,
                "version": {"$lte": ilr.version},
                "$or": _counted(ilr),
            },
            {"record": 0, "provenance": 0, "delivery_keys": 0},
        ).sort("version", DESCENDING)
        return [version_entry_of(doc) for doc in _one_per_version([d async for d in cursor])]

    async def get_version(self, ilr: Ilr, version: int) -> VersionEntry | None:
        cursor = self.versions.find(
            {"tenant": ilr.tenant, "ilr_id": ilr.id, "version": version, "$or": _counted(ilr)}
        )
        found = [doc async for doc in cursor]
        return version_entry_of(found[0]) if found and version <= ilr.version else None


_COMMITTED = {"$set": {"committed": True}}


def _counted(ilr: Ilr) -> list[dict[str, Any]]:
    """Which version documents count: confirmed, or written by a winning write."""
    token = token_of(ilr)
    winners = [w for w in [token.write_id, *token.recent_writes] if w]
    return [{"committed": True}, {"_id": {"$in": winners}}]


def _duplicates_only(error: BulkWriteError) -> list[dict[str, Any]]:
    """The write errors of a bulk write that only met existing ids; re-raises otherwise."""
    errors: list[dict[str, Any]] = error.details.get("writeErrors", [])
    if any(e.get("code") != DUPLICATE_KEY for e in errors):
        raise error
    return errors


def _behind(tenant: str, programme_id: str, revision: int) -> dict[str, Any]:
    return {"tenant": tenant, "programme_id": programme_id, "template_revision": {"$lt": revision}}


def _search_query(criteria: SearchCriteria) -> dict[str, Any]:
    query: dict[str, Any] = {"tenant": criteria.tenant}
    if criteria.only_id is not None:
        query["_id"] = criteria.only_id
    if criteria.name_prefix:
        # a range, not an anchored $regex: every server serves a range from the index
        query["search_names"] = {
            "$gte": criteria.name_prefix,
            "$lt": criteria.name_prefix + "\uffff",
        }
    if criteria.uln is not None:
        query["uln"] = criteria.uln
    optional = {
        "learn_ref": criteria.learn_ref,
        "status": criteria.status,
        "programme_id": criteria.programme_id,
        "academic_year": criteria.academic_year,
    }
    query.update({name: value for name, value in optional.items() if value})
    return query


def _from(value: Any, direction: int) -> dict[str, Any]:
    """`value` and what follows it in `direction`. Dates use the equivalent strict bound one
    millisecond out (BSON dates hold milliseconds): the local test server's compound
    indexes drop the rows equal to an inclusive bound on the far side of their order."""
    if isinstance(value, datetime):
        if direction == ASCENDING:
            return {"$gt": value - timedelta(milliseconds=1)}
        return {"$lt": value + timedelta(milliseconds=1)}
    return {"$gte": value} if direction == ASCENDING else {"$lte": value}


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
