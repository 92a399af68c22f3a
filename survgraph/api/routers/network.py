"""/export/graph: the graph, or part of it, for network tools (GraphML, GEXF, CSV tables)."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from survgraph.api.deps import StoreDep
from survgraph.api.errors import Unprocessable
from survgraph.api.params import MAX_ID_LENGTH, MAX_TEXT_LENGTH, TEMPLATE_NAMES
from survgraph.api.responses import json_errors
from survgraph.network import CsvTable, GraphFormat, write_graph
from survgraph.queries.params import parse_key_values
from survgraph.viz import MAX_DEPTH, MIN_DEPTH, SubgraphReader

router = APIRouter(tags=["export"])


@router.get(
    "/export/graph",
    summary="The graph, or part of it, for Gephi (gexf), Cytoscape (graphml) or a spreadsheet (csv)",
    response_class=Response,
    responses={
        200: {
            "description": "The file; CSV is one table, the nodes or the edges",
            "content": {f.media_type: {"schema": {"type": "string"}} for f in GraphFormat},
        },
        **json_errors(e404="No entity has this id", e422="Invalid parameters"),
    },
)
def export_graph(
    store: StoreDep,
    format: Annotated[Literal["graphml", "gexf", "csv"], Query(description="The file format.")] = "graphml",
    table: Annotated[Literal["nodes", "edges"], Query(description="With format=csv: which table.")] = "edges",
    entity: Annotated[
        str | None, Query(max_length=MAX_ID_LENGTH, description="Only this entity and its neighbourhood.")
    ] = None,
    depth: Annotated[int, Query(ge=MIN_DEPTH, le=MAX_DEPTH, description="Hops around `entity`.")] = 1,
    query: Annotated[
        str | None,
        Query(
            max_length=MAX_ID_LENGTH,
            description="Only what this query template's rows reference (see /queries).",
            json_schema_extra={"enum": TEMPLATE_NAMES},
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        Query(max_length=MAX_TEXT_LENGTH, description="KEY=VALUE parameters of `query`, repeatable."),
    ] = None,
) -> Response:
    if entity and query:
        raise Unprocessable("give entity or query, not both")
    params = parse_key_values(param, option="param")
    if params and not query:
        raise Unprocessable("param needs query")
    reader = SubgraphReader(store)
    if entity:
        sub = reader.ego(entity, depth)  # an unknown entity: a 404
    elif query:
        sub = reader.query(query, params)
    else:
        sub = reader.whole()
    fmt = GraphFormat(format)
    buf = io.BytesIO()
    write_graph(sub, buf, fmt, CsvTable(table))
    name = f"survgraph{'-' + table if fmt is GraphFormat.csv else ''}{fmt.extension}"
    return Response(
        buf.getvalue(),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
