"""The enrolment's learner against the year's ILR schema, and what a PATCH leaves stored."""

from __future__ import annotations

from datetime import date

import pytest

from ilr_shared.errors import InvalidInputError, Problem
from ilr_shared.events import LearnerDetails
from programmes_service.domain.model import check_learner
from programmes_service.service_layer.services import EnrolmentChanges
from tests.support.learners import full_learner


def test_a_full_learner_fits_and_a_bad_one_is_refused_with_paths() -> None:
    check_learner("2026/27", full_learner())
    bad = {**full_learner(), "TelNo": "not a number", "LearnerFAM": [{"LearnFAMType": "EHC"}]}
    with pytest.raises(InvalidInputError) as raised:
        check_learner("2026/27", bad)
    paths = {p.path for p in raised.value.problems if isinstance(p, Problem)}
    assert {"body.learner.TelNo", "body.learner.LearnerFAM[0].LearnFAMCode"} <= paths


def test_changes_replace_what_is_given_and_keep_the_rest() -> None:
    current = {"learner": {"LearnRefNumber": "L1"}, "LearnStartDate": "2026-09-01",
               "LearnPlanEndDate": "2027-12-01"}  # fmt: skip
    learner = LearnerDetails.model_validate(full_learner())
    assert EnrolmentChanges(learner=learner).applied_to(current) == {
        "learner": full_learner(),
        "LearnStartDate": "2026-09-01",
        "LearnPlanEndDate": "2027-12-01",
    }
    removed = EnrolmentChanges(learn_start_date=date(2026, 9, 2), plan_end_date_given=True)
    assert removed.applied_to(current)["LearnPlanEndDate"] is None
    assert removed.applied_to(current)["LearnStartDate"] == "2026-09-02"
