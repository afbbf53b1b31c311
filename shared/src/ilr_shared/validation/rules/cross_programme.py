"""Cross-record rules: programme, component and core aims of one learner agree."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, deliveries, is_known
from ..derived.dd36 import effective_end
from ..model import Hit, ValidationContext
from ..registry import LARS, rule
from .common import COMPONENT_AIM, PROGRAMME_AIM

CORE_AIM = 5
FM_16_19 = 25
FM_NON_FUNDED = 99
T_LEVELS = frozenset({30, 31})
T_LEVEL = 31
_OPEN = date.max

Programme = tuple[int | None, int | None]


def programme_of(d: Delivery) -> Programme:
    """The (ProgType, StdCode) a programme or component aim belongs to."""
    return (d.number("ProgType"), d.number("StdCode"))


def of_type(record: Record, *aim_types: int) -> list[Delivery]:
    return [d for d in deliveries(record) if d.number("AimType") in aim_types]


def latest(aims: list[Delivery]) -> Delivery | None:
    """The aim with the latest LearnStartDate (aims without one never count)."""
    dated = [d for d in aims if d.day("LearnStartDate") is not None]
    return max(dated, key=lambda d: d.day("LearnStartDate") or date.min, default=None)


def english_maths(d: Delivery, ctx: ValidationContext) -> bool | None:
    """LARS says the aim is English or maths; None when the lookup is not loaded."""
    lookup = ctx.lars_english_maths_aims
    if lookup is None:
        return None
    ref = d.text("LearnAimRef")
    return ref is not None and ref.upper() in lookup


@rule("R_30")
def r_30(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A component aim needs a programme aim with the same ProgType and StdCode."""
    programmes = {programme_of(d) for d in of_type(record, PROGRAMME_AIM)}
    for d in of_type(record, COMPONENT_AIM):
        if programme_of(d) not in programmes:
            yield Hit(d.at("AimType"))


