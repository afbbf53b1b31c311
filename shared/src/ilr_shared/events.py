"""Event contracts: the envelope every event travels in, subjects and payloads.

The contract is public: other company systems publish enrolment events themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    create_model,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from ilr_shared.ilr.records import SchemaProblem, validate_record
from ilr_shared.ilr.years import supported_years

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
    ENROLMENT_UPDATED = "enrolment.updated"
    RECORD_CHANGED = "record.changed"
    BATCH_SUBMITTED = "batch.submitted"


_EVENT_STREAM_PREFIX = {
    EventType.TEMPLATE_CHANGED: "programmes",
    EventType.PROGRAMME_CHANGED: "programmes",
    EventType.ENROLMENT_CREATED: "programmes",
    EventType.ENROLMENT_WITHDRAWN: "programmes",
    EventType.ENROLMENT_UPDATED: "programmes",
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


class LearnerIdentity(_Payload):
    """The learner of schema version 1 of `enrolment.created`: official ILR element names."""

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


_ENTITIES = "Items of the ILR entity of the enrolment's academic year (official element names)."


class LearnerDetails(LearnerIdentity):
    """The learner as enrolled (schema version 2): every Learner element a sending system
    can know. The whole learner must fit the academic year's ILR schema, except that
    elements the sending system does not know may be left out."""

    Ethnicity: int | None = None
    Sex: str | None = None
    LLDDHealthProb: int | None = None
    NINumber: str | None = None
    Accom: int | None = None
    MathGrade: str | None = None
    EngGrade: str | None = None
    PostcodePrior: str | None = Field(None, max_length=8)
    AddLine1: str | None = None
    AddLine2: str | None = None
    AddLine3: str | None = None
    AddLine4: str | None = None
    TelNo: str | None = None
    PriorAttain: list[dict[str, Any]] | None = Field(None, description=_ENTITIES)
    LLDDandHealthProblem: list[dict[str, Any]] | None = Field(None, description=_ENTITIES)
    LearnerFAM: list[dict[str, Any]] | None = Field(None, description=_ENTITIES)
    ProviderSpecLearnerMonitoring: list[dict[str, Any]] | None = Field(None, description=_ENTITIES)
    LearnerEmploymentStatus: list[dict[str, Any]] | None = Field(
        None, description=_ENTITIES + " EmpId and EmploymentStatusMonitoring included."
    )

    @field_validator("PostcodePrior")
    @classmethod
    def _upper_prior_postcode(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else value


def learner_schema_problems(academic_year: str, learner: Mapping[str, Any]) -> list[SchemaProblem]:
    """Where an enrolment's learner breaks the year's ILR schema (paths like
    `PriorAttain[0].PriorLevel`); a Learner element left out is no problem. An unsupported
    year is its consumer's to refuse."""
    if academic_year not in supported_years():
        return []
    return [
        problem
        for problem in validate_record(academic_year, dict(learner))
        if not (problem.code == "missing" and problem.path.isidentifier())
        and _first_element(problem.path) not in _IDENTITY_FIELDS
    ]


# The version-1 identity keeps its own checks (what senders have always been held to); a
# value the ILR schema refuses there (a digit in a name) becomes a rule finding on the ILR.
_IDENTITY_FIELDS = frozenset(LearnerIdentity.model_fields)


def _first_element(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


class _Enrolment(_Payload):
    """An enrolment as it stands: the learner and the programme dates."""

    enrolment_id: str = Field(min_length=1, max_length=100)
    programme_id: str = Field(min_length=1, max_length=100)
    academic_year: str = Field(pattern=ACADEMIC_YEAR_PATTERN)
    learner: LearnerDetails
    LearnStartDate: date
    LearnPlanEndDate: date | None = None


class EnrolmentCreated(_Enrolment):
    # The programme as the enrolment saw it: events of different aggregates may arrive in
    # any order, so a consumer that has not yet seen this programme version trusts these.
    ilr_enabled: bool = True
    programme_version: int | None = Field(None, ge=1)


class EnrolmentCreatedV1(EnrolmentCreated):
    """Schema version 1: the learner's identity and contact only."""

    learner: LearnerIdentity  # type: ignore[assignment]


class EnrolmentUpdated(_Enrolment):
    """The sending system's corrections: the whole enrolment as it now is."""


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
    EventType.ENROLMENT_UPDATED: EnrolmentUpdated,
    EventType.RECORD_CHANGED: RecordChanged,
    EventType.BATCH_SUBMITTED: BatchSubmitted,
}

PayloadKind = Literal[
    "template.changed",
    "programme.changed",
    "enrolment.created",
    "enrolment.withdrawn",
    "enrolment.updated",
    "record.changed",
    "batch.submitted",
]


# Schema versions older than the one `PAYLOADS` documents, still accepted.
OLDER_PAYLOADS: dict[tuple[str, int], type[_Payload]] = {
    (EventType.ENROLMENT_CREATED, 1): EnrolmentCreatedV1,
}
# The newest schema version of each event type (1 when not listed).
LATEST_SCHEMA_VERSION: dict[str, int] = {EventType.ENROLMENT_CREATED: 2}
# Contracts whose learner is checked against the academic year's ILR schema.
_LEARNER_CHECKED = {(EventType.ENROLMENT_CREATED, 2), (EventType.ENROLMENT_UPDATED, 1)}


def make_event(
    event_type: str,
    tenant: str,
    aggregate_id: str,
    sequence: int,
    payload: _Payload,
    schema_version: int = SCHEMA_VERSION,
) -> EventEnvelope:
    return EventEnvelope(
        event_type=event_type,
        schema_version=schema_version,
        tenant=tenant,
        aggregate_id=aggregate_id,
        sequence=sequence,
        payload=payload.model_dump(mode="json", exclude_none=True),
    )


def parse_payload(envelope: EventEnvelope) -> _Payload:
    """Validates the payload against the contract of its type and schema version (an older
    version is read as the newest model); raises pydantic.ValidationError, or KeyError for
    an unknown type or version."""
    event_type, version = envelope.event_type, envelope.schema_version
    latest = LATEST_SCHEMA_VERSION.get(event_type, SCHEMA_VERSION)
    if version != latest:
        OLDER_PAYLOADS[(event_type, version)].model_validate(envelope.payload)
    payload = PAYLOADS[event_type].model_validate(envelope.payload)
    if (event_type, version) in _LEARNER_CHECKED:
        _check_learner(payload)
    return payload


def _check_learner(payload: _Payload) -> None:
    learner = getattr(payload, "learner", None)
    academic_year = getattr(payload, "academic_year", "")
    if not isinstance(learner, BaseModel):
        return
    problems = learner_schema_problems(
        academic_year, learner.model_dump(mode="json", exclude_none=True)
    )
    if problems:
        raise ValidationError.from_exception_data(
            type(payload).__name__, [_line_error(problem) for problem in problems]
        )


def _line_error(problem: SchemaProblem) -> InitErrorDetails:
    loc: list[str | int] = ["learner"]
    for name, index in re.findall(r"([A-Za-z][A-Za-z0-9]*)|\[(\d+)\]", problem.path):
        loc.append(name or int(index))
    return {
        "type": PydanticCustomError("ilr_schema", "{detail}", {"detail": problem.message}),
        "loc": tuple(loc),
        "input": None,
    }


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
