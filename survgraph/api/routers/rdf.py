"""Linked data: /id/{id} with content negotiation, /export/rdf, and the vocabulary files (context, ontology, shapes).

Every entity and claim IRI the exports write is `<base>{id}`, where the base defaults to this server's own
`/id/`, so an IRI a researcher meets in a file can be looked up here. SURVGRAPH_BASE_IRI overrides it
(behind a proxy, or to mint IRIs under a stable domain).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import NoMatchFound

from survgraph.api.deps import StoreDep
from survgraph.api.errors import ApiError, NotFound
from survgraph.api.models import ErrorOut
from survgraph.api.params import (
    FORMAT_NAMES,
    MAX_ID_LENGTH,
    MAX_TEXT_LENGTH,
    AsOf,
    SelectEntity,
    SelectParams,
    SelectQuery,
    as_of_param,
    selection_params,
)
from survgraph.graph import GraphStore
from survgraph.graph.view import GraphView
from survgraph.rdf import (
    MAX_DEPTH,
    STREAMED,
    Neighbourhood,
    QueryRows,
    RdfFormat,
    Resources,
    Selection,
    UnknownEntity,
    Vocab,
    WholeGraph,
    buffered,
    build_ontology,
    build_shapes,
    iter_serialised,
    load_context,
    parse_format,
)
from survgraph.rdf.vocab import RdfSettings

router = APIRouter(tags=["linked data"])

#: The route of the visualisation page for one entity (the viz router's GET /viz/entity/{entity_id}, named
#: after its function): text/html requests for /id/{id} go there when it is mounted, else to the JSON view.
HTML_VIEW_ROUTE = "entity_graph"

#: Offered representations, in the order a wildcard (*/*, application/*) picks them.
OFFERED: tuple[RdfFormat, ...] = (RdfFormat.turtle, RdfFormat.jsonld, RdfFormat.nt, RdfFormat.xml, RdfFormat.trig)
HTML = "text/html"

_RDF_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {f.media_type: {} for f in OFFERED},
        "description": "The RDF, in the format asked for (by `format` or by the Accept header).",
    },
    406: {"model": ErrorOut, "description": "None of the Accept header's types is offered"},
}


class NotAcceptable(ApiError):
    status = 406


def _accept_entries(accept: str) -> list[tuple[str, float, int]]:
    """(media type, q, position) for each entry of an Accept header, malformed q-values read as 0."""
    entries = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            key, _, value = f.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        entries.append((media, q, position))
    return entries


def negotiate(accept: str | None, *, html: bool = False) -> RdfFormat | Literal["html"]:
    """The representation to send for an Accept header (RFC 9110: highest q, then most specific).
    No header, or */*, gets Turtle. Raises NotAcceptable."""
    if not accept or not accept.strip():
        return RdfFormat.turtle
    by_type = {f.media_type: f for f in OFFERED}
    best: tuple[float, int, int, RdfFormat | Literal["html"]] | None = None
    for media, q, position in _accept_entries(accept):
        if q <= 0:
            continue
        choice: RdfFormat | Literal["html"] | None
        specificity = 2
        if media in by_type:
            choice = by_type[media]
        elif media == "application/json":
            choice = RdfFormat.jsonld  # JSON-LD is JSON; a plain JSON client gets a document it can read
        elif media == HTML and html:
            choice = "html"
        elif media in ("*/*", "text/*", "application/*"):
            specificity = 0 if media == "*/*" else 1
            prefix = media.split("/")[0]
            choice = next((f for f in OFFERED if prefix == "*" or f.media_type.startswith(prefix + "/")), None)
        else:
            choice = None
        if choice is None:
            continue
        key = (q, specificity, -position, choice)
        if best is None or key[:3] > best[:3]:
            best = key
    if best is None:
        offered = [f.media_type for f in OFFERED] + ([HTML] if html else [])
        raise NotAcceptable(
            f"cannot answer with any of: {accept[:MAX_TEXT_LENGTH]}", [f"offered: {', '.join(offered)}"]
        )
    return best[3]


def _vocab(request: Request) -> Vocab:
    """SURVGRAPH_BASE_IRI, else this server's own /id/ (so that every IRI written dereferences here)."""
    configured = RdfSettings().base_iri
    return Vocab(configured or f"{str(request.base_url).rstrip('/')}/id/")


def _format(format: str | None, request: Request) -> RdfFormat:
    if format is not None:
        return parse_format(format)  # RdfOptionError: 422
    chosen = negotiate(request.headers.get("accept"))
    assert chosen != "html"
    return chosen


def _rdf_response(
    store: GraphStore, selection: Selection, fmt: RdfFormat, vocab: Vocab, jsonld_context: str = "inline"
) -> Response:
    """N-Triples, Turtle, TriG and RDF/XML stream (memory bounded by a page of rows and a few chunks of
    output); JSON-LD is built in memory, and refused (422) past MAX_BUFFERED_TRIPLES."""
    headers = {"Vary": "Accept"}
    if fmt not in STREAMED:
        try:
            body, _ = buffered(store, selection, fmt, vocab, "url" if jsonld_context == "url" else "inline")
        except UnknownEntity as exc:
            raise NotFound(str(exc)) from exc
        return Response(body, media_type=fmt.media_type, headers=headers)
    try:
        streamed = iter_serialised(store, selection, vocab, fmt)  # reads the first page now
    except UnknownEntity as exc:
        raise NotFound(str(exc)) from exc
    return StreamingResponse(streamed, media_type=fmt.media_type, headers=headers)


