"""One poll loop for background workers (the outbox relay, the export job worker)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from ilr_shared.logging import get_logger

log = get_logger(__name__)

# One pass of the work; True when it found something (then the next pass runs at once).
Pass = Callable[[], Awaitable[bool]]


class PollLoop:
    """Runs `one_pass` until cancelled: again at once while it finds work, else after a
    `kick()` or `interval_s`. An error is logged as `error_event` and the loop goes on
    after `error_pause_s` (the database or NATS may be away for a while)."""

    def __init__(
        self, one_pass: Pass, interval_s: float, error_event: str, error_pause_s: float = 0.0
    ) -> None:
        self._one_pass = one_pass
        self._interval_s = interval_s
        self._error_event = error_event
        self._error_pause_s = error_pause_s
        self._wakeup = asyncio.Event()

    def kick(self) -> None:
        """There is work now: run the next pass at once instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            if not await self._run_pass():
                await self._wait_for_kick_or_interval()

    async def _run_pass(self) -> bool:
        try:
            return await self._one_pass()
        except Exception as exc:  # keep trying: the next pass may find its dependency back
            log.warning(self._error_event, error=f"{type(exc).__name__}: {exc}")
            if self._error_pause_s > 0:
                await asyncio.sleep(self._error_pause_s)
            return False

    async def _wait_for_kick_or_interval(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self._interval_s)
        self._wakeup.clear()
