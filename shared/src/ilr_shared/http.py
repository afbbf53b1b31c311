"""What every service's HTTP API shares: error shapes, ops endpoints, cursors, ETags."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from ilr_shared.auth import refusal_before_dependencies
from ilr_shared.cursors import decode_cursor, encode_cursor
from ilr_shared.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PreconditionRequiredError,
    StaleVersionError,
    not_found,
)
from ilr_shared.logging import get_logger

log = get_logger(__name__)

__all__ = [
    "ApiError",
    "decode_cursor",
    "encode_cursor",
    "install_error_handlers",
    "not_found",
    "status_of",
]

# The one mapping of domain refusals to HTTP statuses, for every service.
_STATUS_OF: dict[type[DomainError], int] = {
    InvalidInputError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFoundError: status.HTTP_404_NOT_FOUND,
    ForbiddenError: status.HTTP_403_FORBIDDEN,
    ConflictError: status.HTTP_409_CONFLICT,
    StaleVersionError: status.HTTP_412_PRECONDITION_FAILED,
    PreconditionRequiredError: status.HTTP_428_PRECONDITION_REQUIRED,
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in _STATUS_OF:
            return _STATUS_OF[kind]
    return status.HTTP_400_BAD_REQUEST


class ApiError(Exception):
    """A clear client error: status, message and (optionally) the field paths concerned."""

    def __init__(
        self,
        status_code: int,
        message: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.errors = errors or []
        self.headers = headers
        self.extra = extra


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """('body', 'LearningDelivery', 0, 'AimType') -> 'body.LearningDelivery[0].AimType'."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _error_body(message: str, errors: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"detail": message, "errors": errors, **extra}


def install_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # A body that is not JSON fails before the auth dependencies run: 401/403 first.
        refusal = refusal_before_dependencies(request)
        if refusal is not None:
            return await on_http_error(request, refusal)
        errors = [
            {"path": field_path(err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            _error_body("The request is not valid", errors),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    async def on_api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse(
            _error_body(exc.message, exc.errors, **exc.extra),
            exc.status_code,
            headers=exc.headers,
        )

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse(_error_body(str(exc.detail), []), exc.status_code, headers=exc.headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("http.unhandled", path=request.url.path, error=type(exc).__name__)
        return JSONResponse(_error_body("Internal error", []), 500)

    app.add_exception_handler(RequestValidationError, on_validation)

    async def on_domain_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return JSONResponse(_error_body(exc.message, exc.errors(), **exc.extra), status_of(exc))

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)


def ops_router(readiness: Callable[[], Awaitable[dict[str, bool]]]) -> APIRouter:
    """/healthz (process alive), /readyz (dependencies answer), /metrics (Prometheus)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    @router.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def etag_for(resource_id: str, version: int) -> str:
    return f'"{resource_id}:{version}"'


def parse_if_match(header: str | None, resource_id: str) -> int:
    """The version named by If-Match; 428 when absent, 412 when it names something else."""
    if header is None:
        raise ApiError(status.HTTP_428_PRECONDITION_REQUIRED, "If-Match header is required")
    tag = header.strip().removeprefix("W/").strip('"')
    ident, _, version = tag.rpartition(":")
    if ident != resource_id or not version.isdigit():
        raise ApiError(status.HTTP_412_PRECONDITION_FAILED, "If-Match does not match this resource")
    return int(version)
