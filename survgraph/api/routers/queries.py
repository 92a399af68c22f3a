"""/queries: the named Cypher templates with their parameter schemas, and running one with GET parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from survgraph.api.deps import StoreDep
from survgraph.api.models import ColumnOut, ErrorOut, ParamOut, QueryResultOut, TemplateList, TemplateOut
from survgraph.api.params import MAX_ID_LENGTH, template_params
from survgraph.api.reads import json_safe
from survgraph.queries import TEMPLATES, Template, run_template

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


@router.get(
    "/{name}",
    summary="Run a template; its parameters are the query string (lists repeated or comma-separated)",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def run_query(
    store: StoreDep, request: Request, name: Annotated[str, Path(max_length=MAX_ID_LENGTH)]
) -> QueryResultOut:
    template = TEMPLATES.get(name)  # UnknownTemplate -> 404
    params = template_params(template, request)
    rows = run_template(store, name, params)  # TemplateParamError -> 422, with every problem
    columns = list(template.columns) or (list(rows[0]) if rows else [])
    return QueryResultOut(template=name, params=json_safe(params), columns=columns, rows=[json_safe(r) for r in rows])
