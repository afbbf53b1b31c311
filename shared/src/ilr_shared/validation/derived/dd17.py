"""DD17: two thirds of the negotiated price exceed the standard's government cap (LARS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from ..access import Delivery, Record, day, deliveries, integer, text
from ..registry import derived_data

PROGRAMME_AIM = 1
APPRENTICESHIP_STANDARD = 25
FM_OTHER_ADULT = 81

# LARS_StandardFunding: (StdCode, date) -> the CoreGovContributionCap applicable that day.
CapLookup = Callable[[int, date], Decimal | None]


def _matching_programmes(record: Record, delivery: Delivery) -> list[Delivery]:
    return [
        d
        for d in deliveries(record)
        if d.number("AimType") == PROGRAMME_AIM
        and d.number("ProgType") == delivery.number("ProgType")
        and d.number("StdCode") == delivery.number("StdCode")
    ]


def latest_tnp(programmes: list[Delivery], code: int) -> Decimal:
    """The AFinAmount of the most recent TNP record with the code (0 when there is none)."""
    latest: tuple[date, int] | None = None
    for d in programmes:
        for _, fin in d.app_fin():
            kind, on, amount = (
                text(fin, "AFinType"),
                day(fin, "AFinDate"),
                integer(fin, "AFinAmount"),
            )
            if kind is None or kind.upper() != "TNP" or integer(fin, "AFinCode") != code:
                continue
            if on is not None and amount is not None and (latest is None or on >= latest[0]):
                latest = (on, amount)
    return Decimal(latest[1]) if latest else Decimal(0)


def _earliest_start(programmes: list[Delivery]) -> date | None:
    starts = [
        start
        for d in programmes
        if (start := d.day("OrigLearnStartDate") or d.day("LearnStartDate")) is not None
    ]
    return min(starts, default=None)


@derived_data("DD17")
def over_government_cap(record: Record, delivery: Delivery, cap: CapLookup) -> bool:
    """DD17: FM81 standard whose 2/3 negotiated price exceeds the LARS cap."""
    std_code = delivery.number("StdCode")
    if (
        delivery.number("FundModel") != FM_OTHER_ADULT
        or delivery.number("ProgType") != APPRENTICESHIP_STANDARD
        or std_code is None
    ):
        return False
    programmes = _matching_programmes(record, delivery)
    start = _earliest_start(programmes)
    limit = cap(std_code, start) if start is not None else None
    if limit is None:
        return False
    price = latest_tnp(programmes, 1) + latest_tnp(programmes, 2)
    return price * 2 / 3 > limit
