"""POST /records: validate a YAML record file and load it, all or nothing. Mounted only with an API key."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from survgraph.api.deps import ApiKeyDep, SettingsDep, StoreDep
from survgraph.api.errors import BadRequest, PayloadTooLarge, Unprocessable
from survgraph.api.models import ErrorOut, KindCountOut, LoadOut
from survgraph.api.posted import validate_body
from survgraph.graph import GraphStore
from survgraph.loaders import load_dataset

router = APIRouter(tags=["records"], dependencies=[ApiKeyDep])


async def _read_body(request: Request, limit: int) -> str:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the body is not UTF-8 text") from exc


def _load(text: str, store: GraphStore) -> LoadOut:
    ds = validate_body(text, store)
    if ds.errors:
        raise Unprocessable(
            f"{len(ds.errors)} problem(s) in the records; nothing was written", [str(p) for p in ds.errors]
        )
    if not ds.nodes and not ds.claims:
        raise BadRequest("the body holds no records")
    summary = load_dataset(store, ds).as_dict()
    return LoadOut(
        nodes={k: KindCountOut(**v) for k, v in summary["nodes"].items()},
        edges={k: KindCountOut(**v) for k, v in summary["edges"].items()},
        warnings=[str(p) for p in ds.warnings],
    )


@router.post(
    "/records",
    summary="Validate and load a YAML record file (sources, entities, claims) in one transaction",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
        }
    },
    responses={
        400: {"model": ErrorOut, "description": "The body is not UTF-8 text, or holds no records"},
        401: {"model": ErrorOut, "description": "Missing or wrong X-API-Key"},
        413: {"model": ErrorOut},
        422: {"model": ErrorOut, "description": "Problems as FILE:LINE: RECORD: FIELD: message; nothing written"},
    },
)
async def post_records(request: Request, store: StoreDep, settings: SettingsDep) -> LoadOut:
    text = await _read_body(request, settings.max_body_bytes)
    # Validation and the write block; keep them off the event loop.
    return await run_in_threadpool(_load, text, store)
