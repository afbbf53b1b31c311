"""MongoDB storage of the ILR service: `ilrs` (one per enrolment, compare-and-set on
`version`, its record.changed events in its outbox), `ilr_versions` (append-only history),
`templates`, `programmes`, `withdrawals`, `pending_enrolments`. How a version counts before
it is confirmed: docs/ENGINEERING.md ("ILR versions")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, TypeVar

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

from ilr_service.adapters.documents import (
    RECENT_WRITES,
    Commit,
    commit_of,
    enrolment_fields,
    enrolment_of,
    ilr_of,
    new_documents,
    programme_of,
    template_of,
    token_of,
    version_entry_of,
    withdrawal_of,
)
from ilr_service.adapters.search import IlrSearch
from ilr_service.domain.ilr import Creation, Ilr, Revision
from ilr_service.domain.listing import SearchCriteria, SearchPage, VersionEntry
from ilr_service.domain.record import Enrolment
from ilr_service.domain.reference import ProgrammeSettings, StoredTemplate, Withdrawal
from ilr_shared.events import EventEnvelope
from ilr_shared.mongo import Document, in_transaction
from ilr_shared.outbox import merge_updates, outbox_push

DUPLICATE_KEY = 11000
_T = TypeVar("_T")
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
        # the newest correction of each enrolment (`enrolment.updated`)
        self.enrolment_updates: AsyncCollection[Document] = database["enrolment_updates"]
        # enrolment events kept while their programme has ILR switched off
        self.pending: AsyncCollection[Document] = database["pending_enrolments"]
        self._search = IlrSearch(self.ilrs)

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
        # family-name pages of the two common list filters (docs/search.md)
        for name, keys in (("status_family", ["status"]), ("programme_family", ["programme_id"])):
            await ilrs.create_index(
                [("tenant", ASCENDING), *((k, ASCENDING) for k in keys),
                 ("family_name_lc", ASCENDING), ("_id", ASCENDING)],
                name=name,
            )  # fmt: skip
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
        # A name token's rows by update time (docs/search.md); also serves prefix ranges.
        await ilrs.create_index(
            [("tenant", ASCENDING), ("search_names", ASCENDING),
             ("updated_at", DESCENDING), ("_id", DESCENDING)],
            name="search_names_recent",
        )  # fmt: skip
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

    async def store_enrolment_update(
        self, tenant: str, enrolment_id: str, sequence: int, enrolment: Enrolment
    ) -> None:
        """Keeps an enrolment as its newest `enrolment.updated` (highest sequence) gave it."""
        try:
            await self.enrolment_updates.update_one(
                {"_id": f"{tenant}:{enrolment_id}", "sequence": {"$lt": sequence}},
                {
                    "$set": {
                        "tenant": tenant,
                        "enrolment_id": enrolment_id,
                        "sequence": sequence,
                        "enrolment": enrolment_fields(enrolment),
                    }
                },
                upsert=True,
            )
        except DuplicateKeyError:  # a newer update is stored
            return

    async def enrolment_update(self, tenant: str, enrolment_id: str) -> Enrolment | None:
        found = await self.enrolment_updates.find_one(
            {"_id": f"{tenant}:{enrolment_id}", "tenant": tenant}
        )
        return None if found is None else enrolment_of(found)

    # -- reference data of a batch of events, one query per kind ------------------------

    async def programme_settings_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, ProgrammeSettings]:
        return await _by_key(self.programmes, tenant, programme_ids, programme_of)

    async def latest_templates_of(
        self, tenant: str, programme_ids: Sequence[str]
    ) -> dict[str, StoredTemplate]:
        return await _by_key(self.templates, tenant, programme_ids, template_of)

    async def withdrawals_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Withdrawal]:
        return await _by_key(self.withdrawals, tenant, enrolment_ids, withdrawal_of)

    async def enrolment_updates_of(
        self, tenant: str, enrolment_ids: Sequence[str]
    ) -> dict[str, Enrolment]:
        return await _by_key(self.enrolment_updates, tenant, enrolment_ids, enrolment_of)

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
        cursor = self.ilrs.find(_behind(tenant, programme_id, revision), limit=limit)
        return [ilr_of(doc) async for doc in cursor]

    async def stream_behind_template(
        self, tenant: str, programme_id: str, revision: int, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        """The ILRs of the programme behind `revision`, in batches, from ONE index scan
        (re-querying after every batch rescans what is left each time). ILRs updated while
        the cursor runs may come again (their compare-and-set then loses) or not at all:
        callers finish with `behind_template` until it is empty. Both read whole documents:
        a projection costs the local server a re-encoding of each one (see bench/RESULTS.md)."""
        cursor = self.ilrs.find(_behind(tenant, programme_id, revision), batch_size=batch_size)
        async for batch in _ilr_batches(cursor, batch_size):
            yield batch

    async def stream_of_year(
        self, tenant: str, academic_year: str, programme_id: str | None, batch_size: int
    ) -> AsyncIterator[list[Ilr]]:
        """The tenant's ILRs of a year (of one programme, if given) in batches, from one
        scan, whole documents as in `stream_behind_template` (rollover reads them all)."""
        query: dict[str, Any] = {"tenant": tenant, "academic_year": academic_year}
        if programme_id is not None:
            query["programme_id"] = programme_id
        async for batch in _ilr_batches(self.ilrs.find(query, batch_size=batch_size), batch_size):
            yield batch

    # -- search ---------------------------------------------------------------------------

    async def search(
        self, criteria: SearchCriteria, limit: int, after: Mapping[str, Any] | None = None
    ) -> SearchPage:
        """One page of ILR summaries in `criteria.sort` order, after the cursor `after`
        (`adapters/search.py`: windows on the sort key, docs/search.md)."""
        return await self._search.page(criteria, limit, after)

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
        """Bulk insert of new ILRs with their first versions; returns the ids inserted (the
        others exist already). As in `insert`, a first version counts as its ILR's head and
        is confirmed by the next commit: no confirmation write."""
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
        # The head each commit read has won its own compare-and-set already: confirming it
        # before ours (same round trip as the inserts) means a kill right after ours never
        # leaves a version that is neither confirmed nor the head.
        already_won = [w for c in commits for w in (*c.evicts, c.prev_write_id) if w]
        await self._insert_versions([c.version_doc for c in commits], already_won)
        result = await self.ilrs.bulk_write([_cas_update(c) for c in commits], ordered=False)
        if result.matched_count == len(commits):
            won = list(commits)
        else:
            heads = await self._heads(commits)
            won = [c for c in commits if c.write_id in heads]
        won_ids = {c.write_id for c in won}
        lost = [c.write_id for c in commits if c.write_id not in won_ids]
        # One round trip: confirm each winner's version; lost versions are deleted.
        confirm: list[UpdateOne | DeleteMany] = [
            UpdateOne({"_id": c.write_id}, {"$set": {"committed": True}}) for c in won
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
        """The new version documents, plus (same round trip) the confirmation of writes that
        already won: the heads the commits read and those they push out of `recent_writes`."""
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


async def _ilr_batches(cursor: AsyncCursor[Document], batch_size: int) -> AsyncIterator[list[Ilr]]:
    batch: list[Ilr] = []
    async for doc in cursor:
        batch.append(ilr_of(doc))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _by_key(
    collection: AsyncCollection[Document],
    tenant: str,
    keys: Sequence[str],
    of: Callable[[Document], _T],
) -> dict[str, _T]:
    """Documents whose `_id` is `<tenant>:<key>`, by key, in one query."""
    if not keys:
        return {}
    ids = [f"{tenant}:{key}" for key in dict.fromkeys(keys)]
    cursor = collection.find({"_id": {"$in": ids}, "tenant": tenant})
    return {doc["_id"][len(tenant) + 1 :]: of(doc) async for doc in cursor}


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
