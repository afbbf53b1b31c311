"""Learning delivery FAM rules (dates, SOF/FFI, loans, ACT), each against its official text."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import (
    Record,
    component_aim,
    ctx,
    fam,
    findings,
    learner,
    programme_aim,
    standalone_aim,
)

from ilr_shared.validation.registry import DECLARED, LARS

AT = "LearningDelivery[0].LearningDeliveryFAM"


def dfam(
    fam_type: str, code: str, date_from: str | None = None, date_to: str | None = None
) -> Record:
    """A FAM record with optional Date applies from / to."""
    record = fam(fam_type, code, date_from)
    if date_to:
        record["LearnDelFAMDateTo"] = date_to
    return record


def adult(*extra: Record, **overrides: Any) -> Record:
    """A learner with one FM38 aim (SOF 105, FFI 1) plus extra FAM records."""
    return learner(
        standalone_aim(
            LearningDeliveryFAM=[fam("SOF", "105"), fam("FFI", "1"), *extra], **overrides
        )
    )


def aim_with(*fams: Record, **overrides: Any) -> Record:
    """A learner with one standalone aim carrying exactly these FAM records."""
    return learner(standalone_aim(LearningDeliveryFAM=list(fams), **overrides))


def prog(*fams: Record, **overrides: Any) -> Record:
    """A learner with one FM36 programme aim carrying exactly these FAM records."""
    return learner(programme_aim(LearningDeliveryFAM=list(fams), **overrides))


SOF, FFI = fam("SOF", "105"), fam("FFI", "1")
ACT1 = fam("ACT", "1", "2026-08-01")
LSF = dfam("LSF", "1", "2026-09-01", "2027-06-30")


def case(
    rule: str, record: Record, field: str | None, year: str = "2026/27", **lookups: Any
) -> Any:
    return pytest.param(rule, record, field, ctx(year, **lookups), id=f"{rule}-{year}-{field}")


CASES = [
    # LearnDelFAMDateFrom_01: LSF / ALB need both dates.
    case("LearnDelFAMDateFrom_01", adult(dfam("LSF", "1", "2026-09-01")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMDateFrom_01", adult(dfam("ALB", "1", None, "2027-01-01"), FundModel=99), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMDateFrom_01", adult(LSF), None),
    # LearnDelFAMDateFrom_02: not before the start for FM35/36/38/81/99.
    case("LearnDelFAMDateFrom_02", adult(dfam("LSF", "1", "2026-08-31", "2027-06-30")), f"{AT}[2].LearnDelFAMDateFrom"),
    case("LearnDelFAMDateFrom_02", adult(LSF), None),
    case("LearnDelFAMDateFrom_02", adult(dfam("LSF", "1", "2026-08-31", "2027-06-30"), FundModel=25), None),
    # LearnDelFAMDateFrom_03: only LSF, ACT, ALB and EVI may have a date from.
    case("LearnDelFAMDateFrom_03", aim_with(SOF, fam("FFI", "1", "2026-09-01")), f"{AT}[1].LearnDelFAMDateFrom"),
    case("LearnDelFAMDateFrom_03", adult(fam("EVI", "1", "2026-09-01")), None),
    # LearnDelFAMDateFrom_04: ACT needs a date from.
    case("LearnDelFAMDateFrom_04", prog(SOF, fam("ACT", "1")), f"{AT}[1].LearnDelFAMDateFrom"),
    case("LearnDelFAMDateFrom_04", prog(SOF, ACT1), None),
    # LearnDelFAMDateFrom_05 / 06: EVI needs a date from, not before 1 August 2025.
    case("LearnDelFAMDateFrom_05", adult(fam("EVI", "1")), f"{AT}[2].LearnDelFAMDateFrom"),
    case("LearnDelFAMDateFrom_05", adult(fam("EVI", "1", "2026-09-01")), None),
    case("LearnDelFAMDateFrom_06", adult(fam("EVI", "1", "2025-07-31")), f"{AT}[2].LearnDelFAMDateFrom"),
    case("LearnDelFAMDateFrom_06", adult(fam("EVI", "1", "2025-08-01")), None),
    # LearnDelFAMDateTo_01: date to not before date from.
    case("LearnDelFAMDateTo_01", adult(dfam("LSF", "1", "2026-10-01", "2026-09-30")), f"{AT}[2].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_01", adult(dfam("LSF", "1", "2026-10-01", "2026-10-01")), None),
    # LearnDelFAMDateTo_02: not after the planned end (achieved ACT on programme aims excepted).
    case("LearnDelFAMDateTo_02", adult(dfam("LSF", "1", "2026-09-01", "2027-07-01")), f"{AT}[2].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_02", adult(LSF), None),
    case("LearnDelFAMDateTo_02", prog(SOF, dfam("ACT", "1", "2026-08-01", "2028-01-01")), f"{AT}[1].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_02", prog(SOF, dfam("ACT", "1", "2026-08-01", "2028-01-01"), AchDate="2028-01-01"), None),
    # LearnDelFAMDateTo_03: non-ACT date to not after the actual end date.
    case("LearnDelFAMDateTo_03", adult(dfam("LSF", "1", "2026-09-01", "2027-01-02"), LearnActEndDate="2027-01-01"), f"{AT}[2].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_03", adult(dfam("LSF", "1", "2026-09-01", "2027-01-01"), LearnActEndDate="2027-01-01"), None),
    case("LearnDelFAMDateTo_03", prog(SOF, dfam("ACT", "1", "2026-08-01", "2027-01-02"), LearnActEndDate="2027-01-01"), None),
    # LearnDelFAMDateTo_04: only LSF, ACT and ALB may have a date to.
    case("LearnDelFAMDateTo_04", aim_with(SOF, dfam("FFI", "1", None, "2027-01-01")), f"{AT}[1].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_04", adult(LSF), None),
    # LearnDelFAMDateTo_05: FM36 ACT date to not after the achievement date.
    case("LearnDelFAMDateTo_05", prog(SOF, dfam("ACT", "1", "2026-08-01", "2027-05-02"), AchDate="2027-05-01"), f"{AT}[1].LearnDelFAMDateTo"),
    case("LearnDelFAMDateTo_05", prog(SOF, dfam("ACT", "1", "2026-08-01", "2027-05-01"), AchDate="2027-05-01"), None),
    # LearnDelFAMType_02 / 111: FFI required for FM35/38 and Skills Bootcamps.
    case("LearnDelFAMType_02", aim_with(SOF), AT),
    case("LearnDelFAMType_02", aim_with(SOF, FundModel=35), AT),
    case("LearnDelFAMType_02", aim_with(SOF, FFI), None),
    case("LearnDelFAMType_02", aim_with(SOF, FundModel=81), None),
    case("LearnDelFAMType_111", aim_with(SOF, FundModel=37, ProgType=32), AT),
    case("LearnDelFAMType_111", aim_with(SOF, FFI, FundModel=37, ProgType=32), None),
    # LearnDelFAMType_04: type and code must be valid lookups.
    case("LearnDelFAMType_04", aim_with(fam("SOF", "999"), FFI), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_04", adult(fam("XYZ", "1")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_04", adult(fam("ASL", "1")), None, "2025/26"),
    case("LearnDelFAMType_04", adult(fam("LDM", "034")), None),
    # LearnDelFAMType_07 / 08: SOF for 16-19 and non-funded aims.
    case("LearnDelFAMType_07", aim_with(fam("SOF", "1"), FundModel=25), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_07", aim_with(fam("SOF", "107"), FundModel=82), None),
    case("LearnDelFAMType_08", aim_with(fam("SOF", "107"), FundModel=99), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_08", aim_with(fam("SOF", "1"), FundModel=99), None),
    # LearnDelFAMType_09: SOF 105 for adult funding models (DD35 excepted), FM list by year.
    case("LearnDelFAMType_09", aim_with(fam("SOF", "107"), FFI), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_09", aim_with(fam("SOF", "110"), FFI), None),
    case("LearnDelFAMType_09", aim_with(fam("SOF", "107"), FundModel=39), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_09", aim_with(fam("SOF", "107"), FundModel=39), None, "2025/26"),
    case("LearnDelFAMType_09", aim_with(fam("SOF", "107"), FundModel=10), f"{AT}[0].LearnDelFAMCode", "2025/26"),
    case("LearnDelFAMType_09", aim_with(fam("SOF", "107"), FundModel=10), None),
    # LearnDelFAMType_14: EEF only on funded apprenticeships.
    case("LearnDelFAMType_14", adult(fam("EEF", "2")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_14", prog(SOF, ACT1, fam("EEF", "2")), None),
    # LearnDelFAMType_18: single-occurrence types.
    case("LearnDelFAMType_18", adult(fam("SOF", "107")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_18", adult(fam("LDM", "034"), fam("LDM", "347")), None),
    # LearnDelFAMType_22: FFI only on FM35/37/38/81 (2025/26 also FM10/11).
    case("LearnDelFAMType_22", aim_with(SOF, FFI, FundModel=25), f"{AT}[1].LearnDelFAMType"),
    case("LearnDelFAMType_22", aim_with(SOF, FFI, FundModel=11), f"{AT}[1].LearnDelFAMType"),
    case("LearnDelFAMType_22", aim_with(SOF, FFI, FundModel=11), None, "2025/26"),
    case("LearnDelFAMType_22", aim_with(SOF, FFI, FundModel=81), None),
    # LearnDelFAMType_31 / 77: at most six LDM / DAM records.
    case("LearnDelFAMType_31", adult(*[fam("LDM", str(c)) for c in range(340, 347)]), f"{AT}[8].LearnDelFAMType"),
    case("LearnDelFAMType_31", adult(*[fam("LDM", str(c)) for c in range(340, 346)]), None),
    case("LearnDelFAMType_77", adult(*[fam("DAM", f"00{c}") for c in range(1, 8)]), f"{AT}[8].LearnDelFAMType"),
    case("LearnDelFAMType_77", adult(*[fam("DAM", f"00{c}") for c in range(1, 7)]), None),
    # LearnDelFAMType_35 / 36 / 38 / 40 / 91: loans.
    case("LearnDelFAMType_35", adult(fam("ADL", "1")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_35", aim_with(fam("ADL", "1"), FundModel=99), None),
    case("LearnDelFAMType_36", aim_with(fam("ALB", "1"), FundModel=99), f"{AT}[0].LearnDelFAMType"),
    case("LearnDelFAMType_36", aim_with(fam("ADL", "1"), fam("ALB", "1"), FundModel=99), None),
    case("LearnDelFAMType_38", adult(fam("ALB", "1")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_38", aim_with(fam("ALB", "1"), FundModel=99), None),
    case("LearnDelFAMType_40", aim_with(fam("ADL", "1"), FundModel=99, ProgType=25), f"{AT}[0].LearnDelFAMType"),
    case("LearnDelFAMType_40", aim_with(fam("ADL", "1"), FundModel=99), None),
    case("LearnDelFAMType_91", aim_with(fam("ADL", "1"), fam("SOF", "1"), FundModel=99), f"{AT}[1].LearnDelFAMType"),
    case("LearnDelFAMType_91", aim_with(fam("ADL", "1"), FundModel=99), None),
    case("LearnDelFAMType_91", aim_with(fam("SOF", "1"), FundModel=99), None),
    # LearnDelFAMType_46: FLN only on FM35/38.
    case("LearnDelFAMType_46", aim_with(fam("FLN", "1"), FundModel=25), "LearningDelivery[0].FundModel"),
    case("LearnDelFAMType_46", adult(fam("FLN", "1"), FundModel=35), None),
    # LearnDelFAMType_50: no LSF on 16-19 and non-funded aims (2025/26 also FM10).
    case("LearnDelFAMType_50", aim_with(LSF, FundModel=25), f"{AT}[0].LearnDelFAMType"),
    case("LearnDelFAMType_50", aim_with(LSF, FundModel=10), f"{AT}[0].LearnDelFAMType", "2025/26"),
    case("LearnDelFAMType_50", aim_with(LSF, FundModel=10), None),
    case("LearnDelFAMType_50", adult(LSF), None),
    # LearnDelFAMType_54: EEF 2 with FFI 2 (standards and FM36 excepted).
    case("LearnDelFAMType_54", aim_with(SOF, fam("FFI", "2"), fam("EEF", "2")), f"{AT}[1].LearnDelFAMCode"),
    case("LearnDelFAMType_54", aim_with(SOF, fam("FFI", "2"), fam("EEF", "2"), ProgType=25), None),
    case("LearnDelFAMType_54", aim_with(SOF, fam("FFI", "1"), fam("EEF", "2")), None),
    # LearnDelFAMType_63: ACT only on FM36 programme and English/maths component aims.
    case("LearnDelFAMType_63", adult(ACT1), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_63", learner(programme_aim(), component_aim()), None),
    case("LearnDelFAMType_63", learner(component_aim()), f"{AT}[1].LearnDelFAMType", lars_english_maths_aims=frozenset({"50086832"})),
    case("LearnDelFAMType_63", learner(component_aim()), None, lars_english_maths_aims=frozenset({"60346018"})),
    # LearnDelFAMType_92: no ACT 2 on programme aims from 1 April 2021 (restarts excepted).
    case("LearnDelFAMType_92", prog(SOF, fam("ACT", "2", "2026-08-01")), f"{AT}[1].LearnDelFAMCode"),
    case("LearnDelFAMType_92", prog(SOF, fam("ACT", "2", "2026-08-01"), fam("RES", "1")), None),
    case("LearnDelFAMType_92", prog(SOF, fam("ACT", "2", "2021-03-31"), LearnStartDate="2021-03-31"), None),
    case("LearnDelFAMType_92", prog(SOF, fam("ACT", "2", "2021-04-01"), LearnStartDate="2021-04-01"), f"{AT}[1].LearnDelFAMCode"),
    # LearnDelFAMType_112 / 118: SOF for Skills Bootcamps (105) and T Levels (107).
    case("LearnDelFAMType_112", aim_with(fam("SOF", "107"), FFI, FundModel=37, ProgType=32), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_112", aim_with(SOF, FFI, FundModel=37, ProgType=32), None),
    case("LearnDelFAMType_118", aim_with(SOF, FundModel=25, ProgType=31, AimType=1), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_118", aim_with(fam("SOF", "107"), FundModel=25, ProgType=31, AimType=1), None),
    # LearnDelFAMType_119 (2025/26) / 126: ACL for community and tailored learning starts.
    case("LearnDelFAMType_119", aim_with(SOF, FundModel=10, LearnStartDate="2023-08-01"), AT, "2025/26"),
    case("LearnDelFAMType_119", aim_with(SOF, FundModel=10, LearnStartDate="2023-07-31"), None, "2025/26"),
    case("LearnDelFAMType_119", aim_with(SOF, fam("ACL", "1"), FundModel=10), None, "2025/26"),
    case("LearnDelFAMType_119", aim_with(SOF, FundModel=10), None),
    case("LearnDelFAMType_126", aim_with(SOF, FundModel=11, LearnStartDate="2024-08-01"), AT),
    case("LearnDelFAMType_126", aim_with(SOF, FundModel=11, LearnStartDate="2024-07-31"), None),
    case("LearnDelFAMType_126", aim_with(SOF, fam("ACL", "1"), FundModel=11), None),
    # LearnDelFamType_134: SOF 121-123 not on FM35 (or FM10).
    case("LearnDelFamType_134", aim_with(fam("SOF", "121"), FFI, FundModel=35), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFamType_134", aim_with(fam("SOF", "123"), FFI, FundModel=10), f"{AT}[0].LearnDelFAMCode", "2025/26"),
    case("LearnDelFamType_134", aim_with(fam("SOF", "121"), FFI), None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "field", "context"), CASES)
def test_rule(rule: str, record: Record, field: str | None, context: Any) -> None:
    found = findings(record, rule, context)
    assert [f.field for f in found] == ([field] if field else [])


@pytest.mark.parametrize(
    ("end", "date_from", "fires"),
    [
        ("2026-12-01", "2026-08-31", True),  # before the programme start
        ("2026-12-01", "2026-12-02", True),  # after the actual end
        ("2026-12-01", "2026-12-01", False),
        (None, "2027-05-01", False),  # no actual end yet
    ],
)
def test_learn_del_fam_date_from_07_evi_within_programme(
    end: str | None, date_from: str, fires: bool
) -> None:
    bootcamp = standalone_aim(
        AimType=1,
        FundModel=37,
        ProgType=32,
        LearningDeliveryFAM=[SOF, FFI, fam("EVI", "1", date_from)],
    )
    if end:
        bootcamp["LearnActEndDate"] = end
    found = findings(learner(bootcamp), "LearnDelFAMDateFrom_07")
    assert [f.field for f in found] == ([f"{AT}[2].LearnDelFAMDateFrom"] if fires else [])


def test_date_to_02_is_a_warning_and_lsf_checks_are_errors() -> None:
    record = adult(dfam("LSF", "1", "2026-09-01", "2027-07-01"))
    assert {f.severity for f in findings(record, "LearnDelFAMDateTo_02")} == {"warning"}
    assert {f.severity for f in findings(adult(dfam("LSF", "1")), "LearnDelFAMDateFrom_01")} == {
        "error"
    }


def test_malformed_fam_records_do_not_raise() -> None:
    record = aim_with(
        {"LearnDelFAMType": 5}, "junk", {"LearnDelFAMDateFrom": "not a date"}, FundModel="x"
    )
    for year in ("2025/26", "2026/27"):
        for rule in ("LearnDelFAMType_04", "LearnDelFAMDateFrom_02", "LearnDelFAMType_18"):
            findings(record, rule, ctx(year))


def test_data_needing_rules_are_declared() -> None:
    for name in (
        "LearnDelFAMType_57",
        "LearnDelFAMType_67",
        "LearnDelFAMType_130",
        "LearnDelFAMType_140",
    ):
        assert LARS in DECLARED[name].needs
    assert DECLARED["LearnDelFAMType_140"].years == frozenset({"2026/27"})
    assert DECLARED["LearnDelFAMType_53"].needs == ("contracts",)
