"""Learner identity rules: the default ULN, names, address line 1, coded personal fields,
and the declarations of identity rules that need the ULN register, organisation or
contract data."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..access import Delivery, Record, children, deliveries, text
from ..model import Hit, ValidationContext
from ..registry import (
    CONTRACTS,
    ORGANISATIONS,
    SOURCE_CSV_2627,
    SOURCE_V4,
    ULN_REGISTER,
    LearnerCheck,
    needs_reference_data,
    not_applicable,
    rule,
)
from .common import is_olass, uln, valid_lookup
from .learner_helpers import (
    FM_NON_FUNDED,
    all_community_learning,
    days_since_start,
    first_january,
    has_default_uln,
    lasts_at_least,
    plan_learn_hours,
)

needs_reference_data((ULN_REGISTER,), "ULN_05")
needs_reference_data((ORGANISATIONS,), "PMUKPRN_01", "PrevUKPRN_01", "CampID_01", "CampID_02")
needs_reference_data(
    (CONTRACTS,),
    "UKPRN_06", "UKPRN_08", "UKPRN_09", "UKPRN_10", "UKPRN_11", "UKPRN_12", "UKPRN_13",
    "UKPRN_16", "UKPRN_18", "UKPRN_19", "UKPRN_21", "UKPRN_23", "UKPRN_24", "UKPRN_26",
    "UKPRN_27", "UKPRN_28", "UKPRN_29", "UKPRN_30",
)  # fmt: skip
needs_reference_data((CONTRACTS,), "UKPRN_14", "UKPRN_15", years={"2025/26"})
# The provider's courses in the Apprenticeship Service (organisation data).
needs_reference_data(
    (ORGANISATIONS,), "UKPRN_31", "UKPRN_32", "UKPRN_33", "UKPRN_34", "UKPRN_35",
    years={"2026/27"},
)  # fmt: skip
not_applicable(
    "The platform writes the LearningProvider UKPRN and the header UKPRN of a return from "
    "the same provider record, so they cannot differ.",
    "UKPRN_03",
)

_FUNDED_FMS = {
    "2025/26": frozenset({25, 82, 35, 37, 38, 36, 81}),
    "2026/27": frozenset({25, 82, 35, 37, 38, 39, 36, 81}),
}
_FM_OTHER_ADULT = 70
_DURATION_DAYS = 5
_RECENT_DAYS = 60
_APPRENTICESHIP_UNIT = 34

DeliveryScope = Callable[[Delivery, ValidationContext], bool]


def _is_loan(delivery: Delivery) -> bool:
    return delivery.number("FundModel") == FM_NON_FUNDED and delivery.has_fam("ADL", "1")


def _funded(delivery: Delivery, ctx: ValidationContext) -> bool:
    """ULN_06 scope: an agency-funded aim (or a loan), levy apprenticeships excluded."""
    fund_model = delivery.number("FundModel")
    funded = fund_model in _FUNDED_FMS.get(ctx.academic_year, frozenset()) or _is_loan(delivery)
    return funded and not delivery.has_fam("ACT", "1")


def _funded_or_fm70(delivery: Delivery, ctx: ValidationContext) -> bool:
    """ULN_07 scope: ULN_06's funded aims plus FundModel 70."""
    if delivery.number("FundModel") == _FM_OTHER_ADULT:
        return not delivery.has_fam("ACT", "1")
    return _funded(delivery, ctx)


def _ofs_funded(delivery: Delivery, ctx: ValidationContext) -> bool:
    return delivery.number("FundModel") == FM_NON_FUNDED and delivery.has_fam("SOF", "1")


def _default_uln_after_january(
    record: Record, ctx: ValidationContext, in_scope: DeliveryScope, *, recent: bool
) -> Iterator[Hit]:
    """From 1 January: a default ULN on an in-scope, non-OLASS aim of 5 days or more that
    started at most (``recent``) or more than 60 days before the file preparation date."""
    if not has_default_uln(record) or ctx.file_preparation_date < first_january(ctx):
        return
    for d in deliveries(record):
        if is_olass(d) or not in_scope(d, ctx) or not lasts_at_least(d, _DURATION_DAYS):
            continue
        since = days_since_start(d, ctx)
        if since is not None and (since <= _RECENT_DAYS) == recent:
            yield Hit("ULN")
            return


