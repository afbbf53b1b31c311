"""What the ILR service keeps from other services' events: templates, programmes, withdrawals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StoredTemplate:
    """The latest ILR template of a programme (only a higher revision replaces it)."""

    programme_id: str
    revision: int
    template: Mapping[str, Any] | None
    academic_year: str | None = None


@dataclass(frozen=True)
class ProgrammeSettings:
    """A programme's settings as its newest `programme.changed` event (`sequence`) gave them."""

    programme_id: str
    sequence: int
    name: str | None = None
    academic_year: str | None = None
    ilr_enabled: bool | None = None  # None: an older event that did not say (on)
    allow_sign_without_verification: bool = False


@dataclass(frozen=True)
class Withdrawal:
    """An enrolment's withdrawal, kept so one that arrives before its enrolment still applies."""

    enrolment_id: str
    programme_id: str | None = None
    withdrawn_on: str | None = None
    reason: str = ""
