"""/queries: the named Cypher templates with their parameter schemas, and running one with GET parameters.

Each template is its own operation in the OpenAPI schema (`GET /queries/vendor_footprint`, ...) with its
parameters declared: which are required, their types, enums and bounds. An unknown name is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request

from survgraph.api.deps import StoreDep
from survgraph.api.models import ColumnOut, ParamOut, QueryResultOut, TemplateList, TemplateOut
from survgraph.api.params import MAX_ID_LENGTH, template_params, template_query_parameters
from survgraph.api.reads import json_safe
from survgraph.api.responses import json_errors
from survgraph.graph import GraphStore
from survgraph.queries import TEMPLATES, Template, run_template
from survgraph.queries.sources import resolve_sources

router = APIRouter(prefix="/queries", tags=["queries"])


def _template_out(t: Template) -> TemplateOut:
    listing = t.as_dict()
    return TemplateOut(
        name=t.name,
        title=t.title,
        description=t.description,
        params=[ParamOut.model_validate(json_safe(p)) for p in listing["params"]],
        columns=[ColumnOut.model_validate(c) for c in listing["columns"]],
        parameters_schema=t.json_schema(),
    )


@router.get("", summary="The query templates and the JSON Schema of their parameters")
def list_queries() -> TemplateList:
    return TemplateList(items=[_template_out(t) for t in TEMPLATES.listing()])


def _run(store: GraphStore, request: Request, name: str) -> QueryResultOut:
    template = TEMPLATES.get(name)  # UnknownTemplate -> 404
    params = template_params(template, request)
    rows = run_template(store, name, params)  # TemplateParamError -> 422, with every problem
    rows = resolve_sources(store, rows)  # [{id, publisher, title, date, url}], one look-up
    columns = list(template.columns) or (list(rows[0]) if rows else [])
    return QueryResultOut(template=name, params=json_safe(params), columns=columns, rows=[json_safe(r) for r in rows])


def _endpoint(name: str) -> Callable[[GraphStore, Request], QueryResultOut]:
    def endpoint(store: StoreDep, request: Request) -> QueryResultOut:
        return _run(store, request, name)

    endpoint.__name__ = f"run_{name}"
    return endpoint


for _t in TEMPLATES.listing():
    router.add_api_route(
        f"/{_t.name}",
        _endpoint(_t.name),
        methods=["GET"],
        summary=f"Run the template {_t.name}: {_t.title}",
        description=_t.description,
        response_model=QueryResultOut,
        responses=json_errors(
            e404="An entity id parameter names no entity; `suggestions`: the closest ids",
            e422="Invalid parameters: each problem (missing, unknown, out of range, a bad as_of date) in `details`",
        ),
        openapi_extra={"parameters": template_query_parameters(_t)},
    )


@router.get(
    "/{name}",
    summary="Run a template by name (each template is also documented as its own operation)",
    include_in_schema=False,
)
def run_query(
    store: StoreDep, request: Request, name: Annotated[str, Path(max_length=MAX_ID_LENGTH)]
) -> QueryResultOut:
    return _run(store, request, name)
