"""DD35: the aim is funded by a devolved authority (SOF 110 and over)."""

from __future__ import annotations

from ..access import Delivery
from ..registry import derived_data

DEVOLVED_SOF = {
    "2025/26": frozenset(range(110, 121)),
    "2026/27": frozenset(range(110, 131)),
}


@derived_data("DD35")
def devolved_funding(delivery: Delivery, academic_year: str) -> bool:
    """DD35: the aim has a devolved authority source of funding (SOF 110+)."""
    codes = DEVOLVED_SOF.get(academic_year, DEVOLVED_SOF["2026/27"])
    return any(
        kind is not None
        and kind.upper() == "SOF"
        and code is not None
        and code.isascii()
        and code.isdigit()
        and int(code) in codes
        for _, kind, code in delivery.fams()
    )
