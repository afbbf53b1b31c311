"""Template change fan-out: one `template.changed` reaching N enrolled ILRs, against a
driver-only floor measured on the same MongoDB server in the same run.

1. Seeds N ILRs of one programme in the service's own document shape: every document and
   its first version are built by the service's code (`documents.new_documents` with the
   state from `record.prefill` and the template rendered by the service's `Renderer`),
   then written with bulk `insert_many` (the enrolment handler writes the same documents
   one event at a time; see bench/ingest_bench.py for that path).
2. Applies template revision 2 through the service layer, exactly as the consumer does
   (`EventHandlers.handle_programmes(template.changed)`): bulk compare-and-set writes of
   the ILRs with their `record.changed` outbox events, plus one version document each.
   Timed until every ILR is at revision 2 (versions and outbox included).
3. Floors: the same updated documents (read back after step 2, outbox event included)
   written with the driver alone, same batch size, to a scratch database holding the step-1
   documents under the same indexes: ILRs only (`bulk_write` of `ReplaceOne` guarded by
   `version`), and ILRs + versions (that plus `insert_many` of the new version documents),
   the one the ratio is against. CPU seconds of this process and of a local server are
   printed per phase (on a shared machine they vary less than wall time).
4. Optionally (default on) the outbox relay drains the N `record.changed` events to a
   private NATS JetStream; timed separately.

    uv run python bench/template_bench.py --ilrs 10000

MongoDB: MONGODB_URL if set, else a private SecantusDB (tests.support.servers.start_mongo).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import platform
import shlex
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import structlog  # noqa: E402
from pymongo import AsyncMongoClient, ReplaceOne  # noqa: E402
from pymongo.asynchronous.collection import AsyncCollection  # noqa: E402

from ilr_service.adapters.documents import new_documents  # noqa: E402
from ilr_service.adapters.repository import IlrRepository  # noqa: E402
from ilr_service.domain.ilr import SYSTEM, Change, create, ilr_id_for  # noqa: E402
from ilr_service.domain.record import Enrolment, prefill  # noqa: E402
from ilr_service.domain.reference import StoredTemplate  # noqa: E402
from ilr_service.service_layer.events import EventHandlers  # noqa: E402
from ilr_service.service_layer.templates import Renderer  # noqa: E402
from ilr_shared.events import EventType, TemplateChanged, make_event  # noqa: E402
from ilr_shared.outbox import OUTBOX_FIELD, PENDING_FIELD, ensure_outbox_index  # noqa: E402
from tests.e2e.support import make_uln  # noqa: E402
from tests.integration.faults.support import TENANT, template  # noqa: E402
from tests.integration.faults.support import YEAR as ACADEMIC_YEAR  # noqa: E402
from tests.support.servers import NatsServer, start_mongo  # noqa: E402


def template_payload() -> dict[str, Any]:
    """The apprenticeship template's first revision, as the programmes service publishes it."""
    return template(1)


GIVEN = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Leo",
    "Freya",
    "Oscar",
    "Lily",
    "Harry",
    "Grace",
    "Muhammad",
    "Sophia",
    "Jack",
    "Rosie",
    "Thomas",
    "Aisha",
    "Priya",
    "Kwame",
    "Zofia",
    "Siobhan",
    "Rhys",
    "Eilidh",
    "Tomasz",
]
FAMILY = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Khan",
    "Hughes",
    "Edwards",
    "Nowak",
    "Okafor",
    "MacDonald",
    "O'Brien",
    "Campbell",
    "Murphy",
    "Ahmed",
    "Singh",
    "Kaur",
]
POSTCODES = ["B1 1AA", "M1 1AE", "LS1 4AP", "NE1 7RU", "BS1 5TR", "L1 8JQ", "S1 2HE"]


