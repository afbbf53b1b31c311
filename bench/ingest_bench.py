"""Enrolment ingest throughput: `enrolment.created` events on NATS JetStream → stored ILRs.

Publishes one `template.changed`, then N `enrolment.created` events, while the ILR service
runs (`--instances` uvicorn subprocesses, or in this process), and times the first publish
to the N-th ILR stored. Then, on the same server in the same run, the driver floors: the
very ILR and version documents stored (with their outbox events), into collections with the
same indexes, by `insert_one` each and by `insert_many` in the consumer's batch size.

    uv run python bench/ingest_bench.py --events 1000 [--instances 2] [--json]

MongoDB: MONGODB_URL if set, else a private server (tests.support.servers.start_mongo).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import re
import shlex
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import nats  # noqa: E402
from nats.js.api import AckPolicy, ConsumerConfig  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402
from pymongo.asynchronous.collection import AsyncCollection  # noqa: E402
from pymongo.asynchronous.database import AsyncDatabase  # noqa: E402

from ilr_shared.events import EventEnvelope  # noqa: E402
from ilr_shared.mongo import Document  # noqa: E402
from ilr_shared.outbox import OUTBOX_FIELD, PENDING_FIELD  # noqa: E402
from ilr_shared.settings import CommonSettings  # noqa: E402
from tests.integration.faults.support import (  # noqa: E402
    TENANT,
    ServiceProcess,
    enrolment_events,
    publish,
    template_event,
)
from tests.support.servers import MongoServer, NatsServer, start_mongo  # noqa: E402


def events(n: int, programme_id: str) -> tuple[EventEnvelope, list[EventEnvelope]]:
    """The programme's first template, then n enrolments on it."""
    return template_event(programme_id, 1), enrolment_events(n, programme_id, tag="bench")


async def timed_publish(nats_url: str, envelopes: list[EventEnvelope], window: int) -> float:
    """Publishes with up to `window` JetStream acks in flight; returns the seconds taken."""
    started = time.perf_counter()
    await publish(nats_url, envelopes, window=window)
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def ilr_service(
    mode: str, env: dict[str, str], log_dir: Path, instances: int
) -> AsyncIterator[None]:
    """Runs the ILR service: `instances` uvicorn subprocesses, or one app in this process."""
    if mode == "inprocess":
        os.environ.update(env)
        for name in ("faststream", "faststream.access", "faststream.access.nats"):
            logging.getLogger(name).setLevel(logging.WARNING)
        from ilr_service.bootstrap import create_app

        app = create_app()
        async with app.router.lifespan_context(app):
            yield
        return
    services = [
        ServiceProcess("ilr", env, log_dir / f"ilr-service-{i}.log") for i in range(instances)
    ]
    try:
        for service in services:
            service.start()
        for service in services:
            await service.wait_ready()
        yield
    finally:
        for service in services:
            service.stop()


async def stored_documents(
    database: AsyncDatabase[Document], nats_url: str, n: int
) -> tuple[list[Document], list[Document]]:
    """The ILR and version documents the service stored, each ILR with the outbox events it
    was inserted with (the relay has removed them since; the ILR stream still has them)."""
    ilrs = [d async for d in database["ilrs"].find({"tenant": TENANT}).limit(n)]
    ids = [d["_id"] for d in ilrs]
    versions = [
        d async for d in database["ilr_versions"].find({"tenant": TENANT, "ilr_id": {"$in": ids}})
    ]
    published = await published_events(nats_url)
    for document in ilrs:
        if OUTBOX_FIELD not in document and document["_id"] in published:
            document[OUTBOX_FIELD] = published[document["_id"]]
            document[PENDING_FIELD] = True
    return ilrs, versions


