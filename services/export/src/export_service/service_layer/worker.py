"""The job worker: every instance runs one; they share the queued jobs. A job is claimed
atomically (queued -> running, with a lease) that its owner renews while it builds; every
write of the job is conditional on still owning it. A crashed instance's job is claimed
again once its lease has expired (at most `max_attempts`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import uuid
from collections.abc import Awaitable, Callable

from export_service.domain.model import ExportFailedError, Tally
from export_service.service_layer.build import BuildResult, ExportBuilder, LostJobError
from ilr_shared.logging import get_logger
from ilr_shared.mongo import Document
from ilr_shared.polling import PollLoop

log = get_logger(__name__)


ProjectionSync = Callable[[str], Awaitable[bool]]  # tenant -> caught up in time


class ExportWorker:
    def __init__(
        self,
        builder: ExportBuilder,
        owner: str | None = None,
        projection_sync: ProjectionSync | None = None,
    ) -> None:
        self.builder = builder
        self.projection_sync = projection_sync
        self.jobs = builder.jobs
        self.settings = builder.settings
        self.owner = owner or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._loop = PollLoop(self.run_once, self.settings.poll_interval_s, "export.worker_error")

    def kick(self) -> None:
        """A job was queued here: look now instead of at the next poll."""
        self._loop.kick()

    async def run(self) -> None:
        try:
            await self._loop.run()
        finally:
            self.builder.rules.close()  # the rule worker process goes with the service

    async def run_once(self) -> bool:
        """Claims and runs one job; False when there was none."""
        job = await self.jobs.claim(self.owner, self.builder.clock(), self.settings.lease_s)
        if job is None:
            return False
        await self.process(job)
        return True

    async def process(self, job: Document) -> None:
        job_id = job["_id"]
        log.info("export.started", export_id=job_id, tenant=job["tenant"], attempt=job["attempts"])
        if job["attempts"] > self.settings.max_attempts:
            await self._finish(
                job_id, "failed", error=f"gave up after {job['attempts'] - 1} attempts"
            )
            return
        lost = asyncio.Event()
        build = asyncio.create_task(self._build(job))
        renew = asyncio.create_task(self._renew(job_id, lost, build))
        try:
            await build
        except LostJobError:
            log.warning("export.lost", export_id=job_id)
        except asyncio.CancelledError:
            if not lost.is_set():
                # shutting down: hand the job back at once instead of after the lease
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._release(job_id, "stopped")), 5)
                raise
            log.warning("export.lost", export_id=job_id)
        except ExportFailedError as exc:
            await self._finish(job_id, "failed", error=str(exc))
            log.info("export.failed", export_id=job_id, error=str(exc))
        except Exception as exc:
            # transient (database, disk): queue it again; the attempt count bounds retries
            log.exception("export.error", export_id=job_id, error=type(exc).__name__)
            await self._release(job_id, f"attempt {job['attempts']} failed: {type(exc).__name__}")
        finally:
            renew.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renew

    async def _sync(self, job: Document) -> bool | None:
        """Whether the projection held every ILR change committed before the job (None: no
        sync wired, as in tools that build from a projection they filled themselves)."""
        if self.projection_sync is None:
            return None
        up_to_date = await self.projection_sync(job["tenant"])
        if not up_to_date:
            log.warning("export.built_from_lagging_projection", export_id=job["_id"])
        return up_to_date

    async def _build(self, job: Document) -> None:
        job_id = job["_id"]

        async def progress(tally: Tally, total: int) -> bool:
            return await self.jobs.set_owned(job_id, self.owner, progress_fields(tally, total))

        up_to_date = await self._sync(job)
        result = await self.builder.build(job, self.owner, progress)
        check = await self.builder.pre_submission(job, result)
        fields = succeeded_fields(result, check, up_to_date, self.builder.clock())
        if not await self.jobs.set_owned(job_id, self.owner, fields):
            await self.builder.files.remove(result.file_id)
            raise LostJobError(job_id)
        log.info(
            "export.succeeded",
            export_id=job_id,
            included=result.tally.included,
            left_out=result.tally.left_out,
        )

    async def _renew(self, job_id: str, lost: asyncio.Event, build: asyncio.Task[None]) -> None:
        while True:
            await asyncio.sleep(self.settings.lease_s / 3)
            until = self.builder.clock() + dt.timedelta(seconds=self.settings.lease_s)
            try:
                owned = await self.jobs.set_owned(job_id, self.owner, {"lease_until": until})
            except Exception as exc:  # try again at the next beat; the lease has slack
                log.warning("export.renew_error", export_id=job_id, error=type(exc).__name__)
                continue
            if not owned:
                lost.set()
                build.cancel()
                return

    async def _give_back_serial(self, job_id: str) -> None:
        """A failed submission build frees its serial number (when it is the last taken)."""
        with contextlib.suppress(Exception):  # a serial kept is a gap, never a duplicate
            job = await self.jobs.get_owned(job_id, self.owner)
            if job is not None:
                await self.builder.give_back_serial(job)

    async def _release(self, job_id: str, reason: str) -> None:
        """Back to the queue for any instance (the attempt count bounds the retries)."""
        await self.jobs.set_owned(
            job_id,
            self.owner,
            {"state": "queued", "owner": None, "lease_until": None, "error": reason},
        )

    async def _finish(self, job_id: str, state: str, error: str | None) -> None:
        if state == "failed":
            await self._give_back_serial(job_id)
        finished_at = self.builder.clock()
        await self.jobs.set_owned(
            job_id,
            self.owner,
            {"state": state, "error": error, "finished_at": finished_at, "lease_until": None},
        )


def progress_fields(tally: Tally, total: int) -> Document:
    return {
        "progress": {"done": tally.done, "total": total},
        "counts": tally.counts(),
    }


def succeeded_fields(
    result: BuildResult, check: Document, up_to_date: bool | None, now: dt.datetime
) -> Document:
    return {
        "state": "succeeded",
        "file_name": result.file_name,
        "file_id": result.file_id,
        **progress_fields(result.tally, result.tally.done),
        "validation_summary": result.tally.summary.as_dict(),
        "pre_submission": check,
        "up_to_date": up_to_date,
        "finished_at": now,
        "error": None,
        "lease_until": None,
    }
