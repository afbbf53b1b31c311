"""Enrolment ingest throughput: `enrolment.created` events on NATS JetStream → stored ILRs.

Publishes one `template.changed` for a programme, then N `enrolment.created` events (the
public contract other company systems publish: `ilr_shared.events.make_event` with an
`EnrolmentCreated` payload) to a private NATS JetStream, while the ILR service runs (as a
uvicorn subprocess by default, or in this process) against MongoDB. It measures events/s
from the first publish to the N-th ILR document stored in the `ilrs` collection, and, on the
same MongoDB server in the same run, a driver-only floor (the same number of similar
documents written with plain pymongo, one round trip each, and in bulk) so the figure can be
read against what the database alone allows (SecantusDB is much slower than mongod).

    uv run python bench/ingest_bench.py --events 2000
    uv run python bench/ingest_bench.py --events 500 --mode inprocess --json

MongoDB: MONGODB_URL if set, else a private SecantusDB (tests.support.servers.start_mongo).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
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

from pymongo import AsyncMongoClient  # noqa: E402

from ilr_shared.events import EventEnvelope  # noqa: E402
from tests.integration.faults.support import (  # noqa: E402
    TEMPLATE,
    TENANT,
    ServiceProcess,
    enrolment_events,
    publish,
    template_event,
)
from tests.support.servers import NatsServer, start_mongo  # noqa: E402


def events(n: int, programme_id: str) -> tuple[EventEnvelope, list[EventEnvelope]]:
    """The programme's first template, then n enrolments on it."""
    return template_event(programme_id, 1), enrolment_events(n, programme_id, tag="bench")


async def timed_publish(nats_url: str, envelopes: list[EventEnvelope], window: int) -> float:
    """Publishes with up to `window` JetStream acks in flight; returns the seconds taken."""
    started = time.perf_counter()
    await publish(nats_url, envelopes, window=window)
    return time.perf_counter() - started


@contextlib.asynccontextmanager
async def ilr_service(mode: str, env: dict[str, str], log_path: Path) -> AsyncIterator[str | None]:
    """Runs the ILR service; yields its base URL (None in-process, where no HTTP is served)."""
    if mode == "inprocess":
        os.environ.update(env)
        for name in ("faststream", "faststream.access", "faststream.access.nats"):
            logging.getLogger(name).setLevel(logging.WARNING)
        from ilr_service.bootstrap import create_app

        app = create_app()
        async with app.router.lifespan_context(app):
            yield None
        return
    service = ServiceProcess("ilr", env, log_path).start()
    try:
        await service.wait_ready()
        yield service.url
    finally:
        service.stop()


async def driver_floor(mongo_url: str, database: str, n: int) -> dict[str, float]:
    """Plain pymongo on the same server: n similar documents, one by one and in bulk."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url, tz_aware=True)
    collection = client[database]["floor"]
    sample = {
        "tenant": TENANT,
        "status": "newly_submitted",
        "version": 1,
        "record": {"LearnRefNumber": "B00000000", "LearningDelivery": TEMPLATE["LearningDelivery"]},
    }
    try:
        started = time.perf_counter()
        for i in range(n):
            await collection.insert_one({**sample, "_id": f"one-{i}"})
        one_by_one = time.perf_counter() - started
        started = time.perf_counter()
        await collection.insert_many([{**sample, "_id": f"bulk-{i}"} for i in range(n)])
        bulk = time.perf_counter() - started
        await client.drop_database(database)
    finally:
        await client.close()
    return {"insert_one_per_s": n / one_by_one, "insert_many_per_s": n / bulk}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    nats_server = NatsServer().start()
    mongo = start_mongo()
    database = f"bench_ilr_{uuid.uuid4().hex[:8]}"
    workdir = Path(args.log_dir)
    env = {
        "NATS_URL": nats_server.url,
        "MONGODB_URL": mongo.url,
        "MONGODB_DATABASE": database,
        "LOG_JSON": "true",
        "LOG_LEVEL": "WARNING",
        "SERVICE_NAME": "ilr",
    }
    programme_id = f"prg_bench_{uuid.uuid4().hex[:12]}"
    template, enrolments = events(args.events, programme_id)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
    ilrs = client[database]["ilrs"]
    result: dict[str, Any] = {
        "events": args.events,
        "mode": args.mode,
        "mongodb": mongo.kind,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        async with ilr_service(args.mode, env, workdir / "ilr-service.log"):
            await timed_publish(nats_server.url, [template], 1)
            started = time.perf_counter()
            publish_task = asyncio.create_task(
                timed_publish(nats_server.url, enrolments, args.window)
            )
            first_at: float | None = None
            stored = 0
            deadline = started + args.timeout
            while stored < args.events:
                stored = await ilrs.count_documents({"tenant": TENANT})
                now = time.perf_counter()
                if stored and first_at is None:
                    first_at = now - started
                if now > deadline:
                    break
                await asyncio.sleep(0.1)
            elapsed = time.perf_counter() - started
            publish_s = await publish_task
            prefilled = await ilrs.count_documents(
                {"tenant": TENANT, "record.LearningDelivery.LearnAimRef": "ZPROG001"}
            )
        result.update(
            {
                "stored": stored,
                "prefilled": prefilled,
                "complete": stored >= args.events,
                "publish_s": round(publish_s, 3),
                "publish_per_s": round(args.events / publish_s, 1),
                "first_stored_s": round(first_at, 3) if first_at is not None else None,
                "publish_to_stored_s": round(elapsed, 3),
                "ingest_per_s": round(stored / elapsed, 1),
            }
        )
        if not args.no_floor:
            floor = await driver_floor(mongo.url, f"{database}_floor", args.events)
            result["driver_floor"] = {k: round(v, 1) for k, v in floor.items()}
            result["ingest_vs_insert_one"] = round(
                result["ingest_per_s"] / floor["insert_one_per_s"], 3
            )
    finally:
        with contextlib.suppress(Exception):
            await client.drop_database(database)
        await client.close()
        mongo.cleanup()
        nats_server.cleanup()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="enrolment events to publish")
    parser.add_argument("--mode", choices=("subprocess", "inprocess"), default="subprocess")
    parser.add_argument("--window", type=int, default=256, help="publish acks in flight")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for ILRs")
    parser.add_argument("--no-floor", action="store_true", help="skip the driver-only floor")
    parser.add_argument("--log-dir", default="artifacts/bench", help="service log folder")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    command = "uv run python bench/ingest_bench.py " + shlex.join(sys.argv[1:])
    if args.json:
        print(json.dumps({**result, "command": command.strip()}))
    else:
        print(
            f"enrolment ingest ({result['mode']}, MongoDB: {result['mongodb']}, "
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
                f"  driver-only floor:       insert_one {floor['insert_one_per_s']}/s, "
                f"insert_many {floor['insert_many_per_s']}/s (same server, same run)"
            )
            print(f"  ingest / insert_one:     {result['ingest_vs_insert_one']}")
        print(f"reproduce: {command.strip()}")
    return 0 if result.get("complete") else 1


if __name__ == "__main__":
    sys.exit(main())