FormatQuery = Annotated[
    str | None,
    Query(
        max_length=20,
        description="turtle, nt, jsonld, xml or trig (or an alias or media type, case-insensitive); without it, "
        "the Accept header decides (default Turtle).",
        json_schema_extra={"enum": FORMAT_NAMES},
    ),
]
ContextQuery = Annotated[
    Literal["inline", "url"],
    Query(description="JSON-LD only: embed the @context, or refer to /context.jsonld."),
]


@router.get(
    "/export/rdf",
    summary="The graph, or part of it, as RDF: entities, direct triples and one sourced claim resource per edge",
    response_class=Response,
    responses={
        **_RDF_RESPONSES,
        404: {"model": ErrorOut},
        422: {"model": ErrorOut, "description": "Invalid parameters (e.g. `as_of` is not a day, YYYY-MM-DD)"},
    },
)
def export_rdf(
    store: StoreDep,
    request: Request,
    format: FormatQuery = None,
    entity: SelectEntity = None,
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Hops around `entity`.")] = 1,
    query: SelectQuery = None,
    param: SelectParams = None,
    jsonld_context: ContextQuery = "inline",
    as_of: AsOf = None,
) -> Response:
    fmt = _format(format, request)
    params = selection_params(entity, query, param)
    day = as_of_param(as_of)
    selection: Selection = (
        Neighbourhood(entity, depth, day) if entity else QueryRows(query, params, day) if query else WholeGraph(day)
    )
    return _rdf_response(store, selection, fmt, _vocab(request), jsonld_context)


@router.get(
    "/id/{entity_id}",
    summary="An entity or claim: RDF by content negotiation, or (for a browser) a redirect to its page",
    response_class=Response,
    responses={
        **_RDF_RESPONSES,
        303: {"description": "text/html: the entity's page (its visualisation once there is one, else JSON)"},
        404: {"model": ErrorOut},
    },
)
def describe(
    store: StoreDep,
    request: Request,
    entity_id: Annotated[str, Path(max_length=MAX_ID_LENGTH, description="e.g. vendor:huawei or claim:...")],
) -> Response:
    chosen = negotiate(request.headers.get("accept"), html=True)
    view = GraphView(store)
    claim = None
    if store.registry.kind_of_id(entity_id) is not None:
        found = view.get_entity(entity_id) is not None
    else:
        claim = view.claims([entity_id]).get(entity_id)
        found = claim is not None
    if not found:
        raise NotFound(f"no entity or claim with id {entity_id!r}")
    if chosen == "html":
        if claim is not None:
            target = f"/claims?from={claim['from_id']}&to={claim['to_id']}"
        else:
            try:
                target = str(request.app.url_path_for(HTML_VIEW_ROUTE, entity_id=entity_id))
            except NoMatchFound:
                target = f"/entities/{entity_id}"
        return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})
    selection: Selection = Resources((entity_id,)) if claim is not None else Neighbourhood(entity_id, 1)
    return _rdf_response(store, selection, chosen, _vocab(request))


@router.get(
    "/context.jsonld",
    summary="The JSON-LD @context of the exports",
    # Response, not JSONResponse: the latter would also declare an application/json 200 that never comes.
    response_class=Response,
    responses={
        200: {
            "content": {"application/ld+json": {"schema": {"type": "object", "required": ["@context"]}}},
            "description": "The @context document",
        }
    },
)
def context() -> JSONResponse:
    # Browser-based JSON-LD processors fetch contexts across origins.
    return JSONResponse(load_context(), media_type="application/ld+json", headers={"Access-Control-Allow-Origin": "*"})


def _vocabulary_response(request: Request, format: str | None, build: Any) -> Response:
    fmt = _format(format, request)
    graph = build()
    if fmt is RdfFormat.jsonld:
        body = graph.serialize(format="json-ld", encoding="utf-8")
    else:
        body = graph.serialize(format=fmt.rdflib_name, encoding="utf-8")
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept", "Access-Control-Allow-Origin": "*"})


@router.get(
    "/ontology",
    summary="The OWL/RDFS ontology (classes, properties, alignments), generated from the schema",
    response_class=Response,
    responses=_RDF_RESPONSES,
)
def ontology(request: Request, format: FormatQuery = None) -> Response:
    return _vocabulary_response(request, format, build_ontology)


@router.get(
    "/shapes",
    summary="The SHACL shapes exports conform to (validate with pySHACL or any SHACL engine)",
    response_class=Response,
    responses=_RDF_RESPONSES,
)
def shapes(request: Request, format: FormatQuery = None) -> Response:
    return _vocabulary_response(request, format, build_shapes)
