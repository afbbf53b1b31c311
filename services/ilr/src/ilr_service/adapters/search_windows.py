"""Windows on a search's sort key: a range that should hold one page, widened until it does.

Pure arithmetic (no I/O): sort values as positions on a line, the widths to try, and what was
learned about each (tenant, filter) from its last page. Why and what it costs: docs/search.md."""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GROWTH = 8  # each window after an underfilled one is this many times wider
BOUNDED_STEPS = 24  # at most this many windows before the far bound is dropped
MARGIN = 2.0  # a learned window holds about this many pages
_NAME_DIGITS = 6
_NAME_BASE = 28  # below "a", "a".."z", above "z"
_ID_PREFIX = "ilr_"
_ID_DIGITS = 12


@dataclass(frozen=True)
class KeySpace:
    """How the values of one sort field map to positions (floats) and back to bounds."""

    name: str
    default_span: float  # position units per row before anything is learned
    floor: float  # the narrowest window worth asking for
    extent: float  # a window this wide holds every value: drop the far bound instead

    def position(self, value: Any) -> float | None:
        if self.name == "dates":
            return value.timestamp() if isinstance(value, datetime) else None
        if self.name == "ids":
            return id_position(value) if isinstance(value, str) else None
        return name_position(value) if isinstance(value, str) else None

    def bound(self, position: float) -> Any | None:
        """The sort value at `position`; None when it lies outside the space (no bound)."""
        if self.name == "dates":
            try:
                return datetime.fromtimestamp(position, UTC)
            except (OverflowError, OSError, ValueError):
                return None
        if not 0.0 <= position < 1.0:
            return None
        return id_at(position) if self.name == "ids" else name_at(position)


DATES = KeySpace("dates", default_span=60.0, floor=1.0, extent=200 * 365 * 86_400.0)
NAMES = KeySpace("names", default_span=1e-5, floor=float(_NAME_BASE) ** -_NAME_DIGITS, extent=1.0)
# ILR ids ("ilr_" + hex digits of a uuid5) are spread evenly over [0, 1): a window of ids
# inside one family name holds about width x the name's rows.
IDS = KeySpace("ids", default_span=1 / 2048, floor=16.0**-_ID_DIGITS, extent=1.0)


def _name_digit(char: str) -> int:
    if char < "a":
        return 0
    return ord(char) - ord("a") + 1 if char <= "z" else _NAME_BASE - 1


def name_position(name: str) -> float:
    """A lower-case name as a fraction in [0, 1), never out of the order strings sort in
    (six characters: the letters; a character below "a" or above "z" ends the reading)."""
    position, scale = 0.0, 1.0
    for char in name[:_NAME_DIGITS]:
        scale /= _NAME_BASE
        digit = _name_digit(char)
        position += digit * scale
        if digit in (0, _NAME_BASE - 1):
            break
    return position


def name_at(position: float) -> str:
    """A string at `position` (the inverse of `name_position`, to six characters)."""
    chars: list[str] = []
    for _ in range(_NAME_DIGITS):
        position *= _NAME_BASE
        digit = min(int(position + 1e-6), _NAME_BASE - 1)  # float error must not round down
        position = max(position - digit, 0.0)
        chars.append(" " if digit == 0 else "{" if digit == _NAME_BASE - 1 else chr(96 + digit))
    return "".join(chars).rstrip(" ")


def id_position(row_id: str) -> float | None:
    """An ILR id's hex digits as a fraction of [0, 1); None for ids of another shape."""
    digits = row_id[len(_ID_PREFIX) : len(_ID_PREFIX) + _ID_DIGITS]
    if not row_id.startswith(_ID_PREFIX) or not digits:
        return None
    try:
        return int(digits, 16) / 16.0 ** len(digits)
    except ValueError:
        return None


def id_at(position: float) -> str:
    """An id string at `position`; ids sort as strings, so a window stays contiguous."""
    return f"{_ID_PREFIX}{int(position * 16**_ID_DIGITS):0{_ID_DIGITS}x}"


def heavy_values(values: Iterable[str], least: int = 2) -> list[str]:
    """The values seen at least `least` times in a sample of rows, sorted: those that
    many rows share (read through id windows rather than whole)."""
    return sorted(value for value, seen in Counter(values).items() if seen >= least)


def widths(first: float, space: KeySpace) -> Iterator[float | None]:
    """The widths to try in turn: `first`, then GROWTH times wider each time until one
    spans the whole key space, then None (no far bound): a page never depends on the
    estimate being right."""
    width = max(first, space.floor)
    for _ in range(BOUNDED_STEPS):
        if width >= space.extent:
            break
        yield width
        width *= GROWTH
    yield None


def span_per_row(positions: list[float]) -> float | None:
    """Position units per row over a page's rows (None for fewer than two rows)."""
    if len(positions) < 2:
        return None
    return abs(positions[0] - positions[-1]) / (len(positions) - 1)


def width_for(span: float, rows: int, floor: float) -> float:
    return max(span * rows * MARGIN, floor)


def cursor_width(after: Mapping[str, Any] | None) -> float | None:
    """The window width a cursor carries; None for cursors written before windows, or a
    value that is not a positive number."""
    width = (after or {}).get("w")
    if isinstance(width, bool) or not isinstance(width, int | float):
        return None
    return float(width) if math.isfinite(width) and width > 0 else None


@dataclass(frozen=True)
class Learned:
    start: float | None  # the first row's position on the last first page
    span: float  # position units per row


class WindowCache:
    """What the last page of each (tenant, filter) taught, in a bounded LRU; looked up by
    the exact filter first, then by its shape (the filter's fields without their values)."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[Any, ...], Learned] = OrderedDict()

    def get(self, *keys: tuple[Any, ...]) -> Learned | None:
        for key in keys:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        return None

    def learn(self, key: tuple[Any, ...], start: float | None, span: float) -> None:
        previous = self._entries.get(key)
        if start is None and previous is not None:
            start = previous.start
        self._entries[key] = Learned(start, span)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
