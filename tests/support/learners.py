"""The learner fields an enrolment does not carry (yet) that the official rules need before
an apprentice's ILR can be QA-verified and exported: what an admin completes by hand."""

from __future__ import annotations

from typing import Any

EMPLOYER_EMP_ID = 154549452  # DD05 checksum digit 2


def completion(n: int = 0) -> dict[str, Any]:
    """Learner-level fields for an FM36 apprentice who starts after 1 July 2026; ``n``
    keeps the NI number unique between learners."""
    return {
        "Sex": "F",
        "Ethnicity": 31,
        "LLDDHealthProb": 2,
        "NINumber": f"JT{123450 + n:06d}A",
        "PostcodePrior": "B1 1AA",
        "AddLine1": "1 High Street",
        "PriorAttain": [{"PriorLevel": 3, "DateLevelApp": "2025-07-01"}],
        "LearnerEmploymentStatus": [
            {
                "EmpStat": 10,
                "DateEmpStatApp": "2026-07-01",
                "EmpId": EMPLOYER_EMP_ID,
                "EmploymentStatusMonitoring": [
                    {"ESMType": "EII", "ESMCode": 8},
                    {"ESMType": "LOE", "ESMCode": 4},
                ],
            }
        ],
    }


FULL_LEARNER_ULN = 1061484016  # DD01 check digit 6


def full_learner(n: int = 0) -> dict[str, Any]:
    """A learner of schema version 2 of `enrolment.created` (JSON form) carrying every
    element an FM36 apprentice's ILR needs, so no rule finds an error without a hand edit."""
    return {
        "LearnRefNumber": f"FULL{n:04d}",
        "ULN": FULL_LEARNER_ULN,
        "GivenNames": "Ada",
        "FamilyName": "Lovelace",
        "DateOfBirth": "2004-02-01",
        "Email": "ada@example.org",
        "Postcode": "B1 1AA",
        "TelNo": "01211234567",
        **completion(n),
    }
