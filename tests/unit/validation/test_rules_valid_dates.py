"""FAM codes used outside their validity dates: LearnDelFAMType_06, LearnDelFAMType_104
and LearnFAMType_03."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from ilr_validation_builders import Record, ctx, fam, fires, learner, only, standalone_aim

from ilr_shared.ilr.codelist import CodeList, closed
from ilr_shared.ilr.codes import code_list, code_lists
from ilr_shared.validation import validate_learner

OLD = ctx("2025/26", prepared=date(2026, 3, 1))
NEW = ctx("2026/27")
YEARS = pytest.mark.parametrize("context", [OLD, NEW], ids=["2025/26", "2026/27"])


def aim(start: str, *fams: Record, **overrides: Any) -> Record:
    return standalone_aim(LearnStartDate=start, LearningDeliveryFAM=list(fams), **overrides)


def lfam(fam_type: str, code: object) -> Record:
    return {"LearnFAMType": fam_type, "LearnFAMCode": code}


def patch_lists(monkeypatch: pytest.MonkeyPatch, extra: Mapping[str, CodeList]) -> None:
    """The rules see the year's real lists with ``extra`` added or replaced."""

    def lists(year: str) -> Mapping[str, CodeList]:
        return {**code_lists(year), **extra}

    monkeypatch.setattr("ilr_shared.validation.rules.valid_dates.code_lists", lists)


# --- LearnDelFAMType_06: start date after the FAM code's "Valid to" date ---------------


def test_sof_117_is_dated_in_both_years() -> None:
    for year in ("2025/26", "2026/27"):
        assert code_list(year, "LearnDelFAMCode.SOF").valid_to["117"] == date(2024, 7, 31)


@YEARS
@pytest.mark.parametrize(("start", "expected"),
                         [("2024-07-30", False), ("2024-07-31", False), ("2024-08-01", True)])  # fmt: skip
def test_06_start_after_valid_to(context: Any, start: str, expected: bool) -> None:
    record = learner(aim(start, fam("FFI", "1"), fam("SOF", "117")))
    assert fires(record, "LearnDelFAMType_06", context) is expected
    if expected:
        finding = only(record, "LearnDelFAMType_06", context)
        assert finding.field == "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode"
        assert finding.severity == "error"


@YEARS
def test_06_undated_codes_and_leading_zeros(context: Any) -> None:
    assert not fires(learner(aim("2026-09-01", fam("SOF", "105"))), "LearnDelFAMType_06", context)
    late = learner(aim("2026-09-01", fam("sof", "0117")))
    assert fires(late, "LearnDelFAMType_06", context)


@YEARS
def test_06_restarts_are_excluded(context: Any) -> None:
    record = learner(aim("2026-09-01", fam("SOF", "117"), fam("RES", "1")))
    assert not fires(record, "LearnDelFAMType_06", context)


@pytest.mark.parametrize(("fam_type", "code", "last"),
                         [("ASL", "1", "2023-07-31"), ("NSA", "20", "2016-07-31")])  # fmt: skip
def test_06_lists_dropped_in_2026_27(fam_type: str, code: str, last: str) -> None:
    """ASL and NSA end dates only exist in 2025/26 (2026/27 has no such FAM types;
    LearnDelFAMType_04 reports them there)."""
    day_after = date.fromisoformat(last).toordinal() + 1
    after = date.fromordinal(day_after).isoformat()
    on_time = learner(aim(last, fam(fam_type, code)))
    late = learner(aim(after, fam(fam_type, code)))
    assert not fires(on_time, "LearnDelFAMType_06", OLD)
    assert fires(late, "LearnDelFAMType_06", OLD)
    assert not fires(late, "LearnDelFAMType_06", NEW)


def test_06_each_late_fam_of_each_aim_is_reported() -> None:
    record = learner(
        aim("2020-01-01", fam("SOF", "117")),
        aim("2024-09-01", fam("FFI", "1"), fam("SOF", "117"), AimSeqNumber=4),
    )
    assert only(record, "LearnDelFAMType_06").field == (
        "LearningDelivery[1].LearningDeliveryFAM[1].LearnDelFAMCode"
    )


# --- LearnDelFAMType_104: start date before the LDM code's "EffectiveFrom" date --------

LDM_DATED = CodeList(
    labels={"034": "OLASS", "391": "Earnings threshold", "368": "x", "369": "y"},
    complete=False,
    shape=r"[0-9]{3}",
    valid_from={"391": date(2025, 8, 1), "034": date(2020, 8, 1)},
)


def test_104_real_ldm_list_has_no_effective_dates() -> None:
    """DfE publishes the LDM EffectiveFrom dates in its lookup table, not the
    specification: until the list carries them the rule never fires."""
    for year, context in (("2025/26", OLD), ("2026/27", NEW)):
        assert not code_list(year, "LearnDelFAMCode.LDM").valid_from
        record = learner(aim("2000-01-01", fam("LDM", "391")))
        assert not fires(record, "LearnDelFAMType_104", context)


@YEARS
@pytest.mark.parametrize(("start", "expected"),
                         [("2025-07-31", True), ("2025-08-01", False), ("2025-08-02", False)])  # fmt: skip
