"""Cross-record rules for Skills Bootcamps (ProgType 32): aims of one contract agree."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from datetime import date

from ..access import Delivery, Record, children, day, deliveries, integer, text
from ..model import Hit, ValidationContext
from ..registry import rule
from .common import COMPONENT_AIM, PROGRAMME_AIM

SKILLS_BOOTCAMP = 32
COMPLETED = 2
EVENT_AIMS_2024 = frozenset({"Z0059747", "Z0059748", "Z0059749"})
EVENT_AIMS = EVENT_AIMS_2024 | {
    "Z0060439",
    "Z0009541",
    "Z0060440",
    "Z0060441",
    "Z0060442",
    "Z0060443",
}
_EVENTS_END = date(2025, 8, 1)  # event aims end, the Event Indicator (EVI) begins
_R138_LAST_START = date(2025, 7, 31)
_R144_FROM = date(2023, 8, 1)
_R150_FROM = date(2024, 8, 1)

Contract = tuple[int | None, str | None]


def contract_ref(d: Delivery) -> str | None:
    ref = d.text("ConRefNumber")
    return ref.upper() if ref is not None else None


def bootcamp(record: Record, aim_type: int) -> list[Delivery]:
    return [
        d
        for d in deliveries(record)
        if d.number("ProgType") == SKILLS_BOOTCAMP and d.number("AimType") == aim_type
    ]


def contract_of(d: Delivery) -> Contract:
    """(FundModel, ConRefNumber): with ProgType 32, what ties components to a programme."""
    return (d.number("FundModel"), contract_ref(d))


def earliest_starts(record: Record) -> dict[str | None, date]:
    """The earliest bootcamp programme aim start date per ConRefNumber."""
    earliest: dict[str | None, date] = {}
    for d in bootcamp(record, PROGRAMME_AIM):
        start = d.day("LearnStartDate")
        ref = contract_ref(d)
        if start is not None and (ref not in earliest or start < earliest[ref]):
            earliest[ref] = start
    return earliest


def latest_programme(record: Record, contract: Contract) -> Delivery | None:
    aims = [d for d in bootcamp(record, PROGRAMME_AIM) if contract_of(d) == contract]
    dated = [d for d in aims if d.day("LearnStartDate") is not None]
    return max(dated, key=lambda d: d.day("LearnStartDate") or date.min, default=None)


def is_event_aim(d: Delivery, refs: frozenset[str] = EVENT_AIMS) -> bool:
    return (d.text("LearnAimRef") or "").upper() in refs


@rule("R_135")
def r_135(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A bootcamp component aim needs a programme aim of the same FundModel and contract."""
    programmes = {contract_of(d) for d in bootcamp(record, PROGRAMME_AIM)}
    for d in bootcamp(record, COMPONENT_AIM):
        if contract_of(d) not in programmes:
            yield Hit(d.at("ConRefNumber"))


