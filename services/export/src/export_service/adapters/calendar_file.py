"""Reading the return calendar: the packaged default (`data/return_calendar.json`) or the
operator's file named by `ILR_RETURN_CALENDAR`, validated before the service starts."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from export_service.domain.calendar import CalendarError, ReturnCalendar, parse_calendar

DEFAULT_CALENDAR = "return_calendar.json"


def load_calendar(path: str | None = None) -> ReturnCalendar:
    """The calendar at `path` (JSON), else the packaged one; raises CalendarError."""
    try:
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("export_service.data").joinpath(DEFAULT_CALENDAR).read_text()
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise CalendarError([f"cannot read {path or DEFAULT_CALENDAR}: {exc}"]) from exc
    return parse_calendar(data)
