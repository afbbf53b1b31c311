"""The shared rule engine run in a separate process, one batch of learners at a time:
the worker evaluates the next batch's rules while the XML thread writes the current one,
so a build uses both cores. With ``processes=0`` the rules run on the XML thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from export_service.adapters import ilr_library as ilr
from export_service.domain.model import ReportFinding
from ilr_shared.logging import configure_logging, get_logger

log = get_logger(__name__)

BatchFindings = list[list[ReportFinding]]


def batch_rule_findings(
    records: Sequence[Mapping[str, Any]], academic_year: str, ukprn: int, prepared: dt.date
) -> BatchFindings:
    """The rule findings of each record, in order (runs in the worker process)."""
    context = ilr.validation_context(academic_year, ukprn, prepared)
    return [ilr.rule_findings(record, context) for record in records]


class RulePool:
    """A lazily started pool of rule-worker processes, shared by the builds of a service."""

    def __init__(self, processes: int, log_level: str = "INFO", log_json: bool = True) -> None:
        self.processes = processes
        self.log_level = log_level
        self.log_json = log_json
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            # spawn: a fresh interpreter, never a fork of a process with driver threads
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=configure_logging,  # JSON logs with personal data masked
                initargs=(self.log_level, self.log_json),
            )
        return self._executor

    def submit(
        self,
        records: Sequence[Mapping[str, Any]],
        academic_year: str,
        ukprn: int,
        prepared: dt.date,
    ) -> asyncio.Future[BatchFindings] | None:
        """Starts the rules of one batch; None when rules run on the XML thread instead."""
        if self.processes <= 0:
            return None
        loop = asyncio.get_running_loop()
        plain = [dict(record) for record in records]
        return loop.run_in_executor(
            self._pool(), batch_rule_findings, plain, academic_year, ukprn, prepared
        )

    async def result(self, pending: asyncio.Future[BatchFindings] | None) -> BatchFindings | None:
        """The batch's findings, or None (rules then run on the XML thread) when no pool is
        used or the worker died: a broken pool is replaced for the next batch."""
        if pending is None:
            return None
        try:
            return await pending
        except BrokenProcessPool:
            log.warning("export.rule_worker_died")
            self._executor = None
            return None

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
