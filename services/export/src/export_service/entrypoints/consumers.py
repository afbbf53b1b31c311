"""Event consumers: the durable pull consumer `export-service` on `ilr.*.record.changed`."""

from __future__ import annotations

from export_service.adapters.repository import RecordsProjection
from export_service.service_layer.projection import apply_record_changed
from ilr_shared.events import EventEnvelope
from ilr_shared.messaging import ConsumerSpec

DURABLE = "export-service"


def record_changed_consumer(records: RecordsProjection) -> ConsumerSpec:
    async def handle(event: EventEnvelope) -> None:
        await apply_record_changed(records, event)

    return ConsumerSpec(
        durable=DURABLE, stream="ILR", filter_subject="ilr.*.record.changed", handler=handle
    )
