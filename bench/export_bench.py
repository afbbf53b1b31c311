"""Export benchmark: N realistic learners through the export's own writer and validators.

Projection documents (FM36 apprentices, 2-4 deliveries with FAMs and AppFinRecords) are
inserted straight into a fresh database with the driver; then `ExportBuilder.build` runs
exactly as the job worker runs it (selection, duplicate checks, per-learner XSD + rule
validation, streaming write, read-back validation with iterparse, GridFS upload) and the
pre-submission check. No HTTP.

Reproduce (from the repository root):

    uv run python bench/export_bench.py --learners 5000 50000

MongoDB: MONGODB_URL if set, else a SecantusDB server started for the run (see
tests/support/servers.py). The "driver floor" is the time to read the same selection with
the driver alone, on the same server, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import threading
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from export_service.adapters.files import FileStore  # noqa: E402
from export_service.adapters.repository import Collections, RecordsProjection  # noqa: E402
from export_service.config import Settings  # noqa: E402
from export_service.domain.model import Tally  # noqa: E402
from export_service.service_layer.build import ExportBuilder  # noqa: E402
from export_service.service_layer.worker import progress_fields  # noqa: E402
from tests.support.servers import start_mongo  # noqa: E402
from tests.unit.export.factory import projection_doc  # noqa: E402

TENANT = "10000001"
YEAR = "2026/27"


class RssSampler:
    """Peak resident memory of this process while running (sampled every 20 ms)."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.baseline = self._process.memory_info().rss
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def insert_learners(collections: Collections, n: int) -> float:
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for i in range(n):
        batch.append(projection_doc(i, tenant=TENANT, academic_year=YEAR))
        if len(batch) == 1000:
            await collections.records.insert_many(batch, ordered=False)
            batch = []
    if batch:
        await collections.records.insert_many(batch, ordered=False)
    return time.perf_counter() - started


async def driver_floor(collections: Collections, size: int) -> tuple[float, int]:
    records = RecordsProjection(collections.records)
    query = records.selection(TENANT, YEAR, ["qa_verified", "completed"], None)
    started = time.perf_counter()
    seen = 0
    async for batch in records.batches(query, size):
        seen += len(batch)
    return time.perf_counter() - started, seen


async def run_one(url: str, n: int, trace: bool) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, tz_aware=True)
    database = client[f"bench_export_{uuid.uuid4().hex[:8]}"]
    settings = Settings()
    try:
        collections = Collections(database)
        await collections.ensure_indexes()
        files = FileStore(database)
        await files.ensure_indexes()
        insert_s = await insert_learners(collections, n)
        floor_s, seen = await driver_floor(collections, settings.batch_size)
        assert seen == n

        builder = ExportBuilder(collections, files, settings)
        job_id = f"exp_bench_{n}"
        job = {
            "_id": job_id,
            "tenant": TENANT,
            "academic_year": YEAR,
            "statuses": ["qa_verified", "completed"],
            "programme_ids": None,
            "created_at": dt.datetime.now(dt.UTC),
        }

        await collections.exports.insert_one({**job, "state": "running", "owner": "bench"})

        async def progress(tally: Tally, total: int) -> bool:
            # the same per-batch write the job worker makes
            return await builder.jobs.set_owned(job_id, "bench", progress_fields(tally, total))

        if trace:
            tracemalloc.start()
        with RssSampler() as rss:
            started = time.perf_counter()
            result = await builder.build(job, None, progress)
            await builder.pre_submission(job, result)
            total_s = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
        if trace:
            tracemalloc.stop()
        assert result.tally.included == n, result.tally
        size = (await database["export_files.files"].find_one({"_id": result.file_id}) or {})[
            "length"
        ]
        stats = result.stats
        return {
            "learners": n,
            "insert_s": insert_s,
            "floor_s": floor_s,
            "total_s": total_s,
            "per_1000_s": total_s / n * 1000,
            "xsd_s": stats.xsd_total_s,
            "xsd_share": stats.xsd_total_s / total_s,
            "per_learner_xsd_s": stats.xsd_s,
            "readback_s": stats.readback_s,
            "rules_s": stats.rules_s,
            "rules_wait_s": stats.rules_wait_s,
            "xml_s": stats.xml_s,
            "fetch_wait_s": stats.fetch_s,
            "store_s": stats.store_s,
            "rss_baseline_mb": rss.baseline / 2**20,
            "rss_peak_mb": rss.peak / 2**20,
            "rss_growth_mb": (rss.peak - rss.baseline) / 2**20,
            "traced_peak_mb": traced_peak / 2**20 if traced_peak is not None else None,
            "file_mb": size / 2**20,
        }
    finally:
        await client.drop_database(database.name)
        await client.close()


def report(row: dict[str, Any], server: str) -> None:
    n = row["learners"]
    print(f"\n== export of {n:,} learners ({server}) ==")
    print(f"  file size                    {row['file_mb']:.1f} MB")
    print(f"  total export time            {row['total_s']:.1f} s")
    print(f"  per 1,000 learners           {row['per_1000_s']:.2f} s")
    print(
        f"  XSD validation               {row['xsd_s']:.1f} s = {row['xsd_share']:.0%} of total "
        f"(per-learner {row['per_learner_xsd_s']:.1f} s, read-back {row['readback_s']:.1f} s)"
    )
    print(f"  rule engine on the XML thread {row['rules_s']:.1f} s")
    print(f"  waiting for the rule worker  {row['rules_wait_s']:.1f} s")
    print(f"  XML build + write            {row['xml_s']:.1f} s")
    print(f"  waiting for Mongo batches    {row['fetch_wait_s']:.1f} s")
    print(f"  report items + GridFS        {row['store_s']:.1f} s")
    print(
        f"  driver floor (read only)     {row['floor_s']:.1f} s   (insert {row['insert_s']:.1f} s)"
    )
    print(
        f"  peak RSS                     {row['rss_peak_mb']:.0f} MB "
        f"(+{row['rss_growth_mb']:.0f} MB over {row['rss_baseline_mb']:.0f} MB before the build)"
    )
    if row["traced_peak_mb"] is not None:
        print(f"  tracemalloc peak             {row['traced_peak_mb']:.1f} MB")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    args = parser.parse_args()
    server = start_mongo()
    try:
        print(f"MongoDB: {server.kind} ({os.environ.get('MONGODB_URL') or 'started for this run'})")
        print(
            "command: uv run python bench/export_bench.py --learners "
            + " ".join(map(str, args.learners))
            + (" --tracemalloc" if args.tracemalloc else "")
        )
        for n in args.learners:
            report(await run_one(server.url, n, args.tracemalloc), server.kind)
    finally:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
