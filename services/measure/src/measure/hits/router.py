"""`POST /api/v1/hits`: batches from ENT servers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gipkit.errors import FieldError, Unprocessable, problem_responses
from measure.common.deps import Ingester, IngestionDep
from measure.hits import service
from measure.hits.body import JSON, read_hits
from measure.hits.schemas import IngestResult

router = APIRouter(prefix="/api/v1/hits", tags=["hits"])

_HIT_SCHEMA = {"$ref": "#/components/schemas/HitIn"}  # published by measure.main
_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "A JSON array of hits. The same hits as NDJSON (one per line, "
            "`Content-Type: application/x-ndjson`) are read too. Up to 10,000 hits or 10 MiB "
            "(decompressed): more is a 413, not a schema violation, so no `maxItems`. "
            "`Content-Encoding: gzip` accepted."
        ),
        "content": {
            JSON: {"schema": {"type": "array", "items": _HIT_SCHEMA}},
        },
    }
}


@router.post(
    "",
    response_model=IngestResult,
    summary="Send a batch of hits",
    description=(
        "Partial acceptance: each hit is taken or refused on its own. 200 when every hit was "
        "taken (new or duplicate), 207 when some were refused (listed in `errors` by index, "
        "or counted in `conflicts`), 422 problem+json when none was (the same counts and "
        "`errors`). The answer is sent once the accepted "
        "hits are durable. A hit for a project outside the caller's organisation is refused "
        "with an error on `site`."
    ),
    status_code=200,
    responses={
        207: {"model": IngestResult, "description": "Some hits refused"},
        **problem_responses(400, 413, 415, 502, 503, 504),
    },
    openapi_extra=_BODY,
)
async def post_hits(
    request: Request,
    principal: Ingester,
    ingestion: IngestionDep,
) -> JSONResponse:
    settings = ingestion.settings
    items = await read_hits(
        request, max_bytes=settings.max_body_bytes, max_hits=settings.max_batch_hits
    )
    result = await service.ingest(items=items, principal=principal, ingestion=ingestion)
    status = service.status_of(result, len(items))
    if status == 422:
        counts = result.model_dump(exclude={"errors"})
        raise Unprocessable(
            "no hit of the batch was taken",
            errors=[FieldError(**e.model_dump()) for e in result.errors],
            extra=counts,
        )
    return JSONResponse(result.model_dump(mode="json"), status_code=status)
