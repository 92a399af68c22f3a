"""Query parameters shared by several routers: pagination bounds, id and text lengths."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from survgraph.api.errors import Unprocessable
from survgraph.queries import TEMPLATES, Template
from survgraph.queries.params import parse_key_values
from survgraph.rdf.formats import ALIASES as FORMAT_ALIASES
from survgraph.schema import REGISTRY
from survgraph.schema.types import check_as_of

MAX_LIMIT = 500
#: Ids are short slugs; anything longer cannot be in the graph and is refused before it reaches a store.
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 200

#: The values the schema lists for the parameters that name something from the registry. Matching is
#: case-insensitive (the validators below): the enums list the canonical spellings.
KIND_NAMES: list[str] = [k.label for k in REGISTRY.node_kinds.values()] + [
    k.prefix for k in REGISTRY.node_kinds.values() if k.prefix != k.label
]
EDGE_TYPE_NAMES: list[str] = list(REGISTRY.edge_types)
TEMPLATE_NAMES: list[str] = [t.name for t in TEMPLATES.listing()]
#: RDF format names, their aliases and media types (survgraph.rdf.formats.ALIASES), as `format` takes them.
FORMAT_NAMES: list[str] = sorted(FORMAT_ALIASES)

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]


def edge_type(value: str) -> str:
    """An edge type from the registry (case-insensitive), or 422 listing the allowed ones."""
    name = value.strip().upper()
    if name not in REGISTRY.edge_types:
        raise Unprocessable(
            f"unknown edge type {value[:MAX_ID_LENGTH]!r}",
            [f"allowed: {', '.join(REGISTRY.edge_types)}"],
        )
    return name


def edge_types(values: list[str] | None) -> list[str] | None:
    """Repeated (`types=A&types=B`) or comma-separated (`types=A,B`) edge types, validated."""
    if not values:
        return None
    names = [edge_type(part) for v in values for part in v.split(",") if part.strip()]
    return sorted(set(names)) or None


def node_kind(value: str) -> str:
    """A node kind by label or id prefix, case-insensitive ("Vendor", "vendor"), or 422."""
    wanted = value.strip().lower()
    for kind in REGISTRY.node_kinds.values():
        if wanted in (kind.label.lower(), kind.prefix):
            return kind.label
    raise Unprocessable(
        f"unknown kind {value[:MAX_ID_LENGTH]!r}",
        [f"allowed: {', '.join(REGISTRY.node_kinds)}"],
    )


def template_params(template: Template, request: Request) -> dict[str, Any]:
    """A template's parameters from the query string: list parameters repeated (`types=A&types=B`)
    or comma-separated (`types=A,B`). Unknown names go through too: the template's validation names
    them in its 422."""
    specs = {p.name: p for p in template.params}
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        spec = specs.get(key)
        if spec is not None and spec.type == "list[str]":
            params[key] = [part for v in values for part in v.split(",")]
        else:
            params[key] = values[0] if len(values) == 1 else values
    return params


def template_query_parameters(template: Template) -> list[dict[str, Any]]:
    """The OpenAPI query parameters of one template, from the JSON Schema of its parameter model: each
    required one `required`, enums, bounds and defaults as the template's validation applies them; an
    optional one may also be empty. A list parameter is repeated (`types=A&types=B`); a comma-separated
    value is accepted too."""
    schema = template.json_schema()
    required = set(schema.get("required", ()))
    out: list[dict[str, Any]] = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        branches = [b for b in prop.pop("anyOf", ()) if b.get("type") != "null"]
        if len(branches) == 1:  # Optional[X]: a query parameter is absent, never null
            prop = {**branches[0], **prop}
        if prop.get("default") is None:
            prop.pop("default", None)
        prop.pop("title", None)
        if name not in required:
            # The template layer reads empty (or blank) text as "not given": the default applies.
            prop = {
                "anyOf": [prop, {"type": "string", "pattern": r"^\s*$"}],
                "description": prop.get("description", ""),
            }
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": prop,
        }
        if prop.get("type") == "array" or any(b.get("type") == "array" for b in prop.get("anyOf", ())):
            param.update(style="form", explode=True)
        out.append(param)
    return out


# -- choosing part of the graph (/export/rdf, /export/graph) ------------------------------------------

SelectEntity = Annotated[
    str | None, Query(max_length=MAX_ID_LENGTH, description="Only this entity and its neighbourhood.")
]
SelectQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_ID_LENGTH,
        description="Only what this query template's rows reference (see /queries).",
        json_schema_extra={"enum": TEMPLATE_NAMES},
    ),
]
SelectParams = Annotated[
    list[str] | None,
    Query(max_length=MAX_TEXT_LENGTH, description="KEY=VALUE parameters of `query`, repeatable."),
]


def selection_params(entity: str | None, query: str | None, param: list[str] | None) -> dict[str, Any]:
    """The `query`'s parameters, after checking that the selection is one thing: an entity or a query."""
    if entity and query:
        raise Unprocessable("give entity or query, not both")
    params = parse_key_values(param, option="param")
    if params and not query:
        raise Unprocessable("param needs query")
    return params


AsOf = Annotated[
    str | None,
    Query(
        max_length=MAX_ID_LENGTH,
        description="Only the claims in force on this day (YYYY-MM-DD); undated claims always count. "
        "Entities are shown whatever the day.",
        json_schema_extra={"format": "date"},
    ),
]


def as_of_param(value: str | None) -> str | None:
    """`as_of` checked (a real calendar day, YYYY-MM-DD), None when absent or empty; else a 422, as for a
    template's own `as_of` (every surface answers a bad day the same way)."""
    if value is None or not value.strip():
        return None
    try:
        return check_as_of(value.strip())
    except ValueError as exc:
        detail = f"as_of: {exc} (a day: YYYY-MM-DD)"[:300]
        raise Unprocessable(f"invalid as_of {value[:MAX_ID_LENGTH]!r}", [detail]) from exc
