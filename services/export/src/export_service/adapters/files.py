"""The XML files, stored durably in GridFS with the tenant in their metadata."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bson import Binary, Int64, ObjectId
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo.asynchronous.database import AsyncDatabase

from ilr_shared.mongo import Document

BUCKET = "export_files"
CHUNK_SIZE = 255 * 1024  # the GridFS default
CHUNKS_PER_WRITE = 16


class FileStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._bucket = AsyncGridFSBucket(database, bucket_name=BUCKET)
        self._files = database[f"{BUCKET}.files"]
        self._chunks = database[f"{BUCKET}.chunks"]

    async def ensure_indexes(self) -> None:
        # the indexes the GridFS spec asks for, and the tenant's
        await self._chunks.create_index([("files_id", 1), ("n", 1)], unique=True)
        await self._files.create_index([("filename", 1), ("uploadDate", 1)])
        await self._files.create_index([("metadata.tenant", 1), ("metadata.export_id", 1)])

    async def put(self, path: Path, name: str, metadata: Document) -> Any:
        """Uploads the file as GridFS chunks, a few at a time; returns its id.

        The driver's upload stream buffers up to 48 MB before it writes; writing the chunk
        documents (GridFS spec layout, read back with the bucket) keeps memory at a few MB.
        """
        file_id = ObjectId()
        length = 0
        number = 0
        pending: list[Document] = []
        try:
            with path.open("rb") as source:
                while chunk := source.read(CHUNK_SIZE):
                    pending.append({"files_id": file_id, "n": number, "data": Binary(chunk)})
                    number += 1
                    length += len(chunk)
                    if len(pending) == CHUNKS_PER_WRITE:
                        await self._chunks.insert_many(pending)
                        pending = []
            if pending:
                await self._chunks.insert_many(pending)
            await self._files.insert_one(
                {
                    "_id": file_id,
                    "length": Int64(length),
                    "chunkSize": CHUNK_SIZE,
                    "uploadDate": dt.datetime.now(dt.UTC),
                    "filename": name,
                    "metadata": metadata,
                }
            )
        except BaseException:
            await self._chunks.delete_many({"files_id": file_id})
            raise
        return file_id

    async def remove_for_export(self, tenant: str, export_id: str) -> None:
        """Removes what an earlier, interrupted attempt of the job may have left."""
        async for stale in self._files.find(
            {"metadata.tenant": tenant, "metadata.export_id": export_id}, {"_id": 1}
        ):
            with contextlib.suppress(NoFile):
                await self._bucket.delete(stale["_id"])

    async def remove(self, file_id: Any) -> None:
        with contextlib.suppress(NoFile):
            await self._bucket.delete(file_id)

    async def open(self, tenant: str, file_id: Any) -> tuple[int, AsyncIterator[bytes]] | None:
        """(length, chunks) of a file of `tenant`; None when it is not theirs or gone."""
        meta = await self._files.find_one({"_id": file_id, "metadata.tenant": tenant})
        if meta is None:
            return None
        grid_out = await self._bucket.open_download_stream(file_id)

        async def chunks() -> AsyncIterator[bytes]:
            try:
                while chunk := await grid_out.readchunk():
                    yield chunk
            finally:
                await grid_out.close()

        return int(meta["length"]), chunks()
