"""The rule worker process finds what the XML thread would find, in the same order."""

from __future__ import annotations

import datetime as dt

from export_service.adapters import ilr_library as ilr
from export_service.adapters.rule_pool import RulePool, batch_rule_findings
from export_service.domain.model import ReportFinding
from tests.unit.export.factory import bad_check_digit, make_learner

YEAR = "2026/27"
PREPARED = dt.date(2026, 12, 1)


def _records() -> list[dict[str, object]]:
    records: list[dict[str, object]] = [make_learner(i) for i in range(20)]
    records[3]["ULN"] = bad_check_digit(int(str(records[3]["ULN"])))
    del records[7]["Sex"]
    return records


def _in_thread(records: list[dict[str, object]]) -> list[list[ReportFinding]]:
    context = ilr.validation_context(YEAR, 10000001, PREPARED)
    return [ilr.rule_findings(record, context) for record in records]


async def test_worker_process_matches_the_in_thread_engine() -> None:
    records = _records()
    pool = RulePool(processes=1)
    try:
        found = await pool.result(pool.submit(records, YEAR, 10000001, PREPARED))
    finally:
        pool.close()
    assert found == _in_thread(records)
    assert [f.rule for f in (found or [])[3]] == ["ULN_04"]
    assert "FD_Sex_MA" in {f.rule for f in (found or [])[7]}


async def test_no_processes_means_the_xml_thread_runs_the_rules() -> None:
    pool = RulePool(processes=0)
    assert pool.submit(_records(), YEAR, 10000001, PREPARED) is None
    assert await pool.result(None) is None


def test_batch_function_is_the_engine() -> None:
    records = _records()
    assert batch_rule_findings(records, YEAR, 10000001, PREPARED) == _in_thread(records)