@rule("ULN_06", source=SOURCE_CSV_2627, note="FundModel 39 added in 2026/27.")
def uln_06(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 January, funded aims that started in the last 60 days should not use the
    default ULN (OLASS and levy apprenticeships excluded)."""
    return _default_uln_after_january(record, ctx, _funded, recent=True)


@rule("ULN_07", source=SOURCE_CSV_2627, note="FundModel 39 added in 2026/27.")
def uln_07(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 January, funded aims that started over 60 days ago must not use the
    default ULN (OLASS and levy apprenticeships excluded)."""
    return _default_uln_after_january(record, ctx, _funded_or_fm70, recent=False)


@rule("ULN_10")
def uln_10(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 January, OfS-funded aims that started in the last 60 days should not use
    the default ULN (OLASS excluded)."""
    return _default_uln_after_january(record, ctx, _ofs_funded, recent=True)


@rule("ULN_11")
def uln_11(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 January, OfS-funded aims that started over 60 days ago must not use the
    default ULN (OLASS excluded)."""
    return _default_uln_after_january(record, ctx, _ofs_funded, recent=False)


@rule("ULN_09")
def uln_09(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """From 1 January, OLASS offenders in custody should not use the default ULN."""
    if not has_default_uln(record) or ctx.file_preparation_date < first_january(ctx):
        return
    if any(is_olass(d) for d in deliveries(record)):
        yield Hit("ULN")


@rule("ULN_12")
def uln_12(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprentices on a contract for services with the employer (ACT 1) must not use
    the default ULN."""
    if has_default_uln(record) and any(d.has_fam("ACT", "1") for d in deliveries(record)):
        yield Hit("ULN")


@rule("ULN_13", years={"2026/27"}, source=SOURCE_V4)
def uln_13(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Apprenticeship Unit learners (ProgType 34) must not use the default ULN."""
    if not has_default_uln(record):
        return
    if any(d.number("ProgType") == _APPRENTICESHIP_UNIT for d in deliveries(record)):
        yield Hit("ULN")


def _returned_uln(record: Record) -> bool:
    value = uln(record)
    return value is not None and not has_default_uln(record)


def _name_rule_01(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        if text(record, field) is not None:
            return
        if ctx.academic_year == "2025/26" and all_community_learning(record):
            return
        yield Hit(field)

    check.__doc__ = (
        f"The {field} must be returned (2025/26: unless every aim is community learning)."
    )
    return check


def _name_rule_02(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        hours = plan_learn_hours(record)
        if text(record, field) is not None or hours is None or hours <= 10:
            return
        if all_community_learning(record):
            yield Hit(field)

    check.__doc__ = f"Community learning over 10 planned hours: the {field} must be returned."
    return check


def _name_rule_04(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        hours = plan_learn_hours(record)
        if text(record, field) is not None or hours is None or hours > 10:
            return
        if _returned_uln(record) and all_community_learning(record):
            yield Hit(field)

    check.__doc__ = (
        f"Community learning of 10 planned hours or less with a ULN: the {field} must be returned."
    )
    return check


for _field in ("FamilyName", "GivenNames"):
    rule(f"{_field}_01", source=SOURCE_CSV_2627, note="Community learning exclusion 2025/26 only.")(
        _name_rule_01(_field)
    )
    rule(f"{_field}_02", years={"2025/26"})(_name_rule_02(_field))
    rule(f"{_field}_04", years={"2025/26"})(_name_rule_04(_field))


@rule("AddLine1_03", source=SOURCE_CSV_2627, note="Community learning exclusion 2025/26 only.")
def add_line1_03(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Address line 1 must be returned (2025/26: not for community learning of 10 planned
    hours or less)."""
    if text(record, "AddLine1") is not None:
        return
    if ctx.academic_year == "2025/26" and all_community_learning(record):
        hours = plan_learn_hours(record)
        if hours is not None and hours <= 10:
            return
    yield Hit("AddLine1")


def _lookup_rule(field: str) -> LearnerCheck:
    def check(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
        value = text(record, field)
        if value is not None and not valid_lookup(ctx, field, value):
            yield Hit(field)

    check.__doc__ = f"If returned, the {field} must be a valid code (ILR_{field})."
    return check


for _name, _field in (("Sex_01", "Sex"), ("Ethnicity_01", "Ethnicity"), ("Accom_01", "Accom")):
    rule(_name)(_lookup_rule(_field))


@rule("ProvSpecLearnMonOccur_01")
def prov_spec_learn_mon_occur_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A provider specified learner monitoring occurrence must be 'A' or 'B'."""
    for index, item in children(record, "ProviderSpecLearnerMonitoring"):
        occurrence = text(item, "ProvSpecLearnMonOccur")
        if occurrence is not None and occurrence not in ("A", "B"):
            yield Hit(f"ProviderSpecLearnerMonitoring[{index}].ProvSpecLearnMonOccur")
