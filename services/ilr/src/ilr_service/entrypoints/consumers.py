"""The service's durable JetStream pull consumers."""

from __future__ import annotations

from ilr_service.service_layer.events import EventHandlers
from ilr_service.service_layer.ingest import BatchIngest
from ilr_shared.messaging import ConsumerSpec

PROGRAMMES_DURABLE = "ilr-service"
EXPORTS_DURABLE = "ilr-service-exports"


def consumers(handlers: EventHandlers, ingest: BatchIngest) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            durable=PROGRAMMES_DURABLE,
            stream="PROGRAMMES",
            filter_subject="programmes.>",
            handler=handlers.handle_programmes,
            batch_handler=ingest.handle,
        ),
        ConsumerSpec(
            durable=EXPORTS_DURABLE,
            stream="EXPORTS",
            filter_subject="exports.*.batch.submitted",
            handler=handlers.batch_submitted,
        ),
    ]