def learner(i: int) -> dict[str, Any]:
    """Realistic, deterministic learner details (valid ULN, unique learner reference)."""
    return {
        "LearnRefNumber": f"L{i:08d}",
        "ULN": make_uln(10_000 + i * 7),
        "GivenNames": GIVEN[i % len(GIVEN)],
        "FamilyName": FAMILY[(i // len(GIVEN)) % len(FAMILY)] + ("" if i % 5 else "-Hill"),
        "DateOfBirth": (date(1998, 1, 1) + timedelta(days=(i * 37) % 2900)).isoformat(),
        "Postcode": POSTCODES[i % len(POSTCODES)],
    }


class CpuClock:
    """CPU seconds of this process and, when it runs here, of the database server: on a
    shared machine they say more than wall time about what each side spent."""

    def __init__(self, server_pid: int | None) -> None:
        self._server_stat = Path(f"/proc/{server_pid}/stat") if server_pid else None

    def server_s(self) -> float | None:
        if self._server_stat is None or not self._server_stat.exists():
            return None
        fields = self._server_stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float | None]:
        return time.process_time(), self.server_s()

    @staticmethod
    def spent(
        since: tuple[float, float | None], until: tuple[float, float | None]
    ) -> dict[str, float | None]:
        server = None if since[1] is None or until[1] is None else until[1] - since[1]
        return {
            "client_cpu_s": round(until[0] - since[0], 2),
            "server_cpu_s": None if server is None else round(server, 2),
        }


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def template_v2() -> dict[str, Any]:
    """Revision 2: the delivery postcode and the TNP price change, an aim is swapped."""
    tpl: dict[str, Any] = json.loads(json.dumps(template_payload()))
    for delivery in tpl["LearningDelivery"]:
        delivery["DelLocPostCode"] = "M1 1AE"
    prog = tpl["LearningDelivery"][0]
    if prog.get("AppFinRecord"):
        prog["AppFinRecord"][0]["AFinAmount"] = 14000
    tpl["LearningDelivery"][1] = {
        "key": "english",
        "LearnAimRef": "60347036",
        "AimType": 3,
        "DelLocPostCode": "M1 1AE",
        "LearningDeliveryFAM": [{"LearnDelFAMType": "SOF", "LearnDelFAMCode": "105"}],
    }
    return tpl


def template_event(programme_id: str, revision: int, template: dict[str, Any]) -> Any:
    return make_event(
        EventType.TEMPLATE_CHANGED,
        TENANT,
        programme_id,
        revision,
        TemplateChanged(
            programme_id=programme_id,
            academic_year=ACADEMIC_YEAR,
            revision=revision,
            template=template,
        ),
    )


def build_documents(
    template_doc: StoredTemplate | None,
    programme_id: str,
    start: int,
    count: int,
    statuses: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ILR documents and their first versions, built by the service's own code."""
    renderer = Renderer(template_doc)
    documents, versions = [], []
    for i in range(start, start + count):
        enrolment_id = f"enr_{programme_id}_{i}"
        enrolment = Enrolment(
            learner=learner(i),
            learn_start_date=(date(2026, 8, 1) + timedelta(days=i % 60)).isoformat(),
            learn_plan_end_date=date(2027, 12, 1).isoformat(),
        )
        state = prefill(enrolment, renderer.for_enrolment(enrolment, ACADEMIC_YEAR))
        document, version_doc = new_documents(
            create(
                tenant=TENANT,
                ilr_id=ilr_id_for(TENANT, enrolment_id),
                programme_id=programme_id,
                enrolment_id=enrolment_id,
                academic_year=ACADEMIC_YEAR,
                enrolment=enrolment,
                change=Change(state, SYSTEM, "enrolment", "create"),
                source_event=str(uuid.uuid4()),
            )
        )
        # As after the relay published the creation event.
        document.pop(OUTBOX_FIELD, None)
        document.pop(PENDING_FIELD, None)
        if statuses:
            document["status"] = statuses[i % len(statuses)]
        documents.append(document)
        versions.append(version_doc)  # as `IlrRepository.insert` leaves it
    return documents, versions


async def seed(
    repo: IlrRepository, programme_id: str, n: int, chunk: int = 1000
) -> tuple[float, float]:
    """Seeds n ILRs (revision 1); returns (seconds building, seconds writing)."""
    template_doc = await repo.latest_template(TENANT, programme_id)
    build_s = write_s = 0.0
    for start in range(0, n, chunk):
        t0 = time.perf_counter()
        documents, versions = build_documents(
            template_doc, programme_id, start, min(chunk, n - start)
        )
        t1 = time.perf_counter()
        await repo.versions.insert_many(versions, ordered=False)
        await repo.ilrs.insert_many(documents, ordered=False)
        build_s += t1 - t0
        write_s += time.perf_counter() - t1
    return build_s, write_s


async def floor(
    scratch: IlrRepository,
    before: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    after: list[dict[str, Any]],
    versions: dict[str, dict[str, Any]] | None,
    batch_size: int,
    clock: CpuClock,
) -> dict[str, float | None]:
    """The updated documents written with the driver alone, CAS-guarded, same batches;
    with `versions` (ILR id -> its new version document) each batch also inserts them."""
    ilrs_before, versions_before = before
    await scratch.ilrs.insert_many(ilrs_before, ordered=False)
    await scratch.versions.insert_many(versions_before, ordered=False)
    started, cpu = time.perf_counter(), clock.read()
    for i in range(0, len(after), batch_size):
        batch = after[i : i + batch_size]
        if versions is not None:
            await scratch.versions.insert_many([versions[d["_id"]] for d in batch], ordered=False)
        await scratch.ilrs.bulk_write(
            [ReplaceOne({"_id": d["_id"], "version": d["version"] - 1}, d) for d in batch],
            ordered=False,
        )
    return {"s": time.perf_counter() - started, **CpuClock.spent(cpu, clock.read())}


async def floors(
    client: AsyncMongoClient[dict[str, Any]],
    database: str,
    before: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    after: list[dict[str, Any]],
    versions: dict[str, dict[str, Any]],
    batch_size: int,
    clock: CpuClock,
) -> dict[str, dict[str, float | None]]:
    """Both floors, each on a fresh scratch database with the service's indexes."""
    timings: dict[str, dict[str, float | None]] = {}
    for name, with_versions in (("ilrs_only", None), ("ilrs_and_versions", versions)):
        scratch_name = f"{database}_floor_{name}"
        scratch = IlrRepository(client[scratch_name])
        await scratch.ensure_indexes()
        await ensure_outbox_index(scratch.ilrs)
        timings[name] = await floor(scratch, before, after, with_versions, batch_size, clock)
        await client.drop_database(scratch_name)
        progress(f"floor {name}: {timings[name]}")
    return timings


async def drain_relay(collection: AsyncCollection[dict[str, Any]]) -> dict[str, Any]:
    """Publishes the pending outbox events to a private NATS JetStream with the relay."""
    from ilr_shared.messaging import NatsEventPublisher, declare_streams, make_broker
    from ilr_shared.outbox import OutboxRelay
    from ilr_shared.settings import CommonSettings

    nats_server = NatsServer().start()
    broker = make_broker(CommonSettings(NATS_URL=nats_server.url))
    try:
        await broker.connect()
        await declare_streams(broker)
        relay = OutboxRelay([collection], NatsEventPublisher(broker))
        started = time.perf_counter()
        published = 0
        while True:
            count = await relay.publish_pending()
            if count == 0:
                break
            published += count
        elapsed = time.perf_counter() - started
        left = await collection.count_documents({PENDING_FIELD: True})
        await broker.stop()
    finally:
        nats_server.cleanup()
    return {"published": published, "seconds": round(elapsed, 2), "still_pending": left}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    mongo = start_mongo()
    database = f"bench_tpl_{uuid.uuid4().hex[:8]}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongo.url, tz_aware=True, uuidRepresentation="standard"
    )
    n = args.ilrs
    programme_id = f"prg_tpl_{uuid.uuid4().hex[:8]}"
    result: dict[str, Any] = {
        "ilrs": n,
        "batch_size": args.batch,
        "mongodb": mongo.kind,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        repo = IlrRepository(client[database], client)
        await repo.ensure_indexes()
        await ensure_outbox_index(repo.ilrs)
        handlers = EventHandlers(repo, batch_size=args.batch)
        await handlers.handle_programmes(template_event(programme_id, 1, template_payload()))
        build_s, write_s = await seed(repo, programme_id, n)
        result["seed"] = {"build_s": round(build_s, 1), "insert_many_s": round(write_s, 1)}
        progress(f"seeded {n} ILRs; applying template revision 2 through the service layer")
        before = [d async for d in repo.ilrs.find({"programme_id": programme_id})]

        clock = CpuClock(mongo.process.pid if mongo.process else None)
        profiler = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), clock.read()
        if profiler is not None:
            profiler.enable()
        await handlers.handle_programmes(template_event(programme_id, 2, template_v2()))
        service_s = time.perf_counter() - started
        service_cpu = CpuClock.spent(cpu, clock.read())
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        progress(f"service layer done in {service_s:.1f} s; driver floors next")

        updated = await repo.ilrs.count_documents(
            {"tenant": TENANT, "programme_id": programme_id, "template_revision": 2}
        )
        versions = await repo.versions.count_documents({"tenant": TENANT, "version": 2})
        pending = await repo.ilrs.count_documents({PENDING_FIELD: True})
        # With the outbox event each one holds: the service writes that too.
        after = [d async for d in repo.ilrs.find({"programme_id": programme_id})]
        new_versions = {
            v["ilr_id"]: v async for v in repo.versions.find({"tenant": TENANT, "version": 2})
        }
        first_versions = [v async for v in repo.versions.find({"tenant": TENANT, "version": 1})]
        timings = await floors(
            client, database, (before, first_versions), after, new_versions, args.batch, clock
        )
        floor_s = float(timings["ilrs_and_versions"]["s"] or 0)
        floor_ilrs_s = float(timings["ilrs_only"]["s"] or 0)
        result.update(
            {
                "updated": updated,
                "versions_written": versions,
                "outbox_pending": pending,
                "service_s": round(service_s, 2),
                "service_per_s": round(n / service_s, 1),
                "floor_s": round(floor_s, 2),
                "floor_per_s": round(n / floor_s, 1),
                "ratio": round(service_s / floor_s, 2),
                "floor_ilrs_only_s": round(floor_ilrs_s, 2),
                "ratio_ilrs_only": round(service_s / floor_ilrs_s, 2),
                "cpu": {
                    "service": service_cpu,
                    **{
                        f"floor_{name}": {k: v for k, v in t.items() if k != "s"}
                        for name, t in timings.items()
                    },
                },
                "complete": updated == n and versions == n and pending == n,
            }
        )
        if not args.no_relay:
            result["relay"] = await drain_relay(repo.ilrs)
    finally:
        await client.drop_database(database)
        await client.close()
        mongo.cleanup()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ilrs", type=int, default=10_000, help="enrolled ILRs to update")
    parser.add_argument("--batch", type=int, default=300, help="ILRs per bulk write")
    parser.add_argument("--no-relay", action="store_true", help="skip the outbox relay drain")
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    parser.add_argument("--profile", help="write cProfile stats of the service phase here")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    result = asyncio.run(run(args))
    command = ("uv run python bench/template_bench.py " + shlex.join(sys.argv[1:])).strip()
    if args.json:
        print(json.dumps({**result, "command": command}))
    else:
        n = result["ilrs"]
        print(
            f"template fan-out (MongoDB: {result['mongodb']}, {result['cpus']} CPUs, "
            f"Python {result['python']}, batch {result['batch_size']})"
        )
        print(
            f"  seeded {n} ILRs:            built {result['seed']['build_s']} s, "
            f"insert_many {result['seed']['insert_many_s']} s"
        )
        print(
            f"  service layer:             {result['service_s']} s "
            f"({result['service_per_s']} ILRs/s) — updated {result['updated']}, "
            f"versions {result['versions_written']}, outbox events {result['outbox_pending']}"
        )
        print(
            f"  driver floor, ILRs only:   {result['floor_ilrs_only_s']} s (bulk_write of "
            f"version-guarded ReplaceOne; service / floor {result['ratio_ilrs_only']})"
        )
        print(
            f"  driver floor, ILRs + versions: {result['floor_s']} s ({result['floor_per_s']} "
            f"ILRs/s; the same bulk_write plus insert_many of the version documents, same "
            f"batches, indexes, server and run)"
        )
        print(f"  service / floor (ILRs + versions): {result['ratio']}")
        for phase, cpu in result["cpu"].items():
            print(
                f"  CPU s, {phase}: this process {cpu['client_cpu_s']}, "
                f"database server {cpu['server_cpu_s']}"
            )
        if "relay" in result:
            relay = result["relay"]
            print(
                f"  outbox relay drain:        {relay['published']} events in "
                f"{relay['seconds']} s (still pending: {relay['still_pending']})"
            )
        print(f"reproduce: {command}")
    return 0 if result.get("complete") else 1


if __name__ == "__main__":
    sys.exit(main())
