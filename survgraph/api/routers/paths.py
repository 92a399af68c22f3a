"""/paths: the shortest paths between two entities (the `shortest_path` template), claims resolved."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from survgraph.api.deps import StoreDep
from survgraph.api.errors import NotFound
from survgraph.api.models import EntityRef, ErrorOut, PathClaimOut, PathOut, PathsOut
from survgraph.api.params import EDGE_TYPE_NAMES, MAX_ID_LENGTH, edge_types
from survgraph.api.reads import GraphReads
from survgraph.queries import TEMPLATES, run_template
from survgraph.schema import REGISTRY

router = APIRouter(tags=["paths"])

#: Hop bounds cannot be Cypher parameters: they are validated integers, declared once, in the template's header.
_HOPS = next(p for p in TEMPLATES.get("shortest_path").params if p.name == "max_hops")
MIN_HOPS, MAX_HOPS, DEFAULT_HOPS = _HOPS.min, _HOPS.max, _HOPS.default


@router.get(
    "/paths",
    summary="Shortest paths between two entities, optionally through some edge types only",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def shortest_paths(
    store: StoreDep,
    from_id: Annotated[str, Query(alias="from", max_length=MAX_ID_LENGTH, description="One end's id.")],
    to_id: Annotated[str, Query(alias="to", max_length=MAX_ID_LENGTH, description="The other end's id.")],
    max_hops: Annotated[int, Query(ge=MIN_HOPS, le=MAX_HOPS, description="Longest path, in claims.")] = DEFAULT_HOPS,
    types: Annotated[
        list[str] | None,
        Query(
            description=f"Edge types to follow (repeat or comma-separate; case-insensitive): "
            f"{', '.join(REGISTRY.edge_types)}.",
            json_schema_extra={"items": {"type": "string", "enum": EDGE_TYPE_NAMES}},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many paths.")] = 10,
    as_of: Annotated[
        str | None,
        Query(
            max_length=10,
            description="Only claims in force on this day (YYYY-MM-DD); undated claims always count.",
        ),
    ] = None,
) -> PathsOut:
    allowed = edge_types(types)
    reads = GraphReads(store)
    for node_id in (from_id, to_id):
        if reads.entity(node_id) is None:
            raise NotFound(f"no entity with id {node_id!r}")
    params: dict[str, Any] = {"from": from_id, "to": to_id, "max_hops": max_hops, "limit": limit}
    if allowed:
        params["types"] = allowed
    if as_of:
        params["as_of"] = as_of  # checked by the template (a real calendar date), 422 otherwise
    rows = run_template(store, "shortest_path", params)
    claims = reads.claims_by_id(r["id"] for row in rows for r in row["path"]["relationships"])
    paths = []
    for row in rows:
        rels = []
        for rel in row["path"]["relationships"]:
            # A claim deleted since the search ran keeps the fields the template gave.
            full = claims[rel["id"]].model_dump() if rel["id"] in claims else rel
            rels.append(PathClaimOut.model_validate({**full, "direction": rel["direction"]}))
        paths.append(
            PathOut(
                rank=row["rank"],
                hops=row["hops"],
                text=row["path_text"],
                nodes=[EntityRef.model_validate(n) for n in row["path"]["nodes"]],
                relationships=rels,
            )
        )
    return PathsOut(from_id=from_id, to_id=to_id, max_hops=max_hops, types=allowed, paths=paths)
