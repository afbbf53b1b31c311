"""Learning delivery FAM rules on LDM, DAM and EVI codes, each against its official text."""

from __future__ import annotations

from datetime import date
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

from ilr_shared.validation import LEARNER_RULES

AT = "LearningDelivery[0].LearningDeliveryFAM"
SOF, FFI = fam("SOF", "105"), fam("FFI", "1")


def adult(*extra: Record, **overrides: Any) -> Record:
    """A learner with one FM38 aim (SOF 105, FFI 1) plus extra FAM records."""
    aim = standalone_aim(LearningDeliveryFAM=[SOF, FFI, *extra], **overrides)
    return learner(aim)


def aim_with(*fams: Record, **overrides: Any) -> Record:
    """A learner with one standalone aim carrying exactly these FAM records."""
    return learner(standalone_aim(LearningDeliveryFAM=list(fams), **overrides))


def ldm(code: str) -> Record:
    return fam("LDM", code)


def case(rule: str, record: Record, field: str | None, year: str = "2026/27", **kwargs: Any) -> Any:
    return pytest.param(rule, record, field, ctx(year, **kwargs), id=f"{rule}-{year}-{field}")


CODE2 = f"{AT}[2].LearnDelFAMCode"
UNIT = {"FundModel": 39, "ProgType": 34}

