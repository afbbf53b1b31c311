"""Builders for canonical learner dicts: a clean FM36 apprentice that passes every rule."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from ilr_shared.validation import Finding, ValidationContext, validate_learner

Record = dict[str, Any]

VALID_ULN = 1061484016  # DD01 = 6, the 10th digit


def ctx(
    year: str = "2026/27", prepared: date = date(2026, 10, 1), **lookups: Any
) -> ValidationContext:
    return ValidationContext(
        academic_year=year, ukprn=10000001, file_preparation_date=prepared, **lookups
    )


def fam(fam_type: str, code: str, date_from: str | None = None) -> Record:
    record: Record = {"LearnDelFAMType": fam_type, "LearnDelFAMCode": code}
    if date_from:
        record["LearnDelFAMDateFrom"] = date_from
    return record


def tnp(code: int, on: str = "2026-08-01", amount: int = 9000) -> Record:
    return {"AFinType": "TNP", "AFinCode": code, "AFinDate": on, "AFinAmount": amount}


def programme_aim(**overrides: Any) -> Record:
    aim: Record = {
        "LearnAimRef": "ZPROG001",
        "AimType": 1,
        "AimSeqNumber": 1,
        "LearnStartDate": "2026-08-01",
        "LearnPlanEndDate": "2027-12-31",
        "FundModel": 36,
        "ProgType": 25,
        "StdCode": 91,
        "DelLocPostCode": "B1 1AA",
        "EPAOrgID": "EPA0001",
        "CompStatus": 1,
        "LearningDeliveryFAM": [fam("SOF", "105"), fam("ACT", "1", "2026-08-01")],
        "AppFinRecord": [tnp(1), tnp(2, amount=1000)],
        "HRSRecord": [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 400}],
        "PHours": 400,  # 2025/26 field that HRSRecord HRS1 replaces from 2026/27
    }
    aim.update(overrides)
    return aim


def component_aim(**overrides: Any) -> Record:
    aim: Record = {
        "LearnAimRef": "60346018",
        "AimType": 3,
        "AimSeqNumber": 2,
        "LearnStartDate": "2026-08-01",
        "LearnPlanEndDate": "2027-12-31",
        "FundModel": 36,
        "ProgType": 25,
        "StdCode": 91,
        "DelLocPostCode": "B1 1AA",
        "CompStatus": 1,
        "LearningDeliveryFAM": [fam("SOF", "105"), fam("ACT", "1", "2026-08-01")],
    }
    aim.update(overrides)
    return aim


def standalone_aim(**overrides: Any) -> Record:
    """An adult skills (FM38) aim that is not part of a programme."""
    aim: Record = {
        "LearnAimRef": "60005415",
        "AimType": 4,
        "AimSeqNumber": 3,
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2027-06-30",
        "FundModel": 38,
        "DelLocPostCode": "B1 1AA",
        "CompStatus": 1,
        "LearningDeliveryFAM": [fam("SOF", "105"), fam("FFI", "1")],
    }
    aim.update(overrides)
    return aim


VALID_EMP_ID = 154549452  # DD05 = 2, the 9th digit


def employment(**overrides: Any) -> Record:
    """Employed with an employer before the programme starts."""
    status: Record = {
        "EmpStat": 10,
        "DateEmpStatApp": "2026-07-01",
        "EmpId": VALID_EMP_ID,
        "EmploymentStatusMonitoring": [
            {"ESMType": "EII", "ESMCode": 8},
            {"ESMType": "LOE", "ESMCode": 4},
        ],
    }
    status.update(overrides)
    return status


def learner(*aims: Record, **overrides: Any) -> Record:
    record: Record = {
        "LearnRefNumber": "LRN001",
        "ULN": VALID_ULN,
        "FamilyName": "Smith",
        "GivenNames": "Jo",
        "DateOfBirth": "2000-05-01",
        "Ethnicity": 31,
        "Sex": "F",
        "LLDDHealthProb": 2,
        "NINumber": "AB123456C",
        "PostcodePrior": "SW1A 1AA",
        "Postcode": "SW1A 1AA",
        "AddLine1": "1 High Street",
        "PlanLearnHours": 300,
        "PriorAttain": [{"PriorLevel": 3, "DateLevelApp": "2018-07-01"}],
        "LearnerEmploymentStatus": [employment()],
        "LearningDelivery": list(aims) if aims else [programme_aim(), component_aim()],
    }
    record.update(overrides)
    return copy.deepcopy(record)


def with_aim(record: Record, index: int, **overrides: Any) -> Record:
    """A copy with fields of one learning delivery changed; a value of None removes it."""
    changed = copy.deepcopy(record)
    aim = changed["LearningDelivery"][index]
    for key, value in overrides.items():
        if value is None:
            aim.pop(key, None)
        else:
            aim[key] = value
    return changed


def without(record: Record, *keys: str) -> Record:
    changed = copy.deepcopy(record)
    for key in keys:
        changed.pop(key, None)
    return changed


def findings(record: Record, rule: str, context: ValidationContext | None = None) -> list[Finding]:
    return [f for f in validate_learner(record, context or ctx()) if f.rule == rule]


def fires(record: Record, rule: str, context: ValidationContext | None = None) -> bool:
    return bool(findings(record, rule, context))


def only(record: Record, rule: str, context: ValidationContext | None = None) -> Finding:
    """The single finding of a rule, asserting there is exactly one."""
    found = findings(record, rule, context)
    assert len(found) == 1, found
    return found[0]


BASE_AIMS = (programme_aim(), component_aim())


# A table of rule cases: (rule, record, academic year, expected field path or None).
RuleCase = tuple[str, Record, str, str | None]


def case_ids(cases: list[RuleCase]) -> list[str]:
    """Readable pytest ids: ``<rule>-<year>-fires|passes-<n>``."""
    return [
        f"{rule}-{year}-{'fires' if field else 'passes'}-{n}"
        for n, (rule, _, year, field) in enumerate(cases)
    ]


def check_case(rule: str, record: Record, year: str, field: str | None, prefix: str = "") -> None:
    """The rule is silent when ``field`` is None, else fires once at ``prefix + field``."""
    context = ctx(year)
    if field is None:
        assert not fires(record, rule, context)
    else:
        assert only(record, rule, context).field == prefix + field
