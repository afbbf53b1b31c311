"""`GET /api/rules`: the official rule catalogue of a year, and one rule with its guidance.

Any signed-in user may read it (a learner's findings link here too).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from ilr_shared.auth import CurrentPrincipal
from ilr_shared.http import not_found
from ilr_shared.ilr.years import supported_years
from ilr_shared.validation import rule_catalogue
from ilr_shared.validation.catalogue import CatalogueEntry, CatalogueSummary, summarise
from ilr_shared.validation.official import official_rule

router = APIRouter(prefix="/api/rules", tags=["rules"])

Year = Annotated[str, Query(description="Academic year, e.g. 2026/27")]


class RuleOut(BaseModel):
    name: str
    category: str
    status: str
    status_text: str
    needs: list[str]
    severity: str
    message: str


class RuleDetail(RuleOut):
    reason: str
    description: str
    intent: str
    guidance: str
    definition: str
    exclusions: str


class CatalogueOut(BaseModel):
    academic_year: str
    summary: CatalogueSummary
    rules: list[RuleOut]


def _out(entry: CatalogueEntry) -> RuleOut:
    return RuleOut(
        name=entry.name,
        category=entry.category,
        status=entry.status,
        status_text=entry.status_text,
        needs=entry.needs,
        severity=entry.severity,
        message=entry.message,
    )


def _checked_year(year: str) -> str:
    if year not in supported_years():
        raise not_found(f"Academic year {year}")
    return year


@router.get("", response_model=CatalogueOut)
async def catalogue(
    principal: CurrentPrincipal,
    year: Year = "2026/27",
    status: Literal["implemented", "needs reference data", "not applicable", "not implemented"]
    | None = None,
) -> CatalogueOut:
    entries = [e for e in rule_catalogue(_checked_year(year)) if e.official]
    chosen = [e for e in entries if status is None or e.status == status]
    return CatalogueOut(
        academic_year=year, summary=summarise(entries, year), rules=[_out(e) for e in chosen]
    )


@router.get("/{name}", response_model=RuleDetail)
async def one_rule(principal: CurrentPrincipal, name: str, year: Year = "2026/27") -> RuleDetail:
    entry = next((e for e in rule_catalogue(_checked_year(year)) if e.name == name), None)
    if entry is None:
        raise not_found(f"Rule {name}")
    official = official_rule(name, year)
    return RuleDetail(
        **_out(entry).model_dump(),
        reason=entry.reason,
        description=official.description if official else "",
        intent=official.intent if official else "",
        guidance=official.guidance if official else "",
        definition=official.detailed_description if official else "",
        exclusions=official.exclusions if official else "",
    )
