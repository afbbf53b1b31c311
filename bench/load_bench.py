"""Bounded load test of the ILR API on loopback, with enrolment events streaming in.

What it runs: a private NATS JetStream, MongoDB (MONGODB_URL if set, else a private
SecantusDB via tests.support.servers.start_mongo), and the ILR and export services as
uvicorn subprocesses (started the way deploy/local/launcher.py starts them). It then

1. seeds --ilrs ILR documents (default 50,000) straight into the ILR service's database
   with the driver, built by the service's own code (`ilr_service.adapters.documents.
   new_documents` over `prefill` of a rendered template), so the documents, their version-1
   history documents and the stored template have exactly the shape the service writes
   (the outbox is left empty: these ILRs were "published" long ago);
2. sends --requests mixed requests with at most --concurrency in flight (httpx
   AsyncClient): GET /api/ilrs/{id}; searches (name prefix, ULN, learner reference,
   status + sort); PATCH /api/ilrs/{id} with If-Match (each PATCH edits an ILR no other
   request edits, after a GET for its ETag), while --event-rate enrolment.created events/s
   are published to JetStream the whole time;
3. prints throughput, latency p50/p95/p99 per kind, the failed requests (anything not 2xx,
   which must be 0), how many streamed enrolments became ILRs, and the command to rerun.

    uv run python bench/load_bench.py                      # 50,000 ILRs, 3,000 requests
    uv run python bench/load_bench.py --ilrs 10000 --requests 2000 --concurrency 16

Exit code 1 when any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import nats  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from ilr_service.adapters.documents import new_documents  # noqa: E402
from ilr_service.adapters.repository import IlrRepository  # noqa: E402
from ilr_service.domain import ilr_model  # noqa: E402
from ilr_service.domain.ilr import SYSTEM, Change, create, ilr_id_for  # noqa: E402
from ilr_service.domain.record import Enrolment, prefill  # noqa: E402
from ilr_service.service_layer.queries import IlrQueries  # noqa: E402
from ilr_shared.auth import Principal, Role  # noqa: E402
from tests.e2e.support import make_uln  # noqa: E402
from tests.integration.faults.support import (  # noqa: E402
    TENANT,
    YEAR,
    ServiceProcess,
    auth,
    enrolment_events,
    ensure_streams,
    template,
)
from tests.support.servers import NatsServer, start_mongo  # noqa: E402

PROGRAMME = "prg_load"
FAMILIES = [
    "Adams",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Foster",
    "Green",
    "Hughes",
    "Irwin",
    "Jones",
    "King",
    "Lewis",
    "Morgan",
    "Nolan",
    "Owen",
    "Patel",
    "Quinn",
    "Roberts",
    "Smith",
    "Turner",
    "Upton",
    "Vaughan",
    "Walker",
    "Young",
]
GIVEN = ["Ada", "Grace", "Alan", "Tim", "Mary", "Rosalind", "Joan", "Charles"]
STATUSES = ["newly_submitted", "signature_required", "signed", "qa_verified"]


Search = Callable[[dict[str, Any], int], tuple[str, dict[str, Any]]]
# The searches of the mix: (kind, query parameters) for learner i.
SEARCHES: list[Search] = [
    lambda who, i: ("name", {"q": who["FamilyName"].split()[0][:4].lower(), "limit": 20}),
    lambda who, i: ("uln", {"uln": who["ULN"]}),
    lambda who, i: ("learn_ref", {"learn_ref": who["LearnRefNumber"]}),
    lambda who, i: ("status", {"status": STATUSES[i % 4], "sort": "-updated_at", "limit": 50}),
    lambda who, i: (
        "family",
        {"q": who["FamilyName"].lower(), "sort": "family_name", "limit": 20},
    ),
]


# --------------------------------------------------------------------------- seeding


def learner(i: int) -> dict[str, Any]:
    return {
        "LearnRefNumber": f"L{i:08d}",
        "ULN": make_uln(5_000_000 + i),
        "GivenNames": GIVEN[i % len(GIVEN)],
        "FamilyName": f"{FAMILIES[i % len(FAMILIES)]} {chr(65 + (i // 24) % 26)}",
        "DateOfBirth": "2004-02-01",
        "Postcode": "B1 1AA",
    }


def build_documents(
    start: int,
    stop: int,
    template_doc: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ILR documents and their version-1 documents, as the service builds them."""
    rendered = ilr_model.render(
        template_doc["template"], template_doc["revision"], "2026-09-01", YEAR
    )
    ilrs, versions = [], []
    for i in range(start, stop):
        enrolment = Enrolment(
            learner=learner(i), learn_start_date="2026-09-01", learn_plan_end_date="2027-12-01"
        )
        enrolment_id = f"enr_seed_{i:08d}"
        document, version_doc = new_documents(
            create(
                tenant=TENANT,
                ilr_id=ilr_id_for(TENANT, enrolment_id),
                programme_id=PROGRAMME,
                enrolment_id=enrolment_id,
                academic_year=YEAR,
                enrolment=enrolment,
                change=Change(prefill(enrolment, rendered), SYSTEM, "enrolment", "create"),
                source_event=str(uuid.uuid4()),
            )
        )
        document.pop("_outbox", None)
        document.pop("_outbox_pending", None)
        document["status"] = STATUSES[i % len(STATUSES)]
        version_doc["status"] = document["status"]
        version_doc["committed"] = True
        ilrs.append(document)
        versions.append(version_doc)
    return ilrs, versions


