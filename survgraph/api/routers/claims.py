"""/claims: the edges of the graph, each a sourced claim, filtered and paged by cursor (api/paging.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from survgraph.api.deps import StoreDep
from survgraph.api.models import ClaimPage, ErrorOut
from survgraph.api.paging import After, decode_cursor, encode_cursor, refuse_offset
from survgraph.api.params import EDGE_TYPE_NAMES, MAX_ID_LENGTH, Limit, edge_type
from survgraph.api.reads import GraphReads
from survgraph.schema import REGISTRY, Confidence

router = APIRouter(prefix="/claims", tags=["claims"])

IdQuery = Annotated[str | None, Query(max_length=MAX_ID_LENGTH)]


@router.get(
    "",
    summary="List claims by type, endpoint and confidence, a page at a time in id order",
    response_model=ClaimPage,
    responses={400: {"model": ErrorOut, "description": "An invalid or foreign `after` cursor, or `offset`"}},
)
def list_claims(
    store: StoreDep,
    request: Request,
    type: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_LENGTH,
            description=f"Edge type: {', '.join(REGISTRY.edge_types)}; case-insensitive.",
            json_schema_extra={"enum": EDGE_TYPE_NAMES},
        ),
    ] = None,
    from_id: Annotated[str | None, Query(alias="from", max_length=MAX_ID_LENGTH, description="Subject id.")] = None,
    to_id: Annotated[str | None, Query(alias="to", max_length=MAX_ID_LENGTH, description="Object id.")] = None,
    confidence: Confidence | None = None,
    limit: Limit = 50,
    after: After = None,
) -> ClaimPage:
    refuse_offset(request)
    start = decode_cursor("claims", after)
    total, items, last = GraphReads(store).search_claims(
        type=edge_type(type) if type else None,
        from_id=from_id,
        to_id=to_id,
        confidence=confidence.value if confidence else None,
        limit=limit,
        after=start,
    )
    return ClaimPage(total=total, limit=limit, next=encode_cursor("claims", last) if last else None, items=items)
