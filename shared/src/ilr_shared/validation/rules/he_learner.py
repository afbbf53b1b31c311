"""HE rules on the LearnerHE entity (term-time accommodation, financial support, UCAS)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Record, children, is_known, text
from ..derived.dd06 import earliest_start
from ..model import Hit, ValidationContext
from ..registry import rule
from .common import valid_lookup
from .he import LEARNER_HE, after_valid_to, he_aims, learner_he

FINANCIAL_SUPPORT = "LearnerHEFinancialSupport"
_SINGLE_FINTYPES = frozenset({1, 2, 3, 4})
_AUG_2013 = date(2013, 8, 1)


@rule("LearnerHE_02")
def learner_he_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A LearnerHE record needs at least one LearningDeliveryHE record."""
    if learner_he(record) is not None and not he_aims(record):
        yield Hit(LEARNER_HE)


@rule("UCASSCHEMECODE_01")
def ucasschemecode_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """With a UCAS personal ID, HE aims started from 1 August 2013 need a UCAS scheme code."""
    he = learner_he(record)
    if he is None or not is_known(he, "UCASPERID"):
        return
    for aim in he_aims(record):
        if aim.started_from(_AUG_2013) and not aim.known("UCASSCHEMECODE"):
            yield Hit(aim.at("UCASSCHEMECODE"))


# --- LearnerHE: term-time accommodation and financial support -----------------------------


@rule("TTACCOM_01")
def ttaccom_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """If returned, the term-time accommodation must be a valid TTACCOM code."""
    he = learner_he(record)
    value = text(he, "TTACCOM") if he is not None else None
    if value is not None and not valid_lookup(ctx, "TTACCOM", value):
        yield Hit(f"{LEARNER_HE}.TTACCOM")


@rule("TTACCOM_04")
def ttaccom_04(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Full-time or sandwich HE learners (MODESTUD 1) whose earliest start (DD06) is from
    1 August 2013 need the term-time accommodation."""
    first = earliest_start(record)
    if first is None or first < _AUG_2013:
        return
    he = learner_he(record)
    if he is not None and is_known(he, "TTACCOM"):
        return
    if any(aim.number("MODESTUD") == 1 for aim in he_aims(record)):
        yield Hit(f"{LEARNER_HE}.TTACCOM")


def _financial_support(record: Record) -> Iterator[tuple[str, str | None]]:
    """(path, FINTYPE) of each LearnerHEFinancialSupport record."""
    he = learner_he(record)
    if he is None:
        return
    for index, support in children(he, FINANCIAL_SUPPORT):
        yield f"{LEARNER_HE}.{FINANCIAL_SUPPORT}[{index}].FINTYPE", text(support, "FINTYPE")


@rule("FINTYPE_01")
def fintype_01(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """If returned, the financial support type must be a valid FINTYPE code."""
    for path, value in _financial_support(record):
        if value is not None and not valid_lookup(ctx, "FINTYPE", value):
            yield Hit(path)


@rule("FINTYPE_02")
def fintype_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Cash, near cash, accommodation discounts and other support occur once each."""
    seen: set[int] = set()
    for path, value in _financial_support(record):
        kind = int(value) if value is not None and value.isdigit() else None
        if kind is None or kind not in _SINGLE_FINTYPES:
            continue
        if kind in seen:
            yield Hit(path)
        seen.add(kind)


@rule("TTACCOM_02")
def ttaccom_02(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The earliest learning start date (DD06) must not be after the TTACCOM code's
    'Valid to' date."""
    he = learner_he(record)
    first = earliest_start(record)
    if he is None or first is None:
        return
    if after_valid_to(ctx, "TTACCOM", text(he, "TTACCOM"), first):
        yield Hit(f"{LEARNER_HE}.TTACCOM")
