"""Refusals the service layers raise; `ilr_shared.http` maps each kind to a status once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason, at one field path (`body.LearningDelivery[0].AimType`)."""

    path: str
    message: str
    type: str = "value_error"

    def as_error(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "type": self.type}


class DomainError(Exception):
    """A refusal a person can act on: a message, the fields concerned, and extra facts
    (`allowed_actions`, `findings` …) that travel to the response body."""

    def __init__(
        self,
        message: str,
        problems: Sequence[Problem | Mapping[str, Any]] = (),
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
        self.extra = extra

    def errors(self) -> list[dict[str, Any]]:
        return [p.as_error() if isinstance(p, Problem) else dict(p) for p in self.problems]


class InvalidInputError(DomainError):
    """The request names or carries something that cannot be (422)."""


class NotFoundError(DomainError):
    """Nothing of that name in the caller's tenant (404)."""


class ForbiddenError(DomainError):
    """The caller's role may not do this (403)."""


class ConflictError(DomainError):
    """The resource's state does not allow it now (409)."""


class StaleVersionError(DomainError):
    """The resource changed since the caller read it (412)."""


class PreconditionRequiredError(DomainError):
    """A write without the version it expects (428)."""


def not_found(what: str) -> NotFoundError:
    return NotFoundError(f"{what} not found")
