"""Engine, registry and catalogue."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from ilr_validation_builders import (
    component_aim,
    ctx,
    learner,
    only,
    programme_aim,
    standalone_aim,
)
from typer.testing import CliRunner

from ilr_shared.validation import (
    FILE_RULES,
    LEARNER_RULES,
    Finding,
    ValidationContext,
    cli,
    rule_catalogue,
    validate_batch,
    validate_learner,
)
from ilr_shared.validation.catalogue import summarise

REQUIRED = {
    "ULN_04", "R_06", "R_07", "LearnAimRef_30", "ProgType_01", "ProgType_02", "StdCode_01",
    "StdCode_03", "FundModel_06", "LearnDelFAMType_01", "LearnDelFAMType_64", "AFinType_12",
    "AFinType_13", "LearnStartDate_05", "LearnPlanEndDate_02", "LearnActEndDate_01",
    "CompStatus_03", "AchDate_03", "DateOfBirth_01", "Postcode_15", "NINumber_01", "R_31",
    "HRSType_01",
}  # fmt: skip


def _csv_rows(year_file: str) -> dict[str, dict[str, str]]:
    raw = (
        resources.files("ilr_shared.validation")
        .joinpath("data", year_file)
        .read_text(encoding="utf-8-sig")
    )
    return {row["Name"].strip(): row for row in csv.DictReader(io.StringIO(raw))}


def _severity(row: dict[str, str]) -> str:
    sld = row["CurrentSldSeverity"].strip()
    return (sld if sld in ("Error", "Warning") else row["Severity"]).strip().lower()


DOCS = Path(__file__).resolve().parents[3] / "docs"

YEAR_FILES = {
    "2025/26": "ILR-validation-rules-2025-26.csv",
    "2026/27": "ILR-validation-rules-2627-v4.csv",
}


def test_every_required_rule_is_registered() -> None:
    registered = set(LEARNER_RULES) | set(FILE_RULES)
    assert sorted(REQUIRED - registered) == []


@pytest.mark.parametrize("year", sorted(YEAR_FILES))
def test_catalogue_lists_every_live_official_rule_with_its_severity_and_message(
    year: str,
) -> None:
    rows = _csv_rows(YEAR_FILES[year])
    live = {name for name, row in rows.items() if row["Status"].strip() != "Deleted"}
    entries = {e.name: e for e in rule_catalogue(year)}
    assert live <= set(entries)
    for name in live:
        entry = entries[name]
        if entry.scope in ("learner", "file"):
            assert entry.severity == _severity(rows[name]), name
            assert entry.message == " ".join(rows[name]["ErrorMessage"].split()), name
        assert "\n" not in entry.message


def test_catalogue_says_why_a_rule_does_not_run() -> None:
    entries = {e.name: e for e in rule_catalogue("2026/27")}
    assert entries["ULN_04"].status_text == "implemented"
    assert entries["LearnAimRef_01"].status_text == "implemented, runs when LARS is loaded"
    assert entries["LearnAimRef_01"].needs == ["LARS"]


def test_catalogue_counts_only_official_rules() -> None:
    entries = rule_catalogue("2026/27")
    summary = summarise(entries, "2026/27")
    assert summary.official == sum(1 for e in entries if e.official)
    assert (
        summary.implemented
        + summary.needs_reference_data
        + summary.not_applicable
        + (summary.not_implemented)
        == summary.official
    )


def test_rules_of_one_year_only_run_in_that_year() -> None:
    hrs = next(e for e in rule_catalogue("2026/27") if e.name == "HRSType_01")
    assert hrs.status == "implemented"
    assert "HRSType_01" not in {e.name for e in rule_catalogue("2025/26") if e.scope}


def test_a_rule_needing_absent_reference_data_does_not_run() -> None:
    record = learner(programme_aim(LearnAimRef="NOTINLARS"), component_aim())
    assert not [f for f in validate_learner(record, ctx()) if f.rule == "LearnAimRef_01"]
    with_lars = ctx(lars_aims=frozenset({"ZPROG001", "60346018"}))
    assert [f.rule for f in validate_learner(record, with_lars) if f.rule == "LearnAimRef_01"]


def test_clean_learner_has_no_findings_in_either_year() -> None:
    assert validate_learner(learner(), ctx()) == []
    record = learner(programme_aim(), standalone_aim(AimSeqNumber=2))
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


@pytest.mark.parametrize(
    ("year", "page"), [("2026/27", "rules.md"), ("2025/26", "rules-2025-26.md")]
)
def test_docs_rules_page_is_the_catalogue_command_output(year: str, page: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli.app, ["--year", year, "--markdown"])
    assert result.exit_code == 0, result.output
    assert (DOCS / page).read_text() == result.output, f"regenerate docs/{page}"


@pytest.mark.parametrize("year", sorted(YEAR_FILES))
def test_almost_every_rule_that_needs_no_reference_data_runs(year: str) -> None:
    summary = summarise(rule_catalogue(year), year)
    assert summary.reference_free_share >= 0.95
    not_done = [
        e.name for e in rule_catalogue(year) if e.official and e.status == "not implemented"
    ]
    assert not_done == []