def test_104_start_before_effective_from(
    monkeypatch: pytest.MonkeyPatch, context: Any, start: str, expected: bool
) -> None:
    patch_lists(monkeypatch, {"LearnDelFAMCode.LDM": LDM_DATED})
    record = learner(aim(start, fam("SOF", "105"), fam("LDM", "391")))
    assert fires(record, "LearnDelFAMType_104", context) is expected
    if expected:
        assert only(record, "LearnDelFAMType_104", context).field == (
            "LearningDelivery[0].LearningDeliveryFAM[1].LearnDelFAMCode"
        )


@YEARS
@pytest.mark.parametrize("excluded", ["368", "369"])
def test_104_ldm_368_or_369_excludes_the_aim(
    monkeypatch: pytest.MonkeyPatch, context: Any, excluded: str
) -> None:
    patch_lists(monkeypatch, {"LearnDelFAMCode.LDM": LDM_DATED})
    record = learner(aim("2019-01-01", fam("LDM", "34"), fam("LDM", excluded)))
    assert not fires(record, "LearnDelFAMType_104", context)
    assert fires(learner(aim("2019-01-01", fam("LDM", "34"))), "LearnDelFAMType_104", context)


def test_104_only_reads_ldm_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    dated_sof = closed({"105": "DfE"}, valid_from={"105": date(2030, 8, 1)})
    patch_lists(monkeypatch, {"LearnDelFAMCode.LDM": LDM_DATED, "LearnDelFAMCode.SOF": dated_sof})
    record = learner(aim("2026-09-01", fam("SOF", "105"), fam("LDM", "378")))
    assert not fires(record, "LearnDelFAMType_104")


# --- LearnFAMType_03: earliest start date (DD06) after the learner FAM's "Valid to" ----

LSR_DATED = closed({"36": "Care leaver", "55": "Other"}, valid_to={"55": date(2026, 7, 31)})


@YEARS
@pytest.mark.parametrize(("earliest", "expected"),
                         [("2026-07-30", False), ("2026-07-31", False), ("2026-08-01", True)])  # fmt: skip
def test_learn_fam_type_03_earliest_start_after_valid_to(
    monkeypatch: pytest.MonkeyPatch, context: Any, earliest: str, expected: bool
) -> None:
    patch_lists(monkeypatch, {"LearnFAMCode.LSR": LSR_DATED})
    record = learner(
        aim("2026-09-01", fam("SOF", "105")),
        aim(earliest, fam("SOF", "105"), AimSeqNumber=4),
        LearnerFAM=[lfam("LSR", 36), lfam("lsr", "55")],
    )
    assert fires(record, "LearnFAMType_03", context) is expected
    if expected:
        assert only(record, "LearnFAMType_03", context).field == "LearnerFAM[1].LearnFAMCode"


@YEARS
def test_learn_fam_type_03_ignores_valid_from(context: Any) -> None:
    """The real learner FAM lists only date codes from (ECF/MCF 5): never "too late"."""
    for fam_type in ("ECF", "MCF"):
        assert code_list(context.academic_year, f"LearnFAMCode.{fam_type}").valid_from["5"]
        record = learner(aim("2010-09-01", fam("SOF", "105")), LearnerFAM=[lfam(fam_type, 5)])
        assert not fires(record, "LearnFAMType_03", context)


@YEARS
def test_learn_fam_type_03_needs_a_start_date(
    monkeypatch: pytest.MonkeyPatch, context: Any
) -> None:
    patch_lists(monkeypatch, {"LearnFAMCode.LSR": LSR_DATED})
    record = learner(aim("not a date", fam("SOF", "105")), LearnerFAM=[lfam("LSR", 55)])
    assert not fires(record, "LearnFAMType_03", context)


# --- malformed data never raises -------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        learner(aim("2026-09-01", {"LearnDelFAMType": None, "LearnDelFAMCode": "117"})),
        learner(aim("2026-09-01", {"LearnDelFAMType": "SOF"}, "junk")),
        learner(aim("2026-09-01", {"LearnDelFAMType": 7, "LearnDelFAMCode": ["117"]})),
        learner(aim("2026-13-45", fam("SOF", "117"), fam("LDM", "391"))),
        learner(standalone_aim(LearningDeliveryFAM="SOF")),
        learner(LearningDelivery=None, LearnerFAM=[lfam("LSR", 55), None, {"LearnFAMType": 1}]),
        learner(
            aim("2026-09-01", fam("SOF", "abc"), fam("ZZZ", "117"), fam("LDM", "")),
            LearnerFAM="LSR",
        ),
    ],
)
def test_malformed_records_do_not_raise(monkeypatch: pytest.MonkeyPatch, record: Record) -> None:
    patch_lists(monkeypatch, {"LearnDelFAMCode.LDM": LDM_DATED, "LearnFAMCode.LSR": LSR_DATED})
    names = {"LearnDelFAMType_06", "LearnDelFAMType_104", "LearnFAMType_03"}
    for context in (OLD, NEW):
        found = [f for f in validate_learner(record, context) if f.rule in names]
        assert all(f.field for f in found)
