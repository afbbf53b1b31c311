"""`/api/ilrs/rollover`: continuing learners into the next collection year (admin), with a
preview (`dry_run`), and the links between an ILR and its rollover."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from ilr_service.service_layer.rollover import MAX_SELECTION, IlrRollover, RolloverRequest
from ilr_shared.auth import CurrentPrincipal, Role, require_roles

router = APIRouter(prefix="/api/ilrs/rollover", tags=["ilrs"])


def get_rollover(request: Request) -> IlrRollover:
    rollover: IlrRollover = request.app.state.ilr_rollover
    return rollover


Rollover = Annotated[IlrRollover, Depends(get_rollover)]


class RolloverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    academic_year: str = Field(description="The year to roll out of, e.g. 2025/26.")
    programme_id: str | None = Field(
        None, min_length=1, max_length=100, description="Every ILR of this programme and year."
    )
    ilr_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, max_length=MAX_SELECTION, description="Or a selection of ILRs of the year."
    )
    target_programme_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="The programme of the new ILRs (its next-year copy); default: the same.",
    )
    dry_run: bool = Field(False, description="Report what would happen; write nothing.")


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class RolledLearner(_Out):
    ilr_id: str | None = Field(description="The ILR of the old year.")
    LearnRefNumber: str | None
    programme_id: str | None
    outcome: Literal[
        "created",
        "already_rolled_over",
        "not_continuing",
        "exists_in_target_year",
        "other_year",
        "not_found",
    ] = Field(description="`created` in a preview: would be created.")
    new_ilr_id: str | None = Field(description="The new year's ILR (created or already there).")


class RolloverReportOut(_Out):
    """What a rollover did (or, with `dry_run`, would do), learner by learner; each
    continuing learner also lists `deliveries_carried`, `deliveries_left_behind`,
    `changes` (codes removed or relabelled, elements dropped or moved) and
    `schema_problems` of the new year (elements a person must complete)."""

    academic_year: str
    target_year: str
    programme_id: str | None
    target_programme_id: str | None
    dry_run: bool
    counts: dict[str, int] = Field(description="Learners by outcome.")
    learners: list[RolledLearner]


class RolloverLinks(_Out):
    ilr_id: str
    academic_year: str
    rolled_over_from: str | None = Field(description="The previous year's ILR, if rolled over.")
    rolled_over_to: str | None = Field(description="The next year's ILR, if rolled over.")


@router.post(
    "",
    response_model=RolloverReportOut,
    dependencies=[require_roles(Role.ADMIN)],
    summary="Roll continuing learners into the next collection year",
)
async def roll_over(
    body: RolloverBody, principal: CurrentPrincipal, rollover: Rollover
) -> dict[str, Any]:
    """Continuing learners (a delivery without LearnActEndDate, on a break in learning,
    or ended but not completed) get an ILR of the next year with source `rollover`;
    running it again creates nothing new. 422 for a year without a next supported year
    or a target programme of another year."""
    request = RolloverRequest(
        academic_year=body.academic_year,
        programme_id=body.programme_id,
        ilr_ids=body.ilr_ids,
        target_programme_id=body.target_programme_id,
        dry_run=body.dry_run,
    )
    return await rollover.run(principal, request)


@router.get(
    "/links/{ilr_id}",
    response_model=RolloverLinks,
    dependencies=[require_roles(Role.ADMIN)],
    summary="The ILRs an ILR was rolled over from and into",
)
async def rollover_links(
    ilr_id: str, principal: CurrentPrincipal, rollover: Rollover
) -> dict[str, Any]:
    return await rollover.links(principal, ilr_id)
