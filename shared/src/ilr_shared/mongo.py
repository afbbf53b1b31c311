"""MongoDB access through PyMongo's AsyncMongoClient (the official successor of Motor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, OperationFailure
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

Document = dict[str, Any]
T = TypeVar("T")


def make_client(url: str, app_name: str) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        uuidRepresentation="standard",
        serverSelectionTimeoutMS=10_000,
    )


async def ping(database: AsyncDatabase[Document]) -> bool:
    try:
        await database.command("ping")
    except (ConnectionFailure, OperationFailure):
        return False
    return True


async def in_transaction(
    client: AsyncMongoClient[Document],
    work: Callable[[AsyncClientSession], Awaitable[T]],
) -> T:
    """Runs `work` in a multi-document transaction, retrying transient errors."""
    async with client.start_session() as session:
        return await session.with_transaction(
            work,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
        )
