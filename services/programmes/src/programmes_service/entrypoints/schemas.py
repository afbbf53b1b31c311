"""Request and response bodies of the programmes API (requests forbid unknown fields)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from ilr_shared.events import LearnerDetails
from ilr_shared.mongo import Document
from ilr_shared.template import IlrTemplate, RemovedCode

from ..domain.model import uln_is_valid

Name = Field(min_length=1, max_length=200)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeCreate(_Request):
    name: str = Name
    academic_year: str = Field(examples=["2026/27"])
    ilr_enabled: bool = True
    allow_sign_without_verification: bool = False


class ProgrammePatch(_Request):
    name: str | None = Field(None, min_length=1, max_length=200)
    ilr_enabled: bool | None = None
    allow_sign_without_verification: bool | None = None


class ProgrammeClone(_Request):
    name: str = Name
    academic_year: str = Field(examples=["2027/28"])


class Learner(LearnerDetails):
    """The learner as enrolled; the ULN must pass the ULN_04 check digit."""

    @field_validator("ULN")
    @classmethod
    def _uln_check_digit(cls, value: int) -> int:
        if not uln_is_valid(value):
            raise ValueError("ULN does not pass the check digit calculation (ULN_04)")
        return value


class EnrolmentCreate(_Request):
    learner: Learner
    LearnStartDate: date
    LearnPlanEndDate: date | None = None


class EnrolmentPatch(_Request):
    """Corrections from the sending system: a given `learner` replaces the whole learner;
    `LearnPlanEndDate: null` removes the planned end date."""

    learner: Learner | None = None
    LearnStartDate: date | None = None
    LearnPlanEndDate: date | None = None


class WithdrawRequest(_Request):
    reason: str = Field("", max_length=500)
    withdrawn_on: date | None = None


class Programme(BaseModel):
    id: str
    name: str
    academic_year: str
    ilr_enabled: bool
    allow_sign_without_verification: bool
    template_revision: int
    enrolment_count: int
    version: int
    cloned_from: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: Document, enrolment_count: int) -> Programme:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            academic_year=doc["academic_year"],
            ilr_enabled=doc["ilr_enabled"],
            allow_sign_without_verification=doc["allow_sign_without_verification"],
            template_revision=doc["template_revision"],
            enrolment_count=enrolment_count,
            version=doc["version"],
            cloned_from=doc.get("cloned_from"),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


class ProgrammePage(BaseModel):
    items: list[Programme]
    next_cursor: str | None


class RemovedCodeOut(BaseModel):
    path: str
    code: int | str
    reason: str

    @classmethod
    def of(cls, removed: RemovedCode) -> RemovedCodeOut:
        return cls(path=removed.path, code=removed.code, reason=removed.reason)


class CloneResponse(BaseModel):
    programme: Programme
    removed_codes: list[RemovedCodeOut]


class TemplateResponse(BaseModel):
    programme_id: str
    academic_year: str
    revision: int
    template: IlrTemplate | None
    updated_at: datetime | None

    @field_serializer("template")
    def _without_nulls(self, template: IlrTemplate | None) -> dict[str, Any] | None:
        return template.as_document() if template is not None else None

    @classmethod
    def of(cls, doc: Document) -> TemplateResponse:
        template = doc.get("template")
        return cls(
            programme_id=doc["_id"],
            academic_year=doc["academic_year"],
            revision=doc["template_revision"],
            template=IlrTemplate.model_validate(template) if template is not None else None,
            updated_at=doc.get("template_updated_at"),
        )


class Enrolment(BaseModel):
    id: str
    programme_id: str
    academic_year: str
    status: str
    learner: dict[str, Any]
    LearnStartDate: date
    LearnPlanEndDate: date | None
    withdraw_reason: str | None = None
    withdrawn_on: date | None = None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: Document) -> Enrolment:
        return cls(
            id=doc["_id"],
            programme_id=doc["programme_id"],
            academic_year=doc["academic_year"],
            status=doc["status"],
            learner=doc["learner"],
            LearnStartDate=doc["LearnStartDate"],
            LearnPlanEndDate=doc.get("LearnPlanEndDate"),
            withdraw_reason=doc.get("withdraw_reason"),
            withdrawn_on=doc.get("withdrawn_on"),
            version=doc["version"],
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


class EnrolmentPage(BaseModel):
    items: list[Enrolment]
    next_cursor: str | None


class CodeListsResponse(BaseModel):
    academic_year: str
    lists: dict[str, Any]
    type_labels: dict[str, dict[str, str]]
