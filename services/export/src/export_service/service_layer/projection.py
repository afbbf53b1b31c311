"""The `records` projection: the latest snapshot of every ILR, from `record.changed`."""

from __future__ import annotations

import datetime as dt

from export_service.adapters.repository import RecordsProjection
from ilr_shared.events import EventEnvelope, RecordChanged, parse_payload
from ilr_shared.logging import get_logger
from ilr_shared.messaging import PermanentEventError

log = get_logger(__name__)


async def apply_record_changed(records: RecordsProjection, event: EventEnvelope) -> bool:
    """Stores the snapshot if it is newer than the stored one; idempotent and
    order-independent (the version is compared in the write's filter)."""
    payload = parse_payload(event)
    if not isinstance(payload, RecordChanged):
        raise PermanentEventError(f"expected record.changed, got {event.event_type}")
    record = payload.record
    uln = record.get("ULN")
    stored = await records.upsert(
        event.tenant,
        payload.ilr_id,
        payload.version,
        {
            "tenant": event.tenant,
            "ilr_id": payload.ilr_id,
            "status": payload.status,
            "academic_year": payload.academic_year,
            "programme_id": payload.programme_id,
            "enrolment_id": payload.enrolment_id,
            "deleted": payload.deleted,
            "learn_ref": str(record.get("LearnRefNumber") or ""),
            "uln": str(uln) if uln is not None else None,
            "record": record,
            "event_id": str(event.event_id),
            "occurred_at": event.occurred_at,
            "projected_at": dt.datetime.now(dt.UTC),
        },
    )
    log.debug(
        "projection.record_changed",
        tenant=event.tenant,
        ilr_id=payload.ilr_id,
        version=payload.version,
        stored=stored,
    )
    return stored
