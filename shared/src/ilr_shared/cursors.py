"""Opaque page cursors: the sort value and id of a page's last row, base64 JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

from ilr_shared.errors import InvalidInputError, Problem

_BAD_CURSOR = Problem("query.cursor", "bad cursor")


def encode_cursor(values: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInputError("The cursor is not valid", [_BAD_CURSOR]) from exc
    if not isinstance(decoded, dict):
        raise InvalidInputError("The cursor is not valid", [_BAD_CURSOR])
    return decoded
