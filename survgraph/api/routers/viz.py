"""/viz: the interactive graph pages of survgraph.viz, served (the same self-contained HTML as `survgraph viz`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from survgraph.api.deps import StoreDep
from survgraph.api.errors import NotFound
from survgraph.api.models import ErrorOut
from survgraph.api.params import MAX_ID_LENGTH, template_params
from survgraph.queries import TEMPLATES
from survgraph.viz import MAX_DEPTH, MIN_DEPTH, Page, SubgraphReader, VizError, render_page

router = APIRouter(prefix="/viz", tags=["viz"])

_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "A self-contained HTML page (no external resources)"}
}


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
def whole_graph(store: StoreDep) -> HTMLResponse:
    return _html(render_page(SubgraphReader(store).whole()))


@router.get(
    "/entity/{entity_id}",
    summary="An entity and its neighbourhood, `depth` hops in either direction",
    response_class=HTMLResponse,
    responses={**_HTML, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def entity_graph(
    store: StoreDep,
    entity_id: Annotated[str, Path(max_length=MAX_ID_LENGTH)],
    depth: Annotated[int, Query(ge=MIN_DEPTH, le=MAX_DEPTH, description="Hops around the entity.")] = 1,
) -> HTMLResponse:
    try:
        sub = SubgraphReader(store).ego(entity_id, depth)
    except VizError as exc:  # depth is checked above, so this is an unknown entity
        raise NotFound(str(exc)) from exc
    return _html(render_page(sub))


@router.get(
    "/query/{name}",
    summary="The result of a query template, witness paths highlighted; its parameters are the query string",
    response_class=HTMLResponse,
    responses={**_HTML, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def query_graph(
    store: StoreDep, request: Request, name: Annotated[str, Path(max_length=MAX_ID_LENGTH)]
) -> HTMLResponse:
    template = TEMPLATES.get(name)  # UnknownTemplate -> 404
    params = template_params(template, request)
    sub = SubgraphReader(store).query(name, params)  # TemplateParamError -> 422
    return _html(render_page(sub))
