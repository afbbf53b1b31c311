"""Domain errors; the HTTP entrypoint maps them to status codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str
    type: str = "value_error"


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFoundError(DomainError):
    status = 404


class ConflictError(DomainError):
    status = 409


class StaleVersionError(DomainError):
    status = 412


class InvalidInputError(DomainError):
    status = 422
