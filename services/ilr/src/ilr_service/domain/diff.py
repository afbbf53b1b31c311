"""Differences between two versions of a record, by field path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ilr_service.domain.paths import DELIVERY


def flatten(record: Mapping[str, Any], keys: Mapping[int, str] | None = None) -> dict[str, Any]:
    """Path -> value; a delivery's elements under `LearningDelivery[key=…]` when it has a
    template key, else `LearningDelivery[seq=…]`; repeated elements stay whole lists."""
    keys = keys or {}
    flat: dict[str, Any] = {}
    for name, value in record.items():
        if name != DELIVERY:
            flat[name] = value
            continue
        for delivery in value or []:
            seq = delivery.get("AimSeqNumber")
            key = keys.get(seq) if isinstance(seq, int) else None
            ref = f"{DELIVERY}[key={key}]" if key is not None else f"{DELIVERY}[seq={seq}]"
            for sub, item in delivery.items():
                flat[f"{ref}.{sub}"] = item
    return flat


def diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    keys_before: Mapping[int, str] | None = None,
    keys_after: Mapping[int, str] | None = None,
) -> list[dict[str, Any]]:
    old = flatten(before, keys_before)
    new = flatten(after, keys_after)
    return [
        {"path": path, "before": old.get(path), "after": new.get(path)}
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


def changed_fields(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    keys_before: Mapping[int, str] | None = None,
    keys_after: Mapping[int, str] | None = None,
) -> list[str]:
    return [entry["path"] for entry in diff(before, after, keys_before, keys_after)]
