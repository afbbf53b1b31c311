"""Structured logging (structlog) with personal data masked before anything is written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values are personal data under UK GDPR; they never reach a log line.
PERSONAL_KEYS = frozenset(
    {
        "ULN",
        "uln",
        "GivenNames",
        "FamilyName",
        "given_names",
        "family_name",
        "name",
        "DateOfBirth",
        "date_of_birth",
        "NINumber",
        "ni_number",
        "Email",
        "email",
        "Postcode",
        "PostcodePrior",
        "postcode",
        "AddLine1",
        "AddLine2",
        "AddLine3",
        "AddLine4",
        "TelNo",
        "PrefName",
        "learner",
        "record",
        "snapshot",
    }
)
_ULN_LIKE = re.compile(r"\b\d{10}\b")
_NINO_LIKE = re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]\b", re.IGNORECASE)
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def mask_text(text: str) -> str:
    text = _ULN_LIKE.sub("**********", text)
    text = _NINO_LIKE.sub("*********", text)
    return _EMAIL_LIKE.sub("***@***", text)


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if k in PERSONAL_KEYS else _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return {k: "***" if k in PERSONAL_KEYS else _mask(v) for k, v in event_dict.items()}


def mask_exception(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Runs after format_exc_info: a traceback's text carries the exception's message."""
    if isinstance(event_dict.get("exception"), str):
        event_dict["exception"] = mask_text(event_dict["exception"])
    return event_dict


class _MaskingFilter(logging.Filter):
    """Masks personal data in records from libraries that log through stdlib logging,
    tracebacks included."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_personal_data,
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, mask_exception, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