async def measure_floor(database: Any, n_ilrs: int, rounds: int = 5) -> dict[str, float]:
    """p50 ms of each request kind run by the service layer in-process, one at a time, on
    the quiet database after the load: what the database alone costs, without HTTP,
    auth, JSON or other requests (the GET is the service's load + view)."""
    commands = IlrQueries(IlrRepository(database))
    admin = Principal(sub="bench", tenant=TENANT, roles=frozenset({Role.ADMIN}))
    rng = random.Random(7)
    timings: dict[str, list[float]] = {}
    defaults: dict[str, Any] = {
        "q": None,
        "uln": None,
        "learn_ref": None,
        "status": None,
        "programme_id": None,
        "academic_year": None,
        "sort": "-updated_at",
        "limit": 50,
        "cursor": None,
    }
    for _ in range(rounds):
        i = rng.randrange(n_ilrs)
        started = time.perf_counter()
        document = await commands.load(admin, ilr_id_for(TENANT, f"enr_seed_{i:08d}"))
        await commands.view(admin, document)
        timings.setdefault("get", []).append(time.perf_counter() - started)
        for search in SEARCHES:
            name, params = search(learner(i), i)
            started = time.perf_counter()
            await commands.search(admin, **{**defaults, **params})
            timings.setdefault(f"search:{name}", []).append(time.perf_counter() - started)
    return {kind: round(percentile(v, 50) * 1000, 1) for kind, v in timings.items()}


async def count_streamed(database: Any) -> int:
    """ILRs of the streamed enrolments (`enr_s<n>_…`; seeded ones are `enr_seed_…`), read
    through the (tenant, enrolment_id) index: counting all 50,000 would scan them."""
    query = {"tenant": TENANT, "enrolment_id": {"$gte": "enr_s0", "$lt": "enr_s:"}}
    return len([doc async for doc in database["ilrs"].find(query, {"_id": 1})])


