"""HTTP API of the ILR service (`/api/ilrs*`, docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ilr_service.domain import ilr as domain
from ilr_service.entrypoints.schemas import (
    Ilr,
    IlrPage,
    ValidationReport,
    VersionDetail,
    VersionList,
)
from ilr_service.service_layer.commands import IlrCommands
from ilr_service.service_layer.queries import IlrQueries
from ilr_shared.auth import CurrentPrincipal, Role, require_roles
from ilr_shared.http import etag_for, parse_if_match

router = APIRouter(prefix="/api/ilrs", tags=["ilrs"])


def get_commands(request: Request) -> IlrCommands:
    commands: IlrCommands = request.app.state.ilr_commands
    return commands


def get_queries(request: Request) -> IlrQueries:
    queries: IlrQueries = request.app.state.ilr_queries
    return queries


Commands = Annotated[IlrCommands, Depends(get_commands)]
Queries = Annotated[IlrQueries, Depends(get_queries)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]


@dataclass(frozen=True)
class Target:
    """The ILR a write applies to, as the caller may see it, and the version it expects."""

    ilr: domain.Ilr
    expected: int


async def write_target(
    ilr_id: str, principal: CurrentPrincipal, queries: Queries, if_match: IfMatch = None
) -> Target:
    ilr = await queries.load(principal, ilr_id)  # 404 before 428 for what one cannot see
    return Target(ilr, parse_if_match(if_match, ilr_id))


async def optional_target(
    ilr_id: str, principal: CurrentPrincipal, queries: Queries, if_match: IfMatch = None
) -> tuple[domain.Ilr, int | None]:
    ilr = await queries.load(principal, ilr_id)
    return ilr, parse_if_match(if_match, ilr_id) if if_match is not None else None


WriteTarget = Annotated[Target, Depends(write_target)]
# transitions take If-Match when given: a status change needs no particular version
TransitionTarget = Annotated[tuple[domain.Ilr, int | None], Depends(optional_target)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatchBody(_Body):
    set: dict[str, Any] = Field(default_factory=dict)
    unset: list[str] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def one_to_200_changes(self) -> PatchBody:
        if not self.set and not self.unset:
            raise ValueError("give at least one field in set or unset")
        if len(self.set) > 200:
            raise ValueError("at most 200 fields at once")
        return self


class ResetBody(_Body):
    fields: list[str] | None = Field(None, min_length=1, max_length=200)
    delivery: str | None = Field(None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def fields_or_delivery(self) -> ResetBody:
        if self.fields and self.delivery:
            raise ValueError("give fields or delivery, not both")
        return self


class TransitionBody(_Body):
    action: Literal["request_signature", "sign", "qa_verify", "complete", "reopen"]
    reason: str | None = Field(None, max_length=1000)


async def _ilr_response(
    queries: IlrQueries, principal: CurrentPrincipal, ilr: domain.Ilr, status_code: int = 200
) -> JSONResponse:
    body = await queries.view(principal, ilr)
    return JSONResponse(
        jsonable_encoder(body), status_code, headers={"ETag": etag_for(ilr.id, ilr.version)}
    )


@router.get("", response_model=IlrPage)
async def search_ilrs(
    principal: CurrentPrincipal,
    queries: Queries,
    q: Annotated[str | None, Query(max_length=100)] = None,
    uln: Annotated[int | None, Query(ge=0)] = None,
    learn_ref: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    programme_id: Annotated[str | None, Query(max_length=100)] = None,
    academic_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{2}$")] = None,
    sort: Annotated[str, Query()] = "-updated_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    page = await queries.search(
        principal,
        q=q,
        uln=uln,
        learn_ref=learn_ref,
        status=status,
        programme_id=programme_id,
        academic_year=academic_year,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return jsonable_encoder(page)  # type: ignore[no-any-return]


@router.get("/{ilr_id}", response_model=Ilr)
async def get_ilr(ilr_id: str, principal: CurrentPrincipal, queries: Queries) -> JSONResponse:
    ilr = await queries.load(principal, ilr_id)
    return await _ilr_response(queries, principal, ilr)


@router.patch("/{ilr_id}", response_model=Ilr)
async def patch_ilr(
    body: PatchBody,
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    ilr = await commands.edit(principal, target.ilr, target.expected, body.set, body.unset)
    return await _ilr_response(queries, principal, ilr)


@router.post(
    "/{ilr_id}/deliveries",
    response_model=Ilr,
    status_code=201,
    dependencies=[require_roles(Role.ADMIN)],
)
async def add_delivery(
    body: dict[str, Any],
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    ilr = await commands.add_delivery(principal, target.ilr, target.expected, body)
    return await _ilr_response(queries, principal, ilr, 201)


@router.patch(
    "/{ilr_id}/deliveries/{seq}", response_model=Ilr, dependencies=[require_roles(Role.ADMIN)]
)
async def patch_delivery(
    seq: int,
    body: dict[str, Any],
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    prefix = f"LearningDelivery[seq={seq}]"
    sets = {f"{prefix}.{k}": v for k, v in body.items() if v is not None}
    unsets = [f"{prefix}.{k}" for k, v in body.items() if v is None]
    ilr = await commands.edit(principal, target.ilr, target.expected, sets, unsets)
    return await _ilr_response(queries, principal, ilr)


class WithdrawDeliveryBody(_Body):
    LearnActEndDate: date
    WithdrawReason: int = Field(ge=0, le=99)


@router.post(
    "/{ilr_id}/deliveries/{seq}/withdraw",
    response_model=Ilr,
    dependencies=[require_roles(Role.ADMIN)],
)
async def withdraw_delivery(
    seq: int,
    body: WithdrawDeliveryBody,
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    prefix = f"LearningDelivery[seq={seq}]"
    sets = {
        f"{prefix}.LearnActEndDate": body.LearnActEndDate.isoformat(),
        f"{prefix}.WithdrawReason": body.WithdrawReason,
        f"{prefix}.CompStatus": 3,  # withdrawn from the learning activities
    }
    ilr = await commands.edit(principal, target.ilr, target.expected, sets, [])
    return await _ilr_response(queries, principal, ilr)


@router.post(
    "/{ilr_id}/reset-to-template", response_model=Ilr, dependencies=[require_roles(Role.ADMIN)]
)
async def reset_to_template(
    body: ResetBody,
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    ilr = await commands.reset(principal, target.ilr, target.expected, body.fields, body.delivery)
    return await _ilr_response(queries, principal, ilr)


@router.get("/{ilr_id}/versions", response_model=VersionList)
async def list_versions(
    ilr_id: str, principal: CurrentPrincipal, queries: Queries
) -> dict[str, Any]:
    return jsonable_encoder({"items": await queries.versions(principal, ilr_id)})  # type: ignore[no-any-return]


@router.get("/{ilr_id}/versions/{version}", response_model=VersionDetail)
async def get_version(
    ilr_id: str, version: int, principal: CurrentPrincipal, queries: Queries
) -> dict[str, Any]:
    return jsonable_encoder(await queries.version(principal, ilr_id, version))  # type: ignore[no-any-return]


@router.post(
    "/{ilr_id}/versions/{version}/restore",
    response_model=Ilr,
    dependencies=[require_roles(Role.ADMIN)],
)
async def restore_version(
    version: int,
    target: WriteTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    ilr = await commands.restore(principal, target.ilr, version, target.expected)
    return await _ilr_response(queries, principal, ilr)


@router.post("/{ilr_id}/transitions", response_model=Ilr)
async def transition(
    body: TransitionBody,
    target: TransitionTarget,
    principal: CurrentPrincipal,
    commands: Commands,
    queries: Queries,
) -> JSONResponse:
    ilr, expected = target
    ilr = await commands.transition(principal, ilr, body.action, body.reason, expected)
    return await _ilr_response(queries, principal, ilr)


@router.get("/{ilr_id}/validation", response_model=ValidationReport)
async def validation(ilr_id: str, principal: CurrentPrincipal, queries: Queries) -> dict[str, Any]:
    ilr = await queries.load(principal, ilr_id)
    return {"version": ilr.version, "findings": ilr.findings}
