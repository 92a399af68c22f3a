"""/viz: the interactive graph pages of survgraph.viz, served (the same self-contained HTML as `survgraph viz`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from survgraph.api.deps import StoreDep
from survgraph.api.errors import Unprocessable
from survgraph.api.params import (
    MAX_ID_LENGTH,
    AsOf,
    as_of_param,
    template_params,
    template_query_parameters,
)
from survgraph.api.responses import json_errors
from survgraph.graph import GraphStore
from survgraph.graph.time import AS_OF_PARAM
from survgraph.queries import TEMPLATES
from survgraph.viz import MAX_DEPTH, MIN_DEPTH, Page, SubgraphReader, render_page

router = APIRouter(prefix="/viz", tags=["viz"])

#: A page is HTML; its errors are JSON like everywhere else (declared explicitly: FastAPI would file a
#: `model=` response under the route's text/html). 422 and 503 repeat the app-wide ones for that reason.
_HTML: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {"schema": {"type": "string"}}},
        "description": "A self-contained HTML page (no external resources)",
    },
    **json_errors(503, e422="Invalid parameters (e.g. `as_of` is not a day, YYYY-MM-DD)"),
}

ShowUnconnected = Annotated[
    bool, Query(description="Show the entities without any claim on the page from the start (the page has a switch).")
]


def _html(page: Page) -> HTMLResponse:
    # The page declares its Content Security Policy in a <meta> too (for the saved file); the header makes
    # it hold however the page is embedded or framed.
    return HTMLResponse(
        page.html,
        headers={
            "Content-Security-Policy": page.csp + "; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


@router.get("", summary="The whole graph", response_class=HTMLResponse, responses=_HTML)
def whole_graph(store: StoreDep, as_of: AsOf = None, show_unconnected: ShowUnconnected = False) -> HTMLResponse:
    sub = SubgraphReader(store, as_of=as_of_param(as_of)).whole()
    return _html(render_page(sub, show_unconnected=show_unconnected))


@router.get(
    "/entity/{entity_id}",
    summary="An entity and its neighbourhood, `depth` hops in either direction",
    response_class=HTMLResponse,
    responses={**_HTML, **json_errors(e404="No entity has this id")},
)
def entity_graph(
    store: StoreDep,
    entity_id: Annotated[str, Path(max_length=MAX_ID_LENGTH)],
    depth: Annotated[int, Query(ge=MIN_DEPTH, le=MAX_DEPTH, description="Hops around the entity.")] = 1,
    as_of: AsOf = None,
    show_unconnected: ShowUnconnected = False,
) -> HTMLResponse:
    reader = SubgraphReader(store, as_of=as_of_param(as_of))
    sub = reader.ego(entity_id, depth)  # an unknown entity: NoSuchEntity, a 404
    return _html(render_page(sub, show_unconnected=show_unconnected))


#: What a query page takes beside its template's parameters. `as_of` is both when the template declares it:
#: the template reads it, and the page draws only the claims in force that day.
_PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": AS_OF_PARAM,
        "in": "query",
        "required": False,
        "description": "Only the claims in force on this day (YYYY-MM-DD); undated claims always count.",
        "schema": {"type": "string", "format": "date"},
    },
    {
        "name": "show_unconnected",
        "in": "query",
        "required": False,
        "description": "Show the entities without any claim on the page from the start (the page has a switch).",
        "schema": {"type": "boolean", "default": False},
    },
]


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(name: str, value: Any) -> bool:
    """A boolean query parameter read as FastAPI reads one (true/false, 1/0, yes/no, on/off); else a 422."""
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise Unprocessable("invalid parameters", [f"{name}: {str(value)[:40]!r} is not a boolean (true or false)"])


def _query_page(store: GraphStore, request: Request, name: str) -> HTMLResponse:
    template = TEMPLATES.get(name)  # UnknownTemplate -> 404
    params = template_params(template, request)
    as_of = as_of_param(request.query_params.get(AS_OF_PARAM))
    if not any(p.name == AS_OF_PARAM for p in template.params):
        params.pop(AS_OF_PARAM, None)
    show = _flag("show_unconnected", params.pop("show_unconnected", None))
    sub = SubgraphReader(store, as_of=as_of).query(name, params)  # TemplateParamError -> 422
    return _html(render_page(sub, show_unconnected=show))


def _query_endpoint(name: str) -> Callable[[GraphStore, Request], HTMLResponse]:
    def endpoint(store: StoreDep, request: Request) -> HTMLResponse:
        return _query_page(store, request, name)

    endpoint.__name__ = f"query_graph_{name}"
    return endpoint


# One documented operation per template, with its parameters (required ones, enums, bounds) declared.
for _t in TEMPLATES.listing():
    router.add_api_route(
        f"/query/{_t.name}",
        _query_endpoint(_t.name),
        methods=["GET"],
        summary=f"The result of the template {_t.name} as a graph, witness paths highlighted",
        description=_t.description,
        response_class=HTMLResponse,
        responses={**_HTML, **json_errors(e422="Invalid parameters: each problem in `details`")},
        openapi_extra={
            "parameters": template_query_parameters(_t)
            + [p for p in _PAGE_PARAMETERS if p["name"] not in {q.name for q in _t.params}]
        },
    )


@router.get(
    "/query/{name}",
    summary="The result of a query template by name (each template is also its own operation)",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def query_graph(
    store: StoreDep, request: Request, name: Annotated[str, Path(max_length=MAX_ID_LENGTH)]
) -> HTMLResponse:
    return _query_page(store, request, name)
