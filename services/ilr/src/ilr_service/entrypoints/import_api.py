"""`POST /api/ilrs/import`: an existing ILR XML file into the tenant's ILRs (admin).

The file is the request body (`application/xml`, `text/xml`, `application/octet-stream`)
or the `file` part of a `multipart/form-data` body. The body is read up to the size limit
(`ILR_IMPORT_MAX_BYTES`, default 50 MB; 413 beyond it) before anything is parsed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import status as http
from pydantic import Field, SerializerFunctionWrapHandler, model_serializer
from starlette.datastructures import UploadFile
from starlette.types import Message

from ilr_service.entrypoints.schemas import ImportedLearner, ImportReport
from ilr_service.service_layer.importing import IlrImporter
from ilr_shared.auth import CurrentPrincipal, Role, require_roles
from ilr_shared.http import ApiError

router = APIRouter(prefix="/api/ilrs", tags=["ilrs"])

RAW_TYPES = ("application/xml", "text/xml", "application/octet-stream", "")


def get_importer(request: Request) -> IlrImporter:
    importer: IlrImporter = request.app.state.ilr_importer
    return importer


Importer = Annotated[IlrImporter, Depends(get_importer)]


def _too_large(limit: int) -> ApiError:
    return ApiError(
        http.HTTP_413_CONTENT_TOO_LARGE,
        f"The file is larger than the import limit of {limit} bytes",
        max_bytes=limit,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it grows beyond `limit` (multipart overhead
    counts too)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def file_bytes(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The uploaded file and its name (a multipart upload names it; a raw body does not)."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";", 1)[0].strip().lower()
    body = await read_body(request, limit)
    if media == "multipart/form-data":
        replayed = False

        async def receive() -> Message:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(request.scope, receive).form(max_files=1, max_fields=10)
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise ApiError(
                    422,
                    "The request has no file",
                    [{"path": "body.file", "message": "attach the ILR XML file as 'file'"}],
                )
            return await upload.read(), upload.filename
        finally:
            await form.close()
    if media not in RAW_TYPES:
        raise ApiError(
            http.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "Send the ILR file as application/xml or as the 'file' part of multipart/form-data",
        )
    return body, None


class ImportOutcome(ImportedLearner):
    outcome: Literal["created", "updated", "unchanged", "skipped", "refused"]  # type: ignore[assignment]


PREVIEW_ONLY = ("dry_run", "refused", "would_import")


class ImportAnswer(ImportReport):
    """What an import did, or with `dry_run=true` would do (nothing is written then); the
    preview's own fields are absent from a real import's body."""

    learners: list[ImportOutcome] = Field(  # type: ignore[assignment]
        description="Every learner of the file, in order (`refused`: only in a preview)."
    )
    dry_run: bool | None = Field(None, description="True in a preview.")
    refused: int | None = Field(
        None, description="Preview: learners with problems (listed under `skipped`)."
    )
    would_import: bool | None = Field(
        None,
        description="Preview: false when refused learners would stop the whole import "
        "(ask again with `skip_invalid=true` to import the others).",
    )

    @model_serializer(mode="wrap")
    def _without_preview_fields(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        body = handler(self)
        if self.dry_run is None:
            for name in PREVIEW_ONLY:
                body.pop(name, None)
        return body


_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@router.post(
    "/import",
    response_model=ImportAnswer,
    dependencies=[require_roles(Role.ADMIN)],
    openapi_extra=_OPENAPI,
    summary="Import an ILR XML file (2025/26 or 2026/27)",
)
async def import_ilrs(
    request: Request,
    principal: CurrentPrincipal,
    importer: Importer,
    programme_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    skip_invalid: bool = False,
    dry_run: Annotated[
        bool, Query(description="Run every check and report what would happen; write nothing.")
    ] = False,
) -> dict[str, Any]:
    """Creates or updates the tenant's ILRs from the file's learners (matched by
    LearnRefNumber within the academic year) as versions with source `import`.

    422 lists every problem (learner LearnRefNumber + path) and imports nothing, unless
    `skip_invalid=true`: then the valid learners are imported and the others listed under
    `skipped`. New learners are attached to `programme_id` (or to no programme).
    `dry_run=true` answers with the preview (created / updated / unchanged / refused)."""
    data, name = await file_bytes(request, importer.max_bytes)
    if not data.strip():
        raise ApiError(422, "The file is empty", [{"path": "body", "message": "no content"}])
    return await importer.run(
        principal,
        data,
        programme_id=programme_id,
        skip_invalid=skip_invalid,
        file_name=name,
        dry_run=dry_run,
    )
