"""Random and malformed records never make a rule or the engine raise."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ilr_shared.validation import (
    FILE_RULES,
    LEARNER_RULES,
    ValidationContext,
    validate_batch,
    validate_learner,
)

LEARNER_FIELDS = ["LearnRefNumber", "ULN", "FamilyName", "GivenNames", "DateOfBirth", "Sex",
                  "NINumber", "Postcode", "PostcodePrior", "LLDDHealthProb"]  # fmt: skip
DELIVERY_FIELDS = ["LearnAimRef", "AimType", "AimSeqNumber", "LearnStartDate",
                   "OrigLearnStartDate", "LearnPlanEndDate", "FundModel", "ProgType", "StdCode",
                   "DelLocPostCode", "EPAOrgID", "CompStatus", "LearnActEndDate",
                   "WithdrawReason", "Outcome", "AchDate"]  # fmt: skip
CHILD_FIELDS = ["LearnDelFAMType", "LearnDelFAMCode", "LearnDelFAMDateFrom", "AFinType",
                "AFinCode", "AFinDate", "AFinAmount", "HRSType", "HRSCode", "HRSAmount"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates().map(date.isoformat),
    st.sampled_from(["ZPROG001", "9999999999", "1061484016", "SOF", "ACT", "TNP", "HRS", "034",
                     "ZZ99 9ZZ", "2026-02-30", "", " ", "36", "25", "1", "3"]),
)  # fmt: skip
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=5), inner, max_size=3), max_leaves=8)  # fmt: skip


def _entity(fields: list[str], extra: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.dictionaries(st.sampled_from(fields), extra, max_size=len(fields))


children = st.lists(st.one_of(_entity(CHILD_FIELDS, scalars), junk), max_size=3) | junk
delivery = st.one_of(
    _entity(DELIVERY_FIELDS, scalars).flatmap(
        lambda d: st.fixed_dictionaries(
            {},
            optional={"LearningDeliveryFAM": children, "AppFinRecord": children,
                      "HRSRecord": children},
        ).map(lambda kids: {**d, **kids})
    ),
    junk,
)  # fmt: skip
learners = _entity(LEARNER_FIELDS, scalars).flatmap(
    lambda r: st.one_of(st.lists(delivery, max_size=4), junk).map(
        lambda ds: {**r, "LearningDelivery": ds}
    )
)
contexts = st.builds(
    ValidationContext,
    academic_year=st.sampled_from(["2025/26", "2026/27"]),
    file_preparation_date=st.dates(),
    lars_aims=st.none() | st.frozensets(st.sampled_from(["ZPROG001", "60346018"])),
    lars_english_maths_aims=st.none() | st.frozensets(st.just("60346018")),
    postcodes=st.none() | st.frozensets(st.just("B1 1AA")),
)


@settings(max_examples=400, deadline=None)
@given(record=learners, context=contexts)
def test_every_rule_tolerates_malformed_learners(
    record: dict[str, Any], context: ValidationContext
) -> None:
    for registered in LEARNER_RULES.values():
        list(registered.check(record, context))  # called directly: no engine safety net
    for file_rule in FILE_RULES.values():
        check = file_rule.factory(context)
        check.observe(record)
        list(check.finish())


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.one_of(learners, junk), max_size=4), context=contexts)
def test_engine_tolerates_anything(records: list[Any], context: ValidationContext) -> None:
    for record in records:
        validate_learner(record, context)
    validate_batch(records, context)
