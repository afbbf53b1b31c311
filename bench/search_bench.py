"""ILR search latency (median and p95 per kind of query) with N ILRs in the database.

Seeds N ILRs in the service's document shape (built by the service's own code,
`documents.new_documents`, for realistic learners: names, valid ULNs, learner references,
several programmes, a spread of statuses and update times), written with bulk
`insert_many` under the indexes the repository creates (`IlrRepository.ensure_indexes`).
Then runs `GET /api/ilrs` through the whole HTTP app in-process (httpx ASGI transport:
query parsing, JWT auth, the search use case, serialisation) for each kind of search: the
first page and the page after it (through its cursor), median and p95 of each.

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
from pymongo import AsyncMongoClient  # noqa: E402
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


def kinds(rng: random.Random, learners: list[dict[str, Any]]) -> dict[str, Any]:
    """Each kind of search: a function giving the query parameters of one request."""

    def pick() -> dict[str, Any]:
        return rng.choice(learners)

    def name_prefix() -> dict[str, Any]:
        name = str(pick()["record"]["FamilyName"]).lower()
        return {"q": name[: rng.randint(3, min(6, len(name)))]}

    def programme() -> str:
        return f"prg_search_{rng.randrange(PROGRAMMES):02d}"

    def status() -> str:
        return rng.choice(STATUSES)

    return {
        "name prefix": name_prefix,
        "name prefix, 1 letter": lambda: {"q": rng.choice("abcdefghjklmprstw")},
        "ULN": lambda: {"uln": pick()["record"]["ULN"]},
        "learn ref": lambda: {"learn_ref": pick()["record"]["LearnRefNumber"]},
        "own (learner)": lambda: {"_learner": pick()["_id"]},
        "all": dict,
        "status": lambda: {"status": status()},
        "programme": lambda: {"programme_id": programme()},
        "status+programme": lambda: {"status": status(), "programme_id": programme()},
        "academic year": lambda: {"academic_year": "2026/27"},
        "status, oldest first": lambda: {"status": status(), "sort": "updated_at"},
        "by name": lambda: {"sort": "family_name"},
        "status by name": lambda: {"sort": "family_name", "status": status()},
        "programme by name": lambda: {"sort": "family_name", "programme_id": programme()},
    }


def summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"median_ms": 0.0, "p95_ms": 0.0}
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
    }


async def timed_kind(
    http: httpx.AsyncClient,
    params_for: Any,
    headers_for: Any,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """First page and the page after it (through its cursor), each timed."""
    first_ms: list[float] = []
    next_ms: list[float] = []
    items: list[int] = []
    budget_end = time.perf_counter() + args.budget
    for i in range(args.warmup + args.repeat):
        if len(first_ms) >= 5 and time.perf_counter() > budget_end:
            break  # a slow kind: enough samples for its median
        params = {**params_for(), "limit": args.limit}
        headers = headers_for(params.pop("_learner", None))
        t0 = time.perf_counter()
        first = await http.get("/api/ilrs", params=params, headers=headers)
        t1 = time.perf_counter()
        first.raise_for_status()
        cursor = first.json()["next_cursor"]
        if cursor is not None:
            t2 = time.perf_counter()
            second = await http.get(
                "/api/ilrs", params={**params, "cursor": cursor}, headers=headers
            )
            elapsed = time.perf_counter() - t2
            second.raise_for_status()
            if i >= args.warmup:
                next_ms.append(elapsed * 1000)
        if i >= args.warmup:
            first_ms.append((t1 - t0) * 1000)
            items.append(len(first.json()["items"]))
    return {
        "first": summary(first_ms),
        "next": summary(next_ms),
        "requests": len(first_ms),
        "cursor_pages": len(next_ms),
        "mean_items": round(statistics.mean(items), 1) if items else 0,
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
        learners = [d async for d in repo.ilrs.find({}, {"record": 1}).limit(2000)]
        rng = random.Random(7)

        from ilr_service.bootstrap import create_app

        app = create_app()
        token = mint_token(secret, sub="bench-admin", tenant=TENANT, roles=["admin"])
        admin = {"Authorization": f"Bearer {token}"}

        def headers_for(learner_id: str | None) -> dict[str, str]:
            if learner_id is None:
                return admin
            own = mint_token(
                secret, sub="bench-learner", tenant=TENANT, roles=["learner"], learner_id=learner_id
            )
            return {"Authorization": f"Bearer {own}"}

        timings: dict[str, dict[str, Any]] = {}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench"
            ) as http,
        ):
            for kind, params_for in kinds(rng, learners).items():
                timings[kind] = await timed_kind(http, params_for, headers_for, args)
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
    print(f"  {'kind':<22} {'first page median/p95 ms':>26} {'cursor page median/p95 ms':>27}")
    for kind, t in result["search"].items():
        first, following = t["first"], t["next"]
        print(
            f"  {kind:<22} {first['median_ms']:>15} / {first['p95_ms']:<8}"
            f" {following['median_ms']:>15} / {following['p95_ms']:<8}"
            f" ({t['mean_items']} items, {t['cursor_pages']} cursor pages)"
        )
    print(f"reproduce: {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
