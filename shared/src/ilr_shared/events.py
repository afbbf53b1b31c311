"""Event contracts: the envelope every event travels in, subjects and payloads.

The contract is public: other company systems publish enrolment events themselves.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, create_model, field_validator

SCHEMA_VERSION = 1
UKPRN_PATTERN = r"^[1-9]\d{7}$"
ACADEMIC_YEAR_PATTERN = r"^\d{4}/\d{2}$"

STREAMS: dict[str, list[str]] = {
    "PROGRAMMES": ["programmes.>"],
    "ILR": ["ilr.>"],
    "EXPORTS": ["exports.>"],
    "DEADLETTER": ["deadletter.>"],
}


class EventType:
    TEMPLATE_CHANGED = "template.changed"
    PROGRAMME_CHANGED = "programme.changed"
    ENROLMENT_CREATED = "enrolment.created"
    ENROLMENT_WITHDRAWN = "enrolment.withdrawn"
    RECORD_CHANGED = "record.changed"
    BATCH_SUBMITTED = "batch.submitted"


_EVENT_STREAM_PREFIX = {
    EventType.TEMPLATE_CHANGED: "programmes",
    EventType.PROGRAMME_CHANGED: "programmes",
    EventType.ENROLMENT_CREATED: "programmes",
    EventType.ENROLMENT_WITHDRAWN: "programmes",
    EventType.RECORD_CHANGED: "ilr",
    EventType.BATCH_SUBMITTED: "exports",
}

_SUBJECT = re.compile(r"^(programmes|ilr|exports)\.([1-9]\d{7})\.([a-z]+\.[a-z]+)$")


def subject_for(event_type: str, tenant: str) -> str:
    """`programmes.<ukprn>.enrolment.created` and so on: subjects carry the tenant."""
    return f"{subject_prefix(event_type)}.{tenant}.{event_type}"


def subject_prefix(event_type: str) -> str:
    """`programmes`, `ilr` or `exports`: the service that publishes the event, and its stream."""
    return _EVENT_STREAM_PREFIX[event_type]


def parse_subject(subject: str) -> tuple[str, str] | None:
    """Returns (tenant, event_type) of a well-formed subject, else None."""
    match = _SUBJECT.match(subject)
    return (match.group(2), match.group(3)) if match else None


def deadletter_subject(subject: str) -> str:
    return f"deadletter.{subject}"


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    schema_version: int = SCHEMA_VERSION
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tenant: str = Field(pattern=UKPRN_PATTERN)
    aggregate_id: str = Field(min_length=1, max_length=100)
    sequence: int = Field(ge=1)
    payload: dict[str, Any]

    @property
    def subject(self) -> str:
        return subject_for(self.event_type, self.tenant)


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LearnerDetails(_Payload):
    """The learner as enrolled: official ILR element names."""

    LearnRefNumber: str = Field(pattern=r"^[A-Za-z0-9 ]{1,12}$")
    ULN: int = Field(ge=1_000_000_000, le=9_999_999_999)
    GivenNames: str = Field(min_length=1, max_length=100)
    FamilyName: str = Field(min_length=1, max_length=100)
    DateOfBirth: date | None = None
    Email: EmailStr | None = None
    Postcode: str | None = Field(None, max_length=8)

    @field_validator("Postcode")
    @classmethod
    def _upper_postcode(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value


class EnrolmentCreated(_Payload):
    enrolment_id: str = Field(min_length=1, max_length=100)
    programme_id: str = Field(min_length=1, max_length=100)
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    learner: LearnerDetails
    LearnStartDate: date
    LearnPlanEndDate: date | None = None
    # The programme as the enrolment saw it: events of different aggregates may arrive in
    # any order, so a consumer that has not yet seen this programme version trusts these.
    ilr_enabled: bool = True
    programme_version: int | None = Field(None, ge=1)


class EnrolmentWithdrawn(_Payload):
    enrolment_id: str = Field(min_length=1, max_length=100)
    programme_id: str = Field(min_length=1, max_length=100)
    reason: str = Field("", max_length=500)
    withdrawn_on: date


class TemplateChanged(_Payload):
    programme_id: str = Field(min_length=1, max_length=100)
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    revision: int = Field(ge=1)
    template: dict[str, Any]


class ProgrammeChanged(_Payload):
    programme_id: str = Field(min_length=1, max_length=100)
    name: str
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    ilr_enabled: bool
    allow_sign_without_verification: bool


class RecordChanged(_Payload):
    ilr_id: str
    version: int = Field(ge=1)
    status: str
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    programme_id: str
    enrolment_id: str | None = None
    record: dict[str, Any]
    deleted: bool = False


class SubmittedRecord(_Payload):
    ilr_id: str
    version: int = Field(ge=1)


class BatchSubmitted(_Payload):
    export_id: str
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    records: list[SubmittedRecord]


PAYLOADS: dict[str, type[_Payload]] = {
    EventType.TEMPLATE_CHANGED: TemplateChanged,
    EventType.PROGRAMME_CHANGED: ProgrammeChanged,
    EventType.ENROLMENT_CREATED: EnrolmentCreated,
    EventType.ENROLMENT_WITHDRAWN: EnrolmentWithdrawn,
    EventType.RECORD_CHANGED: RecordChanged,
    EventType.BATCH_SUBMITTED: BatchSubmitted,
}

PayloadKind = Literal[
    "template.changed",
    "programme.changed",
    "enrolment.created",
    "enrolment.withdrawn",
    "record.changed",
    "batch.submitted",
]


def make_event(
    event_type: str, tenant: str, aggregate_id: str, sequence: int, payload: _Payload
) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        tenant=tenant,
        aggregate_id=aggregate_id,
        sequence=sequence,
        payload=payload.model_dump(mode="json", exclude_none=True),
    )


def parse_payload(envelope: EventEnvelope) -> _Payload:
    """Validates the payload against its contract; raises pydantic.ValidationError."""
    return PAYLOADS[envelope.event_type].model_validate(envelope.payload)


def documented_envelope(event_type: str) -> type[BaseModel]:
    """The envelope with its payload typed, for the AsyncAPI document of the contract."""
    payload_model = PAYLOADS[event_type]
    name = "".join(part.capitalize() for part in event_type.split(".")) + "Event"
    return create_model(
        name,
        __base__=EventEnvelope,
        __doc__=f"`{event_type}` on subject `{subject_for(event_type, '{ukprn}')}`.",
        payload=(payload_model, ...),
    )
