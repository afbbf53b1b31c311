"""Engine, registry and catalogue."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from ilr_validation_builders import ctx, learner, only, programme_aim, standalone_aim

from ilr_shared.validation import (
    FILE_RULES,
    LEARNER_RULES,
    Finding,
    ValidationContext,
    rule_catalogue,
    validate_batch,
    validate_learner,
)

REQUIRED = {
    "ULN_04", "R_06", "R_07", "LearnAimRef_30", "ProgType_01", "ProgType_02", "StdCode_01",
    "StdCode_03", "FundModel_06", "LearnDelFAMType_01", "LearnDelFAMType_64", "AFinType_12",
    "AFinType_13", "LearnStartDate_05", "LearnPlanEndDate_02", "LearnActEndDate_01",
    "CompStatus_03", "AchDate_03", "DateOfBirth_01", "Postcode_15", "NINumber_01", "R_31",
    "HRSType_01",
}  # fmt: skip


def _csv_severities() -> dict[str, str]:
    raw = (
        resources.files("ilr_shared.validation")
        .joinpath("data", "ILR-validation-rules-2025-26.csv")
        .read_text(encoding="utf-8-sig")
    )
    out: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(raw)):
        sld = row["CurrentSldSeverity"].strip()
        out[row["Name"].strip()] = (sld if sld in ("Error", "Warning") else row["Severity"]).strip()
    return out


def test_every_required_rule_is_registered() -> None:
    registered = set(LEARNER_RULES) | set(FILE_RULES)
    assert sorted(REQUIRED - registered) == []


def test_catalogue_severity_and_message_match_the_official_csv() -> None:
    official = _csv_severities()
    entries = rule_catalogue()
    assert {e.name for e in entries} == set(LEARNER_RULES) | set(FILE_RULES)
    for entry in entries:
        if entry.name in official:
            assert entry.severity == official[entry.name].lower(), entry.name
            assert "2025/26" in entry.source, entry.name
        else:
            assert entry.source == "2026/27 change", entry.name
        assert entry.message and "\n" not in entry.message


def test_rules_not_in_the_2025_26_csv_are_2026_27_changes() -> None:
    hrs = next(e for e in rule_catalogue() if e.name == "HRSType_01")
    assert hrs.years == ["2026/27"]
    assert hrs.source == "2026/27 change"
    assert hrs.severity == "error"


def test_clean_learner_has_no_findings_in_either_year() -> None:
    assert validate_learner(learner(), ctx()) == []
    record = learner(programme_aim(), standalone_aim())
    assert [f.rule for f in validate_learner(record, ctx())] == ["R_31"]
    assert validate_learner(learner(), ctx("2025/26", prepared=ctx().file_preparation_date)) == []


def test_finding_carries_rule_severity_message_path_and_learner() -> None:
    finding = only(learner(ULN=1061484017), "ULN_04")
    assert finding == Finding(
        rule="ULN_04",
        severity="error",
        message="The Unique learner number does not pass the checksum calculation",
        field="ULN",
        learn_ref_number="LRN001",
    )


def test_year_specific_rules_only_run_in_their_year() -> None:
    record = learner(programme_aim(HRSRecord=[]))
    assert only(record, "HRSType_01", ctx("2026/27")).field == "LearningDelivery[0].HRSRecord"
    assert [f for f in validate_learner(record, ctx("2025/26")) if f.rule == "HRSType_01"] == []


def test_context_rejects_unknown_year() -> None:
    with pytest.raises(ValueError):
        ValidationContext(academic_year="2024/25")


def test_context_teaching_year_bounds() -> None:
    c = ctx("2026/27")
    assert (c.year_start.isoformat(), c.year_end.isoformat()) == ("2026-08-01", "2027-07-31")


def test_validate_batch_keys_by_learn_ref_number_and_includes_clean_learners() -> None:
    records = [learner(LearnRefNumber="A1"), learner(LearnRefNumber="B2", ULN=1061484017)]
    result = validate_batch(iter(records), ctx())
    assert set(result) == {"A1", "B2"}
    assert result["A1"] == []
    assert [f.rule for f in result["B2"]] == ["ULN_04"]


def test_validate_batch_accepts_a_generator_once() -> None:
    consumed: list[int] = []

    def stream() -> Iterator[dict[str, Any]]:
        for n in range(3):
            consumed.append(n)
            yield learner(LearnRefNumber=f"L{n}", ULN=9999999999)

    result = validate_batch(stream(), ctx())
    assert consumed == [0, 1, 2]
    assert set(result) == {"L0", "L1", "L2"}


def test_validate_learner_tolerates_non_dict_input() -> None:
    assert validate_learner([], ctx()) == []  # type: ignore[arg-type]
    assert validate_batch([None, 3, "x"], ctx()) == {}  # type: ignore[list-item]


def test_rule_that_raises_is_logged_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from ilr_shared.validation.registry import LearnerRule

    def broken(record, context):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    original = LEARNER_RULES["ULN_04"]
    monkeypatch.setitem(LEARNER_RULES, "ULN_04", LearnerRule(original.meta, broken))
    assert [f.rule for f in validate_learner(learner(ULN=1061484017), ctx())] == []
