"""Field paths of an ILR record: `GivenNames`, `LearnerFAM`, `LearningDelivery[key=prog]`,
`LearningDelivery[key=prog].DelLocPostCode`, `LearningDelivery[seq=3].LearnActEndDate`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DELIVERY = "LearningDelivery"

_PATH = re.compile(
    r"^(?P<field>[A-Za-z][A-Za-z0-9]*)"
    r"(?:\[(?P<selector>key|seq)=(?P<value>[^\[\]]+)\](?:\.(?P<sub>[A-Za-z][A-Za-z0-9]*))?)?$"
)


class PathError(ValueError):
    """A field path that cannot be parsed or does not name anything in the record."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class FieldPath:
    field: str
    selector: Literal["key", "seq"] | None = None
    value: str | None = None
    sub: str | None = None

    @property
    def is_delivery(self) -> bool:
        return self.selector is not None

    def __str__(self) -> str:
        if self.selector is None:
            return self.field
        base = f"{self.field}[{self.selector}={self.value}]"
        return f"{base}.{self.sub}" if self.sub else base


def parse_path(path: str) -> FieldPath:
    match = _PATH.match(path.strip())
    if match is None:
        raise PathError(path, "not a field path (e.g. GivenNames, LearningDelivery[key=prog].X)")
    selector = match.group("selector")
    if selector is not None and match.group("field") != DELIVERY:
        raise PathError(path, f"only {DELIVERY} takes a [key=…] or [seq=…] selector")
    if selector == "seq" and not (match.group("value") or "").isdigit():
        raise PathError(path, "seq must be a number (the AimSeqNumber)")
    return FieldPath(
        field=match.group("field"),
        selector=selector,  # type: ignore[arg-type]
        value=match.group("value"),
        sub=match.group("sub"),
    )


def delivery_ref_for_key(key: str) -> str:
    return f"{DELIVERY}[key={key}]"


def delivery_ref_for_seq(seq: int) -> str:
    return f"{DELIVERY}[seq={seq}]"
