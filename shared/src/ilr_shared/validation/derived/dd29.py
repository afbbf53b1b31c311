"""DD29: a traineeship aim in LARS category 2 or 4 (LARS data)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..access import Delivery
from ..registry import derived_data

TRAINEESHIP = 24
CATEGORIES = frozenset({2, 4})

# LARS_LearningDeliveryCategory: LearnAimRef -> its CategoryRef values.
CategoryLookup = Callable[[str], Iterable[int]]


@derived_data("DD29")
def traineeship_work_preparation(delivery: Delivery, category_refs: CategoryLookup) -> bool:
    """DD29: ProgType 24 and the aim's LARS CategoryRef is 2 or 4."""
    ref = delivery.text("LearnAimRef")
    if delivery.number("ProgType") != TRAINEESHIP or ref is None:
        return False
    return any(category in CATEGORIES for category in category_refs(ref.upper()))
