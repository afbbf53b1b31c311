"""Tolerant readers for the canonical learner dict.

Every reader returns ``None`` (or an empty list) for anything missing or malformed, so
rules can treat "unknown" uniformly and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Record = Mapping[str, Any]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+")


def text(record: Record, key: str) -> str | None:
    """A non-blank string value (ints are rendered as digits)."""
    value = record.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def integer(record: Record, key: str) -> int | None:
    value = record.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip())
    return None


def day(record: Record, key: str) -> date | None:
    value = record.get(key)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def is_known(record: Record, key: str) -> bool:
    """The field is returned at all (any non-blank value, even a malformed one)."""
    value = record.get(key)
    if value is None:
        return False
    return not (isinstance(value, str) and not value.strip())


def children(record: Record, key: str) -> Iterator[tuple[int, Record]]:
    """(index, child) for each well-formed child entity; the index is the list position."""
    value = record.get(key)
    if not isinstance(value, list):
        return
    for index, item in enumerate(value):
        if isinstance(item, Mapping):
            yield index, item


def same_code(a: str | None, b: str) -> bool:
    """Compare ILR codes, treating "034" and "34" alike."""
    if a is None:
        return False
    if a.isdigit() and b.isdigit():
        return int(a) == int(b)
    return a.upper() == b.upper()


@dataclass(frozen=True)
class Delivery:
    """A LearningDelivery with its position, for building field paths."""

    index: int
    data: Record

    @property
    def path(self) -> str:
        return f"LearningDelivery[{self.index}]"

    def at(self, field: str) -> str:
        return f"{self.path}.{field}"

    def number(self, key: str) -> int | None:
        return integer(self.data, key)

    def text(self, key: str) -> str | None:
        return text(self.data, key)

    def day(self, key: str) -> date | None:
        return day(self.data, key)

    def is_known(self, key: str) -> bool:
        return is_known(self.data, key)

    def fams(self) -> Iterator[tuple[int, str | None, str | None]]:
        for index, fam in children(self.data, "LearningDeliveryFAM"):
            yield index, text(fam, "LearnDelFAMType"), text(fam, "LearnDelFAMCode")

    def has_fam(self, fam_type: str, code: str | None = None) -> bool:
        return any(
            t is not None and t.upper() == fam_type and (code is None or same_code(c, code))
            for _, t, c in self.fams()
        )

    def app_fin(self) -> Iterator[tuple[int, Record]]:
        return children(self.data, "AppFinRecord")


def deliveries(record: Record) -> list[Delivery]:
    return [Delivery(index, data) for index, data in children(record, "LearningDelivery")]


def learn_ref(record: Record) -> str:
    return text(record, "LearnRefNumber") or ""
