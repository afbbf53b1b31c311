"""Response models of the ILR API: what each `/api/ilrs*` route returns, for its OpenAPI.

They describe the JSON the service layer builds, field for field and in the same order;
open-ended parts (the record, provenance, problems) stay plain JSON objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Mongo hands back aware UTC datetimes; the API has always written them as `isoformat()`
# does (`+00:00`), where pydantic would write `Z`.
IsoDatetime = Annotated[
    datetime, PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json")
]

Status = Annotated[
    Literal["newly_submitted", "signature_required", "signed", "qa_verified", "completed"],
    Field(description="Workflow status of the ILR (`domain/workflow.py`)."),
]
Action = Literal["request_signature", "sign", "qa_verify", "complete", "reopen"]


class _Out(BaseModel):
    # extra="allow": a key the service adds reaches the client rather than vanishing
    model_config = ConfigDict(extra="allow")


class FindingOut(_Out):
    """One failure of an official validation rule."""

    rule: str = Field(description="Official rule name, e.g. `ULN_03` (see `/api/rules/{name}`).")
    severity: str = Field(description="`error` (blocks QA verification) or `warning`.")
    message: str
    field: str | None = Field(description="ILR element path the rule points at.")


class Signature(_Out):
    """The learner's signature, bound to the version it signed."""

    version: int = Field(description="Version of the ILR the signing wrote.")
    signed_version: int = Field(description="Version the learner saw and signed.")
    by: str = Field(description="Subject of the signing learner.")
    at: str = Field(description="When it was signed (ISO 8601).")


class Ilr(_Out):
    """One ILR as the caller may see it (a learner sees only the User part of the record)."""

    id: str
    tenant: str = Field(description="UKPRN of the provider.")
    programme_id: str | None = Field(description="Programme, none for an import without one.")
    enrolment_id: str | None = Field(description="Enrolment it was created from, if any.")
    academic_year: str = Field(description="e.g. `2026/27`.")
    status: Status
    version: int = Field(description="Current version; send it back in `If-Match`.")
    template_revision: int = Field(description="Programme template revision last applied.")
    withdrawn: bool = Field(description="The enrolment was withdrawn.")
    record: dict[str, Any] = Field(description="The learner's ILR fields, as in the XML.")
    user_part: list[str] = Field(description="Fields the learner may edit themselves.")
    provenance: dict[str, dict[str, Any]] = Field(
        description="Field path → where its value came from: `{source: template, revision}`, "
        "`{source: enrolment}` or `{source: person, actor, at}` (`removed` if emptied)."
    )
    delivery_keys: dict[str, str] = Field(
        description="AimSeqNumber → key of the template aim the delivery came from."
    )
    signature: Signature | None
    allowed_actions: list[Action] = Field(
        description="Workflow actions the caller may take now (POST `/transitions`)."
    )
    blocked_actions: dict[str, str] = Field(
        description="Action → why the record's content refuses it (e.g. errors block QA)."
    )
    findings: list[FindingOut] = Field(description="Validation findings of the saved record.")
    updated_at: IsoDatetime | None
    updated_by: str | None = Field(description="Subject of the last writer.")


class IlrSummary(_Out):
    """One ILR in a search result."""

    id: str
    programme_id: str | None
    enrolment_id: str | None
    academic_year: str
    status: Status
    version: int
    LearnRefNumber: str | None
    ULN: int | None
    GivenNames: str | None
    FamilyName: str | None
    updated_at: IsoDatetime | None
    error_count: int = Field(description="Findings of severity `error`.")
    warning_count: int = Field(description="Findings of severity `warning`.")


class IlrPage(_Out):
    items: list[IlrSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


Source = Annotated[
    str,
    Field(
        description="What wrote the version: template, enrolment, person, workflow, reset, "
        "restore, import or export."
    ),
]


class VersionSummary(_Out):
    version: int
    at: IsoDatetime
    actor: str = Field(description="Subject of the writer (a person or a service).")
    source: Source
    action: str | None = Field(description="What was done, e.g. `edit`, `sign`, `reset record`.")
    status: Status
    changed_fields: list[str] = Field(description="Record paths the version changed.")


class VersionList(_Out):
    items: list[VersionSummary] = Field(description="Every version of the ILR, newest first.")


class DiffEntry(_Out):
    path: str = Field(description="Record path, deliveries by template key where known.")
    before: Any = Field(description="Value in the previous version (null: absent).")
    after: Any = Field(description="Value in this version (null: absent).")


class VersionDetail(_Out):
    version: int
    at: IsoDatetime
    actor: str
    source: Source
    action: str | None
    status: Status
    record: dict[str, Any] = Field(description="The record as this version stored it.")
    delivery_keys: dict[str, str] = Field(
        description="AimSeqNumber → template key (empty for a learner)."
    )
    diff: list[DiffEntry] = Field(description="What changed since the previous version.")


class ValidationReport(_Out):
    version: int = Field(description="Version the findings were computed on.")
    findings: list[FindingOut]


class ImportedLearner(_Out):
    LearnRefNumber: str | None
    ilr_id: str | None = Field(description="The ILR written; null when skipped.")
    outcome: Literal["created", "updated", "unchanged", "skipped"]


class SkippedLearner(_Out):
    LearnRefNumber: str | None
    index: int = Field(description="Position of the learner in the file (0-based).")
    problems: list[dict[str, Any]] = Field(
        description="Why it was skipped: `{path, message, type, LearnRefNumber}` each."
    )


class ImportReport(_Out):
    """What an import did, learner by learner."""

    academic_year: str = Field(description="Year of the file (from its namespace).")
    created: int = Field(description="Learners imported as new ILRs.")
    updated: int = Field(description="Existing ILRs (same LearnRefNumber and year) updated.")
    unchanged: int = Field(description="Existing ILRs the file did not change.")
    skipped: list[SkippedLearner] = Field(
        description="Invalid learners left out (only with `skip_invalid=true`)."
    )
    learners: list[ImportedLearner] = Field(description="Every learner of the file, in order.")
    file_findings: list[FindingOut] = Field(
        description="Official file-level rules (file name, Header); they do not stop the import."
    )
