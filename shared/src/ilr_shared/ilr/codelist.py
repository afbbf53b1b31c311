"""The ``CodeList`` value type shared by the per-year code modules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class CodeList:
    """Codes of one ILR field (keys are the XML text of the code, e.g. ``"107"``).

    ``complete`` is False for lists DfE publishes outside the specification (devolved
    area and learning delivery monitoring): then any code matching ``shape`` is valid
    and ``labels`` only covers the codes the platform knows.

    ``valid_to`` / ``valid_from`` hold the specification's "Valid to" / "Valid from"
    dates of the codes that have one (the "... must not be after the 'Valid to' date"
    rules). A dated code is still a valid lookup (``is_valid``); ``is_valid_on`` also
    checks the dates.
    """

    labels: Mapping[str, str]
    complete: bool = True
    shape: str | None = None
    valid_to: Mapping[str, date] = field(default_factory=dict)
    valid_from: Mapping[str, date] = field(default_factory=dict)

    def is_valid(self, code: str | int) -> bool:
        text = str(code)
        if text in self.labels:
            return True
        return (
            not self.complete
            and self.shape is not None
            and re.fullmatch(self.shape, text) is not None
        )

    def is_valid_on(self, code: str | int, day: date) -> bool:
        """A valid code whose validity period (if any) includes ``day``."""
        text = str(code)
        if not self.is_valid(text):
            return False
        last = self.valid_to.get(text)
        first = self.valid_from.get(text)
        return (last is None or day <= last) and (first is None or day >= first)

    def with_changes(
        self, *, add: Mapping[str | int, str] | None = None, remove: tuple[str | int, ...] = ()
    ) -> CodeList:
        gone = {str(c) for c in remove}
        labels = {k: v for k, v in self.labels.items() if k not in gone}
        labels.update({str(k): v for k, v in (add or {}).items()})
        return CodeList(
            labels=dict(sorted(labels.items(), key=_order)),
            complete=self.complete,
            shape=self.shape,
            valid_to={k: d for k, d in self.valid_to.items() if k in labels},
            valid_from={k: d for k, d in self.valid_from.items() if k in labels},
        )


def _order(item: tuple[str, str]) -> tuple[int, int, str]:
    key = item[0]
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def _dates(dates: Mapping[str | int, date] | None) -> dict[str, date]:
    return {str(k): d for k, d in (dates or {}).items()}


def closed(
    labels: Mapping[str | int, str],
    *,
    valid_to: Mapping[str | int, date] | None = None,
    valid_from: Mapping[str | int, date] | None = None,
) -> CodeList:
    """A complete code list (optionally with per-code validity dates)."""
    texts = {str(k): v for k, v in labels.items()}
    dated = set(_dates(valid_to)) | set(_dates(valid_from))
    if not dated <= set(texts):
        raise ValueError(f"dates for codes not in the list: {sorted(dated - set(texts))}")
    return CodeList(labels=texts, valid_to=_dates(valid_to), valid_from=_dates(valid_from))


def open_list(
    shape: str,
    labels: Mapping[str | int, str],
    *,
    valid_to: Mapping[str | int, date] | None = None,
) -> CodeList:
    """A list that accepts any code matching ``shape`` (a regex on the code text)."""
    return CodeList(
        labels={str(k): v for k, v in labels.items()},
        complete=False,
        shape=shape,
        valid_to=_dates(valid_to),
    )
