"""The one place the service touches the shared ILR model, template and validation code."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from ilr_service.domain.paths import DELIVERY
from ilr_service.domain.record import RenderedTemplate
from ilr_shared.ilr.models import delivery_model, learner_model
from ilr_shared.ilr.records import validate_record
from ilr_shared.ilr.years import supported_years
from ilr_shared.template import as_template, render_deliveries
from ilr_shared.validation import ValidationContext, validate_learner

# The User part: what the learner fills in themselves.
USER_PART: tuple[str, ...] = (
    "GivenNames",
    "FamilyName",
    "DateOfBirth",
    "Sex",
    "Ethnicity",
    "NINumber",
    "LLDDHealthProb",
    "LLDDandHealthProblem",
    "PriorAttain",
    "Accom",
    "PostcodePrior",
    "Postcode",
    "AddLine1",
    "AddLine2",
    "AddLine3",
    "AddLine4",
    "TelNo",
    "Email",
    "MathGrade",
    "EngGrade",
    "LearnerEmploymentStatus",
)


def year_or_default(academic_year: str) -> str:
    """The year itself when the platform supports it, else the newest supported year."""
    years = supported_years()
    return academic_year if academic_year in years else years[-1]


@lru_cache(maxsize=4)
def learner_fields(academic_year: str) -> tuple[str, ...]:
    return tuple(learner_model(year_or_default(academic_year)).model_fields)


@lru_cache(maxsize=4)
def delivery_fields(academic_year: str) -> tuple[str, ...]:
    return tuple(delivery_model(year_or_default(academic_year)).model_fields)


def user_part(academic_year: str) -> tuple[str, ...]:
    fields = set(learner_fields(academic_year))
    return tuple(name for name in USER_PART if name in fields)


def order_record(academic_year: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The record with elements in XSD order (deliveries by AimSeqNumber)."""
    learner_order = {name: i for i, name in enumerate(learner_fields(academic_year))}
    delivery_order = {name: i for i, name in enumerate(delivery_fields(academic_year))}
    ordered = dict(sorted(record.items(), key=lambda kv: learner_order.get(kv[0], 10_000)))
    if DELIVERY in ordered:
        ordered[DELIVERY] = [
            dict(sorted(d.items(), key=lambda kv: delivery_order.get(kv[0], 10_000)))
            for d in sorted(ordered[DELIVERY], key=lambda d: d.get("AimSeqNumber") or 0)
        ]
    return ordered


def check_template(template: Mapping[str, Any]) -> None:
    """Raises (pydantic ValidationError) when the event's template is not a template."""
    as_template(template)


def render(
    template: Mapping[str, Any] | None,
    revision: int,
    learn_start_date: str,
    academic_year: str,
) -> RenderedTemplate | None:
    """The template rendered for one learner (the enrolment's own end date is applied by
    the domain, with enrolment provenance)."""
    if template is None or revision <= 0:
        return None
    rendered = render_deliveries(
        template,
        date.fromisoformat(learn_start_date),
        academic_year=year_or_default(academic_year),
    )
    return RenderedTemplate(
        revision=revision,
        deliveries=[
            (key, {k: v for k, v in delivery.items() if k != "AimSeqNumber"})
            for key, delivery in rendered
        ],
    )


def findings(record: Mapping[str, Any], academic_year: str, ukprn: str) -> list[dict[str, Any]]:
    """Business-rule findings (official rule names) for the saved record."""
    context = ValidationContext(academic_year=year_or_default(academic_year), ukprn=int(ukprn))
    return [
        {"rule": f.rule, "severity": f.severity, "message": f.message, "field": f.field}
        for f in validate_learner(record, context)
    ]


def schema_problems(record: Mapping[str, Any], academic_year: str) -> list[tuple[str, str, str]]:
    """(path, message, code) of XSD problems other than missing elements (an ILR is
    completed over time, so absent required elements are not an error while editing).
    Paths index deliveries by position: `LearningDelivery[0].DelLocPostCode`."""
    return [
        (p.path, p.message, p.code)
        for p in validate_record(year_or_default(academic_year), record)
        if p.code != "missing"
    ]
