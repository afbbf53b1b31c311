"""Tolerant readers for the canonical learner dict.

Every reader returns ``None`` (or an empty list) for anything missing or malformed, so
rules can treat "unknown" uniformly and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

Record = Mapping[str, Any]
T = TypeVar("T")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"[+-]?\d+")
_UNSET: Any = object()  # a memo entry not worked out yet


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
    """A LearningDelivery with its position, for building field paths. Values read
    through it are parsed once per delivery: hundreds of rules read the same fields."""

    index: int
    data: Record
    _ints: dict[str, int | None] = field(default_factory=dict, compare=False, repr=False)
    _texts: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    _days: dict[str, date | None] = field(default_factory=dict, compare=False, repr=False)
    _fams: list[tuple[int, str | None, str | None]] = field(
        default_factory=list, compare=False, repr=False
    )
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def path(self) -> str:
        return f"LearningDelivery[{self.index}]"

    def at(self, field: str) -> str:
        return f"{self.path}.{field}"

    def number(self, key: str) -> int | None:
        try:
            return self._ints[key]
        except KeyError:
            value = self._ints[key] = integer(self.data, key)
            return value

    def text(self, key: str) -> str | None:
        try:
            return self._texts[key]
        except KeyError:
            value = self._texts[key] = text(self.data, key)
            return value

    def day(self, key: str) -> date | None:
        try:
            return self._days[key]
        except KeyError:
            value = self._days[key] = day(self.data, key)
            return value

    def is_known(self, key: str) -> bool:
        return is_known(self.data, key)

    def memo(self, key: str, compute: Callable[[Delivery], T]) -> T:
        """``compute(self)``, worked out once for this delivery and kept under ``key``.
        A Delivery lives for one validation of one learner, so nothing outlives it."""
        value: T = self._memo.get(key, _UNSET)
        if value is _UNSET:
            value = self._memo[key] = compute(self)
        return value

    def fams(self) -> list[tuple[int, str | None, str | None]]:
        """(index, type, code) of each FAM, read once."""
        if not self._fams and self.data.get("LearningDeliveryFAM"):
            self._fams.extend(
                (index, text(fam, "LearnDelFAMType"), text(fam, "LearnDelFAMCode"))
                for index, fam in children(self.data, "LearningDeliveryFAM")
            )
        return self._fams

    def has_fam(self, fam_type: str, code: str | None = None) -> bool:
        codes = self.memo("access.fam_codes", _fam_codes_by_type).get(fam_type)
        if codes is None:
            return False
        return code is None or any(same_code(c, code) for c in codes)

    def app_fin(self) -> Iterator[tuple[int, Record]]:
        return children(self.data, "AppFinRecord")


def _fam_codes_by_type(d: Delivery) -> dict[str, list[str | None]]:
    """The codes of the delivery's FAMs by upper-case type."""
    codes: dict[str, list[str | None]] = {}
    for _, fam_type, code in d.fams():
        if fam_type is not None:
            codes.setdefault(fam_type.upper(), []).append(code)
    return codes


class LearnerView(dict[str, Any]):
    """The learner record as the engine hands it to the rules: the same mapping, with its
    deliveries parsed once for all rules instead of once per rule."""

    __slots__ = ("_deliveries", "_memo")

    def __init__(self, record: Record) -> None:
        super().__init__(record)
        self._deliveries: list[Delivery] | None = None
        # Values derived from this learner by ``learner_memo``; a view lives for one
        # validation of one learner, so nothing kept here outlives it.
        self._memo: dict[str, Any] = {}

    def deliveries(self) -> list[Delivery]:
        if self._deliveries is None:
            self._deliveries = [
                Delivery(index, data) for index, data in children(self, "LearningDelivery")
            ]
        return self._deliveries


def learner_memo(record: Record, key: str, compute: Callable[[Record], T]) -> T:
    """``compute(record)``: once per learner on the engine's ``LearnerView``, afresh on a
    plain mapping (a rule called directly)."""
    if not isinstance(record, LearnerView):
        return compute(record)
    value: T = record._memo.get(key, _UNSET)
    if value is _UNSET:
        value = record._memo[key] = compute(record)
    return value


def deliveries(record: Record) -> list[Delivery]:
    """The learner's deliveries: parsed once per pass on the engine's ``LearnerView``."""
    if isinstance(record, LearnerView) and record._deliveries is not None:
        return record._deliveries
    if isinstance(record, LearnerView):
        return record.deliveries()
    return [Delivery(index, data) for index, data in children(record, "LearningDelivery")]


def learn_ref(record: Record) -> str:
    return text(record, "LearnRefNumber") or ""