@rule("R_136")
def r_136(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A bootcamp programme aim needs a component aim of the same FundModel and contract."""
    components = {contract_of(d) for d in bootcamp(record, COMPONENT_AIM)}
    for d in bootcamp(record, PROGRAMME_AIM):
        if contract_of(d) not in components:
            yield Hit(d.at("ConRefNumber"))


@rule("R_140")
def r_140(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """Bootcamp component aims must be closed once their latest programme aim is closed."""
    for d in bootcamp(record, COMPONENT_AIM):
        if d.is_known("LearnActEndDate"):
            continue
        programme = latest_programme(record, contract_of(d))
        if programme is not None and programme.is_known("LearnActEndDate"):
            yield Hit(d.at("LearnActEndDate"))


@rule("R_143")
def r_143(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A bootcamp's latest programme aim must not end before its latest component aim."""
    for contract in {contract_of(d) for d in bootcamp(record, PROGRAMME_AIM)}:
        programme = latest_programme(record, contract)
        ended = programme.day("LearnActEndDate") if programme is not None else None
        if programme is None or ended is None:
            continue
        ends = [
            end
            for d in bootcamp(record, COMPONENT_AIM)
            if contract_of(d) == contract and (end := d.day("LearnActEndDate")) is not None
        ]
        if ends and ended < max(ends):
            yield Hit(programme.at("LearnActEndDate"))


@rule("R_144")
def r_144(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A bootcamp must not be achieved before its contract's earliest start."""
    earliest = earliest_starts(record)
    for d in bootcamp(record, PROGRAMME_AIM):
        start, achieved = d.day("LearnStartDate"), d.day("AchDate")
        first = earliest.get(contract_ref(d))
        if start is None or start < _R144_FROM or achieved is None or first is None:
            continue
        if achieved < first:
            yield Hit(d.at("AchDate"))


@rule("R_150")
def r_150(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """2024/25 bootcamp event aims must not start before the contract's first start."""
    earliest = earliest_starts(record)
    for d in deliveries(record):
        first = earliest.get(contract_ref(d))
        start = d.day("LearnStartDate")
        if first is None or start is None or not is_event_aim(d):
            continue
        if _R150_FROM <= first <= _R138_LAST_START and start < first:
            yield Hit(d.at("LearnStartDate"))


def _evi_records(d: Delivery) -> Iterator[tuple[int, Record]]:
    for i, fam in children(d.data, "LearningDeliveryFAM"):
        kind = text(fam, "LearnDelFAMType")
        if kind is not None and kind.upper() == "EVI":
            yield i, fam


@rule("R_152")
def r_152(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No Event Indicator (EVI) on bootcamp contracts started before 1 August 2025."""
    earliest = earliest_starts(record)
    for d in deliveries(record):
        first = earliest.get(contract_ref(d))
        if first is not None and first < _EVENTS_END:
            for i, _ in _evi_records(d):
                yield Hit(d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMType"))


@rule("R_153")
def r_153(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """The Event Indicator (EVI) must not apply from before 1 August 2025."""
    earliest = earliest_starts(record)
    for d in deliveries(record):
        first = earliest.get(contract_ref(d))
        if first is None or first < _EVENTS_END:
            continue
        for i, fam in _evi_records(d):
            applies = day(fam, "LearnDelFAMDateFrom")
            if applies is not None and applies < _EVENTS_END:
                yield Hit(d.at(f"LearningDeliveryFAM[{i}].LearnDelFAMDateFrom"))


@rule("R_154")
def r_154(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """No bootcamp event aims on a contract whose programme started from 1 August 2025."""
    earliest = earliest_starts(record)
    for d in deliveries(record):
        first = earliest.get(contract_ref(d))
        if d.number("AimType") != COMPONENT_AIM or first is None or first < _EVENTS_END:
            continue
        if is_event_aim(d):
            yield Hit(d.at("LearnAimRef"))


def _r138_candidate(programme: Delivery, ctx: ValidationContext) -> bool:
    start, ended = programme.day("LearnStartDate"), programme.day("LearnActEndDate")
    if start is None or start > _R138_LAST_START or programme.number("CompStatus") != COMPLETED:
        return False
    if programme.is_known("AchDate"):
        return False
    excluded_from = _add_months(ended, 6) if ended is not None else None
    return excluded_from is None or ctx.file_preparation_date <= excluded_from


def _add_months(on: date, months: int) -> date | None:
    """The same day ``months`` later, clamped to the end of a shorter month (None past
    the last representable date)."""
    index = on.month - 1 + months
    year, month = on.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return None
    return date(year, month, min(on.day, monthrange(year, month)[1]))


@rule("R_138")
def r_138(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A completed bootcamp started by July 2025 needs an achievement date or event aim."""
    if any(is_event_aim(d, EVENT_AIMS_2024) for d in deliveries(record)):
        return
    for contract in {contract_of(d) for d in bootcamp(record, PROGRAMME_AIM)}:
        programme = latest_programme(record, contract)
        if programme is not None and _r138_candidate(programme, ctx):
            yield Hit(programme.at("AchDate"))


def _has_dam_023(record: Record) -> bool:
    return any(d.has_fam("DAM", "023") for d in deliveries(record))


@rule("R_134", note="2025/26 excepts devolved authority exclusions (DAM 023); 2026/27 does not.")
def r_134(record: Record, ctx: ValidationContext) -> Iterator[Hit]:
    """A Small or Medium Employer monitoring (OET 2) needs a Skills Bootcamp aim."""
    if any(d.number("ProgType") == SKILLS_BOOTCAMP for d in deliveries(record)):
        return
    if ctx.academic_year == "2025/26" and _has_dam_023(record):
        return
    for i, status in children(record, "LearnerEmploymentStatus"):
        for j, esm in children(status, "EmploymentStatusMonitoring"):
            kind = text(esm, "ESMType")
            if kind is not None and kind.upper() == "OET" and integer(esm, "ESMCode") == 2:
                yield Hit(f"LearnerEmploymentStatus[{i}].EmploymentStatusMonitoring[{j}].ESMCode")
