"""Realistic, schema- and rule-valid 2026/27 apprentice learners for export tests and the bench."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

Record = dict[str, Any]

_GIVEN = ["Ada", "Ben", "Cara", "Dev", "Ella", "Finn", "Gita", "Hugo", "Isla", "Jon"]
_FAMILY = ["Smith", "Jones", "Patel", "Khan", "Brown", "Taylor", "Wilson", "Evans"]
_POSTCODES = ["B1 1AA", "M1 2AB", "LS1 4DL", "SW1A 1AA", "BS1 5TR", "NE1 7RU"]
_COMPONENT_AIMS = ["60346018", "60347024", "60346020", "60347036"]


def uln_with_check_digit(nine_digits: int) -> int:
    """A ULN whose tenth digit passes the DD01 check (ULN_04); nine digits must not start 0."""
    digits = f"{nine_digits:09d}"
    while True:
        remainder = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if remainder != 0:
            return int(digits + str(10 - remainder))
        digits = f"{int(digits) + 1:09d}"


def bad_check_digit(uln: int) -> int:
    """The same ULN with a wrong tenth digit (ULN_04 fires)."""
    last = uln % 10
    return uln - last + (last + 1) % 10


def _fam(fam_type: str, code: str, date_from: str | None = None) -> Record:
    fam: Record = {"LearnDelFAMType": fam_type, "LearnDelFAMCode": code}
    if date_from:
        fam["LearnDelFAMDateFrom"] = date_from
    return fam


def _delivery(seq: int, aim_ref: str, aim_type: int, start: str, std: int, post: str) -> Record:
    delivery: Record = {
        "LearnAimRef": aim_ref,
        "AimType": aim_type,
        "AimSeqNumber": seq,
        "LearnStartDate": start,
        "LearnPlanEndDate": (dt.date.fromisoformat(start) + dt.timedelta(days=500)).isoformat(),
        "FundModel": 36,
        "ProgType": 25,
        "StdCode": std,
        "DelLocPostCode": post,
        "CompStatus": 1,
        "SWSupAimId": str(uuid.UUID(int=seq * 1_000_003 + std, version=4)),
        "LearningDeliveryFAM": [_fam("SOF", "105"), _fam("ACT", "1", start)],
    }
    return delivery


def make_learner(
    index: int, rng: random.Random | None = None, deliveries: int | None = None
) -> Record:
    """Learner number ``index``: an FM36 apprentice with 2-4 deliveries, FAMs and TNP prices."""
    rng = rng or random.Random(index)
    count = deliveries or rng.randint(2, 4)
    # Started some months ago: no financial record may be dated after the file's preparation.
    start = (dt.date.today() - dt.timedelta(days=rng.randint(30, 300))).isoformat()
    std = rng.choice([91, 123, 245, 318])
    post = rng.choice(_POSTCODES)
    programme = _delivery(1, "ZPROG001", 1, start, std, post)
    programme["EPAOrgID"] = "EPA0001"
    lsf = _fam("LSF", "1", start)
    lsf["LearnDelFAMDateTo"] = programme["LearnPlanEndDate"]
    programme["LearningDeliveryFAM"].append(lsf)
    programme["AppFinRecord"] = [
        {
            "AFinType": "TNP",
            "AFinCode": 1,
            "AFinDate": start,
            "AFinAmount": rng.randint(6, 18) * 1000,
        },
        {
            "AFinType": "TNP",
            "AFinCode": 2,
            "AFinDate": start,
            "AFinAmount": rng.randint(1, 3) * 500,
        },
    ]
    programme["HRSRecord"] = [{"HRSType": "HRS", "HRSCode": 1, "HRSAmount": 400}]
    aims = [programme]
    for seq in range(2, count + 1):
        aims.append(_delivery(seq, _COMPONENT_AIMS[(seq - 2) % 4], 3, start, std, post))
    return {
        "LearnRefNumber": f"L{index:09d}",
        "ULN": uln_with_check_digit(100_000_000 + index * 7),
        "FamilyName": rng.choice(_FAMILY),
        "GivenNames": rng.choice(_GIVEN),
        "DateOfBirth": f"{rng.randint(1985, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "Ethnicity": 31,
        "Sex": rng.choice(["F", "M"]),
        "LLDDHealthProb": 2,
        "NINumber": f"AB{index % 1_000_000:06d}C",
        "MathGrade": "NONE",  # MathGrade_04: the MCF 2 learner met the condition of funding
        "PostcodePrior": post,
        "Postcode": post,
        "AddLine1": f"{rng.randint(1, 200)} High Street",
        "Email": f"learner{index}@example.org",
        "PriorAttain": [{"PriorLevel": 3, "DateLevelApp": start}],
        "LearnerFAM": [{"LearnFAMType": "MCF", "LearnFAMCode": 2}],
        "LearnerEmploymentStatus": [
            {
                "EmpStat": 10,
                "DateEmpStatApp": (dt.date.fromisoformat(start) - dt.timedelta(days=1)).isoformat(),
                "EmpId": 154549452,
                "EmploymentStatusMonitoring": [
                    {"ESMType": "EII", "ESMCode": 8},
                    {"ESMType": "LOE", "ESMCode": 4},
                ],
            }
        ],
        "LearningDelivery": aims,
    }


def projection_doc(
    index: int,
    tenant: str = "10000001",
    academic_year: str = "2026/27",
    status: str = "qa_verified",
    record: Record | None = None,
    version: int = 1,
) -> Record:
    """A document of the export service's `records` projection, as the consumer writes it."""
    record = record or make_learner(index)
    return {
        "tenant": tenant,
        "ilr_id": f"ilr_{index:08d}",
        "version": version,
        "status": status,
        "academic_year": academic_year,
        "programme_id": "prg_1",
        "enrolment_id": f"enr_{index:08d}",
        "deleted": False,
        "learn_ref": record["LearnRefNumber"],
        "uln": str(record["ULN"]),
        "record": record,
    }
