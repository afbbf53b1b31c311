"""Waits until the records projection holds every ILR change committed before a job ran:
first until the ILR service's outbox holds none of the tenant's events, then until the
durable consumer has acked past the stream's last sequence (or nothing is pending). Both
waits share one deadline; past it the job goes on, and says so.
"""

from __future__ import annotations

import asyncio
import time

from faststream.nats import NatsBroker

from ilr_shared.logging import get_logger
from ilr_shared.outbox_barrier import pending_in_outbox

log = get_logger(__name__)

POLL_S = 0.1


class ProjectionSync:
    def __init__(
        self,
        broker: NatsBroker,
        stream: str,
        durable: str,
        timeout_s: float,
        upstream_source: str,
    ) -> None:
        self._broker = broker
        self._stream = stream
        self._durable = durable
        self._timeout_s = timeout_s
        self._upstream = upstream_source

    async def wait_caught_up(self, tenant: str) -> bool:
        """True once caught up; False after the timeout."""
        deadline = time.monotonic() + self._timeout_s
        return await self._upstream_outbox_drained(tenant, deadline) and (
            await self._consumer_caught_up(deadline)
        )

    async def _upstream_outbox_drained(self, tenant: str, deadline: float) -> bool:
        while True:
            pending = await pending_in_outbox(self._broker.connection, self._upstream, tenant)
            if pending is None:  # the ILR service is not running: nothing more will come now
                log.warning("export.upstream_unanswered", source=self._upstream, tenant=tenant)
                return True
            if pending == 0:
                return True
            if time.monotonic() >= deadline:
                log.warning("export.upstream_outbox_pending", tenant=tenant, pending=pending)
                return False
            await asyncio.sleep(POLL_S)

    async def _consumer_caught_up(self, deadline: float) -> bool:
        js = self._broker.connection.jetstream()
        watermark = (await js.stream_info(self._stream)).state.last_seq
        while True:
            info = await js.consumer_info(self._stream, self._durable)
            floor = info.ack_floor.stream_seq if info.ack_floor else 0
            idle = not info.num_pending and not info.num_ack_pending
            if (floor or 0) >= watermark or idle:
                return True
            if time.monotonic() >= deadline:
                log.warning(
                    "export.projection_lagging",
                    watermark=watermark,
                    ack_floor=floor,
                    pending=info.num_pending,
                )
                return False
            await asyncio.sleep(POLL_S)
