"""The pure parts of windowed search: positions, widths, learning, cursors, bounds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, DESCENDING

from ilr_service.adapters.search import Cursor, Order, Sample, _bounds
from ilr_service.adapters.search_windows import (
    BOUNDED_STEPS,
    DATES,
    GROWTH,
    IDS,
    NAMES,
    WindowCache,
    cursor_width,
    heavy_values,
    name_at,
    name_position,
    span_per_row,
    width_for,
    widths,
)


def test_name_positions_keep_the_order_of_strings() -> None:
    rng = random.Random(3)
    alphabet = "abcxyz -'é0"
    names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 9))) for _ in range(2000)]
    ordered = sorted(names)
    positions = [name_position(n) for n in ordered]
    assert positions == sorted(positions)
    assert all(0.0 <= p < 1.0 for p in positions)


def test_a_name_bound_sits_at_its_position() -> None:
    for name in ["a", "smith", "smyth", "zed", "lee"]:
        bound = name_at(name_position(name) + NAMES.floor)
        assert bound > name
        assert name_position(bound) >= name_position(name)
    assert name_at(0.0) == ""
    assert NAMES.bound(1.5) is None and NAMES.bound(-0.1) is None


def test_widths_grow_then_drop_the_far_bound() -> None:
    tried = list(widths(10.0, DATES))
    assert tried[-1] is None and len(tried) <= BOUNDED_STEPS + 1
    assert tried[:-1] == [10.0 * GROWTH**step for step in range(len(tried) - 1)]
    assert tried[-2] is not None and tried[-2] * GROWTH >= DATES.extent
    assert next(widths(0.0, DATES)) == DATES.floor
    widest = list(widths(NAMES.floor, NAMES))[-2]
    assert widest is not None and widest < NAMES.extent <= widest * GROWTH  # to the end


def test_learned_span_and_width() -> None:
    assert span_per_row([10.0]) is None
    assert span_per_row([100.0, 90.0, 80.0]) == 10.0
    assert width_for(10.0, 51, floor=1.0) == 1020.0
    assert width_for(0.0, 51, floor=1.0) == 1.0


def test_cursor_width_accepts_only_positive_numbers() -> None:
    assert cursor_width({"v": 1, "id": "x", "w": 12.5}) == 12.5
    for bad in (None, "wide", True, -1, 0, float("inf"), float("nan")):
        assert cursor_width({"v": 1, "id": "x", "w": bad}) is None
    assert cursor_width({"v": 1, "id": "x"}) is None
    assert cursor_width(None) is None


def test_cache_prefers_the_exact_filter_then_its_shape_and_stays_bounded() -> None:
    cache = WindowCache(capacity=3)
    cache.learn(("shape",), 5.0, 2.0)
    assert cache.get(("exact",), ("shape",)) == cache.get(("shape",))
    cache.learn(("exact",), None, 1.0)
    found = cache.get(("exact",), ("shape",))
    assert found is not None and found.span == 1.0
    cache.learn(("exact",), None, 4.0)  # a cursor page keeps the first page's start
    cache.learn(("exact",), 7.0, 4.0)
    assert cache.get(("exact",)) is not None
    for n in range(5):
        cache.learn((n,), None, 1.0)
    assert cache.get(("shape",)) is None and cache.get((4,)) is not None


def test_bounds_from_a_cursor_are_strict_for_dates_and_end_at_the_window() -> None:
    at = datetime(2026, 10, 1, tzinfo=UTC)
    newest = Order.of("-updated_at")
    cursor = Cursor.of({"v": at.isoformat(), "id": "ilr_1", "w": 60.0}, newest)
    assert cursor is not None and cursor.width == 60.0
    near = DATES.position(at)
    bounds = _bounds(newest, cursor, near, 60.0)["range"]
    assert bounds == {"$lt": at + timedelta(milliseconds=1), "$gt": at - timedelta(seconds=60)}
    assert _bounds(newest, cursor, near, None)["range"] == {"$lt": at + timedelta(milliseconds=1)}
    oldest = Order.of("updated_at")
    assert oldest.direction == ASCENDING and newest.direction == DESCENDING
    first = _bounds(oldest, None, near, 60.0)["range"]
    assert first == {"$lt": at + timedelta(seconds=60)}


def test_name_windows_open_past_the_end_of_the_alphabet() -> None:
    by_name = Order.of("family_name")
    cursor = Cursor.of({"v": "smith", "id": "ilr_1"}, by_name)
    assert cursor is not None and cursor.width is None
    near = name_position("smith")
    window = _bounds(by_name, cursor, near, 0.01)
    assert window["range"]["$gte"] == "smith" and window["range"]["$lt"] > "smith"
    assert _bounds(by_name, cursor, near, 2.0) == {"range": {"$gte": "smith"}, "open": True}


def test_ids_map_to_positions_in_their_string_order() -> None:
    ids = ["ilr_000000000000000000000000", "ilr_0a0000000000000000000001", "ilr_ffffffffffff"]
    positions = [IDS.position(i) for i in ids]
    assert positions == sorted(p for p in positions if p is not None)
    assert IDS.position("other_123") is None
    assert IDS.bound(0.5) == "ilr_800000000000"
    assert IDS.bound(1.0) is None


def test_heavy_values_are_those_seen_twice() -> None:
    assert heavy_values(["smith", "jones", "smith", "ng", "ng", "ng"]) == ["ng", "smith"]


def test_a_sample_knows_the_names_a_prefix_matches() -> None:
    rows = [
        {"family_name_lc": "smith", "search_names": ["ada", "ada smith", "smith"]},
        {"family_name_lc": "smith", "search_names": ["sam", "sam smith", "smith"]},
        {"family_name_lc": "smyth", "search_names": ["zoe", "smyth", "zoe smyth"]},
    ]
    sample = Sample.of(rows, taken=0.0)
    assert sample.heavy == ["smith"]
    assert sample.tokens("sm") == ["smith", "smyth"]
    assert sample.tokens("s") == ["sam", "sam smith", "smith", "smyth"]
    assert sample.tokens("x") == []
    assert sample.share("sm") == 1.0
    assert sample.share("ada") == 1 / 3
