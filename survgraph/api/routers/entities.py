"""/entities: list and search entities; /entities/{id}: one entity with its sources and claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from survgraph.api.deps import StoreDep
from survgraph.api.models import EntityDetailOut, EntityPage, ErrorOut
from survgraph.api.paging import MAX_CURSOR_LENGTH, After, decode_cursor, encode_cursor, refuse_offset
from survgraph.api.params import (
    KIND_NAMES,
    MAX_ID_LENGTH,
    MAX_LIMIT,
    MAX_TEXT_LENGTH,
    AsOf,
    Limit,
    as_of_param,
    node_kind,
)
from survgraph.api.reads import GraphReads
from survgraph.graph import GraphStore, GraphView, NoSuchEntity
from survgraph.schema import REGISTRY

router = APIRouter(prefix="/entities", tags=["entities"])

_KINDS = list(REGISTRY.node_kinds)


@router.get(
    "",
    summary="List entities, optionally of one kind or matching a name, a page at a time in id order",
    response_model=EntityPage,
    responses={400: {"model": ErrorOut, "description": "An invalid or foreign `after` cursor, or `offset`"}},
)
def list_entities(
    store: StoreDep,
    request: Request,
    kind: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_LENGTH,
            description=f"Node kind: {', '.join(_KINDS)} (or its id prefix); case-insensitive.",
            json_schema_extra={"enum": KIND_NAMES},
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=MAX_TEXT_LENGTH, description="Case-insensitive substring of the name or an alias."),
    ] = None,
    limit: Limit = 50,
    after: After = None,
) -> EntityPage:
    refuse_offset(request)
    label = node_kind(kind) if kind else None
    start = decode_cursor("entities", after)
    total, items, last = GraphReads(store).search_entities(kind=label, q=q or None, limit=limit, after=start)
    return EntityPage(total=total, limit=limit, next=encode_cursor("entities", last) if last else None, items=items)


@router.get(
    "/{entity_id}",
    summary="One entity: its properties, its sources, and its claims in both directions (a source: what cites it)",
    response_model=EntityDetailOut,
    responses={
        400: {"model": ErrorOut, "description": "An invalid `cited_by_after` cursor"},
        404: {"model": ErrorOut, "description": "No entity has this id; `suggestions`: the closest ids"},
    },
)
async def get_entity(
    store: StoreDep,
    entity_id: Annotated[str, Path(max_length=MAX_ID_LENGTH, description="e.g. vendor:huawei")],
    as_of: AsOf = None,
    cited_by_limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="A source: how many citing entities and claims per page.")
    ] = 50,
    cited_by_after: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="A source: the `cited_by.next` cursor of the previous page; leave out for the first.",
        ),
    ] = None,
) -> Response:
    day = as_of_param(as_of)
    start = decode_cursor("cited_by", cited_by_after)
    # One hop to the thread pool for the reads and the JSON, and the body as FastAPI would have written it
    # from the model (the same dump_json), without validating the model again on another hop.
    body = await run_in_threadpool(_entity_json, store, entity_id, day, cited_by_limit, start)
    return Response(body, media_type="application/json")


_DETAIL = TypeAdapter(EntityDetailOut)


def _entity_json(store: GraphStore, entity_id: str, day: str | None, cited_by_limit: int, start: str) -> bytes:
    """GET /entities/{id}'s body: every read on one pooled connection (one_connection)."""
    with store.one_connection():
        # Entities are read whatever the day; their claims (and what cites a source) only those in force then.
        reads = GraphReads(store, as_of=day)
        detail = reads.entity_detail(entity_id)
        if detail is None:
            raise NoSuchEntity(entity_id, GraphView(store).suggest(entity_id))
        if detail.entity.kind == "Source":
            detail.cited_by, last = reads.cited_by(detail.entity.id, limit=cited_by_limit, after=start)
            detail.cited_by.next = encode_cursor("cited_by", last) if last else None
    return _DETAIL.dump_json(detail, by_alias=True)