async def published_events(nats_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every event on the ILR stream, by aggregate (ILR) id."""
    connection = await nats.connect(nats_url)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        sub = await connection.jetstream().pull_subscribe(
            "ilr.>", durable=None, stream="ILR", config=ConsumerConfig(ack_policy=AckPolicy.NONE)
        )
        while True:
            try:
                messages = await sub.fetch(512, timeout=2)
            except (nats.errors.TimeoutError, TimeoutError):
                break
            for message in messages:
                event = json.loads(message.data)
                found.setdefault(event["aggregate_id"], []).append(event)
    finally:
        await connection.close()
    return found


async def copy_indexes(
    source: AsyncCollection[Document], target: AsyncCollection[Document]
) -> None:
    for name, spec in (await source.index_information()).items():
        if name == "_id_":
            continue
        options = {k: v for k, v in spec.items() if k in ("unique", "sparse")}
        await target.create_index(spec["key"], name=name, **options)


async def driver_floor(
    source: AsyncDatabase[Document],
    nats_url: str,
    n: int,
    batch_size: int,
) -> dict[str, float]:
    """Plain pymongo on the same server, into collections with the same indexes: the ILR and
    version documents the service stored, one `insert_one` each, then `insert_many` in
    batches of the consumer's batch size (versions, then ILRs, as a batch handler would)."""
    ilrs, versions = await stored_documents(source, nats_url, n)
    client = source.client
    result: dict[str, float] = {"documents": float(len(ilrs) + len(versions))}
    for how in ("insert_one", "insert_many"):
        target = client[f"{source.name}_floor_{how}"]
        for name in ("ilrs", "ilr_versions"):
            await copy_indexes(source[name], target[name])
        started = time.perf_counter()
        if how == "insert_one":
            await insert_one_by_one(target, ilrs, versions)
        else:
            await insert_in_batches(target, ilrs, versions, batch_size)
        result[f"{how}_events_per_s"] = len(ilrs) / (time.perf_counter() - started)
        await client.drop_database(target.name)
    return result


def versions_by_ilr(versions: list[Document]) -> dict[str, list[Document]]:
    by_ilr: dict[str, list[Document]] = {}
    for version in versions:
        by_ilr.setdefault(version["ilr_id"], []).append(version)
    return by_ilr


async def insert_one_by_one(
    target: AsyncDatabase[Document], ilrs: list[Document], versions: list[Document]
) -> None:
    by_ilr = versions_by_ilr(versions)
    for document in ilrs:
        for version in by_ilr.get(document["_id"], []):
            await target["ilr_versions"].insert_one(version)
        await target["ilrs"].insert_one(document)


async def insert_in_batches(
    target: AsyncDatabase[Document], ilrs: list[Document], versions: list[Document], size: int
) -> None:
    by_ilr = versions_by_ilr(versions)
    for start in range(0, len(ilrs), size):
        batch = ilrs[start : start + size]
        batch_versions = [v for d in batch for v in by_ilr.get(d["_id"], [])]
        if batch_versions:
            await target["ilr_versions"].insert_many(batch_versions, ordered=False)
        await target["ilrs"].insert_many(batch, ordered=False)


@contextlib.asynccontextmanager
async def servers() -> AsyncIterator[tuple[NatsServer, MongoServer]]:
    nats_server = NatsServer().start()
    mongo = start_mongo()
    try:
        yield nats_server, mongo
    finally:
        mongo.cleanup()
        nats_server.cleanup()


async def ingest(
    args: argparse.Namespace, nats_url: str, ilrs: AsyncCollection[Document], env: dict[str, str]
) -> dict[str, Any]:
    """Runs the service(s), publishes, and times publish → the N-th ILR stored."""
    programme_id = f"prg_bench_{uuid.uuid4().hex[:12]}"
    template, enrolments = events(args.events, programme_id)
    async with ilr_service(args.mode, env, Path(args.log_dir), args.instances):
        await timed_publish(nats_url, [template], 1)
        started = time.perf_counter()
        publish_task = asyncio.create_task(timed_publish(nats_url, enrolments, args.window))
        first_at: float | None = None
        stored = 0
        deadline = started + args.timeout
        while stored < args.events and time.perf_counter() < deadline:
            # The database is this run's own: the collection's size is the count, read
            # from metadata (a counting query every 0.1 s loads the server it measures).
            stored = await ilrs.estimated_document_count()
            if stored and first_at is None:
                first_at = time.perf_counter() - started
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        publish_s = await publish_task
        await wait_for_outbox(ilrs, args.timeout)
    prefilled = await ilrs.count_documents(
        {"tenant": TENANT, "record.LearningDelivery.LearnAimRef": "ZPROG001"}
    )
    return {
        "stored": stored,
        "prefilled": prefilled,
        "complete": stored >= args.events,
        "publish_s": round(publish_s, 3),
        "publish_per_s": round(args.events / publish_s, 1),
        "first_stored_s": round(first_at, 3) if first_at is not None else None,
        "publish_to_stored_s": round(elapsed, 3),
        "ingest_per_s": round(stored / elapsed, 1),
    }


async def wait_for_outbox(ilrs: AsyncCollection[Document], timeout: float) -> None:
    """Until the relay has published every stored ILR's events (the floor reads them)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if not await ilrs.count_documents({PENDING_FIELD: True}):
            return
        await asyncio.sleep(0.2)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    database_name = f"bench_ilr_{uuid.uuid4().hex[:8]}"
    async with servers() as (nats_server, mongo):
        env = {
            "NATS_URL": nats_server.url,
            "MONGODB_URL": mongo.url,
            "MONGODB_DATABASE": database_name,
            "LOG_JSON": "true",
            "LOG_LEVEL": "WARNING",
            "SERVICE_NAME": "ilr",
        }
        client: AsyncMongoClient[Document] = AsyncMongoClient(mongo.url, tz_aware=True)
        database = client[database_name]
        result: dict[str, Any] = {
            "events": args.events,
            "mode": args.mode,
            "instances": args.instances,
            "consumer_batch": consumer_batch_size(),
            "mongodb": mongo.kind,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
        try:
            result.update(await ingest(args, nats_server.url, database["ilrs"], env))
            if not args.no_floor:
                result.update(await floors(database, nats_server.url, result))
        finally:
            with contextlib.suppress(Exception):
                await client.drop_database(database_name)
            await client.close()
    return result


async def floors(
    database: AsyncDatabase[Document], nats_url: str, result: dict[str, Any]
) -> dict[str, Any]:
    floor = await driver_floor(database, nats_url, result["stored"], result["consumer_batch"])
    return {
        "driver_floor": {k: round(v, 1) for k, v in floor.items()},
        "ingest_vs_insert_one": round(result["ingest_per_s"] / floor["insert_one_events_per_s"], 3),
        "ingest_vs_insert_many": round(
            result["ingest_per_s"] / floor["insert_many_events_per_s"], 3
        ),
    }


def consumer_batch_size() -> int:
    return int(os.environ.get("ILR_CONSUMER_BATCH", CommonSettings().consumer_batch_size))


def reproduce_command() -> str:
    """The command line, with MONGODB_URL (password masked) when the run used one."""
    command = "uv run python bench/ingest_bench.py " + shlex.join(sys.argv[1:])
    prefix = ""
    for name in ("MONGODB_URL", "ILR_CONSUMER_BATCH", "ILR_CONSUMER_CONCURRENCY"):
        if value := os.environ.get(name):
            prefix += f"{name}={shlex.quote(re.sub(r'://[^@/]*@', '://***@', value))} "
    return (prefix + command).strip()


def print_result(result: dict[str, Any], command: str) -> None:
    print(
        f"enrolment ingest ({result['mode']}, {result['instances']} instance(s), consumer "
        f"batch {result['consumer_batch']}, MongoDB: {result['mongodb']}, "
        f"{result['cpus']} CPUs, Python {result['python']})"
    )
    print(
        f"  events published:        {result['events']} in {result['publish_s']} s "
        f"({result['publish_per_s']}/s)"
    )
    print(
        f"  ILRs stored:             {result['stored']} "
        f"(prefilled from the template: {result['prefilled']})"
    )
    print(f"  first ILR stored after:  {result['first_stored_s']} s")
    print(f"  publish → all stored:    {result['publish_to_stored_s']} s")
    print(f"  ingest throughput:       {result['ingest_per_s']} events/s")
    if "driver_floor" in result:
        floor = result["driver_floor"]
        print(
            f"  driver floor, same ILR + version documents and indexes, same server and run:\n"
            f"    insert_one, one by one:  {floor['insert_one_events_per_s']} events/s\n"
            f"    insert_many, batches of {result['consumer_batch']}: "
            f"{floor['insert_many_events_per_s']} events/s"
        )
        print(f"  ingest / insert_one floor:  {result['ingest_vs_insert_one']}")
        print(f"  ingest / insert_many floor: {result['ingest_vs_insert_many']}")
    print(f"reproduce: {command}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="enrolment events to publish")
    parser.add_argument("--mode", choices=("subprocess", "inprocess"), default="subprocess")
    parser.add_argument("--instances", type=int, default=1, help="ILR service processes")
    parser.add_argument("--window", type=int, default=256, help="publish acks in flight")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for ILRs")
    parser.add_argument("--no-floor", action="store_true", help="skip the driver-only floor")
    parser.add_argument("--log-dir", default="artifacts/bench", help="service log folder")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    command = reproduce_command()  # before `--mode inprocess` sets MONGODB_URL for the service
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps({**result, "command": command}))
    else:
        print_result(result, command)
    return 0 if result.get("complete") else 1


if __name__ == "__main__":
    sys.exit(main())
