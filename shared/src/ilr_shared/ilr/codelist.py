"""The ``CodeList`` value type shared by the per-year code modules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CodeList:
    """Codes of one ILR field (keys are the XML text of the code, e.g. ``"107"``).

    ``complete`` is False for lists DfE publishes outside the specification (devolved
    area and learning delivery monitoring): then any code matching ``shape`` is valid
    and ``labels`` only covers the codes the platform knows.
    """

    labels: Mapping[str, str]
    complete: bool = True
    shape: str | None = None

    def is_valid(self, code: str | int) -> bool:
        text = str(code)
        if text in self.labels:
            return True
        return (
            not self.complete
            and self.shape is not None
            and re.fullmatch(self.shape, text) is not None
        )

    def with_changes(
        self, *, add: Mapping[str | int, str] | None = None, remove: tuple[str | int, ...] = ()
    ) -> CodeList:
        labels = {k: v for k, v in self.labels.items() if k not in {str(c) for c in remove}}
        labels.update({str(k): v for k, v in (add or {}).items()})
        return CodeList(
            labels=dict(sorted(labels.items(), key=_order)),
            complete=self.complete,
            shape=self.shape,
        )


def _order(item: tuple[str, str]) -> tuple[int, int, str]:
    key = item[0]
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def closed(labels: Mapping[str | int, str]) -> CodeList:
    """A complete code list."""
    return CodeList(labels={str(k): v for k, v in labels.items()})


def open_list(shape: str, labels: Mapping[str | int, str]) -> CodeList:
    """A list that accepts any code matching ``shape`` (a regex on the code text)."""
    return CodeList(labels={str(k): v for k, v in labels.items()}, complete=False, shape=shape)
