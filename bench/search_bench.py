"""ILR search latency (median and p95 per kind of query) with N ILRs in the database.

Seeds N ILRs in the service's document shape (built by the service's own code,
`documents.new_documents`, for realistic learners: names, valid ULNs, learner references,
several programmes, a spread of statuses and update times), written with bulk
`insert_many` under the indexes the repository creates (`IlrRepository.ensure_indexes`).
Then runs `GET /api/ilrs` through the whole HTTP app in-process (httpx ASGI transport:
query parsing, JWT auth, the search use case, serialisation) for each kind of search, and
asks the server to `explain` the same queries (which index, keys and documents examined).

    uv run python bench/search_bench.py --ilrs 50000

MongoDB: MONGODB_URL if set, else a private SecantusDB; NATS: a private nats-server (the
app's lifespan connects to it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import random
import re
import shlex
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import httpx  # noqa: E402
import structlog  # noqa: E402
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient  # noqa: E402
from template_bench import (  # noqa: E402
    TENANT,
    build_documents,
    template_event,
    template_payload,
)

from ilr_service.adapters.repository import IlrRepository  # noqa: E402
from ilr_service.service_layer.events import EventHandlers  # noqa: E402
from ilr_shared.auth import mint_token  # noqa: E402
from ilr_shared.outbox import ensure_outbox_index  # noqa: E402
from tests.support.servers import NatsServer, start_mongo  # noqa: E402

STATUSES = (
    ["newly_submitted"] * 8
    + ["signature_required"] * 4
    + ["signed"] * 3
    + ["qa_verified"] * 3
    + ["completed"] * 2
)
PROGRAMMES = 20


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def seed(repo: IlrRepository, n: int, chunk: int = 2000) -> tuple[float, float]:
    """n ILRs over PROGRAMMES programmes; returns (seconds building, seconds inserting)."""
    handlers = EventHandlers(repo)
    templates = {}
    for p in range(PROGRAMMES):
        programme_id = f"prg_search_{p:02d}"
        await handlers.handle_programmes(template_event(programme_id, 1, template_payload()))
        templates[programme_id] = await repo.latest_template(TENANT, programme_id)
    build_s = write_s = 0.0
    base = datetime(2026, 9, 1, tzinfo=UTC)
    for start in range(0, n, chunk):
        count = min(chunk, n - start)
        t0 = time.perf_counter()
        documents: list[dict[str, Any]] = []
        per_programme = max(1, count // PROGRAMMES)
        for p, (programme_id, template_doc) in enumerate(templates.items()):
            first = start + p * per_programme
            size = per_programme if p < PROGRAMMES - 1 else count - p * per_programme
            if size <= 0:
                continue
            docs, _ = build_documents(template_doc, programme_id, first, size, STATUSES)
            documents.extend(docs)
        for i, document in enumerate(documents):
            stamp = base + timedelta(seconds=(start + i) * 97 % (86_400 * 120))
            document["updated_at"] = document["created_at"] = stamp
        t1 = time.perf_counter()
        await repo.ilrs.insert_many(documents, ordered=False)
        build_s += t1 - t0
        write_s += time.perf_counter() - t1
    return build_s, write_s


def kinds(rng: random.Random, n: int, learners: list[dict[str, Any]]) -> dict[str, Any]:
    """Each kind of search: a function giving the query parameters of one request."""

    def pick() -> dict[str, Any]:
        return rng.choice(learners)

    def name_prefix() -> dict[str, Any]:
        name = str(pick()["FamilyName"]).lower()
        return {"q": name[: rng.randint(3, min(6, len(name)))]}

    def programme() -> str:
        return f"prg_search_{rng.randrange(PROGRAMMES):02d}"

    return {
        "name prefix": name_prefix,
        "ULN": lambda: {"uln": pick()["ULN"]},
        "learn ref": lambda: {"learn_ref": pick()["LearnRefNumber"]},
        "status": lambda: {"status": rng.choice(STATUSES)},
        "programme": lambda: {"programme_id": programme()},
        "status+programme": lambda: {"status": rng.choice(STATUSES), "programme_id": programme()},
        "page 2 (cursor)": lambda: {"status": rng.choice(STATUSES)},
        "sorted by name": lambda: {"sort": "family_name", "status": rng.choice(STATUSES)},
    }


def mongo_query(params: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """The filter and sort `IlrCommands.search` builds for these parameters (first page)."""
    query: dict[str, Any] = {"tenant": TENANT}
    if "q" in params:
        query["search_names"] = {"$regex": "^" + re.escape(params["q"].strip().lower())}
    for name, field in (
        ("uln", "uln"),
        ("learn_ref", "learn_ref"),
        ("status", "status"),
        ("programme_id", "programme_id"),
    ):
        if name in params:
            query[field] = params[name]
    if params.get("sort") == "family_name":
        return query, [("family_name_lc", ASCENDING), ("_id", ASCENDING)]
    return query, [("updated_at", DESCENDING), ("_id", DESCENDING)]


def plan_summary(explained: dict[str, Any]) -> dict[str, Any]:
    stages: list[str] = []
    indexes: list[str] = []

    def walk(stage: dict[str, Any] | None) -> None:
        while stage:
            stages.append(str(stage.get("stage")))
            if stage.get("indexName"):
                indexes.append(str(stage["indexName"]))
            for child in stage.get("inputStages") or []:
                walk(child)
            stage = stage.get("inputStage")

    walk((explained.get("queryPlanner") or {}).get("winningPlan"))
    stats = explained.get("executionStats") or {}
    return {
        "plan": ">".join(stages) or "?",
        "index": ",".join(indexes) or None,
        "keys_examined": stats.get("totalKeysExamined"),
        "docs_examined": stats.get("totalDocsExamined"),
        "returned": stats.get("nReturned"),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    mongo = start_mongo()
    nats_server = NatsServer().start()
    database = f"bench_search_{uuid.uuid4().hex[:8]}"
    secret = "bench-secret-0123456789abcdef0123456789abcdef"
    os.environ.update(
        {
            "NATS_URL": nats_server.url,
            "MONGODB_URL": mongo.url,
            "MONGODB_DATABASE": database,
            "ILR_JWT_SECRET": secret,
            "LOG_LEVEL": "WARNING",
        }
    )
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo.url, tz_aware=True, uuidRepresentation="standard"
    )
    result: dict[str, Any] = {
        "ilrs": args.ilrs,
        "repeat": args.repeat,
        "limit": args.limit,
        "mongodb": mongo.kind,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        repo = IlrRepository(client[database], client)
        await repo.ensure_indexes()
        await ensure_outbox_index(repo.ilrs)
        started = time.perf_counter()
        build_s, write_s = await seed(repo, args.ilrs)
        result["seed"] = {
            "build_s": round(build_s, 1),
            "insert_many_s": round(write_s, 1),
            "total_s": round(time.perf_counter() - started, 1),
            "count": await repo.ilrs.count_documents({"tenant": TENANT}),
        }
        learners = [d["record"] async for d in repo.ilrs.find({}, {"record": 1}).limit(2000)]
        rng = random.Random(7)

        from ilr_service.bootstrap import create_app

        app = create_app()
        token = mint_token(secret, sub="bench-admin", tenant=TENANT, roles=["admin"])
        headers = {"Authorization": f"Bearer {token}"}
        timings: dict[str, dict[str, Any]] = {}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as http,
        ):
            for kind, params_for in kinds(rng, args.ilrs, learners).items():
                samples: list[float] = []
                hits: list[int] = []
                example: dict[str, Any] = {}
                budget_end = time.perf_counter() + args.budget
                for i in range(args.warmup + args.repeat):
                    if len(samples) >= 5 and time.perf_counter() > budget_end:
                        break  # a slow kind: enough samples for its median
                    params = {**params_for(), "limit": args.limit}
                    if kind == "page 2 (cursor)":
                        first = await http.get("/api/ilrs", params=params, headers=headers)
                        first.raise_for_status()
                        params["cursor"] = first.json()["next_cursor"]
                        if params["cursor"] is None:
                            continue
                    t0 = time.perf_counter()
                    response = await http.get("/api/ilrs", params=params, headers=headers)
                    elapsed = time.perf_counter() - t0
                    response.raise_for_status()
                    if i >= args.warmup:
                        samples.append(elapsed * 1000)
                        hits.append(len(response.json()["items"]))
                        example = params
                query, sort = mongo_query(example)
                explained = await repo.ilrs.find(query).sort(sort).limit(args.limit + 1).explain()
                timings[kind] = {
                    "median_ms": round(statistics.median(samples), 1),
                    "p95_ms": round(percentile(samples, 0.95), 1),
                    "requests": len(samples),
                    "mean_items": round(statistics.mean(hits), 1),
                    "example": {k: v for k, v in example.items() if k != "cursor"},
                    "explain": plan_summary(explained),
                }
        result["search"] = timings
    finally:
        await client.drop_database(database)
        await client.close()
        mongo.cleanup()
        nats_server.cleanup()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ilrs", type=int, default=50_000, help="ILRs in the database")
    parser.add_argument("--repeat", type=int, default=40, help="timed requests per kind")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per kind")
    parser.add_argument("--limit", type=int, default=50, help="page size")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds per kind (at least 5 requests)"
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = asyncio.run(run(args))
    command = ("uv run python bench/search_bench.py " + shlex.join(sys.argv[1:])).strip()
    if args.json:
        print(json.dumps({**result, "command": command}, default=str))
        return 0
    seed_info = result["seed"]
    print(
        f"ILR search (MongoDB: {result['mongodb']}, {result['cpus']} CPUs, Python "
        f"{result['python']}), {seed_info['count']} ILRs, page size {result['limit']}, "
        f"{result['repeat']} requests per kind through the HTTP app (ASGI in-process)"
    )
    print(
        f"  seeding: built {seed_info['build_s']} s, insert_many {seed_info['insert_many_s']} s"
        f" (total {seed_info['total_s']} s)"
    )
    print(f"  {'kind':<18} {'median ms':>10} {'p95 ms':>8} {'items':>6}  plan (keys/docs examined)")
    for kind, t in result["search"].items():
        e = t["explain"]
        print(
            f"  {kind:<18} {t['median_ms']:>10} {t['p95_ms']:>8} {t['mean_items']:>6}  "
            f"{e['plan']} [{e['index']}] ({e['keys_examined']}/{e['docs_examined']}"
            f" for {e['returned']})"
        )
    print("  (plan and examined counts: the server's explain of the same first-page query)")
    print(f"reproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