@rule("R_66")
def r_66(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A funded component aim needs a programme aim of its FundModel/ProgType/StdCode."""
    programmes = {(d.number("FundModel"), *programme_of(d)) for d in of_type(record, PROGRAMME_AIM)}
    for d in of_type(record, COMPONENT_AIM):
        fund_model = d.number("FundModel")
        if fund_model != FM_NON_FUNDED and (fund_model, *programme_of(d)) not in programmes:
            yield Hit(d.at("FundModel"))


@rule("R_56", note="The exclusion of components that ended before the programme started is "
      "new in 2026/27.")  # fmt: skip
def r_56(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """An open non-funded programme aim must not have a funded component aim."""
    components = [
        d
        for d in of_type(record, COMPONENT_AIM)
        if d.number("FundModel") not in (None, FM_NON_FUNDED)
    ]
    flagged: set[int] = set()
    for p in of_type(record, PROGRAMME_AIM):
        if p.number("FundModel") != FM_NON_FUNDED or p.is_known("LearnActEndDate"):
            continue
        started = p.day("LearnStartDate")
        for c in components:
            ended = c.day("LearnActEndDate")
            if programme_of(c) != programme_of(p) or c.index in flagged:
                continue
            if _ended_before(ended, started) and ctx.academic_year != "2025/26":
                continue
            flagged.add(c.index)
            yield Hit(c.at("FundModel"))


def _ended_before(ended: date | None, started: date | None) -> bool:
    return ended is not None and started is not None and ended < started


def _by_programme(aims: list[Delivery]) -> dict[Programme, list[Delivery]]:
    groups: dict[Programme, list[Delivery]] = {}
    for d in aims:
        groups.setdefault(programme_of(d), []).append(d)
    return groups


@rule("R_90", needs=(LARS,), note="English and maths aims are recognised with the LARS "
      "English/maths lookup of the validation context.")  # fmt: skip
def r_90(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Component aims must be closed once their latest programme aim has ended."""
    components = _by_programme(of_type(record, COMPONENT_AIM))
    for programme, aims in _by_programme(of_type(record, PROGRAMME_AIM)).items():
        last = latest(aims)
        if last is None or not last.is_known("LearnActEndDate"):
            continue
        for c in components.get(programme, []):
            if not c.is_known("LearnActEndDate") and english_maths(c, ctx) is False:
                yield Hit(c.at("LearnActEndDate"))


@rule("R_89", needs=(LARS,), note="English and maths aims are recognised with the LARS "
      "English/maths lookup of the validation context.")  # fmt: skip
def r_89(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The latest programme aim must not end before its latest component aim."""
    components = _by_programme(of_type(record, COMPONENT_AIM))
    for programme, aims in _by_programme(of_type(record, PROGRAMME_AIM)).items():
        last = latest(aims)
        ended = last.day("LearnActEndDate") if last is not None else None
        if last is None or ended is None:
            continue
        ends = [
            end
            for c in components.get(programme, [])
            if english_maths(c, ctx) is False and (end := c.day("LearnActEndDate")) is not None
        ]
        if ends and ended < max(ends):
            yield Hit(last.at("LearnActEndDate"))


@rule("R_124")
def r_124(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Programme aims must not overlap (start date to effective end date, DD36)."""
    programmes = [
        (d, start, effective_end(d))
        for d in of_type(record, PROGRAMME_AIM)
        if (start := d.day("LearnStartDate")) is not None
    ]
    for d, start, _ in programmes:
        if any(
            other.index != d.index and end is not None and other_start <= start <= end
            for other, other_start, end in programmes
        ):
            yield Hit(d.at("LearnStartDate"))


def _t_level_key(d: Delivery) -> tuple[int | None, int | None]:
    return (d.number("FundModel"), d.number("ProgType"))


@rule("R_125")
def r_125(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Level component and core aims need a matching programme aim."""
    programmes = {_t_level_key(d) for d in of_type(record, PROGRAMME_AIM)}
    for d in of_type(record, COMPONENT_AIM, CORE_AIM):
        if d.number("ProgType") in T_LEVELS and _t_level_key(d) not in programmes:
            yield Hit(d.at("AimType"))


@rule("R_126")
def r_126(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """T Level programme aims need a matching component or core aim."""
    parts = {_t_level_key(d) for d in of_type(record, COMPONENT_AIM, CORE_AIM)}
    for d in of_type(record, PROGRAMME_AIM):
        if d.number("ProgType") in T_LEVELS and _t_level_key(d) not in parts:
            yield Hit(d.at("AimType"))


@rule("R_130")
def r_130(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner whose aims are all FM25 T Level aims returns no planned hours."""
    aims = deliveries(record)
    if not aims or not all(
        d.number("FundModel") == FM_16_19 and d.number("ProgType") == T_LEVEL for d in aims
    ):
        return
    for field in ("PlanLearnHours", "PlanEEPHours"):
        if is_known(record, field):
            yield Hit(field)


@rule("R_137")
def r_137(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A learner with T Level aims needs an occupational specialism aim (ZTLOS...)."""
    t_level = [d for d in deliveries(record) if d.number("ProgType") == T_LEVEL]
    if t_level and not any(
        (d.text("LearnAimRef") or "").upper().startswith("ZTLOS") for d in deliveries(record)
    ):
        yield Hit(t_level[0].at("LearnAimRef"))


@rule("R_58")
def r_58(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Core aims must not overlap (start date to actual end date, open aims never end)."""
    core = sorted(
        (start, d.index, d.day("LearnActEndDate") or _OPEN, d)
        for d in of_type(record, CORE_AIM)
        if (start := d.day("LearnStartDate")) is not None
    )
    latest_end: date | None = None
    for start, _, end, d in core:
        if latest_end is not None and start <= latest_end:
            yield Hit(d.at("LearnStartDate"))
        latest_end = end if latest_end is None else max(latest_end, end)


@rule("R_63")
def r_63(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A 16-19 (FM25) learner needs a core aim (aims with SOF 105 excepted)."""
    funded = [
        d
        for d in deliveries(record)
        if d.number("FundModel") == FM_16_19 and not d.has_fam("SOF", "105")
    ]
    if funded and not of_type(record, CORE_AIM):
        yield Hit(funded[0].at("AimType"))
