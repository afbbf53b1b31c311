"""HTTP API of the programmes service (`/api/programmes`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from ilr_shared.auth import Principal, Role, require_roles
from ilr_shared.cursors import decode_cursor, encode_cursor
from ilr_shared.http import etag_for, parse_if_match
from ilr_shared.template import IlrTemplate, template_code_lists

from ..config import API_PREFIX
from ..domain.model import check_academic_year
from ..service_layer.services import EnrolmentChanges, ProgrammesService
from .schemas import (
    CloneResponse,
    CodeListsResponse,
    Enrolment,
    EnrolmentCreate,
    EnrolmentPage,
    EnrolmentPatch,
    Programme,
    ProgrammeClone,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammePatch,
    RemovedCodeOut,
    TemplateResponse,
    WithdrawRequest,
)


def _service(request: Request) -> ProgrammesService:
    service: ProgrammesService = request.app.state.programmes_service
    return service


Service = Annotated[ProgrammesService, Depends(_service)]
Reader = Annotated[Principal, require_roles(Role.ADMIN, Role.VERIFIER, Role.INTEGRATION)]
# Code lists are reference data: learners need them to complete their own ILR's User part.
AnyRole = Annotated[
    Principal, require_roles(Role.ADMIN, Role.VERIFIER, Role.INTEGRATION, Role.LEARNER)
]
Admin = Annotated[Principal, require_roles(Role.ADMIN)]
Enroller = Annotated[Principal, require_roles(Role.ADMIN, Role.INTEGRATION)]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]

router = APIRouter(prefix=API_PREFIX, tags=["programmes"])


def _after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    after = decode_cursor(cursor).get("after")
    return after if isinstance(after, str) else None


def _cursor(after: str | None) -> str | None:
    return encode_cursor({"after": after}) if after else None


def _if_match(header: str | None, programme_id: str) -> int | None:
    return parse_if_match(header, programme_id) if header is not None else None


async def _programme(service: ProgrammesService, tenant: str, programme_id: str) -> Programme:
    doc = await service.get_programme(tenant, programme_id)
    counts = await service.enrolment_counts(tenant, [programme_id])
    return Programme.of(doc, counts.get(programme_id, 0))


@router.get("/code-lists", response_model=CodeListsResponse)
async def code_lists(
    _: AnyRole, academic_year: Annotated[str, Query(examples=["2026/27"])]
) -> CodeListsResponse:
    """Code lists of the template fields (labels included) for the web forms."""
    check_academic_year(academic_year, "query.academic_year")
    data = template_code_lists(academic_year)
    return CodeListsResponse(
        academic_year=academic_year, lists=data["lists"], type_labels=data["type_labels"]
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Programme)
async def create_programme(
    body: ProgrammeCreate, principal: Admin, service: Service, response: Response
) -> Programme:
    doc = await service.create_programme(principal.tenant, **body.model_dump())
    response.headers["ETag"] = etag_for(doc["_id"], doc["version"])
    response.headers["Location"] = f"{API_PREFIX}/{doc['_id']}"
    return Programme.of(doc, 0)


@router.get("", response_model=ProgrammePage)
async def list_programmes(
    principal: Reader,
    service: Service,
    academic_year: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ProgrammePage:
    page = await service.list_programmes(
        principal.tenant, academic_year, q or None, _after(cursor), limit
    )
    counts = await service.enrolment_counts(principal.tenant, [d["_id"] for d in page.items])
    return ProgrammePage(
        items=[Programme.of(d, counts.get(d["_id"], 0)) for d in page.items],
        next_cursor=_cursor(page.next_after),
    )


@router.get("/{programme_id}", response_model=Programme)
async def get_programme(
    programme_id: str, principal: Reader, service: Service, response: Response
) -> Programme:
    programme = await _programme(service, principal.tenant, programme_id)
    response.headers["ETag"] = etag_for(programme.id, programme.version)
    return programme


@router.patch("/{programme_id}", response_model=Programme)
async def patch_programme(
    programme_id: str,
    body: ProgrammePatch,
    principal: Admin,
    service: Service,
    response: Response,
    if_match: IfMatch = None,
) -> Programme:
    changes = body.model_dump(exclude_unset=True)
    await service.update_programme(
        principal.tenant,
        programme_id,
        {k: v for k, v in changes.items() if v is not None},
        _if_match(if_match, programme_id),
    )
    programme = await _programme(service, principal.tenant, programme_id)
    response.headers["ETag"] = etag_for(programme.id, programme.version)
    return programme


@router.post(
    "/{programme_id}/clone", status_code=status.HTTP_201_CREATED, response_model=CloneResponse
)
async def clone_programme(
    programme_id: str, body: ProgrammeClone, principal: Admin, service: Service
) -> CloneResponse:
    """Copy a programme (and its template), also into another academic year (rollover):
    template codes the target year does not have are removed and listed."""
    result = await service.clone_programme(
        principal.tenant, programme_id, name=body.name, academic_year=body.academic_year
    )
    return CloneResponse(
        programme=Programme.of(result.programme, 0),
        removed_codes=[RemovedCodeOut.of(r) for r in result.removed_codes],
    )


@router.get("/{programme_id}/ilr-template", response_model=TemplateResponse)
async def get_template(programme_id: str, principal: Reader, service: Service) -> TemplateResponse:
    return TemplateResponse.of(await service.get_programme(principal.tenant, programme_id))


@router.put("/{programme_id}/ilr-template", response_model=TemplateResponse)
async def put_template(
    programme_id: str,
    body: IlrTemplate,
    principal: Admin,
    service: Service,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateResponse:
    """Replace the template (revision + 1); refused with field paths when invalid."""
    doc = await service.put_template(
        principal.tenant, programme_id, body, _if_match(if_match, programme_id)
    )
    response.headers["ETag"] = etag_for(doc["_id"], doc["version"])
    return TemplateResponse.of(doc)


@router.post(
    "/{programme_id}/enrolments", status_code=status.HTTP_201_CREATED, response_model=Enrolment
)
async def enrol(
    programme_id: str, body: EnrolmentCreate, principal: Enroller, service: Service
) -> Enrolment:
    doc = await service.enrol(
        principal.tenant, programme_id, body.learner, body.LearnStartDate, body.LearnPlanEndDate
    )
    return Enrolment.of(doc)


@router.get("/{programme_id}/enrolments", response_model=EnrolmentPage)
async def list_enrolments(
    programme_id: str,
    principal: Reader,
    service: Service,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EnrolmentPage:
    page = await service.list_enrolments(principal.tenant, programme_id, _after(cursor), limit)
    return EnrolmentPage(
        items=[Enrolment.of(d) for d in page.items], next_cursor=_cursor(page.next_after)
    )


@router.get("/{programme_id}/enrolments/{enrolment_id}", response_model=Enrolment)
async def get_enrolment(
    programme_id: str, enrolment_id: str, principal: Reader, service: Service, response: Response
) -> Enrolment:
    doc = await service.get_enrolment(principal.tenant, programme_id, enrolment_id)
    response.headers["ETag"] = etag_for(doc["_id"], doc["version"])
    return Enrolment.of(doc)


@router.patch("/{programme_id}/enrolments/{enrolment_id}", response_model=Enrolment)
async def patch_enrolment(
    programme_id: str,
    enrolment_id: str,
    body: EnrolmentPatch,
    principal: Enroller,
    service: Service,
    response: Response,
    if_match: IfMatch = None,
) -> Enrolment:
    """The sending system's corrections; published as `enrolment.updated` (the ILR takes
    them where nobody has edited the field)."""
    await service.get_enrolment(principal.tenant, programme_id, enrolment_id)  # 404 first
    changes = EnrolmentChanges(
        learner=body.learner,
        learn_start_date=body.LearnStartDate,
        learn_plan_end_date=body.LearnPlanEndDate,
        plan_end_date_given="LearnPlanEndDate" in body.model_fields_set,
    )
    doc = await service.update_enrolment(
        principal.tenant, programme_id, enrolment_id, changes, _if_match(if_match, enrolment_id)
    )
    response.headers["ETag"] = etag_for(doc["_id"], doc["version"])
    return Enrolment.of(doc)


@router.post("/{programme_id}/enrolments/{enrolment_id}/withdraw", response_model=Enrolment)
async def withdraw(
    programme_id: str,
    enrolment_id: str,
    body: WithdrawRequest,
    principal: Enroller,
    service: Service,
) -> Enrolment:
    doc = await service.withdraw(
        principal.tenant, programme_id, enrolment_id, body.reason, body.withdrawn_on
    )
    return Enrolment.of(doc)