async def seed(database: Any, n: int, batch: int = 1000) -> dict[str, float]:
    revision = 1
    template_doc = {
        "_id": f"{TENANT}:{PROGRAMME}",
        "tenant": TENANT,
        "programme_id": PROGRAMME,
        "revision": revision,
        "template": template(revision),
        "academic_year": YEAR,
        "updated_at": None,
        "event_id": str(uuid.uuid4()),
    }
    await database["templates"].replace_one({"_id": template_doc["_id"]}, template_doc, upsert=True)
    started = time.perf_counter()
    build_s = 0.0
    pending: set[asyncio.Task[Any]] = set()
    for start in range(0, n, batch):
        t0 = time.perf_counter()
        ilrs, versions = build_documents(start, min(n, start + batch), template_doc)
        build_s += time.perf_counter() - t0
        while len(pending) >= 2:  # two bulk writes in flight while the next batch is built
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        pending.add(
            asyncio.create_task(database["ilr_versions"].insert_many(versions, ordered=False))
        )
        pending.add(asyncio.create_task(database["ilrs"].insert_many(ilrs, ordered=False)))
        if (start // batch) % 10 == 9:
            print(
                f"  seeded {start + batch:,} ILRs ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    for task in pending:
        await task
    seconds = time.perf_counter() - started
    count = await database["ilrs"].count_documents({})
    assert count >= n, f"seeded {count} of {n}"
    return {"seed_s": seconds, "seed_per_s": n / seconds, "build_s": build_s}


# --------------------------------------------------------------------------- load


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    failure_samples: list[str] = field(default_factory=list)

    def record(
        self, kind: str, seconds: float, response: httpx.Response | None, error: str = ""
    ) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        ok = response is not None and response.is_success
        if not ok:
            self.failures[kind] = self.failures.get(kind, 0) + 1
            if len(self.failure_samples) < 10:
                detail = error or f"{response.status_code} {response.text[:200]}"  # type: ignore[union-attr]
                self.failure_samples.append(f"{kind}: {detail}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


async def timed(stats: Stats, kind: str, call: Any) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response: httpx.Response = await call
    except httpx.HTTPError as exc:
        stats.record(kind, time.perf_counter() - started, None, f"{type(exc).__name__}: {exc}")
        return None
    stats.record(kind, time.perf_counter() - started, response)
    return response


async def run_load(
    url: str, n_ilrs: int, requests: int, concurrency: int, mix: dict[str, float], seed_: int
) -> tuple[Stats, float]:
    rng = random.Random(seed_)
    kinds = rng.choices(list(mix), weights=list(mix.values()), k=requests)
    editable = list(range(n_ilrs))
    rng.shuffle(editable)  # each PATCH edits an ILR of its own: no 412 between two of them
    stats = Stats()
    queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for n, kind in enumerate(kinds):
        queue.put_nowait((n, kind))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, headers=auth(), timeout=60, limits=limits) as api:

        async def one(n: int, kind: str) -> None:
            i = rng.randrange(n_ilrs)
            if kind == "get":
                await timed(
                    stats, kind, api.get(f"/api/ilrs/{ilr_id_for(TENANT, f'enr_seed_{i:08d}')}")
                )
            elif kind == "search":
                name, params = SEARCHES[n % len(SEARCHES)](learner(i), i)
                await timed(stats, f"search:{name}", api.get("/api/ilrs", params=params))
            else:
                j = editable.pop()
                ilr_id = ilr_id_for(TENANT, f"enr_seed_{j:08d}")
                got = await timed(stats, "get", api.get(f"/api/ilrs/{ilr_id}"))
                if got is None or not got.is_success:
                    return
                body = {"set": {"GivenNames": f"Edited {chr(65 + n % 26)}", "Postcode": "B2 2AA"}}
                await timed(
                    stats,
                    "patch",
                    api.patch(
                        f"/api/ilrs/{ilr_id}", json=body, headers={"If-Match": got.headers["ETag"]}
                    ),
                )

        done = [0]

        async def worker() -> None:
            while True:
                try:
                    n, kind = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await one(n, kind)
                done[0] += 1
                if done[0] % max(1, requests // 10) == 0:
                    elapsed = time.perf_counter() - started
                    print(f"  {done[0]:,} requests ({elapsed:.0f}s)", flush=True)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return stats, time.perf_counter() - started


async def stream_events(nats_url: str, rate: float, stop: asyncio.Event) -> int:
    """Publishes enrolment.created at `rate` per second until `stop`; returns how many."""
    if rate <= 0:
        return 0
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    sent = 0
    started = time.perf_counter()
    try:
        while not stop.is_set():
            due = int((time.perf_counter() - started) * rate) + 1 - sent
            if due > 0:
                for event in enrolment_events(due, PROGRAMME, tag=f"s{sent}"):
                    await js.publish(
                        event.subject,
                        event.model_dump_json().encode(),
                        headers={"Nats-Msg-Id": str(event.event_id)},
                        timeout=15,
                    )
                sent += due
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    return sent


# --------------------------------------------------------------------------- main


async def main_async(args: argparse.Namespace) -> int:
    nats_server = NatsServer().start()
    mongo = start_mongo()
    prefix = f"load_{uuid.uuid4().hex[:8]}"
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="load-bench-"))
    env_common = {
        "NATS_URL": nats_server.url,
        "MONGODB_URL": mongo.url,
        "LOG_JSON": "true",
        "LOG_LEVEL": "WARNING",
    }
    services = [
        ServiceProcess(
            "ilr", {**env_common, "MONGODB_DATABASE": f"{prefix}_ilr"}, log_dir / "ilr.log"
        ),
        ServiceProcess(
            "export", {**env_common, "MONGODB_DATABASE": f"{prefix}_export"}, log_dir / "export.log"
        ),
    ]
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
    database = client[f"{prefix}_ilr"]
    result: dict[str, Any] = {
        "ilrs": args.ilrs,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "event_rate": args.event_rate,
        "mongodb": mongo.kind,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    code = 0
    try:
        await ensure_streams(nats_server.url)
        for service in services:
            service.start()
        for service in services:
            await service.wait_ready()
        print(f"seeding {args.ilrs:,} ILRs into {mongo.kind} ...", flush=True)
        result.update({k: round(v, 1) for k, v in (await seed(database, args.ilrs)).items()})
        print(f"  done in {result['seed_s']}s ({result['seed_per_s']}/s)", flush=True)

        before = await count_streamed(database)
        stop = asyncio.Event()
        streamer = asyncio.create_task(stream_events(nats_server.url, args.event_rate, stop))
        mix = {"get": args.mix[0], "search": args.mix[1], "patch": args.mix[2]}
        print(f"load: {args.requests:,} requests, {args.concurrency} in flight ...", flush=True)
        stats, seconds = await run_load(
            services[0].url, args.ilrs, args.requests, args.concurrency, mix, args.seed
        )
        stop.set()
        streamed = await streamer
        ingested_during = await count_streamed(database) - before
        deadline = time.monotonic() + args.drain_timeout
        while time.monotonic() < deadline:
            if await count_streamed(database) - before >= streamed:
                break
            await asyncio.sleep(0.5)
        ingested = await count_streamed(database) - before
        for service in services:
            service.assert_running()
        print("floor: each kind in-process, one at a time ...", flush=True)
        floor = await measure_floor(database, args.ilrs)

        total = sum(len(v) for v in stats.latencies.values())
        failed = sum(stats.failures.values())
        result.update(
            {
                "load_s": round(seconds, 2),
                "http_requests": total,
                "throughput_per_s": round(total / seconds, 1),
                "failed": failed,
                "failed_by_kind": stats.failures,
                "failure_samples": stats.failure_samples,
                "events_streamed": streamed,
                "events_ingested_during_load": ingested_during,
                "events_ingested_after_drain": ingested,
                "latency_ms": {
                    kind: {
                        "n": len(values),
                        "p50": round(percentile(values, 50) * 1000, 1),
                        "p95": round(percentile(values, 95) * 1000, 1),
                        "p99": round(percentile(values, 99) * 1000, 1),
                        "max": round(max(values) * 1000, 1),
                        "floor_p50": floor.get(kind),
                    }
                    for kind, values in sorted(stats.latencies.items())
                },
            }
        )
        code = 1 if failed else 0
    finally:
        for service in reversed(services):
            service.stop()
        with contextlib.suppress(Exception):
            await client.drop_database(f"{prefix}_ilr")
            await client.drop_database(f"{prefix}_export")
        await client.close()
        mongo.cleanup()
        nats_server.cleanup()

    result["reproduce"] = "uv run python bench/load_bench.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return code
    print(
        f"\nILR API load ({result['mongodb']}, {result['cpus']} CPUs, Python {result['python']}; "
        f"services logs in {log_dir})"
    )
    print(f"  seeded ILRs:        {args.ilrs:,} in {result['seed_s']}s ({result['seed_per_s']}/s)")
    print(
        f"  requests:           {result['http_requests']:,} in {result['load_s']}s = "
        f"{result['throughput_per_s']}/s, concurrency {args.concurrency}"
    )
    print(f"  failed requests:    {result['failed']} {result['failed_by_kind'] or ''}")
    for sample in result["failure_samples"]:
        print(f"    {sample}")
    print(
        f"  {'kind':17} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'floor p50':>9}"
    )
    for kind, row in result["latency_ms"].items():
        print(
            f"  {kind:17} {row['n']:>6} {row['p50']:>8} {row['p95']:>8} {row['p99']:>8} "
            f"{row['max']:>8} {row['floor_p50'] or '':>9}"
        )
    print("  (floor: the same kind run in-process by the service layer, alone, after the load)")
    print(
        f"  enrolment events:   {result['events_streamed']} streamed at {args.event_rate}/s; "
        f"{result['events_ingested_during_load']} ILRs created during the load, "
        f"{result['events_ingested_after_drain']} after draining"
    )
    print(f"reproduce: {result['reproduce']}")
    return code


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--ilrs", type=int, default=50_000, help="ILRs seeded (default 50,000)")
    parser.add_argument("--requests", type=int, default=3000, help="mixed requests to send")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--mix",
        type=float,
        nargs=3,
        default=(0.5, 0.3, 0.2),
        metavar=("GET", "SEARCH", "PATCH"),
        help="weights of reads, searches and edits (default 0.5 0.3 0.2)",
    )
    parser.add_argument(
        "--event-rate", type=float, default=10.0, help="enrolment.created events/s during the load"
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=60.0,
        help="seconds to wait for streamed enrolments after the load",
    )
    parser.add_argument("--seed", type=int, default=20261129, help="random seed")
    parser.add_argument("--log-dir", default="", help="service logs (default: a temp folder)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
