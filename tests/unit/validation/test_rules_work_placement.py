"""Work placement and provider specified delivery monitoring rules."""

from __future__ import annotations

from typing import Any

import pytest
from ilr_validation_builders import VALID_EMP_ID, Record, ctx, findings, learner, standalone_aim

from ilr_shared.validation.registry import DECLARED, EMPLOYERS

AT = "LearningDelivery[0].LearningDeliveryWorkPlacement"


def placement(**overrides: Any) -> Record:
    record: Record = {
        "WorkPlaceStartDate": "2026-09-01",
        "WorkPlaceEndDate": "2026-12-01",
        "WorkPlaceHours": 100,
        "WorkPlaceMode": 1,
        "WorkPlaceEmpId": VALID_EMP_ID,
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def work_aim(ref: str = "ZWRKX003", *placements: Record, **overrides: Any) -> Record:
    """A learner with one 16-19 funded work experience aim and these placements."""
    fields: dict[str, Any] = {"FundModel": 25, **overrides}
    aim = standalone_aim(LearnAimRef=ref, LearningDeliveryWorkPlacement=list(placements), **fields)
    return learner(aim)


def case(rule: str, record: Record, field: str | None, year: str = "2026/27") -> Any:
    return pytest.param(rule, record, field, ctx(year), id=f"{rule}-{year}-{field}")


CASES = [
    case("WorkPlacement_01", work_aim("ZWRKX003"), AT),
    case("WorkPlacement_01", work_aim("ZWRKX003", placement()), None),
    case("WorkPlacement_01", work_aim("ZWRKX002"), None),
    case("WorkPlaceStartDate_01", work_aim("Z0007834", LearnStartDate="2014-08-01"), AT),
    case("WorkPlaceStartDate_01", work_aim("zwrkx001"), AT, "2025/26"),
    case("WorkPlaceStartDate_01", work_aim("Z0007834", LearnStartDate="2014-07-31"), None),
    case("WorkPlaceStartDate_01", work_aim("Z0007834", placement()), None),
    case("WorkPlaceStartDate_01", work_aim("ZWRKX003"), None),
    case("WorkPlaceStartDate_02", work_aim("ZWRKX003", placement(WorkPlaceStartDate="2026-08-31")), f"{AT}[0].WorkPlaceStartDate"),
    case("WorkPlaceStartDate_02", work_aim("ZWRKX003", placement()), None),
    case("WorkPlaceStartDate_03", work_aim("60005415", placement()), AT),
    case("WorkPlaceStartDate_03", work_aim("ZWRKX003", placement()), None),
    case("WorkPlaceStartDate_03", work_aim("60005415"), None),
    case("WorkPlaceStartDate_04", work_aim("ZWRKX002", placement(), FundModel=38), "LearningDelivery[0].FundModel"),
    case("WorkPlaceStartDate_04", work_aim("ZWRKX003", placement(), FundModel=99), None),
    case("WorkPlaceStartDate_04", work_aim("ZWRKX003", placement()), None),
    case("WorkPlaceStartDate_04", work_aim("ZWRKX001", placement(), FundModel=38), None),
    case("WorkPlaceEndDate_01", work_aim("ZWRKX003", placement(WorkPlaceEndDate="2026-08-31")), f"{AT}[0].WorkPlaceEndDate"),
    case("WorkPlaceEndDate_01", work_aim("ZWRKX003", placement(WorkPlaceEndDate="2026-09-01")), None),
    case("WorkPlaceEndDate_01", work_aim("ZWRKX003", placement(WorkPlaceEndDate=None)), None),
    case("WorkPlaceEndDate_02", work_aim("ZWRKX003", placement(), LearnActEndDate="2026-11-30"), f"{AT}[0].WorkPlaceEndDate"),
    case("WorkPlaceEndDate_02", work_aim("ZWRKX003", placement(), LearnActEndDate="2026-12-01"), None),
    case("WorkPlaceEndDate_02", work_aim("ZWRKX003", placement()), None),
    case("WorkPlaceMode_01", work_aim("ZWRKX003", placement(WorkPlaceMode=3)), f"{AT}[0].WorkPlaceMode"),
    case("WorkPlaceMode_01", work_aim("ZWRKX003", placement(WorkPlaceMode=2)), None),
    case("WorkPlaceMode_01", work_aim("ZWRKX003", placement(WorkPlaceMode=3)), f"{AT}[0].WorkPlaceMode", "2025/26"),
    case("WorkPlaceEmpId_02", work_aim("ZWRKX003", placement(WorkPlaceEmpId=154549453)), f"{AT}[0].WorkPlaceEmpId"),
    case("WorkPlaceEmpId_02", work_aim("ZWRKX003", placement(WorkPlaceEmpId=12345)), f"{AT}[0].WorkPlaceEmpId"),
    case("WorkPlaceEmpId_02", work_aim("ZWRKX003", placement()), None),
    case("WorkPlaceEmpId_02", work_aim("ZWRKX003", placement(WorkPlaceEmpId=999999999)), None),
    case("WorkPlaceEmpId_02", work_aim("ZWRKX003", placement(WorkPlaceEmpId=None)), None),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "record", "field", "context"), CASES)
def test_rule(rule: str, record: Record, field: str | None, context: Any) -> None:
    found = findings(record, rule, context)
    assert [f.field for f in found] == ([field] if field else [])


@pytest.mark.parametrize(("occurrence", "fires"), [("A", False), ("D", False), ("E", True)])
def test_prov_spec_del_mon_occur_01(occurrence: str, fires: bool) -> None:
    monitoring = [{"ProvSpecDelMonOccur": occurrence, "ProvSpecDelMon": "Q10006A"}]
    record = learner(standalone_aim(ProviderSpecDeliveryMonitoring=monitoring))
    found = findings(record, "ProvSpecDelMonOccur_01")
    expected = "LearningDelivery[0].ProviderSpecDeliveryMonitoring[0].ProvSpecDelMonOccur"
    assert [f.field for f in found] == ([expected] if fires else [])


def test_work_place_emp_id_01_needs_the_employer_register() -> None:
    assert DECLARED["WorkPlaceEmpId_01"].needs == (EMPLOYERS,)


def test_malformed_placements_do_not_raise() -> None:
    record = work_aim("ZWRKX003", {"WorkPlaceStartDate": "31/12/2026", "WorkPlaceEmpId": "ABC"})
    record["LearningDelivery"][0]["LearningDeliveryWorkPlacement"].append("junk")
    for rule in ("WorkPlaceStartDate_02", "WorkPlaceEndDate_01", "WorkPlaceMode_01"):
        assert findings(record, rule) == []
    assert len(findings(record, "WorkPlaceEmpId_02")) == 1