CASES = [
    # LearnDelFAMType_39 (warning in 2026/27): FM81/82 starts from 1 August 2013 need an LDM.
    case("LearnDelFAMType_39", aim_with(SOF, FundModel=81), AT),
    case("LearnDelFAMType_39", aim_with(SOF, FundModel=82, LearnStartDate="2013-08-01"), AT),
    case("LearnDelFAMType_39", aim_with(SOF, FundModel=82, LearnStartDate="2013-07-31"), None),
    case("LearnDelFAMType_39", aim_with(SOF, FundModel=81, ProgType=25), None),
    case("LearnDelFAMType_39", aim_with(SOF, ldm("034"), FundModel=81), None),
    # LearnDelFAMType_15 / 16: proxy aim LDM 118.
    case("LearnDelFAMType_15", adult(ldm("118"), LearnActEndDate="2027-01-01"), CODE2),
    case("LearnDelFAMType_15", adult(ldm("118")), None),
    case("LearnDelFAMType_16", adult(ldm("118")), CODE2, prepared=date(2027, 8, 1)),
    case("LearnDelFAMType_16", adult(ldm("118")), None, prepared=date(2027, 7, 31)),
    case("LearnDelFAMType_16", adult(ldm("034")), None, prepared=date(2027, 8, 1)),
    # LearnDelFAMType_68: LDM 356 only on FM36 programme aims.
    case("LearnDelFAMType_68", learner(component_aim(LearningDeliveryFAM=[SOF, ldm("356")])), f"{AT}[1].LearnDelFAMCode"),
    case("LearnDelFAMType_68", learner(programme_aim(LearningDeliveryFAM=[SOF, ldm("356")])), None),
    # LearnDelFAMType_69: LDM 357 only FM35 (2025/26 also FM10) from 1 November 2017.
    case("LearnDelFAMType_69", adult(ldm("357"), FundModel=35, LearnStartDate="2017-10-31"), CODE2),
    case("LearnDelFAMType_69", adult(ldm("357"), FundModel=35, LearnStartDate="2017-11-01"), None),
    case("LearnDelFAMType_69", adult(ldm("357")), CODE2),
    case("LearnDelFAMType_69", adult(ldm("357"), FundModel=10), CODE2),
    case("LearnDelFAMType_69", adult(ldm("357"), FundModel=10), None, "2025/26"),
    # LearnDelFAMType_70 / 71: LDM 358, 2025/26 only.
    case("LearnDelFAMType_70", adult(ldm("358"), LearnStartDate="2017-12-31"), CODE2, "2025/26"),
    case("LearnDelFAMType_70", adult(ldm("358"), LearnStartDate="2018-01-01"), None, "2025/26"),
    case("LearnDelFAMType_70", adult(ldm("358"), LearnStartDate="2017-12-31"), None),
    case("LearnDelFAMType_71", adult(ldm("358")), CODE2, "2025/26"),
    case("LearnDelFAMType_71", adult(ldm("358"), fam("ACT", "2")), None, "2025/26"),
    case("LearnDelFAMType_71", adult(ldm("358")), None),
    # LearnDelFAMType_75 / 76: Combined Authority SOF and OLASS.
    case("LearnDelFAMType_75", aim_with(fam("SOF", "110"), FFI, ldm("034")), CODE2),
    case("LearnDelFAMType_75", aim_with(fam("SOF", "130"), FFI, ldm("388")), None, "2025/26"),
    case("LearnDelFAMType_75", adult(ldm("034")), None),
    case("LearnDelFAMType_76", aim_with(fam("SOF", "107"), FFI, ldm("034")), f"{AT}[0].LearnDelFAMCode"),
    case("LearnDelFAMType_76", adult(ldm("034")), None),
    # LearnDelFAMType_78: DAM only on FM35/38/11 (2025/26 also FM10).
    case("LearnDelFAMType_78", adult(fam("DAM", "001"), FundModel=25), "LearningDelivery[0].FundModel"),
    case("LearnDelFAMType_78", adult(fam("DAM", "001"), FundModel=10), "LearningDelivery[0].FundModel"),
    case("LearnDelFAMType_78", adult(fam("DAM", "001"), FundModel=10), None, "2025/26"),
    case("LearnDelFAMType_78", adult(fam("DAM", "001")), None),
    # LearnDelFAMType_97: DAM 002 not with FM35 and SOF 105.
    case("LearnDelFAMType_97", adult(fam("DAM", "002"), FundModel=35), CODE2),
    case("LearnDelFAMType_97", adult(fam("DAM", "002")), None),
    # LearnDelFAMType_100: LDM 378 from 1 April 2021.
    case("LearnDelFAMType_100", adult(ldm("378"), LearnStartDate="2021-03-31"), CODE2),
    case("LearnDelFAMType_100", adult(ldm("378"), LearnStartDate="2021-04-01"), None),
    # LearnDelFAMType_105 / 116: procured AEB LDM 379 / 388.
    case("LearnDelFAMType_105", adult(ldm("379")), CODE2),
    case("LearnDelFAMType_105", adult(ldm("379"), FundModel=35), None),
    case("LearnDelFAMType_105", adult(ldm("379"), FundModel=35, ProgType=2), CODE2),
    case("LearnDelFAMType_105", aim_with(fam("SOF", "110"), FFI, ldm("379"), FundModel=35), CODE2),
    case("LearnDelFAMType_116", adult(ldm("388")), None),
    case("LearnDelFAMType_116", adult(ldm("388"), FundModel=25), CODE2),
    case("LearnDelFAMType_116", adult(ldm("388"), ProgType=2), CODE2),
    # LearnDelFAMType_107: LDM 320, 321, 381 only FM25/82.
    case("LearnDelFAMType_107", adult(ldm("381")), CODE2),
    case("LearnDelFAMType_107", aim_with(fam("SOF", "107"), ldm("381"), FundModel=25), None),
    # LearnDelFAMType_108 / 120 / 115: LDM pairs on the same aim.
    case("LearnDelFAMType_108", adult(ldm("382"), LearnStartDate="2024-07-31"), CODE2),
    case("LearnDelFAMType_108", adult(ldm("382"), ldm("378"), LearnStartDate="2024-07-31"), None),
    case("LearnDelFAMType_108", adult(ldm("382"), LearnStartDate="2024-08-01"), None),
    case("LearnDelFAMType_120", adult(ldm("378"), LearnStartDate="2024-08-01"), CODE2),
    case("LearnDelFAMType_120", adult(ldm("378"), LearnStartDate="2024-07-31"), None),
    case("LearnDelFAMType_120", adult(ldm("378"), ldm("391")), None),
    case("LearnDelFAMType_115", adult(ldm("379"), ldm("388")), f"{AT}[3].LearnDelFAMCode"),
    case("LearnDelFAMType_115", adult(ldm("388")), None),
    # LearnDelFAMType_109: Combined Authority funding is not for apprenticeships or T Levels.
    case("LearnDelFAMType_109", aim_with(fam("SOF", "110"), FundModel=25, ProgType=31), "LearningDelivery[0].ProgType"),
    case("LearnDelFAMType_109", aim_with(fam("SOF", "105"), FundModel=25, ProgType=31), None),
    case("LearnDelFAMType_109", aim_with(fam("SOF", "110"), FundModel=38, ProgType=33), None),
    # LearnDelFAMType_113 / 127 / 128: LDM with a single funding model.
    case("LearnDelFAMType_113", adult(ldm("384")), CODE2),
    case("LearnDelFAMType_113", adult(ldm("384"), FundModel=81), None),
    case("LearnDelFAMType_127", adult(ldm("395"), FundModel=35), CODE2),
    case("LearnDelFAMType_127", adult(ldm("395")), None),
    case("LearnDelFAMType_128", adult(ldm("396")), CODE2),
    case("LearnDelFAMType_128", adult(ldm("396"), FundModel=81), None),
    # LearnDelFAMType_131: tailored learning starts from 1 August 2025 need LDM 399/400/401.
    case("LearnDelFAMType_131", aim_with(SOF, fam("ACL", "1"), FundModel=11), AT),
    case("LearnDelFAMType_131", aim_with(SOF, ldm("400"), FundModel=11), None),
    case("LearnDelFAMType_131", aim_with(SOF, FundModel=11, LearnStartDate="2025-07-31"), None),
    # LearnDelFAMType_132 / 133: EVI only on Skills Bootcamp programme aims.
    case("LearnDelFAMType_132", adult(fam("EVI", "1", "2026-09-01")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_132", adult(fam("EVI", "1", "2026-09-01"), FundModel=37, ProgType=32), None),
    case("LearnDelFAMType_133", adult(fam("EVI", "1", "2026-09-01")), f"{AT}[2].LearnDelFAMType"),
    case("LearnDelFAMType_133", adult(fam("EVI", "1", "2026-09-01"), AimType=1), None),
    # LearnDelFAMType_135 / 137 / 138 / 139 / 141 / 142: apprenticeship units, 2026/27 only.
    case("LearnDelFAMType_135", adult(ldm("403")), CODE2),
    case("LearnDelFAMType_135", adult(ldm("403")), None, "2025/26"),
    case("LearnDelFAMType_135", adult(ldm("403"), FundModel=99), None),
    case("LearnDelFAMType_135", adult(ldm("403"), **UNIT), None),
    case("LearnDelFAMType_137", adult(ldm("403"), LearnStartDate="2026-03-31"), CODE2),
    case("LearnDelFAMType_137", adult(ldm("403"), LearnStartDate="2026-04-01"), None),
    case("LearnDelFAMType_138", adult(ldm("404")), CODE2),
    case("LearnDelFAMType_138", adult(ldm("404"), **UNIT), None),
    case("LearnDelFAMType_138", adult(ldm("403"), ldm("404")), None),
    case("LearnDelFAMType_139", adult(ldm("403"), Outcome=1), CODE2),
    case("LearnDelFAMType_139", adult(ldm("403"), ldm("404"), Outcome=1), None),
    case("LearnDelFAMType_139", adult(ldm("403"), Outcome=3), None),
    case("LearnDelFamType_141", adult(ldm("404")), CODE2),
    case("LearnDelFamType_141", adult(ldm("404"), ProgType=34), None),
    case("LearnDelFamType_141", adult(ldm("404"), ldm("403")), None),
    case("LearnDelFamType_142", adult(ldm("404")), CODE2),
    case("LearnDelFamType_142", adult(ldm("404"), AimType=1), None),
    case("LearnDelFamType_142", adult(ldm("404"), ldm("403")), None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "field", "context"), CASES)
def test_rule(rule: str, record: Record, field: str | None, context: Any) -> None:
    found = findings(record, rule, context)
    assert [f.field for f in found] == ([field] if field else [])


@pytest.mark.parametrize(
    ("birth", "fires"),
    [("2012-09-01", True), ("2012-08-31", False), ("2010-01-01", False)],
)
def test_learn_del_fam_type_106_ldm_320_needs_age_14_on_31_august(birth: str, fires: bool) -> None:
    record = learner(
        standalone_aim(FundModel=25, LearningDeliveryFAM=[fam("SOF", "107"), ldm("320")]),
        DateOfBirth=birth,
    )
    found = findings(record, "LearnDelFAMType_106")
    assert [f.field for f in found] == ([f"{AT}[1].LearnDelFAMCode"] if fires else [])


@pytest.mark.parametrize(
    ("birth", "fires"), [("2007-09-02", True), ("2007-09-01", False), (None, False)]
)
def test_learn_del_fam_type_136_unit_learners_are_19_at_start(
    birth: str | None, fires: bool
) -> None:
    record = adult(ldm("403"), FundModel=99)
    if birth is None:
        del record["DateOfBirth"]
    else:
        record["DateOfBirth"] = birth
    found = findings(record, "LearnDelFAMType_136")
    assert [f.field for f in found] == ([CODE2] if fires else [])


def test_v4_rules_only_run_in_2026_27() -> None:
    for name in ("LearnDelFAMType_135", "LearnDelFAMType_136", "LearnDelFamType_142"):
        assert LEARNER_RULES[name].meta.years == frozenset({"2026/27"})
    for name in ("LearnDelFAMType_70", "LearnDelFAMType_71", "LearnDelFAMType_119"):
        assert LEARNER_RULES[name].meta.years == frozenset({"2025/26"})


def test_ldm_39_is_a_warning_in_2026_27_and_an_error_in_2025_26() -> None:
    record = aim_with(SOF, FundModel=81)
    assert [f.severity for f in findings(record, "LearnDelFAMType_39")] == ["warning"]
    assert [f.severity for f in findings(record, "LearnDelFAMType_39", ctx("2025/26"))] == ["error"]
