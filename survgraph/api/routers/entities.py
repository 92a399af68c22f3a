"""/entities: list and search entities; /entities/{id}: one entity with its sources and claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from survgraph.api.deps import StoreDep
from survgraph.api.models import EntityDetailOut, EntityPage, ErrorOut
from survgraph.api.paging import After, decode_cursor, encode_cursor, refuse_offset
from survgraph.api.params import KIND_NAMES, MAX_ID_LENGTH, MAX_TEXT_LENGTH, Limit, node_kind
from survgraph.api.reads import GraphReads
from survgraph.graph import GraphView, NoSuchEntity
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
    summary="One entity: its properties, its sources, and its claims in both directions",
    response_model=EntityDetailOut,
    responses={404: {"model": ErrorOut, "description": "No entity has this id; `suggestions`: the closest ids"}},
)
def get_entity(
    store: StoreDep,
    entity_id: Annotated[str, Path(max_length=MAX_ID_LENGTH, description="e.g. vendor:huawei")],
) -> EntityDetailOut:
    detail = GraphReads(store).entity_detail(entity_id)
    if detail is None:
        raise NoSuchEntity(entity_id, GraphView(store).suggest(entity_id))
    return detail
