"""/export/graph: the graph, or part of it, for network tools (GraphML, GEXF, CSV tables)."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from survgraph.api.deps import StoreDep
from survgraph.api.params import AsOf, SelectEntity, SelectParams, SelectQuery, as_of_param, selection_params
from survgraph.api.responses import json_errors
from survgraph.network import CsvTable, GraphFormat, write_graph
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
        **json_errors(e404="No entity has this id", e422="Invalid parameters (e.g. `as_of` is not a day, YYYY-MM-DD)"),
    },
)
def export_graph(
    store: StoreDep,
    format: Annotated[Literal["graphml", "gexf", "csv"], Query(description="The file format.")] = "graphml",
    table: Annotated[Literal["nodes", "edges"], Query(description="With format=csv: which table.")] = "edges",
    entity: SelectEntity = None,
    depth: Annotated[int, Query(ge=MIN_DEPTH, le=MAX_DEPTH, description="Hops around `entity`.")] = 1,
    query: SelectQuery = None,
    param: SelectParams = None,
    as_of: AsOf = None,
) -> Response:
    params = selection_params(entity, query, param)
    reader = SubgraphReader(store, as_of=as_of_param(as_of))
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
