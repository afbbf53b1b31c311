"""Returns without surprises: the return calendar, and builds that include learners with errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from export_service.adapters.calendar_file import load_calendar
from export_service.adapters.xml_file import BuildStats, read_back
from export_service.domain.calendar import PERIODS, CalendarError, parse_calendar
from export_service.domain.model import (
    LearnerOutcome,
    ReportFinding,
    Tally,
    may_include_with_errors,
)
from export_service.service_layer.build import StreamState, open_file, process_batch
from export_service.service_layer.exports import calendar_of, chosen_period
from ilr_shared.errors import InvalidInputError
from tests.unit.export.factory import bad_check_digit, make_learner, projection_doc
from tests.unit.export.test_export_file import YEAR, spec

# ---------------------------------------------------------------- the return calendar


def test_the_packaged_calendar_holds_r01_to_r14_of_both_years() -> None:
    calendar = load_calendar()
    for year in ("2025/26", "2026/27"):
        periods = calendar.periods_of(year)
        assert tuple(p.period for p in periods) == PERIODS
        assert periods[0].census_date == dt.date(int(year[:4]), 8, 31)  # R01 is August
        assert periods[11].census_date == dt.date(int(year[:4]) + 1, 7, 31)  # R12 is July
        # R13 and R14, the hard-close returns, close in September and October
        assert (periods[12].deadline.month, periods[13].deadline.month) == (9, 10)


def test_the_open_period_is_the_one_whose_deadline_is_next() -> None:
    calendar = load_calendar()
    r04 = calendar.find("2026/27", "R04")
    assert r04 is not None
    assert calendar.open_period("2026/27", r04.deadline) == r04  # open on its deadline day
    after = calendar.open_period("2026/27", r04.deadline + dt.timedelta(days=1))
    assert after is not None and after.period == "R05"
    assert calendar.open_period("2026/27", dt.date(2026, 1, 1)).period == "R01"  # type: ignore[union-attr]
    assert calendar.open_period("2025/26", dt.date(2027, 1, 1)) is None  # the year has closed


def test_a_build_is_for_the_period_asked_or_else_the_open_one() -> None:
    calendar = load_calendar()
    today = dt.date(2026, 12, 2)
    assert chosen_period(calendar, "2026/27", None, today) == {
        "period": "R04", "census_date": "2026-11-30", "deadline": "2026-12-04",
    }  # fmt: skip
    assert chosen_period(calendar, "2026/27", "R12", today)["period"] == "R12"  # type: ignore[index]
    assert chosen_period(calendar, "2025/26", None, today) is None
    with pytest.raises(InvalidInputError) as refused:
        chosen_period(parse_calendar(_calendar_json()), "2025/26", "R01", today)
    assert refused.value.problems[0]["path"] == "body.return_period"  # type: ignore[index]
    listed = calendar_of(calendar, "2026/27", today)
    assert listed["open_period"] == "R04"
    assert [p["period"] for p in listed["periods"] if p["open"]] == ["R04"]
    with pytest.raises(InvalidInputError):
        calendar_of(calendar, "2019/20", today)


def _calendar_json(year: str = "2026/27") -> dict[str, Any]:
    start = int(year[:4])
    periods = []
    for index, period in enumerate(PERIODS):
        month = min(index, 11)
        census = dt.date(start + (month + 7) // 12, (month + 7) % 12 + 1, 28)
        deadline = census + dt.timedelta(days=7 + 30 * max(0, index - 11))
        periods.append({"period": period, "census_date": census.isoformat(),
                        "deadline": deadline.isoformat()})  # fmt: skip
    return {"years": {year: periods}}


def test_an_operator_calendar_replaces_the_packaged_one(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps(_calendar_json()))
    calendar = load_calendar(str(path))
    assert calendar.periods_of("2025/26") == ()
    assert len(calendar.periods_of("2026/27")) == 14


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda c: c["years"]["2026/27"].pop(), "R01-R14 once each"),
        (lambda c: c["years"]["2026/27"][3].update(period="R4"), "not one of R01-R14"),
        (lambda c: c["years"]["2026/27"][3].update(deadline="2026-13-01"), "entry 4"),
        (lambda c: c["years"]["2026/27"][5].update(deadline="2026-08-01"), "before the census"),
        (lambda c: c["years"].update({"2026": []}), "not an academic year"),
        (lambda c: c.pop("years"), '"years"'),
    ],
)  # fmt: skip
def test_a_bad_calendar_is_refused_with_its_problems(change: Any, problem: str) -> None:
    data = _calendar_json()
    change(data)
    with pytest.raises(CalendarError) as refused:
        parse_calendar(data)
    assert problem in str(refused.value)


def test_an_unreadable_calendar_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text("{not json")
    with pytest.raises(CalendarError):
        load_calendar(str(path))
    with pytest.raises(CalendarError):
        load_calendar(str(tmp_path / "missing.json"))


# ---------------------------------------------------------------- learners with errors


def _finding(rule: str, severity: str = "error") -> ReportFinding:
    return ReportFinding(rule, severity, "m", "f")  # type: ignore[arg-type]


def test_only_rule_errors_may_go_into_the_file() -> None:
    assert may_include_with_errors(True, [_finding("ULN_04"), _finding("R_59")])
    assert not may_include_with_errors(False, [_finding("ULN_04")])  # schema-invalid
    assert not may_include_with_errors(True, [_finding("XSD")])
    assert not may_include_with_errors(True, [_finding("ULN_04"), _finding("R_06")])
    assert not may_include_with_errors(True, [_finding("W_1", "warning")])  # nothing to include


def test_a_build_with_errors_included_writes_rule_errors_and_leaves_out_schema_errors(
    tmp_path: Path,
) -> None:
    docs = [projection_doc(i) for i in range(3)]
    docs[1]["record"]["ULN"] = bad_check_digit(docs[1]["record"]["ULN"])
    del docs[2]["record"]["Ethnicity"]
    path = tmp_path / "f.XML"
    stats = BuildStats()
    writer, checker = open_file(path, spec(), stats)
    state = StreamState(include_with_errors=True)
    outcomes = process_batch(docs, writer, checker, {}, state)
    writer.close()
    assert [(o.included, o.errors_included) for o in outcomes] == [
        (True, False), (True, True), (False, False),
    ]  # fmt: skip
    assert read_back(path, YEAR, stats) == 2
    assert docs[1]["learn_ref"].encode() in path.read_bytes()

    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    assert tally.counts() == {"included": 2, "left_out": 1}
    summary = tally.summary.as_dict()
    assert summary["included_with_errors"] == 1
    assert summary["included_with_errors_by_rule"] == {"ULN_04": 1}
    assert "ULN_04" not in summary["left_out_by_rule"]
    assert "FD_Ethnicity_MA" in summary["left_out_by_rule"]


def test_a_learn_ref_written_once_is_never_written_again_even_with_errors_included(
    tmp_path: Path,
) -> None:
    first = projection_doc(1)
    second = projection_doc(2, record=copy.deepcopy(first["record"]))
    second["record"]["ULN"] = make_learner(2)["ULN"]
    stats = BuildStats()
    path = tmp_path / "f.XML"
    writer, checker = open_file(path, spec(), stats)
    outcomes = process_batch(
        [first, second], writer, checker, {}, StreamState(include_with_errors=True)
    )
    writer.close()
    assert [o.included for o in outcomes] == [True, False]
    assert read_back(path, YEAR, stats) == 1


def test_an_outcome_with_errors_included_counts_as_included() -> None:
    outcome = LearnerOutcome("A", "ilr_a", 1, None, (_finding("ULN_04"),), errors_included=True)
    assert outcome.included and outcome.has_errors
